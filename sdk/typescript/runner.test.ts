// Tests of runner.ts, each in a node process of its own that looks like Pulumi's program runner to
// $config (PULUMI_NODEJS_MONITOR set) and loads a CommonJS config written to a temporary folder.
// The full path (the runner itself, the engine, both module kinds) is e2e's TestTypeScriptUp.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// A config as TypeScript compiles `export default $config({...})` to CommonJS.
const config = `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const lumier_1 = require(${JSON.stringify(path.join(__dirname, "index.js"))});
exports.default = (0, lumier_1.$config)({ app() { return { name: "my-app" }; }, run() {} });
`;

function runNode(script: string, env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lumier-runner-"));
    try {
        fs.writeFileSync(path.join(dir, "lumier.config.js"), config);
        const r = spawnSync(process.execPath, ["-e", script], {
            cwd: dir, env: { ...process.env, ...env }, encoding: "utf8", timeout: 60_000,
        });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

test("under the runner, a CommonJS config's exports are the program, as the runner calls them", () => {
    const r = runNode(`
const m = require(require("path").resolve("lumier.config.js"));
console.log(JSON.stringify({ fn: typeof m, spec: typeof m.spec, self: m.default === m }));
process.removeAllListeners("beforeExit"); // the program is not run here: drop the exit check
`, { PULUMI_NODEJS_MONITOR: "127.0.0.1:1" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim()), { fn: "function", spec: "object", self: true });
});

test("outside the runner, a CommonJS config exports { default: program } as compiled", () => {
    const r = runNode(`
const m = require(require("path").resolve("lumier.config.js"));
console.log(JSON.stringify({ type: typeof m, program: typeof m.default }));
`, { PULUMI_NODEJS_MONITOR: "" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim()), { type: "object", program: "function" });
});

test("under the runner, a config nothing runs fails the process at exit, naming the file", () => {
    const r = runNode(`require(require("path").resolve("lumier.config.js"));`, { PULUMI_NODEJS_MONITOR: "127.0.0.1:1" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /lumier: the \$config in lumier\.config\.js was loaded but never run, so nothing was deployed/);
});

// Runs one Pulumi operation on a lumier TypeScript config through the Node.js Automation API, with
// the config's default export (what $config returns) as the inline program: the program runs in
// this process and drives the pulumi CLI on PATH, so no Node.js language host is needed. The Go
// e2e tests run it (e2e/counter_ts_test.go).
//
//   node deploy.js up|preview|destroy
//
// Environment: LUMIER_PROJECT_DIR (holds the config; Worker entries are relative to it),
// LUMIER_CONFIG (the config file in it), LUMIER_STACK, LUMIER_PROVIDER_DIR (holds
// pulumi-resource-lumier), plus what the engine and the provider read (PULUMI_BACKEND_URL,
// PULUMI_CONFIG_PASSPHRASE, CLOUDFLARE_*). Prints the result as JSON on the last line of stdout:
// {"summary": {<op>: <count>}, "outputs": {<name>: <value>}}.
"use strict";
const path = require("path");

async function main() {
    const [op] = process.argv.slice(2);
    const env = name => {
        const v = process.env[name];
        if (!v) {
            throw new Error(`${name} is not set`);
        }
        return v;
    };
    const dir = path.resolve(env("LUMIER_PROJECT_DIR"));
    // The config is TypeScript: compile it on load, as `pulumi up` does for a TypeScript program.
    require("ts-node").register({ transpileOnly: true, compilerOptions: { module: "commonjs" } });
    const program = require(path.join(dir, env("LUMIER_CONFIG"))).default;
    if (typeof program !== "function") {
        throw new Error("the config's default export is not a program: write `export default $config({ app, run })`");
    }
    process.chdir(dir); // as the Node.js language host would for a project in dir
    const { LocalWorkspace } = require("@pulumi/pulumi/automation");
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName: env("LUMIER_STACK"), projectName: path.basename(dir), program },
        {
            workDir: dir,
            projectSettings: {
                name: path.basename(dir),
                runtime: "nodejs",
                plugins: { providers: [{ name: "lumier", path: env("LUMIER_PROVIDER_DIR") }] },
            },
        },
    );
    const log = s => process.stderr.write(s);
    let result;
    switch (op) {
        case "up":
            result = await stack.up({ onOutput: log });
            break;
        case "preview": {
            const p = await stack.preview({ onOutput: log });
            result = { summary: { resourceChanges: p.changeSummary } };
            break;
        }
        case "destroy":
            result = await stack.destroy({ onOutput: log });
            break;
        default:
            throw new Error(`unknown operation ${JSON.stringify(op)}: want up, preview or destroy`);
    }
    const outputs = {};
    for (const [name, o] of Object.entries(result.outputs ?? {})) {
        outputs[name] = o.value;
    }
    process.stdout.write("\n" + JSON.stringify({ summary: result.summary.resourceChanges ?? {}, outputs }) + "\n");
}

main().catch(err => {
    process.stderr.write(`deploy.js: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
});

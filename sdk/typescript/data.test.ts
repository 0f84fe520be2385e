// Tests of R2Bucket and KvNamespace in the helper, run with `node --test` on the compiled bin/ (make tstest).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { appArgs, collect, KvNamespace, R2Bucket, Worker } from "./config";

test("R2Bucket records each declaration and is a binding value the App resolves by name", async () => {
    let files: unknown;
    const { declarations } = await collect({
        app: () => ({ name: "my-app" }),
        run() {
            files = R2Bucket("files");
            R2Bucket("files");
            Worker("api", { entry: "src/index.ts", bindings: { FILES: files as any } });
        },
    }, "dev");
    assert.deepEqual(files, { type: "r2_bucket", name: "files" });
    assert.deepEqual(declarations.r2Buckets, ["files", "files"]);
    const args = appArgs(declarations);
    assert.deepEqual(args.r2Buckets, [{ name: "files" }, { name: "files" }]);
    assert.deepEqual((args.workers as any[]).map(({ at, ...w }) => w), [{
        name: "api", entry: "src/index.ts",
        bindings: { FILES: { type: "r2_bucket", name: "files" } }, secrets: undefined, queueConsumers: undefined,
    }]);
});

test("KvNamespace records each declaration and is a binding value the App resolves by name", async () => {
    const { declarations } = await collect({
        app: () => ({ name: "my-app" }),
        run() {
            const cache = KvNamespace("cache");
            assert.deepEqual(KvNamespace("cache"), cache, "declaring it again is the same namespace");
            Worker("api", { entry: "src/index.ts", bindings: { CACHE: cache } });
        },
    }, "dev");
    assert.deepEqual(declarations.kvNamespaces, ["cache", "cache"]);
    const args = appArgs(declarations);
    assert.deepEqual(args.kvNamespaces, [{ name: "cache" }, { name: "cache" }]);
    assert.deepEqual((args.workers as any[])[0].bindings, { CACHE: { type: "kv_namespace", name: "cache" } });
});

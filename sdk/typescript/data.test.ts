// Tests of R2Bucket and KvNamespace in the helper, run with `node --test` on the compiled bin/ (make tstest).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { appArgs, collect, KvNamespace, R2Bucket, Worker } from "./config";

test("R2Bucket declares a bucket once and is a binding value the App resolves by name", async () => {
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
    assert.deepEqual(declarations.r2Buckets, ["files"]);
    const args = appArgs(declarations);
    assert.deepEqual(args.r2Buckets, [{ name: "files" }]);
    assert.deepEqual(args.workers, [{
        name: "api", entry: "src/index.ts", workersDev: undefined,
        bindings: { FILES: { type: "r2_bucket", name: "files" } }, secrets: undefined,
        compatibilityDate: undefined, compatibilityFlags: undefined, build: undefined, crons: undefined,
        routes: undefined, domains: undefined, assets: undefined, rollout: undefined, queueConsumers: undefined,
    }]);
});

test("R2Bucket refuses a name the bucket name could not be made of", async () => {
    await assert.rejects(collect({
        app: () => ({ name: "my-app" }),
        run() {
            R2Bucket("My_Files");
        },
    }, "dev"), /R2Bucket\("My_Files"\): name must be lowercase letters, digits and '-'/);
});

test("KvNamespace declares a namespace once and is a binding value the App resolves by name", async () => {
    const { declarations } = await collect({
        app: () => ({ name: "my-app" }),
        run() {
            const cache = KvNamespace("cache");
            assert.deepEqual(KvNamespace("cache"), cache, "declaring it again is the same namespace");
            Worker("api", { entry: "src/index.ts", bindings: { CACHE: cache } });
        },
    }, "dev");
    assert.deepEqual(declarations.kvNamespaces, ["cache"]);
    const args = appArgs(declarations);
    assert.deepEqual(args.kvNamespaces, [{ name: "cache" }]);
    assert.deepEqual((args.workers as any[])[0].bindings, { CACHE: { type: "kv_namespace", name: "cache" } });
    await assert.rejects(collect({ app: () => ({ name: "a" }), run() { KvNamespace("Cache_1"); } }, "dev"),
        /KvNamespace\("Cache_1"\): name must be lowercase letters, digits and '-'/);
});

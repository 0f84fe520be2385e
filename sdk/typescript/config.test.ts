// Tests of the helper, run with `node --test` on the compiled bin/ (make typecheck). The program
// test runs on Pulumi's mocks: it records the App the program creates instead of deploying it.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { $config, AnalyticsEngine, appArgs, collect, D1Database, DurableObject, Json, Queue, Service, VersionMetadata, Worker } from "./config";
import { printDeclarations } from "./declarations";

const basicUsage = {
    app() {
        return { name: "my-app", protect: ["production"] };
    },
    run() {
        const api = Worker("api", { entry: "src/index.ts" });
        const counter = DurableObject("counter", { worker: api, className: "Counter" });
        Worker("api", { entry: "src/index.ts", bindings: { COUNTER: counter } });
    },
};

test("every declaration is recorded as made, in order, with where it was made", async () => {
    let counterOutput: unknown;
    const { declarations } = await collect({
        app: basicUsage.app,
        run() {
            const api = Worker("api", { entry: "src/index.ts", bindings: { GREETING: "hi" } });
            counterOutput = DurableObject("counter", { worker: api, className: "Counter", sqlite: false });
            Worker("api", { compatibilityDate: "2025-01-01", bindings: { COUNTER: counterOutput as any } });
            DurableObject("counter", { worker: api, className: "Counter" });
        },
    }, "dev");
    assert.deepEqual(counterOutput, { type: "durable_object", name: "counter", className: "Counter" });
    assert.deepEqual(declarations.app, { name: "my-app", protect: ["production"], stage: "dev" });
    const at = /^sdk\/typescript\/bin\/config\.test\.js:\d+$/;
    assert.match(declarations.workers[0].at!, at, "the position is the caller's file:line");
    assert.deepEqual(declarations.workers.map(({ at, ...w }) => w), [
        { name: "api", entry: "src/index.ts", bindings: { GREETING: "hi" } },
        { name: "api", compatibilityDate: "2025-01-01", bindings: { COUNTER: { type: "durable_object", name: "counter", className: "Counter" } } },
    ], "both declarations, unmerged: the App merges them");
    assert.deepEqual(declarations.durableObjects.map(({ at, ...d }) => d), [
        { name: "counter", worker: "api", className: "Counter", sqlite: false, renamedFrom: undefined, transferredFrom: undefined },
        { name: "counter", worker: "api", className: "Counter", sqlite: undefined, renamedFrom: undefined, transferredFrom: undefined },
    ]);
});

test("declarations that disagree are recorded: the App, not the helper, refuses them", async () => {
    const { declarations } = await collect({
        app: basicUsage.app,
        run() {
            const api = Worker("api", { entry: "src/index.ts", bindings: { MODE: "a" } });
            Worker("api", { entry: "src/other.ts", bindings: { MODE: "b" } });
            DurableObject("counter", { worker: api, className: "Counter" });
            DurableObject("counter", { worker: api, className: "Other" });
        },
    }, "dev");
    assert.equal((appArgs(declarations).workers as unknown[]).length, 2);
    assert.equal((appArgs(declarations).durableObjects as unknown[]).length, 2);
});

test("bad input is refused with what to write", async () => {
    assert.throws(() => Worker("api", { entry: "src/index.ts" }), /called outside run\(\)/);
    await assert.rejects(collect({ app: basicUsage.app, run() { Worker("api", { entry: 1 as any }); } }, "dev"),
        { message: 'Worker "api": entry must be a string, for example entry: "src/index.ts", not 1' });
    await assert.rejects(collect({ app: basicUsage.app, run() { DurableObject("c", { worker: {} as any, className: "C" }); } }, "dev"),
        /worker must be what Worker\(\.\.\.\) returned/);
    await assert.rejects(collect({ app: () => ({ name: "" }), run() {} }, "dev"), /app\(\) must return \{ name/);
    await assert.rejects(collect({
        app: basicUsage.app,
        run() {
            const api = Worker("api", { entry: "src/index.ts" });
            DurableObject("counter", { worker: api, className: "Counter", sqlite: "yes" as any });
        },
    }, "dev"), { message: 'DurableObject "counter": sqlite must be a boolean, for example sqlite: true, not "yes"' });
    await assert.rejects(collect({ app: basicUsage.app, run() { Worker("api", { entry: "src/index.ts", compatibilityFlags: "nodejs_compat" as any }); } }, "dev"),
        { message: 'Worker "api": compatibilityFlags must be a list of strings, for example compatibilityFlags: ["nodejs_compat"], not "nodejs_compat"' });
    assert.throws(() => $config({ app: basicUsage.app } as any), /both app\(\) and run\(\) are required/);
});

test("printDeclarations prints the App's inputs for lumier types", async () => {
    const chunks: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((s: string) => (chunks.push(s), true)) as any;
    try {
        await printDeclarations($config(basicUsage), "dev");
    } finally {
        process.stdout.write = write;
    }
    const printed = JSON.parse(chunks.join(""));
    assert.equal(printed.name, "my-app");
    assert.deepEqual(printed.workers.map((w: any) => [w.name, w.entry, w.bindings]), [
        ["api", "src/index.ts", undefined],
        ["api", "src/index.ts", { COUNTER: { type: "durable_object", name: "counter", className: "Counter" } }],
    ]);
    assert.deepEqual(printed.durableObjects.map((d: any) => [d.name, d.worker, d.className]), [["counter", "api", "Counter"]]);
});

test("secret text goes to the Worker's secrets, everything else stays a binding", () => {
    const secret = pulumi.secret("s3cret");
    const args = appArgs({
        app: { name: "a", stage: "dev" },
        workers: [{ name: "api", entry: "i.ts", bindings: { TOKEN: { type: "secret_text", text: "t" }, KEY: secret, MODE: "x" } }],
        durableObjects: [], queues: [], d1Databases: [], r2Buckets: [], kvNamespaces: [],
    });
    const [api] = args.workers as any[];
    assert.deepEqual(api.secrets, { TOKEN: "t" });
    assert.equal(api.bindings.KEY, secret);
    assert.equal(api.bindings.MODE, "x");
    assert.equal(args.durableObjects, undefined);
});

test("assets reach the App's Worker", async () => {
    const assets = { directory: "public", notFoundHandling: "404-page", binding: "ASSETS" };
    const { declarations } = await collect({
        app: basicUsage.app,
        run() {
            Worker("web", { entry: "src/index.ts", assets });
            Worker("web", { entry: "src/index.ts", assets });
        },
    }, "dev");
    const [web] = appArgs(declarations).workers as any[];
    assert.deepEqual(web.assets, assets);
});

test("rollout reaches the App's Worker", async () => {
    const { declarations } = await collect({
        app: basicUsage.app,
        run() {
            Worker("api", { entry: "src/index.ts", rollout: { percentage: 50 } });
            Worker("api", { entry: "src/index.ts", bindings: { MODE: "a" } });
            Worker("web", { entry: "src/web.ts" });
        },
    }, "dev");
    const workers = appArgs(declarations).workers as any[];
    assert.deepEqual(workers.find(w => w.name === "api").rollout, { percentage: 50 });
    assert.equal(workers.find(w => w.name === "web").rollout, undefined, "no rollout: every request on the new version");
});

test("a Queue is a binding value and a consumer, passed to the App by name", async () => {
    const { declarations } = await collect({
        app: () => ({ name: "my-app" }),
        run() {
            const jobs = Queue("jobs");
            const dlq = Queue("jobs-dlq");
            Queue("jobs");
            Worker("api", { entry: "i.ts", bindings: { JOBS: jobs }, queueConsumers: [{ queue: jobs, maxRetries: 2, deadLetterQueue: dlq }] });
        },
    }, "dev");
    const args = appArgs(declarations);
    assert.deepEqual(args.queues, [{ name: "jobs" }, { name: "jobs-dlq" }, { name: "jobs" }], "each declaration: the App merges them");
    const [api] = args.workers as any[];
    assert.deepEqual(api.bindings.JOBS, { type: "queue", name: "jobs" });
    assert.deepEqual(api.queueConsumers, [{ queue: "jobs", maxRetries: 2, deadLetterQueue: "jobs-dlq" }],
        "the queues are named by their names in the app, the other settings as written");
});

test("the program creates one App from the declarations and Worker urls come from its outputs", async () => {
    const created: { type: string; name: string; inputs: any }[] = [];
    await pulumi.runtime.setMocks({
        newResource(args) {
            created.push({ type: args.type, name: args.name, inputs: args.inputs });
            const workers = Object.fromEntries((args.inputs.workers ?? []).map((w: { name: string }) => w.name).map((w: string) => [w, {
                type: "worker", name: w, scriptName: `my-app-dev-${w}`, url: `http://127.0.0.1:9/${w}`,
            }]));
            return { id: `${args.name}-id`, state: { ...args.inputs, workers, durableObjects: {} } };
        },
        call: () => ({}),
    }, "counter-ts", "dev");
    let url: pulumi.Output<string> | undefined;
    const program = $config({
        app: basicUsage.app,
        run() {
            basicUsage.run();
            url = Worker("api", { entry: "src/index.ts" }).url;
            return { url };
        },
    });
    const outputs = await program();
    // Registration is asynchronous: the url resolves once the App's outputs are in.
    const resolved = await new Promise(resolve => (outputs.url as pulumi.Output<string>).apply(resolve));
    assert.equal(resolved, "http://127.0.0.1:9/api");
    assert.equal(created.length, 1, `one resource, the App: ${JSON.stringify(created)}`);
    assert.equal(created[0].type, "lumier:index:App");
    assert.equal(created[0].inputs.name, "my-app");
    assert.equal(created[0].inputs.stage, "dev");
    assert.deepEqual(created[0].inputs.workers.map(({ at, ...w }: any) => w), [
        { name: "api", entry: "src/index.ts" },
        { name: "api", entry: "src/index.ts", bindings: { COUNTER: { type: "durable_object", name: "counter", className: "Counter" } } },
        { name: "api", entry: "src/index.ts" },
    ], "every declaration, in order: the App merges them");
    assert.deepEqual(created[0].inputs.durableObjects.map(({ at, ...d }: any) => d), [{ name: "counter", worker: "api", className: "Counter" }]);
    assert.ok("workers" in outputs && "durableObjects" in outputs);
});

test("D1Database is a binding value and reaches the App with its migrations folder", async () => {
    const { declarations } = await collect({
        app: () => ({ name: "a" }),
        run() {
            const db = D1Database("db", { migrations: "migrations" });
            assert.deepEqual(D1Database("db", { migrations: "migrations" }), db, "declaring it again returns the same");
            Worker("api", { entry: "i.ts", bindings: { DB: db } });
        },
    }, "dev");
    const args = appArgs(declarations);
    assert.deepEqual(args.d1Databases, [{ name: "db", migrationsDir: "migrations" }, { name: "db", migrationsDir: "migrations" }]);
    assert.deepEqual((args.workers as any[])[0].bindings.DB, { type: "d1", name: "db" });
});

test("a Worker, Service(worker, entrypoint), Json(value) and the kinds' helpers become their bindings", async () => {
    const { declarations } = await collect({
        app: basicUsage.app,
        run() {
            const auth = Worker("auth", { entry: "src/auth.ts" });
            Worker("api", { entry: "src/index.ts", bindings: { AUTH: auth, AUTH_RPC: Service(auth, "AuthRPC"), CONFIG: Json({ on: true }), VERSION: VersionMetadata(), EVENTS: AnalyticsEngine("page_views") } });
        },
    }, "dev");
    const api = (appArgs(declarations).workers as any[]).find((w: any) => w.name === "api");
    assert.deepEqual(api.bindings, {
        AUTH: { type: "service", name: "auth" },
        AUTH_RPC: { type: "service", name: "auth", entrypoint: "AuthRPC" },
        CONFIG: { type: "json", value: { on: true } },
        VERSION: { type: "version_metadata" },
        EVENTS: { type: "analytics_engine", dataset: "page_views" },
    });
});

test("a Worker's routes and domains reach the App as written; a malformed route is refused where it is written", async () => {
    const { declarations } = await collect({
        app: () => ({ name: "my-app" }),
        run() {
            Worker("api", { entry: "src/index.ts", routes: ["example.com/api/*", { pattern: "example.org/*", zoneName: "example.org" }], domains: ["api.example.com"] });
        },
    }, "dev");
    const workers = appArgs(declarations).workers as { routes?: unknown; domains?: unknown }[];
    assert.deepEqual(workers[0].routes, ["example.com/api/*", { pattern: "example.org/*", zoneName: "example.org" }]);
    assert.deepEqual(workers[0].domains, ["api.example.com"]);
    await assert.rejects(collect({
        app: () => ({ name: "my-app" }),
        run() {
            Worker("api", { entry: "src/index.ts", routes: [42 as unknown as string] });
        },
    }, "dev"), /Worker "api": routes must be a list of patterns or \{ pattern, zoneName \}/);
});

// The `$config({ app, run })` shape for TypeScript programs: Worker(...), DurableObject(...) and
// the data declarations only record what they are given, verbatim, in order, with where the call
// is; $config then creates ONE lumier:index:App component (generated SDK, @lumier-dev/lumier)
// from them. The App alone merges, deduplicates, checks and names, exactly as for Go and YAML
// programs, so every language gets the same answer and the same message.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as sdk from "@lumier-dev/lumier";
import { KindBinding } from "./kinds";
import { WorkerOptions } from "./options";
import { attachToRunner, callerFile, underPulumiRunner } from "./runner";

export * from "./kinds";
export * from "./options";

/** What the config's app() receives. */
export interface AppInput {
    /** The stage: the Pulumi stack name. */
    stage: string;
}

/** What the config's app() returns. */
export interface AppSettings {
    /** The app name; scripts are named `<app>-<stage>-<worker>`. */
    name: string;
    /** Stages whose resources are all protected. */
    protect?: string[];
    /** "retain" (default) keeps removed Workers and their data on Cloudflare; "remove" deletes them. */
    removal?: "retain" | "remove";
}

/** The argument of $config. */
export interface ConfigSpec {
    app(input: AppInput): AppSettings;
    /** Declares Workers and Durable Objects; what it returns (if anything) becomes stack outputs. */
    run(): void | Record<string, unknown> | Promise<void | Record<string, unknown>>;
}

/** A Durable Object as declared: the DurableObjectOutput, usable as a binding value. */
export interface DurableObjectOutput {
    type: "durable_object";
    name: string;
    className: string;
}

/** A secret text binding given explicitly (a pulumi.secret(...) string is one too). */
export interface SecretTextBinding {
    type: "secret_text";
    text: pulumi.Input<string>;
}

/** A Workers KV namespace as declared (KvNamespace(name)), usable as a binding value. */
export interface KvNamespaceOutput {
    type: "kv_namespace";
    name: string;
}

/** An R2 bucket as declared (R2Bucket(name)), usable as a binding value. */
export interface R2BucketOutput {
    type: "r2_bucket";
    name: string;
}

/** A Queue as declared, usable as a binding value (a producer: env.NAME.send, sendBatch). */
export interface QueueOutput {
    type: "queue";
    name: string;
}


/** A queue a Worker consumes; unset settings take Cloudflare's defaults (10, 5 s, 3 retries). */
export interface QueueConsumerOptions {
    queue: QueueOutput;
    /** Most messages in one batch, 1 to 100. */
    maxBatchSize?: number;
    /** Seconds a batch may wait to fill, 0 to 60. */
    maxBatchTimeout?: number;
    /** Retries before a message moves to deadLetterQueue (or is dropped), 0 to 100. */
    maxRetries?: number;
    deadLetterQueue?: QueueOutput;
    /** Seconds before a retried message is delivered again, 0 to 43200. */
    retryDelay?: number;
}

/** A D1 database as declared, usable as a binding value. */
export interface D1DatabaseOutput {
    type: "d1";
    name: string;
}

/** Options of D1Database(name, options). */
export interface D1DatabaseOptions {
    /** Folder of SQL migration files (0001_init.sql, ...), relative to the Pulumi project directory. */
    migrations?: string;
}

/** A service binding to a Worker of this app; Service(worker, entrypoint) makes one. */
export interface ServiceBinding {
    type: "service";
    name: string;
    /** The WorkerEntrypoint class to call by RPC; unset calls the Worker's default export. */
    entrypoint?: string;
}

/** A Workflow as declared (Workflow(name, options)): bind it to another Worker as a binding value. */
export interface WorkflowOutput {
    type: "workflow";
    name: string;
}

/** Options of Workflow(name, options). */
export interface WorkflowOptions {
    /** The Worker whose code exports the class; it gets the binding. */
    worker: WorkerOutput;
    /** The exported class that extends WorkflowEntrypoint (from "cloudflare:workers"). */
    className: string;
    /** The host Worker's env name for it; defaults to the name in upper case, '-' as '_' ("order" is ORDER). */
    binding?: string;
}

/** A Workflow declaration as made, in the App's input shape. */
export interface WorkflowDeclaration {
    name: string;
    worker: string;
    className: string;
    binding?: string;
}

/** A json binding: env.NAME is the parsed value; Json(value) makes one. */
export interface JsonBinding {
    type: "json";
    value: unknown;
}

/**
 * A binding value: plain text, a secret, a Durable Object, Queue, D1 database, R2 bucket or KV namespace of this
 * app, a Worker of this app (a service binding to its default export), Service(worker, entrypoint),
 * Json(value), or a kind's helper (VersionMetadata(), AnalyticsEngine(dataset): sdk/typescript/kinds.ts).
 */
export type BindingValue = string | pulumi.Output<string> | DurableObjectOutput | QueueOutput | D1DatabaseOutput
    | R2BucketOutput | KvNamespaceOutput | SecretTextBinding | WorkerOutput | ServiceBinding | JsonBinding
    | KindBinding | WorkflowOutput;

/** Service binds worker's WorkerEntrypoint class entrypoint: env.NAME's methods are RPC calls to it. */
export function Service(worker: WorkerOutput, entrypoint?: string): ServiceBinding {
    return entrypoint === undefined ? { type: "service", name: worker.name } : { type: "service", name: worker.name, entrypoint };
}

/** Json binds any JSON value: env.NAME is the parsed value. */
export function Json(value: unknown): JsonBinding {
    return { type: "json", value };
}

/** esbuild options for a Worker's bundle. */
export interface BuildOptions {
    define?: Record<string, string>;
    external?: string[];
    minify?: boolean;
    sourcemap?: boolean;
}

/** A route naming its zone. */
export interface RouteOptions {
    pattern: string;
    zoneName?: string;
    zoneId?: string;
}

/** A Worker's gradual rollout. */
export interface RolloutOptions {
    /** Percentage of requests routed to the new version: more than 0, at most 100. */
    percentage: pulumi.Input<number>;
}

/** A Worker's static assets, with Cloudflare's names and defaults. */
export interface AssetsOptions {
    /** Directory of the static files, relative to the Pulumi project directory. */
    directory: string;
    /** "auto-trailing-slash" (default), "force-trailing-slash", "drop-trailing-slash" or "none". */
    htmlHandling?: string;
    /** "none" (default), "404-page" or "single-page-application". */
    notFoundHandling?: string;
    /** Run the Worker for every request, even one a file matches (default false). */
    runWorkerFirst?: boolean;
    /** Name of the env binding that fetches the assets, for example "ASSETS". */
    binding?: string;
}

/** What Worker(...) returns. url and scriptName resolve once the App is deployed. */
export interface WorkerOutput {
    type: "worker";
    name: string;
    url: pulumi.Output<string>;
    /** The URLs the Worker can be called at: workers.dev, https://<domain>/ per custom domain, and each route without a host wildcard, its trailing "*" dropped. */
    urls: pulumi.Output<string[]>;
    scriptName: pulumi.Output<string>;
}

/** Options of DurableObject(name, options): the Worker and class, plus rename and transfer. */
export interface DurableObjectOptions {
    /** The Worker whose code exports the class. */
    worker: WorkerOutput;
    /** The exported class name. */
    className: string;
    /** SQLite-backed storage (default true). Cloudflare cannot change it later. */
    sqlite?: boolean;
    /** The class's previous name, when renaming it keeps its objects. */
    renamedFrom?: string;
    /** The Worker of this app the class moves from, keeping its objects. */
    transferredFrom?: WorkerOutput;
}

/** One Worker(...) call: its name and options as given, and where the program made it. */
export interface WorkerDeclaration extends WorkerOptions {
    name: string;
    /** file:line of the call, for the App's messages. */
    at?: string;
}

/** A Durable Object declaration as the App takes it. */
export interface DurableObjectDeclaration {
    name: string;
    /** file:line of the call, for the App's messages. */
    at?: string;
    worker: string;
    className: string;
    sqlite?: boolean;
    renamedFrom?: string;
    transferredFrom?: string;
}

/** Everything a run() declared, each call as made and in order (repeats included: the App merges them). */
export interface Declarations {
    app: AppSettings & { stage: string };
    workers: WorkerDeclaration[];
    durableObjects: DurableObjectDeclaration[];
    /** Names of the app's queues. */
    queues: string[];
    d1Databases: ({ name: string } & D1DatabaseOptions)[];
    /** R2 buckets by name in the app (named "<app>-<stage>-<name>" on Cloudflare). */
    r2Buckets: string[];
    /** KV namespaces by name in the app (titled "<app>-<stage>-<name>" on Cloudflare). */
    kvNamespaces: string[];
    /** Workflows in the app (named "<app>-<stage>-<name>" on Cloudflare). */
    workflows?: WorkflowDeclaration[];
}

/** What $config returns: the program Pulumi's Node.js runtime runs (export it as default). */
export type Program = (() => Promise<Record<string, unknown>>) & { readonly spec: ConfigSpec; readonly default: Program };

/** Collects one run()'s declarations; Worker outputs resolve from the App it leads to. */
class Collector {
    readonly workers: WorkerDeclaration[] = [];
    readonly workerOutputs = new Map<string, WorkerOutput>();
    readonly durableObjects: DurableObjectDeclaration[] = [];
    readonly queues: string[] = [];
    readonly d1Databases: ({ name: string } & D1DatabaseOptions)[] = [];
    readonly r2Buckets: string[] = [];
    readonly kvNamespaces: string[] = [];
    readonly workflows: WorkflowDeclaration[] = [];
    readonly appWorkers: Promise<pulumi.Output<Record<string, any>>>;
    resolveAppWorkers!: (workers: pulumi.Output<Record<string, any>>) => void;

    constructor() {
        this.appWorkers = new Promise(resolve => (this.resolveAppWorkers = resolve));
    }

    workerOutput(name: string): WorkerOutput {
        let out = this.workerOutputs.get(name);
        if (!out) {
            const fromApp = pulumi.output(this.appWorkers).apply(ws => {
                const w = ws?.[name];
                if (!w) {
                    throw new Error(`the App reports no Worker "${name}"`);
                }
                return w;
            });
            out = {
                type: "worker",
                name,
                url: fromApp.apply(w => w.url as string),
                urls: fromApp.apply(w => (w.urls ?? []) as string[]),
                scriptName: fromApp.apply(w => w.scriptName as string),
            };
            this.workerOutputs.set(name, out);
        }
        return out;
    }
}

let current: Collector | undefined;

function collector(call: string): Collector {
    if (!current) {
        throw new Error(`${call} was called outside run(): declare Workers and Durable Objects inside $config({ run() { ... } })`);
    }
    return current;
}

/**
 * Declares a Worker. Declaring the same name again (the basic usage adds bindings that way) merges the
 * declarations in the App: bindings are combined, and any option given twice must have the same value.
 */
export function Worker(name: string, options: WorkerOptions = {}): WorkerOutput {
    const c = collector(`Worker(${JSON.stringify(name)})`);
    if (typeof name !== "string") {
        throw new Error("Worker(name, options): name must be a string, for example \"api\"");
    }
    const where = `Worker ${JSON.stringify(name)}`;
    checkOption(where, "entry", options.entry, "string", "\"src/index.ts\"");
    checkOption(where, "workersDev", options.workersDev, "boolean", "true");
    checkOption(where, "compatibilityDate", options.compatibilityDate, "string", "\"2025-11-17\"");
    checkOption(where, "compatibilityFlags", options.compatibilityFlags, "string[]", "[\"nodejs_compat\"]");
    checkOption(where, "crons", options.crons, "string[]", "[\"*/5 * * * *\"]");
    checkOption(where, "domains", options.domains, "string[]", "[\"api.example.com\"]");
    if (options.routes !== undefined && !(Array.isArray(options.routes) && options.routes.every(
        (r) => typeof r === "string" || (typeof r === "object" && r !== null && typeof r.pattern === "string")))) {
        throw new Error(`${where}: routes must be a list of patterns or { pattern, zoneName }, for example routes: ` +
            `["example.com/api/*"], not ${describe(options.routes)}`);
    }
    c.workers.push({ name, at: position(Worker), ...options });
    return c.workerOutput(name);
}

/**
 * Refuses an option of the wrong type where it is written (a TypeScript program compiled without
 * checks, or plain JavaScript, can pass `sqlite: "yes"`), naming the declaration, the option, the
 * type it takes and an example. Undefined means unset.
 */
function checkOption(where: string, field: string, value: unknown, type: "boolean" | "string" | "string[]", example: string): void {
    if (value === undefined) {
        return;
    }
    const ok = type === "string[]"
        ? Array.isArray(value) && value.every((v) => typeof v === "string")
        : typeof value === type;
    if (!ok) {
        const what = type === "string[]" ? "a list of strings" : `a ${type}`;
        throw new Error(`${where}: ${field} must be ${what}, for example ${field}: ${example}, not ${describe(value)}`);
    }
}

/** Declares a Durable Object class hosted by a Worker of this app. */
export function DurableObject(name: string, options: DurableObjectOptions): DurableObjectOutput {
    const c = collector(`DurableObject(${JSON.stringify(name)})`);
    const where = `DurableObject ${JSON.stringify(name)}`;
    if (typeof name !== "string") {
        throw new Error("DurableObject(name, options): name must be a string, for example \"counter\"");
    }
    if (!options || !isWorkerOutput(options.worker)) {
        throw new Error(`${where}: worker must be what Worker(...) returned for the Worker that exports the class`);
    }
    checkOption(where, "className", options.className, "string", "\"Counter\"");
    if (options.transferredFrom !== undefined && !isWorkerOutput(options.transferredFrom)) {
        throw new Error(`${where}: transferredFrom must be what Worker(...) returned for the Worker the class moves from`);
    }
    checkOption(where, "sqlite", options.sqlite, "boolean", "true");
    checkOption(where, "renamedFrom", options.renamedFrom, "string", "\"OldCounter\"");
    c.durableObjects.push({
        name,
        at: position(DurableObject),
        worker: options.worker.name,
        className: options.className,
        sqlite: options.sqlite,
        renamedFrom: options.renamedFrom,
        transferredFrom: options.transferredFrom?.name,
    });
    return { type: "durable_object", name, className: options.className };
}

/**
 * Declares a Workflow named "<app>-<stage>-<name>", run by a WorkflowEntrypoint class the Worker
 * exports: the Worker gets env.ORDER (for "order"; see binding) to create instances and read their
 * status, and another Worker binds it by taking what this returns as a binding value.
 */
export function Workflow(name: string, options: WorkflowOptions): WorkflowOutput {
    const c = collector(`Workflow(${JSON.stringify(name)})`);
    const where = `Workflow ${JSON.stringify(name)}`;
    if (typeof name !== "string") {
        throw new Error(`Workflow(name, options): name must be a string, for example "order", not ${describe(name)}`);
    }
    if (!options || !isWorkerOutput(options.worker)) {
        throw new Error(`${where}: worker must be what Worker(...) returned for the Worker that exports the class`);
    }
    checkOption(where, "className", options.className, "string", "\"OrderWorkflow\"");
    checkOption(where, "binding", options.binding, "string", "\"ORDER\"");
    // Recorded as written: the App checks the name, the class and the Worker, and merges repeats.
    c.workflows.push({
        name,
        worker: options.worker.name,
        className: options.className,
        ...(options.binding !== undefined ? { binding: options.binding } : {}),
    });
    return { type: "workflow", name };
}

/** Declares a Queue, named `<app>-<stage>-<name>` on Cloudflare; declaring it again is the same queue. */
export function Queue(name: string): QueueOutput {
    collector(`Queue(${JSON.stringify(name)})`).queues.push(dataName("Queue", name, "jobs"));
    return { type: "queue", name };
}

/**
 * Declares a D1 database named "<app>-<stage>-<name>"; its migrations are applied in file-name
 * order, each once. Declaring the same name again returns the same database.
 */
export function D1Database(name: string, options: D1DatabaseOptions = {}): D1DatabaseOutput {
    const c = collector(`D1Database(${JSON.stringify(name)})`);
    c.d1Databases.push({ name: dataName("D1Database", name, "db"), migrations: options.migrations });
    return { type: "d1", name };
}

/**
 * Declares an R2 bucket named "<app>-<stage>-<name>"; bind it by passing what this returns as a
 * Worker binding (the Worker sees an R2Bucket). Declaring the same name again is the same bucket.
 */
export function R2Bucket(name: string): R2BucketOutput {
    collector(`R2Bucket(${JSON.stringify(name)})`).r2Buckets.push(dataName("R2Bucket", name, "files"));
    return { type: "r2_bucket", name };
}

/**
 * Declares a Workers KV namespace titled "<app>-<stage>-<name>"; bind it by passing what this
 * returns as a Worker binding (the Worker sees a KVNamespace). Declaring the same name again is
 * the same namespace.
 */
export function KvNamespace(name: string): KvNamespaceOutput {
    collector(`KvNamespace(${JSON.stringify(name)})`).kvNamespaces.push(dataName("KvNamespace", name, "cache"));
    return { type: "kv_namespace", name };
}

/**
 * The entry point: `export default $config({ app() {...}, run() {...} })`. The returned
 * function is the program: it runs app() and run(), then creates one lumier:index:App. Its
 * stack outputs are run()'s result, plus the App's `workers` and `durableObjects` outputs unless
 * run() returns keys of those names.
 */
export function $config(spec: ConfigSpec): Program {
    if (!spec || typeof spec.app !== "function" || typeof spec.run !== "function") {
        throw new Error("$config({ app, run }): both app() and run() are required functions");
    }
    let ran = false;
    const program = async (): Promise<Record<string, unknown>> => {
        ran = true;
        const { declarations, result, collector: c } = await collect(spec, pulumi.getStack());
        const app = new sdk.App(declarations.app.name, appArgs(declarations));
        c.resolveAppWorkers(app.workers as pulumi.Output<Record<string, any>>);
        return { workers: app.workers, durableObjects: app.durableObjects, ...(result ?? {}) };
    };
    // `default` is the program itself: where it becomes a CommonJS module's exports (below),
    // `require(config).default` and default imports still find it.
    const p = Object.defineProperty(Object.assign(program, { spec }), "default", { get: () => p }) as Program;
    if (underPulumiRunner()) {
        attachToRunner(p, callerFile($config), () => ran);
    }
    return p;
}

/** Runs app() and run() for a stage and returns what they declared, creating no resource. */
export async function collect(spec: ConfigSpec, stage: string): Promise<{
    declarations: Declarations;
    result: void | Record<string, unknown>;
    collector: Collector;
}> {
    const settings = spec.app({ stage });
    if (!settings || typeof settings.name !== "string" || settings.name === "") {
        throw new Error("$config: app() must return { name: \"<app name>\" }");
    }
    if (current) {
        throw new Error("$config: run() is already running; programs cannot nest");
    }
    const c = new Collector();
    current = c;
    let result: void | Record<string, unknown>;
    try {
        result = await spec.run();
    } finally {
        current = undefined;
    }
    const declarations: Declarations = {
        app: { ...settings, stage },
        workers: c.workers,
        durableObjects: c.durableObjects,
        queues: c.queues,
        d1Databases: c.d1Databases,
        r2Buckets: c.r2Buckets,
        kvNamespaces: c.kvNamespaces,
        workflows: c.workflows,
    };
    return { declarations, result, collector: c };
}

/**
 * The App's inputs: every declaration, in order, as made (the App merges those of the same name).
 * Secret text given as {type: "secret_text", text} goes to the Worker's secrets; a
 * pulumi.secret(...) binding stays a binding (the App keeps it secret).
 */
export function appArgs(d: Declarations): sdk.AppArgs {
    const workers: sdk.types.input.AppWorkerArgs[] = d.workers.map(w => {
        const bindings: Record<string, unknown> = {};
        const secrets: Record<string, pulumi.Input<string>> = {};
        for (const [env, value] of Object.entries(w.bindings ?? {})) {
            if (isSecretText(value)) {
                secrets[env] = value.text;
            } else if (isWorkerOutput(value)) {
                bindings[env] = Service(value);
            } else {
                bindings[env] = value;
            }
        }
        // Every option goes to the App as written (one place declares an option: WorkerOptions
        // and the App's input); only values that name things of this program are translated.
        return {
            ...w,
            bindings: Object.keys(bindings).length > 0 ? bindings : undefined,
            secrets: Object.keys(secrets).length > 0 ? secrets : undefined,
            queueConsumers: w.queueConsumers?.map(q => ({
                ...q,
                queue: q.queue.name,
                deadLetterQueue: q.deadLetterQueue?.name,
            })),
        };
    });
    const durableObjects: sdk.types.input.AppDurableObjectArgs[] = d.durableObjects;
    return {
        name: d.app.name,
        stage: d.app.stage,
        protect: d.app.protect,
        removal: d.app.removal,
        workers,
        durableObjects: durableObjects.length > 0 ? durableObjects : undefined,
        queues: named(d.queues),
        d1Databases: d.d1Databases.length > 0
            ? d.d1Databases.map(o => ({ name: o.name, migrationsDir: o.migrations }))
            : undefined,
        r2Buckets: named(d.r2Buckets),
        kvNamespaces: named(d.kvNamespaces),
        workflows: d.workflows?.length ? d.workflows : undefined,
    };
}

function named(names: string[]): { name: string }[] | undefined {
    return names.length > 0 ? names.map(name => ({ name })) : undefined;
}

function isSecretText(v: unknown): v is SecretTextBinding {
    return typeof v === "object" && v !== null && !pulumi.Output.isInstance(v) && (v as SecretTextBinding).type === "secret_text";
}

function isWorkerOutput(v: unknown): v is WorkerOutput {
    return typeof v === "object" && v !== null && (v as WorkerOutput).type === "worker" && typeof (v as WorkerOutput).name === "string";
}

/** A data declaration's name, which the App checks: the helper needs only a string. */
function dataName(call: string, name: unknown, example: string): string {
    if (typeof name !== "string") {
        throw new Error(`${call}(name): name must be a string, for example "${example}", not ${describe(name)}`);
    }
    return name;
}

/**
 * Where the program called fn: "file:line" of the first frame outside it, relative to the working
 * directory (the project's), for the App's messages. The formatted stack is read, so a source map
 * (ts-node's) gives the line in the TypeScript file.
 */
function position(fn: Function): string | undefined {
    const holder: { stack?: string } = {};
    Error.captureStackTrace(holder, fn);
    const frame = holder.stack?.split("\n").find(line => line.trimStart().startsWith("at "));
    const m = frame && /\(?((?:file:\/\/)?[^()]+):(\d+):\d+\)?$/.exec(frame.trim());
    if (!m) {
        return undefined;
    }
    let file = m[1].replace(/^at /, "");
    if (file.startsWith("file://")) {
        file = new URL(file).pathname;
    }
    const rel = path.relative(process.cwd(), file);
    return `${rel.startsWith("..") ? file : rel}:${m[2]}`;
}

function describe(v: unknown): string {
    return pulumi.Output.isInstance(v) ? "an Output" : JSON.stringify(v);
}

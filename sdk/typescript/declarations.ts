// The declarations mode `lumier types` runs: it evaluates a program's app() and run() without the
// Pulumi engine (no resource is created) and prints what they declared as JSON, the input of the
// Env types it writes.
import * as pulumi from "@pulumi/pulumi";
import { collect, Program } from "./config";

/** A binding as `lumier types` needs it: its kind, and for a Durable Object its name. */
export interface BindingDeclaration {
    kind: "text" | "secret" | "durable_object" | "assets" | "queue" | "d1" | "r2_bucket" | "kv_namespace" | "service" | "json" | "workflow";
    durableObject?: string;
    /** A service binding's Worker of the config, and the entrypoint class it calls. */
    worker?: string;
    entrypoint?: string;
    /** A json binding's value. */
    json?: unknown;
}

/** The JSON `lumier types` reads. */
export interface DeclarationsJSON {
    app: string;
    workers: Record<string, { entry: string; bindings: Record<string, BindingDeclaration> }>;
    durableObjects: Record<string, { worker: string; className: string }>;
}

/** Runs the program's app() and run() for stage and writes the declarations to stdout. */
export async function printDeclarations(program: Program, stage: string): Promise<void> {
    if (typeof program !== "function" || !program.spec) {
        throw new Error("the config's default export is not what $config(...) returns: write `export default $config({ app, run })`");
    }
    const { declarations } = await collect(program.spec, stage);
    const out: DeclarationsJSON = { app: declarations.app.name, workers: {}, durableObjects: {} };
    for (const [name, w] of Object.entries(declarations.workers)) {
        const bindings: Record<string, BindingDeclaration> = {};
        for (const [env, value] of Object.entries(w.bindings ?? {})) {
            bindings[env] = bindingDeclaration(value);
        }
        if (w.assets?.binding) {
            bindings[w.assets.binding] = { kind: "assets" };
        }
        out.workers[name] = { entry: w.entry, bindings };
    }
    for (const w of Object.values(declarations.workflows ?? {})) {
        out.workers[w.worker].bindings[w.binding] = { kind: "workflow" };
    }
    for (const [name, d] of Object.entries(declarations.durableObjects)) {
        out.durableObjects[name] = { worker: d.worker, className: d.className };
    }
    process.stdout.write(JSON.stringify(out) + "\n");
}

function bindingDeclaration(value: unknown): BindingDeclaration {
    if (typeof value === "string") {
        return { kind: "text" };
    }
    if (pulumi.Output.isInstance(value)) {
        return { kind: "secret" };
    }
    const v = value as { type?: string; name?: string };
    if (v?.type === "durable_object" && typeof v.name === "string") {
        return { kind: "durable_object", durableObject: v.name };
    }
    if (v?.type === "queue" && typeof v.name === "string") {
        return { kind: "queue" };
    }
    if (v?.type === "d1" && typeof v.name === "string") {
        return { kind: "d1" };
    }
    if (v?.type === "r2_bucket") {
        return { kind: "r2_bucket" };
    }
    if (v?.type === "kv_namespace") {
        return { kind: "kv_namespace" };
    }
    if ((v?.type === "worker" || v?.type === "service") && typeof v.name === "string") {
        const entrypoint = (v as { entrypoint?: string }).entrypoint;
        return entrypoint === undefined ? { kind: "service", worker: v.name } : { kind: "service", worker: v.name, entrypoint };
    }
    if (v?.type === "workflow") {
        return { kind: "workflow" };
    }
    if (v?.type === "json") {
        return { kind: "json", json: (v as { value?: unknown }).value };
    }
    return { kind: "secret" };
}

// The declarations mode `lumier types` runs: it evaluates a program's app() and run() without the
// Pulumi engine (no resource is created) and prints the App's inputs they make, as JSON. `lumier
// types` plans them with the App's own planning code, so the types follow the App's rules.
import * as pulumi from "@pulumi/pulumi";
import { appArgs, collect, Program } from "./config";

/** Runs the program's app() and run() for stage and writes the App's inputs to stdout. */
export async function printDeclarations(program: Program, stage: string): Promise<void> {
    if (typeof program !== "function" || !program.spec) {
        throw new Error("the config's default export is not what $config(...) returns: write `export default $config({ app, run })`");
    }
    const { declarations } = await collect(program.spec, stage);
    // A value known only at deploy time (an Output: a secret) is a string to the plan.
    const json = JSON.stringify(appArgs(declarations), (_, v) => (pulumi.Output.isInstance(v) ? "" : v));
    process.stdout.write(json + "\n");
}

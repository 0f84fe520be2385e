// How a $config program meets Pulumi's Node.js program runner (@pulumi/pulumi/cmd/run, which
// `pulumi up` starts for a `runtime: nodejs` project). The runner loads the project's `main` and
// calls what it exports when that is a function: for an ES module ("type": "module") the default
// export, for CommonJS `module.exports` itself. `export default $config(...)` compiled to CommonJS
// is `exports.default`, which the runner does not call: it would deploy nothing and succeed.
//
// So, under the runner only, $config (1) makes the program the exports of the CommonJS module
// that calls it while that module loads, so that the runner calls it as it calls an ES module's
// default export; and (2) fails the run when the process is about to exit and nothing called the
// program, whatever the module kind (a config imported but not exported, say), rather than let
// an empty deployment pass for a successful one.
import * as path from "path";
import { RunError } from "@pulumi/pulumi";

/** Whether this process is Pulumi's program runner: it sets PULUMI_NODEJS_MONITOR before loading the program. */
export function underPulumiRunner(): boolean {
    return !!process.env["PULUMI_NODEJS_MONITOR"];
}

/**
 * The file of the code that called fn: a path for a CommonJS module (the key of require.cache), a
 * file: URL for an ES module, undefined if V8 does not say.
 */
export function callerFile(fn: Function): string | undefined {
    const prepare = Error.prepareStackTrace;
    try {
        // The raw call sites, not a formatted trace (source-map-support may format traces).
        Error.prepareStackTrace = (_, frames) => frames;
        const holder: { stack?: unknown } = {};
        Error.captureStackTrace(holder, fn);
        const frames = holder.stack as NodeJS.CallSite[] | undefined;
        return frames?.[0]?.getFileName() ?? undefined;
    } finally {
        Error.prepareStackTrace = prepare;
    }
}

/**
 * Hands program to the runner (see the top of this file). caller is the file that called $config;
 * ran reports whether the runner has called the program.
 */
export function attachToRunner(program: Function, caller: string | undefined, ran: () => boolean): void {
    const loading = caller !== undefined ? require.cache[caller] : undefined;
    if (loading && !loading.loaded) {
        loading.exports = program;
    }
    const name = caller ? path.basename(caller.startsWith("file:") ? new URL(caller).pathname : caller) : "the program";
    process.once("beforeExit", () => {
        if (ran()) {
            return;
        }
        const err = new RunError(
            `lumier: the $config in ${name} was loaded but never run, so nothing was deployed. ` +
            `Pulumi runs the function the project's main exports: make ${name} the main in Pulumi.yaml ` +
            `(main: ${name}), with \`export default $config({ app, run })\` as its export.`);
        err.stack = err.message; // the runner prints the stack of an error raised after the program: the message is all there is to say
        throw err;
    });
}

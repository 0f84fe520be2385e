// Tests of Workflow in the helper, run with `node --test` on the compiled bin/ (make tstest).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { appArgs, collect, Worker, Workflow } from "./config";

test("Workflow gives its Worker env.ORDER and is a binding value for another Worker", async () => {
    const { declarations } = await collect({
        app: () => ({ name: "shop" }),
        run() {
            const api = Worker("api", { entry: "src/index.ts" });
            const order = Workflow("order", { worker: api, className: "OrderWorkflow" });
            assert.deepEqual(order, { type: "workflow", name: "order" });
            Workflow("ship-it", { worker: api, className: "ShipWorkflow", binding: "SHIP" });
            Worker("web", { entry: "src/web.ts", bindings: { ORDERS: order } });
        },
    }, "dev");
    const args = appArgs(declarations);
    assert.deepEqual(args.workflows, [
        { name: "order", worker: "api", className: "OrderWorkflow" },
        { name: "ship-it", worker: "api", className: "ShipWorkflow", binding: "SHIP" },
    ]);
    assert.deepEqual((args.workers as any[])[1].bindings, { ORDERS: { type: "workflow", name: "order" } });
});

test("Workflow records its declaration as written: the App judges the name, the class and the Worker", async () => {
    const { declarations } = await collect({ app: () => ({ name: "a" }), run() {
        Workflow("Order_1", { worker: { type: "worker", name: "ghost" } as any, className: "" });
    } }, "dev");
    assert.deepEqual(declarations.workflows, [{ name: "Order_1", worker: "ghost", className: "" }]);
    await assert.rejects(collect({ app: () => ({ name: "a" }), run() {
        Workflow("order", { worker: Worker("api", { entry: "src/index.ts" }), className: 1 as any });
    } }, "dev"), /Workflow "order": className must be a string/);
});

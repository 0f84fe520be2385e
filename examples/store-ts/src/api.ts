// The store's API: it takes orders through a Durable Object (Desk), which starts an order
// Workflow for each; the workflow reserves the item, waits for the payment event, and ships.
// It answers on the route example.com/api/* and on the custom domain api.example.com, so paths
// are read with or without the /api prefix:
//   POST /orders?id=<id>&item=<item>  the Desk starts the workflow instance <id>
//   GET  /orders/<id>                 the instance's status ({status, output})
//   POST /orders/<id>/pay?amount=<n>  sends the instance its "payment" event
import { DurableObject, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";

interface OrderParams {
  item: string;
}

interface Payment {
  amount: number;
}

export class OrderWorkflow extends WorkflowEntrypoint<Env, OrderParams> {
  async run(event: WorkflowEvent<OrderParams>, step: WorkflowStep) {
    const reserved = await step.do("reserve", async () => ({ item: event.payload.item }));
    // The instance waits here, without running, until POST /orders/<id>/pay sends the event.
    const payment = await step.waitForEvent<Payment>("payment", { type: "payment", timeout: "1 hour" });
    await step.sleep("pack", "1 second");
    const shipped = await step.do("ship", async () => `shipped ${reserved.item}`);
    return { item: reserved.item, paid: payment.payload.amount, shipped };
  }
}

// Desk takes orders: it starts each order's workflow instance and remembers the orders it took.
export class Desk extends DurableObject<Env> {
  async take(id: string, item: string): Promise<string> {
    const instance = await this.env.ORDER.create({ id, params: { item } });
    await this.ctx.storage.put(`order:${id}`, item);
    return instance.id;
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname.replace(/^\/api(?=\/|$)/, "") || "/";
    try {
      if (request.method === "POST" && path === "/orders") {
        const desk = env.DESK.get(env.DESK.idFromName("main"));
        const id = await desk.take(url.searchParams.get("id") ?? crypto.randomUUID(), url.searchParams.get("item") ?? "book");
        return Response.json({ id }, { status: 201 });
      }
      const match = /^\/orders\/([^/]+)(\/pay)?$/.exec(path);
      if (match) {
        const instance = await env.ORDER.get(match[1]);
        if (request.method === "POST" && match[2]) {
          await instance.sendEvent({ type: "payment", payload: { amount: Number(url.searchParams.get("amount") ?? 0) } });
        }
        return Response.json(await instance.status());
      }
    } catch (err) {
      return Response.json({ error: (err as Error).message }, { status: 400 });
    }
    return Response.json({ worker: "api", host: url.hostname, path: url.pathname }, { status: path === "/" ? 200 : 404 });
  },
};

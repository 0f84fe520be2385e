// An order Workflow: reserve, wait, then charge (retried when the card is declined) and ship.
// The Worker starts instances from a request (POST /orders?id=...) or from a Durable Object
// (POST /desk/orders?id=...), and reports an instance's status (GET /orders/<id>).
import { DurableObject, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";

interface Env {
  ORDER: Workflow<OrderParams>;
  DESK: DurableObjectNamespace<Desk>;
}

interface OrderParams {
  item: string;
  wait: string; // how long the order waits before it is charged, e.g. "5 seconds"
  declineOnce?: boolean; // the first charge attempt fails, to show the retry
}

// declined remembers, per instance, that the first charge attempt already failed.
const declined = new Set<string>();

export class OrderWorkflow extends WorkflowEntrypoint<Env, OrderParams> {
  async run(event: WorkflowEvent<OrderParams>, step: WorkflowStep) {
    const reserved = await step.do("reserve", async () => ({ item: event.payload.item, at: Date.now() }));
    await step.sleep("wait before charging", event.payload.wait as WorkflowSleepDuration);
    const charged = await step.do(
      "charge",
      { retries: { limit: 3, delay: 100, backoff: "constant" } },
      async () => {
        if (event.payload.declineOnce && !declined.has(event.instanceId)) {
          declined.add(event.instanceId);
          throw new Error("card declined");
        }
        return { amount: 42 };
      },
    );
    const shipped = await step.do("ship", async () => `shipped ${reserved.item}`);
    return { item: reserved.item, charged: charged.amount, shipped };
  }
}

// Desk is a Durable Object that takes orders and starts their workflow itself.
export class Desk extends DurableObject<Env> {
  async take(id: string, params: OrderParams): Promise<string> {
    const instance = await this.env.ORDER.create({ id, params });
    await this.ctx.storage.put(`order:${id}`, instance.id);
    return instance.id;
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const params: OrderParams = {
      item: url.searchParams.get("item") ?? "book",
      wait: url.searchParams.get("wait") ?? "5 seconds",
      declineOnce: url.searchParams.has("declineOnce"),
    };
    const id = url.searchParams.get("id") ?? crypto.randomUUID();
    try {
      if (request.method === "POST" && url.pathname === "/orders") {
        const instance = await env.ORDER.create({ id, params });
        return Response.json({ id: instance.id }, { status: 201 });
      }
      if (request.method === "POST" && url.pathname === "/desk/orders") {
        const desk = env.DESK.get(env.DESK.idFromName("main"));
        return Response.json({ id: await desk.take(id, params) }, { status: 201 });
      }
      const match = /^\/orders\/([^/]+)(?:\/(pause|resume|terminate|restart))?$/.exec(url.pathname);
      if (match) {
        const instance = await env.ORDER.get(match[1]);
        if (request.method === "POST" && match[2]) await instance[match[2] as "pause"]();
        return Response.json(await instance.status());
      }
    } catch (err) {
      return Response.json({ error: (err as Error).message }, { status: 400 });
    }
    return new Response("POST /orders?id=&item=&wait=, POST /desk/orders?id=, GET /orders/<id>\n", { status: 404 });
  },
};

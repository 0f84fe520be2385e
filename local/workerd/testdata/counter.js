import { env, DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  async increment() { let c = (await this.ctx.storage.get("count")) || 0; c++; await this.ctx.storage.put("count", c); return c; }
  async getCount() { return (await this.ctx.storage.get("count")) || 0; }
}
export default { async fetch(request) { const url = new URL(request.url); const stub = env.COUNTER.get(env.COUNTER.idFromName(url.pathname));
  if (request.method === "POST") return Response.json({ count: await stub.increment() });
  return Response.json({ count: await stub.getCount() }); } };

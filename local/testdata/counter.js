// The Counter worker, as the bundler would emit it: one plain-JS ES module.
import { env, DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {
  async increment() {
    const count = ((await this.ctx.storage.get("count")) ?? 0) + 1;
    await this.ctx.storage.put("count", count);
    return count;
  }

  async getCount() {
    return (await this.ctx.storage.get("count")) ?? 0;
  }
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const stub = env.COUNTER.get(env.COUNTER.idFromName(url.pathname));
    if (request.method === "POST") {
      return Response.json({ count: await stub.increment() });
    }
    return Response.json({ count: await stub.getCount() });
  },
};

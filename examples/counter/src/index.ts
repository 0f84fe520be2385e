// The counter's Worker code, unchanged: a Counter Durable Object and a Worker that increments it on
// POST and reads it on GET, one counter per path.
import { env, DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {
  async increment(): Promise<number> {
    let count = (await this.ctx.storage.get<number>("count")) || 0;
    count++;
    await this.ctx.storage.put("count", count);
    return count;
  }

  async getCount(): Promise<number> {
    return (await this.ctx.storage.get<number>("count")) || 0;
  }
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const id = env.COUNTER.idFromName(url.pathname);
    const stub = env.COUNTER.get(id);

    if (request.method === "POST") {
      const count = await stub.increment();
      return Response.json({ count });
    }

    const count = await stub.getCount();
    return Response.json({ count });
  },
};

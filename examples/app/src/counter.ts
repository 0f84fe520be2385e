import { DurableObject } from "cloudflare:workers";
import type { Env } from "./env";

// Counter is the counter Durable Object: one count per name.
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

// counter answers /counter/<name>: POST increments that counter, GET reads it.
export async function counter(request: Request, env: Env, path: string): Promise<Response | undefined> {
  if (!path.startsWith("/counter/")) return undefined;
  const stub = env.COUNTER.get(env.COUNTER.idFromName(path));
  const count = request.method === "POST" ? await stub.increment() : await stub.getCount();
  return Response.json({ count });
}

// The app's Worker. Files of public/ are served before it runs; each area of the app answers its own paths; the first that answers wins.
import type { Env } from "./env";
import { assets } from "./assets";
import { counter } from "./counter";
import { cron, tick } from "./cron";
import { d1 } from "./d1";
import { kv } from "./kv";
import { consume, queue } from "./queue";
import { r2 } from "./r2";
import { service } from "./service";

export { Counter } from "./counter";

type Route = (request: Request, env: Env, path: string) => Promise<Response | undefined>;

const routes: Route[] = [
  counter,
  kv,
  r2,
  d1,
  queue,
  cron,
  service,
  assets,
];

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const path = new URL(request.url).pathname;
    for (const route of routes) {
      const response = await route(request, env, path);
      if (response) return response;
    }
    return Response.json({ error: `no route for ${path}` }, { status: 404 });
  },

  async queue(batch: MessageBatch<any>, env: Env): Promise<void> {
    await consume(batch, env);
  },

  async scheduled(controller: ScheduledController, env: Env): Promise<void> {
    await tick(controller, env);
  },
};

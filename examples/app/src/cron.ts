import type { Env } from "./env";

// The app's Cron Trigger: every run counts itself in CACHE (KV), keyed by its schedule.

// tick is the Worker's scheduled() work.
export async function tick(controller: ScheduledController, env: Env): Promise<void> {
  const key = `cron:${controller.cron}`;
  await env.CACHE.put(key, String(Number((await env.CACHE.get(key)) ?? 0) + 1));
}

// cron answers GET /cron/runs?cron=<schedule>: how many times that schedule has run.
export async function cron(request: Request, env: Env, path: string): Promise<Response | undefined> {
  if (path !== "/cron/runs") return undefined;
  const schedule = new URL(request.url).searchParams.get("cron") ?? "";
  return Response.json({ cron: schedule, runs: Number((await env.CACHE.get(`cron:${schedule}`)) ?? 0) });
}

import type { Env } from "./env";

// The app's queue area. JOBS is the queue "jobs", JOBS_DLQ its dead-letter queue; CACHE (KV) is
// where the consumer records what it processed.

// queue answers /queue/...: POST /queue/send with a JSON array of job bodies ({id, fail?}) sends
// them to JOBS in one batch; GET /queue/jobs/<id> says how often job <id> was processed and
// whether it reached the dead-letter queue.
export async function queue(request: Request, env: Env, path: string): Promise<Response | undefined> {
  if (!path.startsWith("/queue/")) return undefined;
  if (request.method === "POST" && path === "/queue/send") {
    const jobs = (await request.json()) as unknown[];
    await env.JOBS.sendBatch(jobs.map((body) => ({ body })));
    return Response.json({ sent: jobs.length });
  }
  if (request.method === "GET" && path.startsWith("/queue/jobs/")) {
    const id = decodeURIComponent(path.slice("/queue/jobs/".length));
    const processed = Number((await env.CACHE.get(`job:${id}`)) ?? 0);
    const dead = (await env.CACHE.get(`dead:${id}`)) !== null;
    return Response.json({ id, processed, dead });
  }
  return Response.json({ error: `no queue route for ${request.method} ${path}` }, { status: 404 });
}

// Job is the body of one message.
interface Job {
  id: string;
  fail?: boolean;
}

// consume is the Worker's queue() work: from the dead-letter queue (its name ends in "-dlq") it
// records each job as dead; from the jobs queue it counts each job in CACHE and acknowledges it,
// and throws when a job asks to fail, so that Cloudflare retries that one (the others are
// acknowledged already) until it moves to the dead-letter queue.
export async function consume(batch: MessageBatch<Job>, env: Env): Promise<void> {
  if (batch.queue.endsWith("-dlq")) {
    for (const msg of batch.messages) {
      await env.CACHE.put(`dead:${msg.body.id}`, String(msg.attempts));
      msg.ack();
    }
    return;
  }
  const failed: string[] = [];
  for (const msg of batch.messages) {
    if (msg.body.fail) {
      failed.push(msg.body.id);
      continue;
    }
    const key = `job:${msg.body.id}`;
    await env.CACHE.put(key, String(Number((await env.CACHE.get(key)) ?? 0) + 1));
    msg.ack();
  }
  if (failed.length > 0) {
    throw new Error(`jobs ${failed.join(", ")} failed`);
  }
}

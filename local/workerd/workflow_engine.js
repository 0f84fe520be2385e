// The Workflows engine of the local Cloudflare (local/workerd/workflow.go). One engine service
// runs one workflow: each instance is a Durable Object (Engine) whose SQLite storage holds the
// instance's parameters, status, and the result of every step that finished, so a run that stops
// (a sleep, a retry's delay, a restart of the process) starts again from the top and replays the
// finished steps from storage instead of running them again. Sleeps and retry delays are Durable
// Object alarms, which workerd keeps on disk, so they fire after a restart too. An Index object
// counts the instances by status for the Workflows API.
import { DurableObject, RpcTarget, WorkerEntrypoint } from "cloudflare:workers";

const UNITS = { millisecond: 1, second: 1e3, minute: 60e3, hour: 3600e3, day: 86400e3, week: 604800e3, month: 2592000e3, year: 31536000e3 };
const LIVE = ["queued", "running", "waiting"];
const ENDED = ["complete", "errored", "terminated"];

// millis reads a duration: a number of milliseconds or "<n> <unit>[s]", as Cloudflare's WorkflowSleepDuration.
function millis(d) {
  if (typeof d === "number") return d;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+?)s?\s*$/i.exec(String(d));
  if (!m || !(m[2].toLowerCase() in UNITS)) throw new TypeError(`invalid duration ${JSON.stringify(d)}: use milliseconds or "<n> seconds|minutes|hours|days"`);
  return Number(m[1]) * UNITS[m[2].toLowerCase()];
}

function plainError(err) {
  return { name: err?.name ?? "Error", message: String(err?.message ?? err) };
}

function nonRetryable(err) {
  return err?.name === "NonRetryableError" || String(err?.message ?? "").startsWith("NonRetryableError");
}

// Stopped is what a step or sleep throws into a run that is over: it slept, is waiting for a
// retry, or was paused, terminated or restarted. The engine ignores how that run ends.
class Stopped extends Error {
  constructor() { super("lumier: this run of the workflow instance stopped here; it resumes from storage"); this.name = "Stopped"; }
}

// Step is the WorkflowStep a run gets: do, sleep, sleepUntil and waitForEvent, keyed by name and the count
// of calls with that name, as Cloudflare keys step results.
class Step extends RpcTarget {
  #engine; #run; #counts = new Map();
  constructor(engine, run) { super(); this.#engine = engine; this.#run = run; }

  #key(kind, name) {
    const n = (this.#counts.get(kind + name) ?? 0) + 1;
    this.#counts.set(kind + name, n);
    return `${kind}:${n}:${name}`;
  }

  async do(name, configOrFn, maybeFn) {
    const [config, fn] = typeof configOrFn === "function" ? [{}, configOrFn] : [configOrFn ?? {}, maybeFn];
    const key = this.#key("step", name);
    const storage = this.#engine.ctx.storage;
    const done = await storage.get(key);
    if (done !== undefined) {
      if (done.error) throw Object.assign(new Error(done.error.message), { name: done.error.name });
      return done.value;
    }
    this.#engine.check(this.#run);
    const retries = { limit: 5, delay: 10000, backoff: "exponential", ...(config.retries ?? {}) };
    const attempt = ((await storage.get(key + ":attempts")) ?? 0) + 1;
    await storage.put(key + ":attempts", attempt);
    let value;
    try {
      let timer;
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`step "${name}" timed out`)), millis(config.timeout ?? "10 minutes"));
      });
      try {
        value = await Promise.race([fn(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    } catch (err) {
      this.#engine.check(this.#run);
      if (attempt > retries.limit || nonRetryable(err)) {
        await storage.put(key, { error: plainError(err) });
        throw err;
      }
      const base = millis(retries.delay);
      const wait = retries.backoff === "exponential" ? base * 2 ** (attempt - 1) : retries.backoff === "linear" ? base * attempt : base;
      await this.#engine.stop(this.#run, Date.now() + wait, "running");
      throw new Stopped();
    }
    await storage.put(key, { value });
    return value;
  }

  async sleep(name, duration) {
    return this.#sleepUntil(this.#key("sleep", name), () => Date.now() + millis(duration));
  }

  async sleepUntil(name, timestamp) {
    return this.#sleepUntil(this.#key("sleep", name), () => new Date(timestamp).getTime());
  }

  async #sleepUntil(key, until) {
    const storage = this.#engine.ctx.storage;
    let wake = await storage.get(key);
    if (wake === undefined) {
      this.#engine.check(this.#run);
      wake = until();
      await storage.put(key, wake);
    }
    if (Date.now() >= wake) return;
    await this.#engine.stop(this.#run, wake, "waiting");
    throw new Stopped();
  }

  // waitForEvent returns the first event of options.type sent to the instance that no earlier
  // wait took (events sent before the wait are kept for it), or fails when none came within
  // options.timeout (24 hours by default), as wrangler's local engine does (docs/cloudflare-api.md).
  async waitForEvent(name, options) {
    const type = options?.type;
    if (typeof type !== "string" || type === "") throw new TypeError(`step.waitForEvent("${name}"): options.type must name the event type`);
    const key = this.#key("wait", name);
    const storage = this.#engine.ctx.storage;
    const done = await storage.get(key);
    if (done?.error) throw Object.assign(new Error(done.error.message), { name: done.error.name });
    if (done) return { ...done.event, timestamp: new Date(done.event.timestamp) };
    this.#engine.check(this.#run);
    const event = await this.#engine.takeEvent(type);
    if (event) {
      await storage.put(key, { event });
      return { ...event, timestamp: new Date(event.timestamp) };
    }
    let deadline = await storage.get(key + ":deadline");
    if (deadline === undefined) {
      deadline = Date.now() + millis(options.timeout ?? "24 hours");
      await storage.put(key + ":deadline", deadline);
    }
    if (Date.now() >= deadline) {
      const error = { name: "WorkflowTimeoutError", message: `Execution timed out after ${millis(options.timeout ?? "24 hours")}ms` };
      await storage.put(key, { error });
      throw Object.assign(new Error(error.message), { name: error.name });
    }
    await this.#engine.stop(this.#run, deadline, "waiting");
    throw new Stopped();
  }
}

// Engine is one instance of the workflow.
export class Engine extends DurableObject {
  // run numbers this object's runs; a run whose number is not the latest is over.
  run = 0;

  async meta() {
    const meta = await this.ctx.storage.get("meta");
    if (!meta) throw new Error("instance.not_found: no workflow instance with this id");
    return meta;
  }

  async #set(meta, fields) {
    Object.assign(meta, fields, { modified: Date.now() });
    await this.ctx.storage.put("meta", meta);
    const index = this.env.INDEX.get(this.env.INDEX.idFromName("index"));
    await index.record(meta.id, meta.status, meta.created, meta.modified);
  }

  check(run) {
    if (run !== this.run) throw new Stopped();
  }

  // stop ends run and wakes the instance at wake with status. The alarm is set before the
  // status is recorded: recording it calls the Index, during which a sendEvent may set an
  // earlier alarm, which must stand.
  async stop(run, wake, status) {
    this.check(run);
    this.run++;
    await this.ctx.storage.setAlarm(wake);
    await this.#set(await this.meta(), { status });
  }

  async create(id, params) {
    if (await this.ctx.storage.get("meta")) throw new Error(`instance.already_exists: workflow instance "${id}" already exists`);
    const now = Date.now();
    await this.#set({ id, params: params ?? {}, created: now }, { status: "queued" });
    await this.ctx.storage.setAlarm(now);
  }

  async status() {
    const meta = await this.meta();
    const out = { status: meta.status };
    if (meta.output !== undefined) out.output = meta.output;
    if (meta.error) out.error = meta.error;
    return out;
  }

  async pause() {
    const meta = await this.meta();
    if (!LIVE.includes(meta.status)) return;
    this.run++;
    await this.ctx.storage.deleteAlarm();
    await this.#set(meta, { status: "paused" });
  }

  async resume() {
    const meta = await this.meta();
    if (meta.status !== "paused") return;
    await this.#set(meta, { status: "queued" });
    await this.ctx.storage.setAlarm(Date.now());
  }

  async terminate() {
    const meta = await this.meta();
    if (ENDED.includes(meta.status)) throw new Error(`instance.not_running: workflow instance "${meta.id}" has already ended (${meta.status})`);
    this.run++;
    await this.ctx.storage.deleteAlarm();
    await this.#set(meta, { status: "terminated" });
  }

  // sendEvent keeps event {type, payload} for the instance's waitForEvent calls, and wakes a
  // waiting instance so that its run takes it; an instance that has ended takes no events.
  async sendEvent(event) {
    const meta = await this.meta();
    if (typeof event?.type !== "string" || event.type === "") throw new Error("instance.invalid_event: an event needs a type");
    if (ENDED.includes(meta.status)) throw new Error(`instance.not_running: workflow instance "${meta.id}" has already ended (${meta.status})`);
    const events = (await this.ctx.storage.get("events")) ?? [];
    events.push({ type: event.type, payload: event.payload ?? {}, timestamp: Date.now() });
    await this.ctx.storage.put("events", events);
    if (meta.status === "waiting") await this.ctx.storage.setAlarm(Date.now());
  }

  // takeEvent removes and returns the oldest kept event of type, if any.
  async takeEvent(type) {
    const events = (await this.ctx.storage.get("events")) ?? [];
    const i = events.findIndex((e) => e.type === type);
    if (i < 0) return undefined;
    const [event] = events.splice(i, 1);
    await this.ctx.storage.put("events", events);
    return event;
  }

  async restart() {
    const meta = await this.meta();
    this.run++;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    await this.#set({ id: meta.id, params: meta.params, created: meta.created }, { status: "queued" });
    await this.ctx.storage.setAlarm(Date.now());
  }

  async alarm() {
    const meta = await this.ctx.storage.get("meta");
    if (!meta || !LIVE.includes(meta.status)) return;
    const run = ++this.run;
    await this.#set(meta, { status: "running" });
    const event = { payload: meta.params, timestamp: new Date(meta.created), instanceId: meta.id };
    let result;
    try {
      result = { status: "complete", output: await this.env.USER_WORKFLOW.run(event, new Step(this, run)) };
    } catch (err) {
      result = { status: "errored", error: plainError(err) };
    }
    if (run !== this.run) return;
    this.run++;
    await this.#set(await this.meta(), result);
  }
}

// Index counts the workflow's instances by status (one object, named "index").
export class Index extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS instances (id TEXT PRIMARY KEY, status TEXT, created INTEGER, modified INTEGER)");
  }
  record(id, status, created, modified) {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO instances VALUES (?, ?, ?, ?)", id, status, created, modified);
  }
  list() {
    return this.ctx.storage.sql.exec("SELECT id, status, created, modified FROM instances ORDER BY created, id").toArray();
  }
}

function engine(env, id) {
  if (typeof id !== "string" || id === "" || id.length > 100 || !/^[a-zA-Z0-9_][a-zA-Z0-9-_]*$/.test(id)) {
    throw new Error(`instance.invalid_id: ${JSON.stringify(id)} is not a valid instance id (letters, digits, '-' and '_', at most 100)`);
  }
  return env.ENGINE.get(env.ENGINE.idFromName(id));
}

async function create(env, options) {
  const id = options?.id ?? crypto.randomUUID();
  await engine(env, id).create(id, options?.params);
  return { id };
}

// WorkflowBinding is what workerd's own Workflow binding (the wrapped module
// cloudflare-internal:workflows-api) calls as its "fetcher".
export class WorkflowBinding extends WorkerEntrypoint {
  async create(options) { return create(this.env, options); }
  async createBatch(batch) { return Promise.all(batch.map((o) => create(this.env, o))); }
  async getInstance(id) { await engine(this.env, id).meta(); return { id }; }
  async get(id) { return this.getInstance(id); }
  async status(id) { return engine(this.env, id).status(); }
  async pause(id) { await engine(this.env, id).pause(); }
  async resume(id) { await engine(this.env, id).resume(); }
  async terminate(id) { await engine(this.env, id).terminate(); }
  async restart(id) { await engine(this.env, id).restart(); }
  async sendEvent(id, event) { await engine(this.env, id).sendEvent(event); }
}

// The default export answers the local Cloudflare's Workflows API (local/api_workflows.go) on
// the engine's socket: GET /instances, POST /instances {id?, params?}, GET /instances/<id>,
// PATCH /instances/<id>/status {status: pause|resume|terminate|restart}, POST
// /instances/<id>/events/<type> with the event's payload as the body.
export default {
  async fetch(request, env) {
    const parts = new URL(request.url).pathname.split("/").filter(Boolean).map(decodeURIComponent);
    try {
      if (parts[0] !== "instances") return Response.json({ error: "not found" }, { status: 404 });
      if (parts.length === 1 && request.method === "GET") {
        return Response.json(await env.INDEX.get(env.INDEX.idFromName("index")).list());
      }
      if (parts.length === 1 && request.method === "POST") {
        return Response.json(await create(env, await request.json()));
      }
      if (parts.length === 2 && request.method === "GET") {
        return Response.json(await engine(env, parts[1]).status());
      }
      if (parts.length === 4 && parts[2] === "events" && request.method === "POST") {
        const text = await request.text();
        await engine(env, parts[1]).sendEvent({ type: parts[3], payload: text === "" ? {} : JSON.parse(text) });
        return Response.json({});
      }
      if (parts.length === 3 && parts[2] === "status" && request.method === "PATCH") {
        const { status } = await request.json();
        if (!["pause", "resume", "terminate", "restart"].includes(status)) {
          return Response.json({ error: `status must be pause, resume, terminate or restart, not ${JSON.stringify(status)}` }, { status: 400 });
        }
        await engine(env, parts[1])[status]();
        return Response.json(await engine(env, parts[1]).status());
      }
      return Response.json({ error: "not found" }, { status: 404 });
    } catch (err) {
      const message = String(err?.message ?? err);
      return Response.json({ error: message }, { status: message.startsWith("instance.not_found") ? 404 : 400 });
    }
  },
};

// Two Durable Object classes with the same code: the test hosts KVStore as KV-backed and
// SQLStore as SQLite-backed, and compares what ctx.storage offers each.
import { env, DurableObject } from "cloudflare:workers";

async function probe(storage) {
  await storage.put("k", "v");
  const value = await storage.get("k");
  let sql = null, sqlError = null;
  try {
    sql = storage.sql.exec("SELECT 40 + 2 AS n").one().n;
  } catch (e) {
    sqlError = String(e);
  }
  return { value, sql, sqlError };
}

export class KVStore extends DurableObject {
  async probe() { return probe(this.ctx.storage); }
}

export class SQLStore extends DurableObject {
  async probe() { return probe(this.ctx.storage); }
}

export default {
  async fetch(request) {
    const ns = new URL(request.url).pathname === "/sql" ? env.SQL : env.KV;
    return Response.json(await ns.get(ns.idFromName("probe")).probe());
  },
};

import type { Env } from "./env";

// kv answers /kv/<key>: PUT stores the body in the CACHE namespace, GET reads it back, DELETE
// removes it.
export async function kv(request: Request, env: Env, path: string): Promise<Response | undefined> {
  if (!path.startsWith("/kv/")) return undefined;
  const key = decodeURIComponent(path.slice("/kv/".length));
  switch (request.method) {
    case "PUT":
      await env.CACHE.put(key, await request.text());
      return Response.json({ stored: key });
    case "DELETE":
      await env.CACHE.delete(key);
      return Response.json({ deleted: key });
    default:
      return Response.json({ key, value: await env.CACHE.get(key) });
  }
}

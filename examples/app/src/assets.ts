// The static assets part of the app's Worker. The files of public/ are served at their paths
// before the Worker runs; this module answers the paths under /assets/, which no file has, and
// reads files through the ASSETS binding.
import type { Env } from "./env";

/**
 * Answers /assets/hello (a greeting from the Worker) and /assets/file/<path> (the file at <path>
 * read through env.ASSETS: {path, status, contentType, body}); undefined for other paths.
 */
export async function assets(request: Request, env: Env, path: string): Promise<Response | undefined> {
  if (path === "/assets/hello") {
    return Response.json({ hello: "from the Worker" });
  }
  const file = path.match(/^\/assets\/file(\/.*)$/);
  if (file) {
    const res = await env.ASSETS.fetch(new Request(new URL(file[1], request.url)));
    return Response.json({
      path: file[1],
      status: res.status,
      contentType: res.headers.get("content-type"),
      body: await res.text(),
    });
  }
  return undefined;
}

import type { Env } from "./env";

// r2 answers /r2/... with the FILES bucket:
//   PUT    /r2/<key>   stores the body; the request's Content-Type becomes the object's, and
//                      every "x-meta-<name>" header a custom metadata entry <name>
//   GET    /r2/<key>   answers the bytes, with the stored Content-Type, ETag and each custom
//                      metadata entry as "x-meta-<name>" (404 when missing)
//   HEAD   /r2/<key>   the same headers without the bytes
//   DELETE /r2/<key>   deletes the object
//   GET    /r2/?prefix=&delimiter=&cursor=&limit=   lists: {objects: [{key, size, etag,
//                      customMetadata}], delimitedPrefixes, truncated, cursor?}
export async function r2(request: Request, env: Env, path: string): Promise<Response | undefined> {
  if (!path.startsWith("/r2/")) return undefined;
  const key = decodeURIComponent(path.slice("/r2/".length));
  if (key === "") {
    if (request.method !== "GET") return Response.json({ error: "list with GET /r2/" }, { status: 405 });
    return list(env, new URL(request.url).searchParams);
  }
  switch (request.method) {
    case "PUT": {
      const customMetadata: Record<string, string> = {};
      request.headers.forEach((value, name) => {
        if (name.startsWith("x-meta-")) customMetadata[name.slice("x-meta-".length)] = value;
      });
      const contentType = request.headers.get("content-type") ?? undefined;
      const object = await env.FILES.put(key, await request.arrayBuffer(), {
        customMetadata,
        httpMetadata: contentType ? { contentType } : undefined,
      });
      return Response.json({ stored: object.key, size: object.size, etag: object.etag });
    }
    case "DELETE":
      await env.FILES.delete(key);
      return Response.json({ deleted: key });
    case "HEAD": {
      const object = await env.FILES.head(key);
      if (object === null) return new Response(null, { status: 404 });
      return new Response(null, { headers: headersOf(object) });
    }
    default: {
      const object = await env.FILES.get(key);
      if (object === null) return Response.json({ error: `no object ${key}` }, { status: 404 });
      return new Response(object.body, { headers: headersOf(object) });
    }
  }
}

// headersOf is an object's metadata as response headers.
function headersOf(object: R2Object): Headers {
  const headers = new Headers();
  object.writeHttpMetadata(headers);
  headers.set("etag", object.httpEtag);
  headers.set("x-size", String(object.size));
  for (const [name, value] of Object.entries(object.customMetadata ?? {})) headers.set(`x-meta-${name}`, value);
  return headers;
}

async function list(env: Env, params: URLSearchParams): Promise<Response> {
  const limit = params.get("limit");
  const listed = await env.FILES.list({
    prefix: params.get("prefix") ?? undefined,
    delimiter: params.get("delimiter") ?? undefined,
    cursor: params.get("cursor") ?? undefined,
    limit: limit ? Number(limit) : undefined,
    include: ["customMetadata"],
  });
  return Response.json({
    objects: listed.objects.map((o: R2Object) => ({ key: o.key, size: o.size, etag: o.etag, customMetadata: o.customMetadata })),
    delimitedPrefixes: listed.delimitedPrefixes,
    truncated: listed.truncated,
    ...(listed.truncated ? { cursor: listed.cursor } : {}),
  });
}

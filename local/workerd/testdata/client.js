// Uses a Counter hosted by another script through the REMOTE binding.
import { env } from "cloudflare:workers";
export default {
  async fetch(request) {
    const url = new URL(request.url);
    const stub = env.REMOTE.get(env.REMOTE.idFromName(url.pathname));
    if (request.method === "POST") return Response.json({ count: await stub.increment(), via: "client" });
    return Response.json({ count: await stub.getCount(), via: "client" });
  },
};

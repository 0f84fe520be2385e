// The store's site: every path of example.com that no more specific route takes.
export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    return Response.json({ worker: "site", host: url.hostname, path: url.pathname });
  },
};

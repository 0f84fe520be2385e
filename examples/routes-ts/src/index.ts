// One Worker module deployed twice: env.WORKER (lumier-env.d.ts) says which Worker answered, so
// requests show which route or custom domain reached which Worker.
export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    return Response.json({ worker: env.WORKER, host: url.hostname, path: url.pathname });
  },
};

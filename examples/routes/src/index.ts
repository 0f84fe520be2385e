// One Worker module deployed twice: env.WORKER says which Worker answered, so requests show which
// route or custom domain reached which Worker.
interface Env {
  WORKER: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    return Response.json({ worker: env.WORKER, host: url.hostname, path: url.pathname });
  },
};

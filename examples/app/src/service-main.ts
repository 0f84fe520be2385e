// The service area on its own, for e2e/service_test.go's YAML app (the full app routes to it from
// index.ts).
import { service, type ServiceEnv } from "./service";

export default {
  async fetch(request: Request, env: ServiceEnv): Promise<Response> {
    const path = new URL(request.url).pathname;
    return (await service(request, env, path)) ?? new Response("not found", { status: 404 });
  },
};

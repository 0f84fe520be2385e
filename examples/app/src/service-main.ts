// The e2e entry of the service area (e2e/service_test.go): the api Worker's router reduced to
// the service area, until examples/app's index.ts routes to it.
import { service, type ServiceEnv } from "./service";

export default {
  async fetch(request: Request, env: ServiceEnv): Promise<Response> {
    const path = new URL(request.url).pathname;
    return (await service(request, env, path)) ?? new Response("not found", { status: 404 });
  },
};

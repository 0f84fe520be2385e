// The service area of examples/app: calls the auth Worker through a service binding (fetch) and
// an RPC entrypoint (AuthRPC.check), and reads a json binding.
import type { AuthRPC } from "./auth";

// ServiceEnv is what this area reads from the api Worker's env.
export interface ServiceEnv {
  AUTH: Fetcher;
  AUTH_RPC: Service<AuthRPC>;
  CONFIG: { greeting: string; limits: number[] };
}

// service answers GET /service/<user>: {viaFetch, viaRPC, config}; undefined for other paths.
export async function service(request: Request, env: ServiceEnv, path: string): Promise<Response | undefined> {
  if (!path.startsWith("/service/")) {
    return undefined;
  }
  const user = path.slice("/service/".length);
  const viaFetch = await (await env.AUTH.fetch(`https://auth/${user}`)).text();
  const viaRPC = await env.AUTH_RPC.check(user);
  return Response.json({ viaFetch, viaRPC, config: env.CONFIG });
}

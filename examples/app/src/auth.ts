// The auth Worker of examples/app: the Worker the api Worker calls through its service
// bindings, once by fetch (the default export) and once by RPC (the AuthRPC entrypoint).
import { WorkerEntrypoint } from "cloudflare:workers";

export class AuthRPC extends WorkerEntrypoint {
  async check(user: string): Promise<{ user: string; ok: boolean }> {
    return { user, ok: user === "ada" };
  }
}

export default {
  async fetch(request: Request): Promise<Response> {
    return new Response(`auth says hi to ${new URL(request.url).pathname}`);
  },
};

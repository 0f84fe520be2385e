// Answers with the TEXT binding and a value from a second module, and logs a marker line.
import { env } from "cloudflare:workers";
import { suffix } from "./we\"ird mod.js";
export default {
  async fetch() {
    console.log("echo-worker-log-marker");
    return new Response(env.TEXT + suffix);
  },
};

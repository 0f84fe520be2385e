import { $config, DurableObject, Worker, Workflow } from "lumier";

// The store: a site on every path of example.com, an API on example.com/api/* and on its own
// custom domain, api.example.com, whose Desk Durable Object starts an order Workflow per order.
export default $config({
  app(input) {
    return { name: "store", removal: input.stage === "production" ? "retain" : "remove" };
  },
  run() {
    const site = Worker("site", { entry: "src/site.ts", routes: ["example.com/*"] });
    const api = Worker("api", {
      entry: "src/api.ts",
      // The more specific pattern wins: example.com/api/... reaches this Worker, not the site.
      routes: ["example.com/api/*"],
      domains: ["api.example.com"],
    });
    const desk = DurableObject("desk", { worker: api, className: "Desk" });
    // The host Worker gets env.ORDER; the Desk, running in it, starts instances through it.
    Workflow("order", { worker: api, className: "OrderWorkflow" });
    Worker("api", { entry: "src/api.ts", bindings: { DESK: desk } });
    return { siteUrls: site.urls, apiUrls: api.urls };
  },
});

import { $config, Worker } from "lumier";

export default $config({
  app(input) {
    return { name: "routes", removal: input.stage === "production" ? "retain" : "remove" };
  },
  run() {
    const site = Worker("site", {
      entry: "src/index.ts",
      bindings: { WORKER: "site" },
      routes: ["example.com/*"],
    });
    // The more specific pattern wins: example.com/api/... reaches this Worker, not the site.
    const api = Worker("api", {
      entry: "src/index.ts",
      bindings: { WORKER: "api" },
      routes: [{ pattern: "example.com/api/*", zoneName: "example.com" }],
      domains: ["api.example.com"],
    });
    return { siteUrls: site.urls, apiUrls: api.urls };
  },
});

import { $config, Worker, DurableObject } from "lumier";

export default $config({
  app() {
    return { name: "my-app", protect: ["production"] };
  },
  run() {
    const api = Worker("api", {
      entry: "src/index.ts",
    });

    const counter = DurableObject("counter", {
      worker: api,
      className: "Counter",
    });

    // Add DO binding to worker
    Worker("api", {
      entry: "src/index.ts",
      bindings: {
        COUNTER: counter,
      },
    });
  },
});

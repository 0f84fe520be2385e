// The chat app (the SQLite ChatRoom with WebSocket broadcast) in the $config shape.
// Production keeps its Workers and their data when they leave the stack; other stages remove them.
import { $config, Worker, DurableObject } from "lumier";

export default $config({
  app(input) {
    return {
      name: "chat",
      protect: ["production"],
      removal: input.stage === "production" ? "retain" : "remove",
    };
  },
  run() {
    const api = Worker("api", {
      entry: "src/index.ts",
    });

    const room = DurableObject("room", {
      worker: api,
      className: "ChatRoom", // SQLite storage (the default): the room uses ctx.storage.sql
    });

    Worker("api", {
      entry: "src/index.ts",
      bindings: {
        CHAT_ROOM: room,
      },
    });
  },
});

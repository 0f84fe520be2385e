// The ChatRoom worker: a SQLite-backed Durable Object with a message log and a WebSocket
// broadcast, plus a default fetch handler that routes /messages and /ws to one room.
import { env, DurableObject } from "cloudflare:workers";

export class ChatRoom extends DurableObject {
  sql = this.ctx.storage.sql;

  constructor(ctx, env) {
    super(ctx, env);
    this.sql.exec(
      "CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, user TEXT, text TEXT, timestamp INTEGER)",
    );
  }

  async addMessage(user, text) {
    this.sql.exec(
      "INSERT INTO messages (user, text, timestamp) VALUES (?, ?, ?)",
      user,
      text,
      Date.now(),
    );
  }

  async getMessages() {
    return this.sql
      .exec("SELECT * FROM messages ORDER BY timestamp DESC, id DESC LIMIT 100")
      .toArray();
  }

  async fetch(request) {
    if (request.headers.get("Upgrade") !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  async webSocketMessage(ws, message) {
    for (const peer of this.ctx.getWebSockets()) {
      peer.send(message);
    }
  }

  async webSocketClose(ws, code, reason) {
    // Complete the closing handshake, so clients do not wait for it to time out.
    ws.close(code, reason);
  }
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const room = env.CHAT_ROOM.get(env.CHAT_ROOM.idFromName("lobby"));
    if (url.pathname === "/messages" && request.method === "GET") {
      return Response.json(await room.getMessages());
    }
    if (url.pathname === "/messages" && request.method === "POST") {
      const { user, text } = await request.json();
      await room.addMessage(user, text);
      return Response.json({ ok: true }, { status: 201 });
    }
    if (url.pathname === "/ws") {
      return room.fetch(request);
    }
    return new Response("not found", { status: 404 });
  },
};

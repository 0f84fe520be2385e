// The ChatRoom: a SQLite-backed Durable Object that keeps the messages (SQLite Storage) and
// broadcasts over WebSockets (WebSocket Support), behind a Worker with three routes:
//   GET  /messages  the last 100 messages, newest first
//   POST /messages  {"user", "text"}: stores the message and broadcasts it to the connected clients
//   GET  /ws        WebSocket upgrade: a message from one client reaches every client
import { env, DurableObject } from "cloudflare:workers";

interface Message {
  id: number;
  user: string;
  text: string;
  timestamp: number;
}

export class ChatRoom extends DurableObject {
  sql = this.ctx.storage.sql;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS messages (
        id INTEGER PRIMARY KEY,
        user TEXT,
        text TEXT,
        timestamp INTEGER
      )
    `);
  }

  async addMessage(user: string, text: string): Promise<void> {
    this.sql.exec(
      "INSERT INTO messages (user, text, timestamp) VALUES (?, ?, ?)",
      user,
      text,
      Date.now()
    );
    const message = JSON.stringify({ user, text });
    for (const client of this.ctx.getWebSockets()) {
      client.send(message);
    }
  }

  async getMessages(): Promise<Message[]> {
    // Ordering by timestamp only; two messages in the same millisecond fall back to the
    // insertion order (id), so "newest first" holds for them too.
    return this.sql
      .exec("SELECT * FROM messages ORDER BY timestamp DESC, id DESC LIMIT 100")
      .toArray() as unknown as Message[];
  }

  async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade") === "websocket") {
      const [client, server] = Object.values(new WebSocketPair());
      this.ctx.acceptWebSocket(server);
      return new Response(null, { status: 101, webSocket: client });
    }
    return new Response("Expected WebSocket", { status: 400 });
  }

  async webSocketMessage(ws: WebSocket, message: string): Promise<void> {
    // Broadcast to all connected clients
    for (const client of this.ctx.getWebSockets()) {
      client.send(message);
    }
  }

  async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // Finish the closing handshake so that the client does not wait for it.
    try {
      ws.close(code, reason);
    } catch {
      ws.close();
    }
  }
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const room = env.CHAT_ROOM.get(env.CHAT_ROOM.idFromName("lobby"));

    if (url.pathname === "/ws") {
      return room.fetch(request);
    }
    if (url.pathname === "/messages" && request.method === "GET") {
      return Response.json(await room.getMessages());
    }
    if (url.pathname === "/messages" && request.method === "POST") {
      const { user, text } = (await request.json()) as { user?: string; text?: string };
      if (typeof user !== "string" || typeof text !== "string") {
        return Response.json({ error: 'want {"user": string, "text": string}' }, { status: 400 });
      }
      await room.addMessage(user, text);
      return Response.json({ user, text }, { status: 201 });
    }
    return new Response("Not found", { status: 404 });
  },
};

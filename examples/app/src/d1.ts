import type { Env } from "./env";

// d1 answers /d1/...: notes kept in the DB database (migrations/*.sql make its tables).
//   POST /d1/notes?tag=T      stores the body as a note (prepare/bind/run) -> {id, changes}
//   GET  /d1/notes            every note, oldest first (all) -> {notes: [{id, body, tag}]}
//   GET  /d1/notes/<id>       one note (first) -> {id, body, tag}, or 404
//   POST /d1/batch            stores the body's JSON array of strings in one batch -> {stored, total}
//   GET  /d1/tags             notes per tag (raw, with column names) -> [["tag","n"], ...]
export async function d1(request: Request, env: Env, path: string): Promise<Response | undefined> {
  if (!path.startsWith("/d1/")) return undefined;
  const db = env.DB;
  const url = new URL(request.url);
  if (path === "/d1/notes" && request.method === "POST") {
    const tag = url.searchParams.get("tag") ?? "general";
    const res = await db.prepare("INSERT INTO notes (body, tag) VALUES (?1, ?2)").bind(await request.text(), tag).run();
    return Response.json({ id: res.meta.last_row_id, changes: res.meta.changes });
  }
  if (path === "/d1/notes") {
    const { results } = await db.prepare("SELECT id, body, tag FROM notes ORDER BY id").all();
    return Response.json({ notes: results });
  }
  if (path.startsWith("/d1/notes/")) {
    const note = await db.prepare("SELECT id, body, tag FROM notes WHERE id = ?").bind(Number(path.slice("/d1/notes/".length))).first();
    return note ? Response.json(note) : Response.json({ error: "no such note" }, { status: 404 });
  }
  if (path === "/d1/batch" && request.method === "POST") {
    const bodies = (await request.json()) as string[];
    const insert = db.prepare("INSERT INTO notes (body) VALUES (?)");
    const results = await db.batch(bodies.map((b) => insert.bind(b)));
    const total = await db.prepare("SELECT count(*) AS n FROM notes").first("n");
    return Response.json({ stored: results.length, total });
  }
  if (path === "/d1/tags") {
    return Response.json(await db.prepare("SELECT tag, count(*) AS n FROM notes GROUP BY tag ORDER BY tag").raw({ columnNames: true }));
  }
  return Response.json({ error: `no route for ${path}` }, { status: 404 });
}

package workerd

import (
	"path"
)

// A script with Script.Scheduled gets a companion service in its process: a small Worker with a
// service binding to the script, on its own socket, whose fetch calls the script's scheduled()
// handler through Fetcher.scheduled(), or its queue() handler through Fetcher.queue(). workerd
// has no other way to deliver a scheduled event or a queue batch to a running Worker; Fetcher.scheduled() needs the experimental compatibility flag
// service_binding_extra_handlers, so processes with a companion run with --experimental.

// scheduledPrefix starts the companion's service and socket names; ':' keeps them apart from
// script names.
const scheduledPrefix = "lumier:scheduled:"

// scheduledSource is the companion Worker. GET /?cron=...&time=<ms> runs the scheduled() handler
// once and answers {"outcome": "ok" | "exception" | ..., "noRetry": bool}. POST /queue with
// {"queue", "messages": [{id, timestamp (ms), body (base64), contentType, attempts}], "metrics"}
// runs the queue() handler on that batch (Fetcher.queue(), same flag) and answers workerd's
// result: {outcome, ackAll, retryBatch, explicitAcks, retryMessages}. A message's body is
// turned back into a value by its contentType, as Cloudflare does: json is parsed, text is a
// string, bytes an ArrayBuffer, and v8 is handed to workerd to deserialize (serializedBody).
const scheduledSource = `function decode(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}
function message(m) {
  const bytes = decode(m.body);
  const out = { id: m.id, timestamp: new Date(m.timestamp), attempts: m.attempts };
  switch (m.contentType) {
    case "json": out.body = JSON.parse(new TextDecoder().decode(bytes)); break;
    case "text": out.body = new TextDecoder().decode(bytes); break;
    case "bytes": out.body = bytes.buffer; break;
    default: out.serializedBody = bytes.buffer;
  }
  return out;
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/queue") {
      const batch = await request.json();
      const result = await env.WORKER.queue(batch.queue, batch.messages.map(message), { metrics: batch.metrics });
      return Response.json(result);
    }
    const time = Number(url.searchParams.get("time") ?? Date.now());
    const result = await env.WORKER.scheduled({ cron: url.searchParams.get("cron") ?? "", scheduledTime: new Date(time) });
    return Response.json(result);
  },
};
`

func scheduledSocket(script string) string { return scheduledPrefix + script }

// renderScheduled adds s's companion service and socket to cfg.
func renderScheduled(s Script, cfg *config) (service, sock Value) {
	name := scheduledSocket(s.Name)
	file := path.Join("modules", s.Name, "scheduled.js")
	cfg.files[file] = []byte(scheduledSource)
	cfg.sockets = append(cfg.sockets, name)
	cfg.experimental = true
	service = Struct(Field{"name", Text(name)}, Field{"worker", Struct(
		Field{"modules", List(Struct(Field{"name", Text("scheduled.js")}, Field{"esModule", embed(file, []byte(scheduledSource))}))},
		Field{"compatibilityDate", Text("2025-11-17")},
		Field{"compatibilityFlags", texts([]string{"service_binding_extra_handlers"})},
		Field{"bindings", List(Struct(Field{"name", Text("WORKER")}, Field{"service", Text(s.Name)}))})})
	return service, socket(name)
}

// ScheduledAddr returns the address ("127.0.0.1:port") of script's companion (see
// Script.Scheduled): GET /?cron=<expr>&time=<unix ms> there runs its scheduled() handler once.
// Like Addr, the port changes with every reload.
func (s *Supervisor) ScheduledAddr(script string) (string, bool) {
	s.imu.RLock()
	sh := s.index[script]
	s.imu.RUnlock()
	if sh == nil {
		return "", false
	}
	return sh.addr(scheduledSocket(script))
}

package workerd

import (
	"fmt"
	"path"
)

// A script with Script.Scheduled gets a companion service in its process: a small Worker with a
// service binding to the script, on its own socket, whose fetch calls the script's scheduled()
// handler through Fetcher.scheduled(). workerd has no other way to deliver a scheduled event
// to a running Worker; Fetcher.scheduled() needs the experimental compatibility flag
// service_binding_extra_handlers, so processes with a companion run with --experimental.

// scheduledPrefix starts the companion's service and socket names; ':' keeps them apart from
// script names.
const scheduledPrefix = "lumier:scheduled:"

// scheduledSource is the companion Worker: GET /?cron=...&time=<ms> runs the scheduled() handler
// once and answers {"outcome": "ok" | "exception" | ..., "noRetry": bool}.
const scheduledSource = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const time = Number(url.searchParams.get("time") ?? Date.now());
    const result = await env.WORKER.scheduled({ cron: url.searchParams.get("cron") ?? "", scheduledTime: new Date(time) });
    return Response.json(result);
  },
};
`

func scheduledSocket(script string) string { return scheduledPrefix + script }

// renderScheduled adds s's companion service and socket to cfg.
func renderScheduled(s Script, cfg *config) (service, socket string) {
	name := scheduledSocket(s.Name)
	file := path.Join("modules", s.Name, "scheduled.js")
	cfg.files[file] = []byte(scheduledSource)
	cfg.sockets = append(cfg.sockets, name)
	cfg.experimental = true
	service = fmt.Sprintf("(name = %s, worker = (modules = [(name = \"scheduled.js\", esModule = embed %s)], "+
		"compatibilityDate = \"2025-11-17\", compatibilityFlags = [\"service_binding_extra_handlers\"], "+
		"bindings = [(name = \"WORKER\", service = %s)]))", capnpString(name), capnpString(file), capnpString(s.Name))
	socket = fmt.Sprintf("(name = %s, address = %s, http = (), service = %s)",
		capnpString(name), capnpString(listenAddress), capnpString(name))
	return service, socket
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

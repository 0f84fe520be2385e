package workerd

import (
	_ "embed"
	"path"
)

// A script's Workflows (Script.Workflows) each run on an engine service in the script's process:
// a Worker of ours (workflow_engine.js) whose Durable Objects keep each instance's status and
// step results in the config's storage directory, and whose USER_WORKFLOW service binding calls
// the script's WorkflowEntrypoint class. A Worker's binding to a workflow is workerd's own
// Workflow binding, the wrapped module cloudflare-internal:workflows-api, whose inner "fetcher"
// is the engine's WorkflowBinding entrypoint (WorkflowBinding below). The engine has a socket
// too (WorkflowAddr), for the local Cloudflare's Workflows API.

// Workflow is a workflow whose class a script exports.
type Workflow struct {
	// Name is the workflow's name in the account.
	Name string
	// ClassName is the exported WorkflowEntrypoint class that runs it.
	ClassName string
}

//go:embed workflow_engine.js
var workflowEngine []byte

// workflowPrefix starts an engine's service and socket names; ':' keeps them apart from script
// names.
const workflowPrefix = "lumier:workflow:"

// workflowCompatibilityDate is the engine's own compatibility date (RPC needs 2024-04-03 or later).
const workflowCompatibilityDate = "2025-11-17"

func workflowService(name string) string { return workflowPrefix + name }

// WorkflowBinding is the env binding named env that calls workflow name (create, get, and an
// instance's status, pause, resume, terminate, restart). host is the script that defines the
// workflow, when it is not the binding script: the two share a process.
func WorkflowBinding(env, name, host string) Binding {
	b := Binding{Name: env, Kind: "wrapped", Value: Struct(
		Field{"moduleName", Text("cloudflare-internal:workflows-api")},
		Field{"innerBindings", List(Struct(Field{"name", Text("fetcher")}, Field{"service", Struct(
			Field{"name", Text(workflowService(name))}, Field{"entrypoint", Text("WorkflowBinding")})}))})}
	if host != "" {
		b.Scripts = []string{host}
	}
	return b
}

// workflowKeys are the storage directories (unique keys) of workflow name's instances and index.
// They depend on the name only, so the instances outlive reloads, restarts and new uploads.
func workflowKeys(name string) (engine, index string) {
	return UniqueKey("workflow", name+".Engine"), UniqueKey("workflow", name+".Index")
}

// renderWorkflow adds the engine service and socket of s's workflow w to cfg.
func renderWorkflow(s Script, w Workflow, cfg *config) (service, sock Value) {
	name := workflowService(w.Name)
	file := path.Join("modules", s.Name, "workflow-"+w.Name+".js")
	cfg.files[file] = workflowEngine
	cfg.sockets = append(cfg.sockets, name)
	engineKey, indexKey := workflowKeys(w.Name)
	cfg.keys = append(cfg.keys, engineKey, indexKey)
	namespace := func(class, key string) Value {
		return Struct(Field{"className", Text(class)}, Field{"uniqueKey", Text(key)}, Field{"enableSql", Bool(true)})
	}
	doBinding := func(env, class string) Value {
		return Struct(Field{"name", Text(env)}, Field{"durableObjectNamespace", Struct(Field{"className", Text(class)})})
	}
	worker := Struct(
		Field{"modules", List(Struct(Field{"name", Text("workflow.js")}, Field{"esModule", embed(file, workflowEngine)}))},
		Field{"compatibilityDate", Text(workflowCompatibilityDate)},
		Field{"bindings", List(
			doBinding("ENGINE", "Engine"),
			doBinding("INDEX", "Index"),
			Struct(Field{"name", Text("USER_WORKFLOW")}, Field{"service", Struct(
				Field{"name", Text(s.Name)}, Field{"entrypoint", Text(w.ClassName)})}),
		)},
		Field{"durableObjectNamespaces", List(namespace("Engine", engineKey), namespace("Index", indexKey))},
		Field{"durableObjectStorage", Struct(Field{"localDisk", Text(storageService)})},
	)
	worker.lines = true
	return Struct(Field{"name", Text(name)}, Field{"worker", worker}), socket(name)
}

// WorkflowAddr returns the address ("127.0.0.1:port") of the engine of workflow name, defined by
// script (Script.Workflows). Like Addr, the port changes with every reload.
func (s *Supervisor) WorkflowAddr(script, name string) (string, bool) {
	s.imu.RLock()
	sh := s.index[script]
	s.imu.RUnlock()
	if sh == nil {
		return "", false
	}
	return sh.addr(workflowService(name))
}

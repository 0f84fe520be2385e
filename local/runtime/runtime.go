// Package runtime runs the local Cloudflare's account on workerd: what each binding kind becomes
// in workerd, the workerd scripts built from the account's state and their apply, split
// deployments' services and the version each request goes to, the deletion of ended Durable
// Object namespaces' data, and each script's own port on 127.0.0.1 (Router).
package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/analytics"
	"github.com/lumier-dev/lumier/local/assets"
	"github.com/lumier-dev/lumier/local/d1"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/kv"
	"github.com/lumier-dev/lumier/local/loopback"
	"github.com/lumier-dev/lumier/local/queues"
	"github.com/lumier-dev/lumier/local/r2"
	"github.com/lumier-dev/lumier/local/rules"
	"github.com/lumier-dev/lumier/local/tails"
	"github.com/lumier-dev/lumier/local/workerd"
)

// Supervisor is what the runtime needs from the workerd supervisor (local/workerd).
type Supervisor interface {
	Apply(ctx context.Context, scripts []workerd.Script) error
	Addr(script string) (string, bool)
	ScheduledAddr(script string) (string, bool)
	WorkflowAddr(script, workflow string) (string, bool)
	Close() error
}

// Config is what the runtime runs the account's scripts with: the supervisor, the account's
// state and stores, and the backends that serve bindings to workerd.
type Config struct {
	Workerd Supervisor
	Store   *account.Store
	Logger  *slog.Logger
	// State is the account being served (account.Ledger.Load).
	State func() *account.State

	Tails         *tails.Hub
	Analytics     *analytics.Sink
	Assets        *assets.Store
	AssetsBackend *loopback.Server
	KV            *kv.Store
	KVBackend     *loopback.Server
	D1            *d1.Store
	D1Backend     *loopback.Server
	Queues        *queues.Store
	QueueBackend  *loopback.Server
	R2            *r2.Store
	R2Backend     *loopback.Server
}

// Runtime runs the account's scripts: it turns the state into the scripts workerd runs (each
// binding as its kind runs, split deployments as extra services), applies them, deletes the data
// of ended namespaces, and serves each script with workers.dev enabled on its own port (Router).
type Runtime struct {
	Config
	// Router serves each script's port, sending each request to the version chosen for it.
	Router *Router
}

// New is a runtime of c; its router sends requests to the versions of c.State().
func New(c Config) *Runtime {
	rt := &Runtime{Config: c}
	rt.Router = newRouter(c.Logger.With("component", "router"), rt.route)
	return rt
}

// workerdScripts turns a state into the scripts workerd runs. Each hosted class gets its
// namespace's ID as workerd's unique key: the key names the class's storage directory and seeds
// its object IDs, so keeping the ID through a rename or transfer is what keeps the data.
func (s *Runtime) workerdScripts(st *account.State) ([]workerd.Script, error) {
	out := make([]workerd.Script, 0, len(st.Scripts))
	consumers := s.Queues.Consumers()
	hosted := make(map[string][]rules.Namespace, len(st.Scripts)) // by script: one pass, not one per script
	for _, n := range st.Namespaces {
		hosted[n.Script] = append(hosted[n.Script], n)
	}
	for _, name := range st.ScriptNames() {
		rec := st.Scripts[name]
		ws := workerd.Script{
			Name:               name,
			MainModule:         rec.MainModule,
			CompatibilityDate:  rec.CompatibilityDate,
			CompatibilityFlags: rec.CompatibilityFlags,
			Scheduled:          len(st.Schedules[name]) > 0 || len(consumers[name]) > 0,
			Tail:               s.Tails.Tail(name),
		}
		for _, m := range rec.Modules {
			content, err := s.Store.Module(m.SHA256)
			if err != nil {
				return nil, fmt.Errorf("script %s: %w", name, err)
			}
			ws.Modules = append(ws.Modules, workerd.Module{Name: m.Name, Content: content, SHA256: m.SHA256})
		}
		bc := bindingContext{st: st, script: name, service: name, assets: rec.Assets}
		if d := rec.CurrentDeployment(); d != nil {
			bc.version = rec.FindVersion(rec.PrimaryVersion(d))
		}
		ws.Bindings = s.workerdBindings(bc, rec.Bindings)
		ws.Workflows = workflowsDefined(st, name, rec.Bindings)
		for _, n := range hosted[name] {
			ws.Classes = append(ws.Classes, workerd.Class{Name: n.Class, SQLite: n.SQLite, UniqueKey: n.ID})
		}
		out = append(out, ws)
	}
	rollouts, err := s.rolloutScripts(st)
	return append(out, rollouts...), err
}

// Apply makes workerd run next. A refusal by workerd becomes the request's rejection, in
// Cloudflare's terms; the scripts already running keep serving (the supervisor guarantees it).
// prev is the state being served, for telling a new class from an existing one.
func (s *Runtime) Apply(ctx context.Context, prev, next *account.State, uploaded string) error {
	scripts, err := s.workerdScripts(next)
	if err != nil {
		return err
	}
	err = s.Workerd.Apply(ctx, scripts)
	var ce *workerd.ConfigError
	if errors.As(err, &ce) {
		return runtimeRejection(prev, next, uploaded, ce.Message)
	}
	if err != nil {
		return fmt.Errorf("running the scripts on workerd: %w", err)
	}
	return nil
}

// missingClass finds workerd's warning about a Durable Object class the Worker does not export.
var missingClass = regexp.MustCompile(`referenced the class "([^"]+)", but no such Durable Object class is exported`)

// runtimeRejection maps workerd's refusal to Cloudflare's code. workerd is the final judge of
// exports: when the scan in local/scripts/exports.go could not tell, its verdict on a class that is not
// exported (or does not extend DurableObject) gets the code Cloudflare gives that class's case:
// bound (10061), existing (10064) or new (10074). Anything else is a script that does not load:
// 10021 with the runtime's own message.
func runtimeRejection(prev, next *account.State, uploaded, message string) error {
	m := missingClass.FindStringSubmatch(message)
	if m == nil {
		return envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "%s", strings.TrimSpace(message))
	}
	class := m[1]
	if rec, ok := next.Scripts[uploaded]; ok && slices.ContainsFunc(rec.Bindings, func(b account.Binding) bool {
		return b.Type == rules.BindingDurableObject && b.ClassName == class && (b.ScriptName == "" || b.ScriptName == uploaded)
	}) {
		return envelope.NewError(http.StatusBadRequest, rules.CodeBinding, "Cannot create binding for class '%s' that is not exported by the script", class)
	}
	for _, n := range next.NamespacesOf(uploaded) {
		if n.Class == class && !slices.ContainsFunc(prev.Namespaces, func(p rules.Namespace) bool { return p.ID == n.ID }) {
			return envelope.NewError(http.StatusBadRequest, rules.CodeMigration,
				"Cannot apply %s migration to class '%s' that is not exported by the script", newClassKind(n.SQLite), class)
		}
	}
	return envelope.NewError(http.StatusBadRequest, rules.CodeNotExported,
		"New version of script does not export class '%s' which is depended on by existing Durable Objects", class)
}

func newClassKind(sqlite bool) string {
	if sqlite {
		return "new-sqlite-class"
	}
	return "new-class"
}

// DropStorage deletes the data of namespaces that a migration or a forced delete ended. Their
// IDs are never reused, so the data is already unreachable; this frees the disk. The path is
// local/workerd's documented layout: <Dir>/storage/<uniqueKey>.
func (s *Runtime) DropStorage(dropped []rules.Namespace) {
	for _, n := range dropped {
		dir := filepath.Join(s.Store.WorkerdDir(), "storage", n.ID)
		if err := os.RemoveAll(dir); err != nil {
			s.Logger.Warn("deleting Durable Object data", "namespace", n.Name(), "dir", dir, "err", err)
		}
	}
}

// namespaceIDPattern tells the storage directories named by our namespace IDs from any other.
var namespaceIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// DropOrphanStorage deletes the data of namespaces that no longer exist: left behind when the
// process died between writing the state that ended them and deleting their data.
func (s *Runtime) DropOrphanStorage(st *account.State) {
	live := map[string]bool{}
	for _, n := range st.Namespaces {
		live[n.ID] = true
	}
	entries, _ := os.ReadDir(filepath.Join(s.Store.WorkerdDir(), "storage"))
	var orphans []rules.Namespace
	for _, e := range entries {
		if e.IsDir() && namespaceIDPattern.MatchString(e.Name()) && !live[e.Name()] {
			orphans = append(orphans, rules.Namespace{ID: e.Name(), Class: "(deleted)"})
		}
	}
	s.DropStorage(orphans)
}

package local

import (
	"context"
	"net"
	"net/http"
	"strings"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/assets"
	"github.com/lumier-dev/lumier/local/d1"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/fault"
	"github.com/lumier-dev/lumier/local/identity"
	"github.com/lumier-dev/lumier/local/kv"
	"github.com/lumier-dev/lumier/local/queues"
	"github.com/lumier-dev/lumier/local/r2"
	"github.com/lumier-dev/lumier/local/rules"
	"github.com/lumier-dev/lumier/local/runtime"
	"github.com/lumier-dev/lumier/local/schedules"
	"github.com/lumier-dev/lumier/local/scripts"
	"github.com/lumier-dev/lumier/local/subdomain"
	"github.com/lumier-dev/lumier/local/tails"
	"github.com/lumier-dev/lumier/local/workflows"
	"github.com/lumier-dev/lumier/local/zones"
)

// routes is the API: each endpoint with the kind its calls are counted under.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	// route is s.handle on mux, for the endpoint families of their own packages.
	route := func(pattern, kind string, h http.HandlerFunc) { s.handle(mux, pattern, kind, h) }
	scripts.NewAPI(s.opts.AccountID, s.opts.Plan, s.ledger, s.store, accountView{s}, s.logger).Routes(route)
	subdomain.NewAPI(accountView{s}).Routes(route)
	identity.NewAPI(s.opts.AccountID, s.opts.Token).Routes(route)
	s.triggers.Routes(route)
	// Outside the v4 API (it is ours, not Cloudflare's), but authenticated like it.
	mux.HandleFunc("POST "+schedules.FirePath, func(w http.ResponseWriter, r *http.Request) {
		if err := s.authenticate(r, false); err != nil {
			envelope.WriteError(w, err)
			return
		}
		s.calls.Add(CallFireScheduled)
		s.triggers.ServeFire(w, r)
	})
	kv.NewAPI(s.kv, s.logger).Routes(route)
	assetsAPI := assets.NewAPI(s.opts.AccountID, s.opts.Plan, s.assets, s.calls.Add, s.wrongAccount)
	assetsAPI.Routes(route)
	// Authorised by the upload session's token, not the API token: served outside handle, but
	// faults apply to it as to every endpoint.
	mux.HandleFunc("POST "+apiPrefix+assets.UploadPath, s.withFaults(assetsAPI.ServeUpload))
	queueAPI := queues.NewAPI(s.queues, s.delivery, accountView{s}, s.logger)
	queueAPI.Routes(route)
	// Outside the v4 API (it is ours, not Cloudflare's), but authenticated like it.
	mux.HandleFunc("POST "+deliverPath, func(w http.ResponseWriter, r *http.Request) {
		if err := s.authenticate(r, false); err != nil {
			envelope.WriteError(w, err)
			return
		}
		s.calls.Add(CallDeliverMessages)
		queueAPI.ServeDeliver(w, r)
	})
	d1.NewAPI(s.d1, s.logger).Routes(route)
	r2.NewAPI(s.r2, s.logger).Routes(route)
	zones.NewAPI(s.opts.AccountID, s.zones, accountView{s}).Routes(route)
	s.tails.Routes(route)
	mux.HandleFunc("GET "+tails.SocketPath, s.tails.ServeSocket)
	workflows.NewAPI(accountView{s}).Routes(route)
	s.analyticsRoutes(mux)
	// Credentials first, whatever the path: an unknown path with a wrong token is an
	// authentication error on Cloudflare, never "no route".
	mux.HandleFunc(apiPrefix+"/", func(w http.ResponseWriter, r *http.Request) {
		if err := s.authenticate(r, false); err != nil {
			envelope.WriteError(w, err)
			return
		}
		envelope.WriteError(w, envelope.NewError(http.StatusNotFound, envelope.CodeNoRoute, "No route for that URI"))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		envelope.WriteError(w, envelope.NewError(http.StatusNotFound, envelope.CodeNoRoute, "No route for that URI"))
	})
	return s.serveZones(s.reqlog.Middleware(mux))
}

// handle registers an endpoint behind the checks every endpoint shares, in Cloudflare's order:
// credentials, then (ours) fault injection, then the account in the path.
func (s *Server) handle(mux *http.ServeMux, pattern, kind string, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	mux.HandleFunc(method+" "+apiPrefix+path, func(w http.ResponseWriter, r *http.Request) {
		if err := s.authenticate(r, kind == CallVerifyToken); err != nil {
			envelope.WriteError(w, err)
			return
		}
		serve, answered := s.injectFaults(w, r, h)
		if answered {
			return
		}
		if account := r.PathValue("account"); strings.Contains(path, "{account}") && account != s.opts.AccountID {
			envelope.WriteError(w, s.wrongAccount(r, account))
			return
		}
		s.calls.Add(kind)
		serve(w, r)
	})
}

// injectFaults applies the injected faults to r: a failing fault answers it (answered is true);
// otherwise serve is h, or h followed by a dropped connection.
func (s *Server) injectFaults(w http.ResponseWriter, r *http.Request, h http.HandlerFunc) (serve http.HandlerFunc, answered bool) {
	drop, err := s.opts.Faults.Inject(r, strings.TrimPrefix(r.URL.Path, apiPrefix), s.logger)
	switch {
	case err != nil:
		s.calls.Add(CallFaulted)
		envelope.WriteError(w, err, envelope.Message{Code: 0, Message: "fault injected by lumier local (" + fault.Env + ")"})
		return nil, true
	case drop:
		return func(w http.ResponseWriter, r *http.Request) {
			s.calls.Add(CallDropped)
			fault.DropAfter(w, r, h)
		}, false
	}
	return h, false
}

// wrongAccount is Cloudflare's answer for an account id in the path that is not ours: a
// malformed id cannot be routed at all; a well-formed one is an account the token cannot access.
func (s *Server) wrongAccount(r *http.Request, account string) *envelope.Error {
	if !accountIDPattern.MatchString(account) {
		return envelope.NewError(http.StatusNotFound, envelope.CodeBadIdentifier,
			"Could not route to %s, perhaps your object identifier is invalid?", r.URL.Path)
	}
	return envelope.NewError(http.StatusForbidden, envelope.CodeAuthentication, "Authentication error")
}

// deliverPath delivers a queue's ready messages now: POST /__lumier/queues/{name}/deliver.
const deliverPath = "/__lumier/queues/{name}/deliver"

// accountView is the account as the packages of its families see it (queues.Account,
// tails.Scripts, zones.Account, schedules.Account).
type accountView struct{ s *Server }

// Producers are the scripts with a queue binding to queue, sorted.
func (a accountView) Producers(queue string) []string {
	var out []string
	st := a.s.ledger.Load()
	for _, name := range st.ScriptNames() {
		for _, b := range st.Scripts[name].Bindings {
			if b.Type == account.BindingQueue && b.QueueName == queue {
				out = append(out, name)
				break
			}
		}
	}
	return out
}

// HasScript reports whether the account has script name.
func (a accountView) HasScript(name string) bool {
	_, ok := a.s.ledger.Load().Scripts[name]
	return ok
}

// ReloadConsumers runs the scripts again after a consumer changed: a consuming script gets the
// companion that delivers batches to its queue() handler (local/workerd/scheduled.go).
func (a accountView) ReloadConsumers(ctx context.Context) {
	s := a.s
	s.ledger.Lock()
	defer s.ledger.Unlock()
	st := s.ledger.Load()
	if err := s.runtime.Apply(ctx, st, st, ""); err != nil {
		s.logger.Warn("reloading scripts after a queue consumer changed", "err", err)
	}
}

// serveZones sends a request whose Host belongs to one of the account's zones to the Worker its
// routes and custom domains select, and any other request to api. This is how the zones are
// reached locally: `curl -H 'Host: api.example.com' http://127.0.0.1:<api port>/`.
func (s *Server) serveZones(api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.ToLower(host)
		if _, ok := s.zones.OfHost(host); !ok {
			api.ServeHTTP(w, r)
			return
		}
		scheme := "https" // Cloudflare serves zones over HTTPS; a scheme-less pattern matches both
		if p := r.Header.Get("X-Forwarded-Proto"); p == "http" {
			scheme = p
		}
		st := s.ledger.Load()
		script, ok := zones.Target(st.Routes, st.Domains, scheme, host, r.URL.RequestURI())
		if !ok {
			http.Error(w, "lumier local: no route or custom domain of zone matches "+host+r.URL.Path+
				" (routes and custom domains are set on a Worker with routes and domains)", http.StatusNotFound)
			return
		}
		s.runtime.Router.Handler(script).ServeHTTP(w, r)
	})
}

// Records are the account's routes and custom domains (zones.Account).
func (a accountView) Records() ([]zones.Route, []zones.Domain) {
	st := a.s.ledger.Load()
	return st.Routes, st.Domains
}

// Change changes the account's routes and custom domains (zones.Account): under the account's
// lock, on a copy of the state, which is written and published when change changed it.
func (a accountView) Change(change func(hasScript func(string) bool, routes []zones.Route, domains []zones.Domain) ([]zones.Route, []zones.Domain, bool, error)) error {
	s := a.s
	s.ledger.Lock()
	defer s.ledger.Unlock()
	next := s.ledger.Load().Clone()
	hasScript := func(name string) bool { _, ok := next.Scripts[name]; return ok }
	routes, domains, changed, err := change(hasScript, next.Routes, next.Domains)
	if err != nil || !changed {
		return err
	}
	next.Routes, next.Domains = routes, domains
	if err := s.store.Save(next); err != nil {
		return err
	}
	s.ledger.Publish(next)
	return nil
}

// Schedules are the Cron Triggers of every script, and the scripts' names (schedules.Account).
func (a accountView) Schedules() (map[string][]schedules.Record, []string) {
	st := a.s.ledger.Load()
	return st.Schedules, st.ScriptNames()
}

// Of is script's Cron Triggers; false when the account has no such script (schedules.Account).
func (a accountView) Of(script string) ([]schedules.Record, bool) {
	st := a.s.ledger.Load()
	if _, ok := st.Scripts[script]; !ok {
		return nil, false
	}
	return st.Schedules[script], true
}

// Set replaces script's Cron Triggers (schedules.Account). A script that gains or loses its
// first trigger is reloaded, since workerd serves scheduled events through a companion service.
func (a accountView) Set(ctx context.Context, script string, set func(prev []schedules.Record) []schedules.Record) ([]schedules.Record, error) {
	s := a.s
	s.ledger.Lock()
	defer s.ledger.Unlock()
	prev := s.ledger.Load()
	if _, ok := prev.Scripts[script]; !ok {
		return nil, envelope.ScriptNotFound()
	}
	next := prev.Clone()
	if next.Schedules == nil {
		next.Schedules = map[string][]schedules.Record{}
	}
	recs := set(prev.Schedules[script])
	if len(recs) == 0 {
		delete(next.Schedules, script)
	} else {
		next.Schedules[script] = recs
	}
	if (len(prev.Schedules[script]) > 0) != (len(recs) > 0) {
		if err := s.runtime.Apply(ctx, prev, next, ""); err != nil {
			return nil, err
		}
	}
	if err := s.store.Save(next); err != nil {
		return nil, err
	}
	s.ledger.Publish(next)
	return recs, nil
}

// Workflows is the Workflows API's registry (workflows.Account).
func (a accountView) Workflows() map[string]*workflows.Record {
	return a.s.ledger.Load().Workflows
}

// EditWorkflows changes the Workflows API's registry (workflows.Account): under the account's
// lock, on a copy of the state, which is written and published; the scripts run again first
// when edit says so.
func (a accountView) EditWorkflows(ctx context.Context, edit func(reg map[string]*workflows.Record) (bool, error)) error {
	s := a.s
	s.ledger.Lock()
	defer s.ledger.Unlock()
	prev := s.ledger.Load()
	next := prev.Clone()
	if next.Workflows == nil {
		next.Workflows = map[string]*workflows.Record{}
	}
	restart, err := edit(next.Workflows)
	if err != nil {
		return err
	}
	if restart {
		if err := s.runtime.Apply(ctx, prev, next, ""); err != nil {
			return err
		}
	}
	return s.ledger.Commit(ctx, prev, next)
}

// EngineAddr is where the engine of workflow name answers (workflows.Account): in the process
// of the script that runs it.
func (a accountView) EngineAddr(name string) (string, error) {
	host, ok := runtime.WorkflowHost(a.s.ledger.Load(), name)
	if !ok {
		return "", envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "workflow %q has no script that runs it", name)
	}
	addr, ok := a.s.runtime.Workerd.WorkflowAddr(host, name)
	if !ok {
		return "", envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "workflow %q is not running on workerd", name)
	}
	return addr, nil
}

// Apply has workerd run next in place of prev (scripts.Runtime).
func (a accountView) Apply(ctx context.Context, prev, next *account.State, uploaded string) error {
	return a.s.runtime.Apply(ctx, prev, next, uploaded)
}

// Kinds are the binding types the local Cloudflare runs, sorted (scripts.Runtime).
func (a accountView) Kinds() []string { return runtime.Kinds() }

// CheckBindingTargets refuses bindings that name resources the account lacks (scripts.Runtime).
func (a accountView) CheckBindingTargets(script string, bindings []account.Binding) error {
	return a.s.runtime.CheckBindingTargets(script, bindings)
}

// ReadBindings is bindings as Cloudflare reads them back (scripts.Runtime).
func (a accountView) ReadBindings(st *account.State, script string, bindings []account.Binding) []any {
	return runtime.BindingsRead(st, script, bindings)
}

// DropStorage deletes the data of ended Durable Object namespaces (scripts.Runtime).
func (a accountView) DropStorage(dropped []rules.Namespace) { a.s.runtime.DropStorage(dropped) }

// ClosePort stops serving a deleted script's port (scripts.Runtime).
func (a accountView) ClosePort(script string) { a.s.runtime.Router.Close(script) }

// RemoveConsumersOf removes a deleted script's queue consumers (scripts.Runtime).
func (a accountView) RemoveConsumersOf(script string) (bool, error) {
	return a.s.queues.RemoveConsumersOf(script)
}

// withFaults applies the injected faults to h, an endpoint not registered through handle.
func (s *Server) withFaults(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if serve, answered := s.injectFaults(w, r, h); !answered {
			serve(w, r)
		}
	}
}

// RedeemAssets resolves an upload's assets.jwt to the manifest it completed (scripts.Runtime).
func (a accountView) RedeemAssets(script, jwt string, cfg account.AssetsConfig) (*account.Assets, error) {
	return a.s.assets.Redeem(script, jwt, cfg)
}

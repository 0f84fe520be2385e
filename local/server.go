// Package local is the local Cloudflare: a server that speaks the subset of Cloudflare's v4 API
// that lumier's provider uses (Workers scripts, Durable Object namespaces, workers.dev) and runs
// the uploaded Workers on workerd. It applies Cloudflare's rules with Cloudflare's error codes,
// keeps its state in a directory so that scripts, Durable Object data and URLs survive a
// restart, serves each script with workers.dev enabled on its own port on 127.0.0.1, and can
// inject faults to test clients' retries.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/analytics"
	"github.com/lumier-dev/lumier/local/assets"
	"github.com/lumier-dev/lumier/local/calls"
	"github.com/lumier-dev/lumier/local/d1"
	"github.com/lumier-dev/lumier/local/fault"
	"github.com/lumier-dev/lumier/local/kv"
	"github.com/lumier-dev/lumier/local/loopback"
	"github.com/lumier-dev/lumier/local/queues"
	"github.com/lumier-dev/lumier/local/r2"
	"github.com/lumier-dev/lumier/local/requestlog"
	"github.com/lumier-dev/lumier/local/runtime"
	"github.com/lumier-dev/lumier/local/schedules"
	"github.com/lumier-dev/lumier/local/tails"
	"github.com/lumier-dev/lumier/local/workerd"
	"github.com/lumier-dev/lumier/local/zones"
)

// Defaults of Options, also used by `lumier local`.
const (
	// DefaultZone is the zone every local account has, so that routes and custom domains work
	// without set-up; Options.Zones adds more.
	DefaultZone = zones.Default
	// DefaultAddr is where the API listens.
	DefaultAddr = "127.0.0.1:8787"
	// DefaultStateDir is the state directory, relative to the working directory.
	DefaultStateDir = ".lumier/local"
	// DefaultToken is the API token clients must present.
	DefaultToken = "local-token"
	// DefaultAccountID is the one account the local Cloudflare serves.
	DefaultAccountID = "0123456789abcdef0123456789abcdef"
)

// apiPrefix is the path prefix of Cloudflare's v4 API.
const apiPrefix = "/client/v4"

// Options configures a Server. Zero fields take the defaults above.
type Options struct {
	// Addr is the API's listen address; it must be a loopback address. Port 0 picks a free port.
	Addr string
	// StateDir keeps scripts, tags, namespaces, ports, the subdomain and Durable Object data.
	StateDir string
	// Token is the API token (Authorization: Bearer <Token>).
	Token string
	// AccountID is the account id in API paths: 32 lowercase hex digits, like Cloudflare's.
	AccountID string
	// Faults, if set, fails, delays or drops matching API requests (see fault.Parse).
	Faults *fault.Set
	// Logger receives the server's and workerd's logs; nil discards them.
	Logger *slog.Logger
	// Workerd is the workerd binary; empty looks it up (see workerd.FindBinary).
	Workerd string
	// LogRequests, if set, also receives one line per API request (the request log in the state
	// directory always gets them; see local/requestlog).
	LogRequests io.Writer
	// Plan is the account's plan, which decides whether new KV-backed Durable Object classes are
	// allowed (plan.go); empty is DefaultPlan, a new account's.
	Plan Plan
	// ManualCron, if set, runs Cron Triggers only when fired on demand (POST
	// /__lumier/scripts/{name}/scheduled), never on the clock: for tests that count runs, which a
	// minute boundary would otherwise change.
	ManualCron bool
	// NoSubdomain, if set, starts a new account without a workers.dev subdomain, as a new
	// Cloudflare account is: GET .../workers/subdomain answers 10007 until one is registered
	// with PUT .../workers/subdomain. It only applies when the state directory holds no account yet.
	NoSubdomain bool
	// Zones are the account's zones besides DefaultZone, for routes and custom domains
	// (local/zones): domain names such as "example.org".
	Zones []string
}

var accountIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Server is one local Cloudflare. Create it with New, then Start it; Close stops it.
type Server struct {
	opts          Options
	logger        *slog.Logger
	store         *account.Store
	runtime       *runtime.Runtime // runs the scripts on workerd and serves their ports (local/runtime)
	calls         calls.Counter
	reqlog        *requestlog.Log
	triggers      *schedules.Triggers // Cron Triggers: the schedules endpoints and the loop
	kv            *kv.Store           // Workers KV (local/kv); kvBackend serves it to workerd
	kvBackend     loopback.Server
	assets        *assets.Store // static assets (local/assets); assetsBackend serves ASSETS bindings
	assetsBackend loopback.Server
	d1            *d1.Store // D1 (local/d1); d1Backend serves it to workerd
	d1Backend     loopback.Server
	queues        *queues.Store // Queues (local/queues); queueBackend serves producers through delivery
	queueBackend  loopback.Server
	delivery      *queues.Delivery // delivery to consumers, and the producers' service
	r2            *r2.Store        // R2 (local/r2); r2Backend serves it to workerd
	r2Backend     loopback.Server
	zones         zones.Set       // the account's zones (Options.Zones and DefaultZone)
	analytics     *analytics.Sink // Analytics Engine data points (local/analytics)
	tails         *tails.Hub      // tail sessions and the sink workerd's tails post to (local/tails)

	ledger *account.Ledger // the account being served and its changes (local/account)

	ln        net.Listener
	srv       *http.Server
	serveDone chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// New checks the set-up (address, workerd binary, state directory) and loads the state. It
// listens on nothing yet.
func New(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if opts.StateDir == "" {
		opts.StateDir = DefaultStateDir
	}
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccountID
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	addr, err := checkLoopback(opts.Addr)
	if err != nil {
		return nil, err
	}
	opts.Addr = addr
	if !accountIDPattern.MatchString(opts.AccountID) {
		return nil, fmt.Errorf("account id %q: want 32 lowercase hex digits, like a Cloudflare account id", opts.AccountID)
	}
	if !validTokenSyntax(opts.Token) {
		return nil, fmt.Errorf("token: want printable characters without spaces")
	}
	if err := zones.Check(opts.Zones); err != nil {
		return nil, err
	}
	if opts.Plan, err = ParsePlan(string(opts.Plan)); err != nil {
		return nil, err
	}
	if opts.Workerd == "" {
		if opts.Workerd, err = workerd.FindBinary(); err != nil {
			return nil, err
		}
	} else if _, err := os.Stat(opts.Workerd); err != nil {
		return nil, fmt.Errorf("workerd binary %s: %w (run `npm ci` in the lumier checkout to install it)", opts.Workerd, err)
	}

	st, err := account.OpenStore(opts.StateDir)
	if err != nil {
		return nil, err
	}
	stored, err := st.HasState()
	if err != nil {
		st.Close()
		return nil, err
	}
	fresh := !stored
	loaded, err := st.Load()
	if err != nil {
		st.Close()
		return nil, err
	}
	if fresh && opts.NoSubdomain {
		loaded.Subdomain = ""
	}
	s := &Server{
		opts:   opts,
		logger: logger,
		store:  st,
	}
	supervisor := workerd.NewSupervisor(workerd.Options{
		Binary: opts.Workerd,
		Dir:    st.WorkerdDir(),
		Logger: logger,
	})
	s.tails = tails.NewHub(accountView{s})
	s.analytics = analytics.NewSink(st.Dir, logger)
	s.zones = zones.NewSet(opts.Zones)
	s.triggers = schedules.NewTriggers(accountView{s}, supervisor, logger)
	if s.kv, err = kv.Open(st.DB); err != nil {
		st.Close()
		return nil, err
	}
	if s.assets, err = assets.Open(st.Dir, logger); err != nil {
		st.Close()
		return nil, err
	}
	if s.queues, err = queues.Open(st.DB); err != nil {
		st.Close()
		return nil, err
	}
	s.delivery = queues.NewDelivery(s.queues, supervisor, logger)
	if s.d1, err = d1.Open(st.Dir, st.DB); err != nil {
		st.Close()
		return nil, err
	}
	if s.r2, err = r2.Open(st.Dir, st.DB); err != nil {
		st.Close()
		return nil, err
	}
	s.runtime = runtime.New(runtime.Config{
		Workerd: supervisor, Store: st, Logger: logger,
		State: func() *account.State { return s.ledger.Load() },
		Tails: s.tails, Analytics: s.analytics,
		Assets: s.assets, AssetsBackend: &s.assetsBackend,
		KV: s.kv, KVBackend: &s.kvBackend,
		D1: s.d1, D1Backend: &s.d1Backend,
		Queues: s.queues, QueueBackend: &s.queueBackend,
		R2: s.r2, R2Backend: &s.r2Backend,
	})
	s.ledger = account.NewLedger(st, loaded, s.runtime.Apply, logger)
	if s.reqlog, err = requestlog.Open(st.Dir, opts.LogRequests); err != nil {
		st.Close()
		return nil, err
	}
	return s, nil
}

// Start listens, brings back the stored scripts (their ports first, then workerd) and serves the
// API in the background until Close. ctx bounds the start only.
func (s *Server) Start(ctx context.Context) error {
	if s.ln != nil {
		return errors.New("local: server already started")
	}
	ln, err := listenAPI(s.opts.Addr)
	if err != nil {
		return err
	}
	s.ln = ln
	if err := s.kvBackend.Start(http.HandlerFunc(s.kv.ServeBinding)); err != nil {
		ln.Close()
		s.ln = nil
		return fmt.Errorf("listening for workerd's KV calls: %w", err)
	}
	if err := s.assetsBackend.Start(http.HandlerFunc(s.assets.ServeBinding)); err != nil {
		ln.Close()
		s.kvBackend.Close()
		s.ln = nil
		return fmt.Errorf("listening for workerd's assets calls: %w", err)
	}
	if err := s.d1Backend.Start(http.HandlerFunc(s.d1.ServeBinding)); err != nil {
		ln.Close()
		s.kvBackend.Close()
		s.assetsBackend.Close()
		s.ln = nil
		return fmt.Errorf("listening for workerd's D1 calls: %w", err)
	}
	if err := s.queueBackend.Start(http.HandlerFunc(s.delivery.ServeProducer)); err != nil {
		ln.Close()
		s.kvBackend.Close()
		s.assetsBackend.Close()
		s.d1Backend.Close()
		s.ln = nil
		return fmt.Errorf("listening for workerd's queue calls: %w", err)
	}
	if err := s.r2Backend.Start(http.HandlerFunc(s.r2.ServeBinding)); err != nil {
		ln.Close()
		s.kvBackend.Close()
		s.assetsBackend.Close()
		s.d1Backend.Close()
		s.queueBackend.Close()
		s.ln = nil
		return fmt.Errorf("listening for workerd's R2 calls: %w", err)
	}
	if err := s.tails.Start(); err != nil {
		ln.Close()
		s.kvBackend.Close()
		s.assetsBackend.Close()
		s.d1Backend.Close()
		s.queueBackend.Close()
		s.r2Backend.Close()
		s.ln = nil
		return fmt.Errorf("listening for workerd's tail events: %w", err)
	}
	if err := s.restore(ctx); err != nil {
		ln.Close()
		s.tails.Close()
		s.kvBackend.Close()
		s.assetsBackend.Close()
		s.d1Backend.Close()
		s.queueBackend.Close()
		s.r2Backend.Close()
		s.ln = nil
		s.runtime.Router.CloseAll()
		return err
	}
	s.srv = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelDebug),
	}
	s.serveDone = make(chan struct{})
	go func() {
		defer close(s.serveDone)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("serving the API", "err", err)
		}
	}()
	if !s.opts.ManualCron {
		s.triggers.Start()
	}
	s.delivery.Start()
	s.logger.Info("local Cloudflare listening", "url", s.URL(), "state", s.store.Dir, "zones", s.Zones())
	return nil
}

// restore serves the stored state: ports before workerd, so that workerd's own ephemeral ports
// never take a script's stable port.
func (s *Server) restore(ctx context.Context) error {
	s.ledger.Lock()
	defer s.ledger.Unlock()
	cur := s.ledger.Load()
	next := cur.Clone()
	moved := false
	for _, name := range next.ScriptNames() {
		rec := next.Scripts[name]
		if !rec.WorkersDev {
			continue
		}
		changed, err := s.openPort(next, name)
		if err != nil {
			return err
		}
		moved = moved || changed
	}
	if moved {
		if err := s.store.Save(next); err != nil {
			return err
		}
		s.ledger.Publish(next)
	}
	if len(next.Scripts) > 0 {
		if err := s.runtime.Apply(ctx, next, next, ""); err != nil {
			return fmt.Errorf("running the stored scripts on workerd (state directory %s): %w", s.store.Dir, err)
		}
	}
	if err := s.store.GC(next); err != nil {
		s.logger.Warn("removing unused modules", "err", err)
	}
	s.runtime.DropOrphanStorage(next)
	return nil
}

// openPort serves script name of next on the port that belongs to its name (state.Ports), a
// new one for a name that never had one, and records the port in next. It reports whether next
// changed: a first port, or a new one because another program took the old.
func (s *Server) openPort(next *account.State, name string) (changed bool, err error) {
	rec := next.Scripts[name]
	want := rec.Port
	if want == 0 {
		want = next.Ports[name]
	}
	port, err := s.runtime.Router.Open(name, want, s.portBase(), next.UsedPorts(name))
	if err != nil {
		return false, err
	}
	return recordPort(next, name, port), nil
}

// recordPort records port as script name's in next (its record and state.Ports) and reports
// whether next changed.
func recordPort(next *account.State, name string, port int) (changed bool) {
	changed = port != next.Scripts[name].Port || next.Ports[name] != port
	if port != next.Scripts[name].Port {
		next.Own(name).Port = port
	}
	if next.Ports == nil {
		next.Ports = map[string]int{}
	}
	next.Ports[name] = port
	return changed
}

// portBase is where the search for a new script port starts: just after the API's port.
func (s *Server) portBase() int {
	if s.ln == nil {
		return 0
	}
	return s.ln.Addr().(*net.TCPAddr).Port + 1
}

// URL is the API's base URL, for example http://127.0.0.1:8787/client/v4.
func (s *Server) URL() string {
	return "http://" + s.Addr() + apiPrefix
}

// Addr is the address the API listens on, once started.
func (s *Server) Addr() string {
	if s.ln == nil {
		return s.opts.Addr
	}
	return s.ln.Addr().String()
}

// AccountID is the account the server serves.
func (s *Server) AccountID() string { return s.opts.AccountID }

// Plan is the account's plan (plan.go).
func (s *Server) Plan() Plan { return s.opts.Plan }

// Token is the API token the server accepts.
func (s *Server) Token() string { return s.opts.Token }

// StateDir is the absolute path of the state directory.
func (s *Server) StateDir() string { return s.store.Dir }

// ScriptURL is the URL a script with workers.dev enabled answers at (http://127.0.0.1:<port>);
// false when the script does not exist or workers.dev is off.
func (s *Server) ScriptURL(script string) (string, bool) {
	port, ok := s.runtime.Router.Port(script)
	if !ok {
		return "", false
	}
	return "http://" + net.JoinHostPort(loopbackIP, strconv.Itoa(port)), true
}

// Scripts lists the names of the uploaded scripts, sorted.
func (s *Server) Scripts() []string { return s.ledger.Load().ScriptNames() }

// Calls counts the API calls that reached their endpoint, by kind (the Call* constants), plus
// CallFaulted for requests a fault rule failed and CallDropped for those it served unanswered. Requests refused for their credentials are not
// counted.
func (s *Server) Calls() map[string]int { return s.calls.Snapshot() }

// MutatingCalls is the number of counted calls that change the account (uploads, deletes,
// subdomain changes), whether or not they succeeded: a no-op update must make none.
func (s *Server) MutatingCalls() int {
	return s.calls.Sum(func(kind string) bool { return mutatingCalls[kind] })
}

// ResetCalls sets every counter back to zero.
func (s *Server) ResetCalls() { s.calls.Reset() }

// Close stops the API, the scripts' ports and workerd, and releases the state directory. Durable
// Object data and the state stay on disk.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		if err := s.tails.Close(); err != nil {
			errs = append(errs, err)
		}
		if s.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			if err := s.srv.Shutdown(ctx); err != nil {
				s.srv.Close()
			}
			cancel()
			<-s.serveDone
		} else if s.ln != nil {
			s.ln.Close()
		}
		s.triggers.Stop()
		s.delivery.Stop()
		s.runtime.Router.CloseAll()
		if err := s.runtime.Workerd.Close(); err != nil {
			errs = append(errs, err)
		}
		if err := s.kvBackend.Close(); err != nil {
			errs = append(errs, err)
		}
		if err := s.assetsBackend.Close(); err != nil {
			errs = append(errs, err)
		}
		if err := s.d1Backend.Close(); err != nil {
			errs = append(errs, err)
		}
		if err := s.d1.Close(); err != nil {
			errs = append(errs, err)
		}
		if err := s.queueBackend.Close(); err != nil {
			errs = append(errs, err)
		}
		if err := s.r2Backend.Close(); err != nil {
			errs = append(errs, err)
		}
		if err := s.analytics.Close(); err != nil {
			errs = append(errs, err)
		}
		if err := s.reqlog.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing the request log: %w", err))
		}
		if err := s.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("unlocking the state directory: %w", err))
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// RequestLogPath is the request log's file in the state directory.
func (s *Server) RequestLogPath() string { return filepath.Join(s.store.Dir, requestlog.File) }

// Zones lists the names of the account's zones: requests for them reach Workers by Host.
func (s *Server) Zones() []string { return s.zones.Names() }

package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/lumier-dev/lumier/local/loopback"
)

// portSearch is how many ports after the API's port are tried for a script's first port.
const portSearch = 200

// Router gives every script with workers.dev enabled its own port on 127.0.0.1 and
// reverse-proxies it (plain HTTP and WebSocket upgrades) to the workerd socket serving the script.
// A port per script, rather than host names, because *.localhost names do not resolve for every
// client, and because the Worker then sees its real path.
type Router struct {
	logger *slog.Logger
	// pick chooses where one request for a script goes; the workerd address changes on every
	// reload, and a split deployment chooses a version per request, so it is asked per request.
	pick  func(script string) routeTarget
	proxy *httputil.ReverseProxy

	mu     sync.Mutex
	routes map[string]*route
}

// routeTarget is where one request for a script goes: the version chosen for it, as the workerd
// address serving it (ok false: not running) and, if set, its front, which may answer the
// request before the Worker does (the version's static assets) and reports whether it did.
type routeTarget struct {
	addr  string
	ok    bool
	front func(w http.ResponseWriter, req *http.Request) bool
}

type route struct {
	port int
	srv  *http.Server
}

type targetKey struct{}

func newRouter(logger *slog.Logger, pick func(string) routeTarget) *Router {
	r := &Router{logger: logger, pick: pick, routes: map[string]*route{}}
	r.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			target := pr.In.Context().Value(targetKey{}).(string)
			pr.SetURL(&url.URL{Scheme: "http", Host: target})
			pr.Out.Host = pr.In.Host // the Worker sees the URL the client used
			pr.SetXForwarded()
		},
		FlushInterval: -1, // stream responses (server-sent events, long polls) as they come
		ErrorHandler: func(w http.ResponseWriter, req *http.Request, err error) {
			logger.Warn("proxying to workerd", "host", req.Host, "path", req.URL.Path, "err", err)
			http.Error(w, "lumier local: the Worker did not answer: "+err.Error(), http.StatusBadGateway)
		},
	}
	return r
}

// Open starts serving script on port (0: pick one), unless it already is. If port is taken by
// another program, another port is picked and logged: a moved URL is better than a script that
// cannot be reached. It returns the port serving the script.
func (r *Router) Open(script string, port, searchFrom int, used map[int]bool) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rt, ok := r.routes[script]; ok {
		return rt.port, nil
	}
	var ln net.Listener
	var err error
	if port != 0 {
		ln, err = net.Listen("tcp", net.JoinHostPort(loopback.IP, strconv.Itoa(port)))
		if err != nil {
			r.logger.Warn("a script's port is taken; giving it another one", "script", script, "port", port, "err", err)
		}
	}
	if ln == nil {
		ln, err = r.listenFree(searchFrom, used)
		if err != nil {
			return 0, fmt.Errorf("opening a port for script %s: %w", script, err)
		}
	}
	bound := ln.Addr().(*net.TCPAddr).Port
	srv := &http.Server{
		Handler:           r.Handler(script),
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(r.logger.Handler(), slog.LevelDebug),
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			r.logger.Error("serving script", "script", script, "err", err)
		}
	}()
	r.routes[script] = &route{port: bound, srv: srv}
	return bound, nil
}

// listenFree listens on the first free port after searchFrom that no script has recorded, so
// that URLs are short and predictable (8788, 8789, ...), falling back to a port of the kernel's
// choosing that no script has recorded either.
func (r *Router) listenFree(searchFrom int, used map[int]bool) (net.Listener, error) {
	if searchFrom > 0 {
		for p := searchFrom; p < searchFrom+portSearch && p < 65536; p++ {
			if used[p] {
				continue
			}
			if ln, err := net.Listen("tcp", net.JoinHostPort(loopback.IP, strconv.Itoa(p))); err == nil {
				return ln, nil
			}
		}
	}
	// A recorded port the kernel hands out is kept open until the search ends, so that the
	// kernel offers another one.
	var refused []net.Listener
	defer func() {
		for _, ln := range refused {
			ln.Close()
		}
	}()
	for {
		ln, err := net.Listen("tcp", net.JoinHostPort(loopback.IP, "0"))
		if err != nil {
			return nil, err
		}
		if !used[ln.Addr().(*net.TCPAddr).Port] {
			return ln, nil
		}
		refused = append(refused, ln)
	}
}

// Handler proxies one script's port to workerd.
func (r *Router) Handler(script string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		target := r.pick(script)
		if target.front != nil && target.front(w, req) {
			return
		}
		if !target.ok {
			http.Error(w, "lumier local: script "+script+" is not running (see the lumier local log)", http.StatusServiceUnavailable)
			return
		}
		r.proxy.ServeHTTP(w, req.WithContext(context.WithValue(req.Context(), targetKey{}, target.addr)))
	})
}

// Close stops serving script: its port stops answering.
func (r *Router) Close(script string) {
	r.mu.Lock()
	rt, ok := r.routes[script]
	delete(r.routes, script)
	r.mu.Unlock()
	if ok {
		rt.srv.Close()
	}
}

// Port reports the port serving script.
func (r *Router) Port(script string) (int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rt, ok := r.routes[script]
	if !ok {
		return 0, false
	}
	return rt.port, true
}

// CloseAll stops every script's port.
func (r *Router) CloseAll() {
	r.mu.Lock()
	routes := r.routes
	r.routes = map[string]*route{}
	r.mu.Unlock()
	for _, rt := range routes {
		rt.srv.Close()
	}
}

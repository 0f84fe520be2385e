// Package loopback serves the local Cloudflare's services that only workerd calls, each on its
// own 127.0.0.1 port.
package loopback

import (
	"net"
	"net/http"
	"time"
)

// IP is where every socket of the local Cloudflare listens: the API (which accepts a fixed,
// printed token) and the Workers (which run uploaded code) must not be reachable from other
// machines.
const IP = "127.0.0.1"

// Server is an HTTP service of the local Cloudflare on its own 127.0.0.1 port that only
// workerd calls: the backends of KV, R2, D1, queue and assets bindings, the tail sink. It takes
// no token, so it never shares the API's listener. The zero value is ready to Start.
type Server struct {
	ln  net.Listener
	srv *http.Server
}

// Start listens on a free loopback port and serves h until Close.
func (l *Server) Start(h http.Handler) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(IP, "0"))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second}
	l.ln, l.srv = ln, srv
	// The goroutine keeps its own srv: Close may clear l.srv before it runs.
	go func() { _ = srv.Serve(ln) }()
	return nil
}

// Addr is the address workerd reaches it at ("" before start).
func (l *Server) Addr() string {
	if l.ln == nil {
		return ""
	}
	return l.ln.Addr().String()
}

// Close stops serving; closing twice is harmless.
func (l *Server) Close() error {
	if l.srv == nil {
		return nil
	}
	err := l.srv.Close()
	l.srv, l.ln = nil, nil
	return err
}

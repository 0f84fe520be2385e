package local

import (
	"net"
	"net/http"
	"time"
)

// loopback is an HTTP service of the local Cloudflare on its own 127.0.0.1 port that only
// workerd calls: the backends of KV, R2, D1, queue and assets bindings. It takes no token, so it never shares the
// API's listener.
type loopback struct {
	ln  net.Listener
	srv *http.Server
}

// start listens on a free loopback port and serves h until close.
func (l *loopback) start(h http.Handler) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second}
	l.ln, l.srv = ln, srv
	// The goroutine keeps its own srv: close may clear l.srv before it runs.
	go func() { _ = srv.Serve(ln) }()
	return nil
}

// addr is the address workerd reaches it at ("" before start).
func (l *loopback) addr() string {
	if l.ln == nil {
		return ""
	}
	return l.ln.Addr().String()
}

func (l *loopback) close() error {
	if l.srv == nil {
		return nil
	}
	err := l.srv.Close()
	l.srv, l.ln = nil, nil
	return err
}

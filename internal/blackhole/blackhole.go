// Package blackhole is a test API server that accepts connections and never answers: what a
// wrong API URL, a hung proxy or a firewall that drops packets after the handshake looks like.
// Tests use it to prove that every call is bounded in time, and count its connections to prove
// how many attempts a call made.
package blackhole

import (
	"net"
	"sync"
	"testing"
	"time"
)

// Hole is a listener that accepts every connection and sends nothing.
type Hole struct {
	addr string

	mu      sync.Mutex
	conns   []net.Conn
	markers map[string]chan struct{} // Connections' own connections, by their local address
	marked  int                      // how many of conns are markers
}

// Start listens on 127.0.0.1 (a free port), accepts every connection and sends nothing. The
// listener and every connection are closed when the test ends.
func Start(tb testing.TB) *Hole {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("blackhole: %v", err)
	}
	h := &Hole{addr: l.Addr().String(), markers: map[string]chan struct{}{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for { // ends when the listener is closed
			c, err := l.Accept()
			if err != nil {
				return
			}
			h.mu.Lock()
			h.conns = append(h.conns, c)
			if seen, ok := h.markers[c.RemoteAddr().String()]; ok {
				h.marked++
				close(seen)
			}
			h.mu.Unlock()
		}
	}()
	tb.Cleanup(func() {
		_ = l.Close()
		<-done
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, c := range h.conns {
			_ = c.Close()
		}
	})
	return h
}

// Addr is the listener's address, "127.0.0.1:<port>".
func (h *Hole) Addr() string { return h.addr }

// Connections is how many connections clients have opened so far. It first opens one of its own
// and waits until the hole has accepted it: the kernel hands connections over in the order their
// handshakes completed, so every connection opened before the call is counted, however slowly
// the accepting goroutine runs.
func (h *Hole) Connections(tb testing.TB) int {
	tb.Helper()
	// Bounded only so that a broken listener fails the test instead of hanging it.
	c, err := net.DialTimeout("tcp", h.addr, time.Minute)
	if err != nil {
		tb.Fatalf("blackhole: counting connections: %v", err)
	}
	defer c.Close()
	seen := make(chan struct{})
	h.mu.Lock()
	key := c.LocalAddr().String()
	already := false
	for _, accepted := range h.conns {
		if accepted.RemoteAddr().String() == key {
			already = true
		}
	}
	if already {
		h.marked++
		close(seen)
	} else {
		h.markers[key] = seen
	}
	h.mu.Unlock()
	select {
	case <-seen:
	case <-time.After(time.Minute):
		tb.Fatalf("blackhole: the listener did not accept a connection within a minute")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.markers, key)
	return len(h.conns) - h.marked
}

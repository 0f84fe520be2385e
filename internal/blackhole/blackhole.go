// Package blackhole is a test API server that accepts connections and never answers: what a
// wrong API URL, a hung proxy or a firewall that drops packets after the handshake looks like.
// Tests use it to prove that every call is bounded in time.
package blackhole

import (
	"net"
	"sync"
	"testing"
)

// Start listens on 127.0.0.1 (a free port), accepts every connection and sends nothing. It
// returns the listener's address ("127.0.0.1:<port>"); the listener and every connection are
// closed when the test ends.
func Start(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("blackhole: %v", err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for { // ends when the listener is closed
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	tb.Cleanup(func() {
		_ = l.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}

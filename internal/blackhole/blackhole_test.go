package blackhole

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

func TestAcceptsAndNeverAnswers(t *testing.T) {
	addr := Start(t).Addr()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatalf("write: %v", err)
	}
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	n, err := c.Read(make([]byte, 1))
	if n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read: got %d bytes, %v; want nothing until the deadline", n, err)
	}
}

// TestCountsClientConnections: every connection opened before the count is counted, however
// late the accepting goroutine runs, and the counting's own connections never are.
func TestCountsClientConnections(t *testing.T) {
	h := Start(t)
	if n := h.Connections(t); n != 0 {
		t.Fatalf("no client yet: got %d connections", n)
	}
	for i := 1; i <= 3; i++ {
		c, err := net.DialTimeout("tcp", h.Addr(), 5*time.Second)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer c.Close()
		if n := h.Connections(t); n != i {
			t.Fatalf("after %d dials: got %d connections", i, n)
		}
	}
}

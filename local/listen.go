package local

import (
	"errors"
	"fmt"
	"net"
	"syscall"

	"github.com/lumier-dev/lumier/local/loopback"
)

// loopbackIP is where every socket of the local Cloudflare listens (loopback.IP).
const loopbackIP = loopback.IP

// checkLoopback validates a listen address and normalises "localhost" to 127.0.0.1.
func checkLoopback(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("address %q: %w (want host:port, for example 127.0.0.1:8787)", addr, err)
	}
	if host == "localhost" {
		host = loopbackIP
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("address %q is not a loopback address: the local Cloudflare runs uploaded code "+
			"and accepts a well-known token, so it listens on 127.0.0.1 only (for example --addr 127.0.0.1:8787)", addr)
	}
	return net.JoinHostPort(host, port), nil
}

// listenAPI opens the API's listener, explaining the usual failure.
func listenAPI(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("address %s is already in use (another lumier local?): stop it or pass another --addr", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	return ln, nil
}

// Package langhost runs a test-only language host the way the engine starts a language plugin:
// it reads the engine's address from the command line, prints the port it serves on as its first
// line of output, and stops when the engine goes away.
package langhost

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// Main serves the host newHost makes for the engine's address (empty when started without one)
// until the engine goes away; name (pulumi-language-go, ...) prefixes a fatal error.
func Main(name string, newHost func(engine string) pulumirpc.LanguageRuntimeServer) {
	fail := func(err error) {
		fmt.Fprintf(os.Stderr, "%s (lumier e2e): %v\n", name, err)
		os.Exit(1)
	}
	// The engine passes logging flags (registered by Pulumi's logging package) and tracing before
	// its own address; none is used here.
	flag.String("tracing", "", "ignored")
	flag.Parse()
	var engine string
	if flag.NArg() > 0 {
		engine = flag.Arg(flag.NArg() - 1)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if engine != "" {
		// Stop when the engine goes away, as every plugin does.
		if err := rpcutil.Healthcheck(ctx, engine, 5*time.Minute, cancel); err != nil {
			fail(fmt.Errorf("engine health check: %w", err))
		}
	}
	stop := make(chan bool)
	go func() {
		<-ctx.Done()
		close(stop)
	}()
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: stop,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, newHost(engine))
			return nil
		},
	})
	if err != nil {
		fail(fmt.Errorf("serving the language runtime: %w", err))
	}
	fmt.Printf("%d\n", handle.Port) // the engine reads the port from the first line
	if err := <-handle.Done; err != nil {
		fail(err)
	}
}

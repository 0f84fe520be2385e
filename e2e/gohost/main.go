// Command gohost is a test-only Go language host: the end-to-end tests build it as
// pulumi-language-go on PATH so that the engine, started by the pulumi CLI or the Automation API
// in a `runtime: go` project's folder, runs the program binary the project's runtime option
// `binary:` names (goruntime.Host). It serves until the engine goes away.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"

	"github.com/lumier-dev/lumier/e2e/goruntime"
)

func main() {
	// The engine passes logging flags and tracing before its own address; none is used here.
	flag.String("tracing", "", "ignored")
	flag.Parse()
	var engine string
	if flag.NArg() > 0 {
		engine = flag.Arg(flag.NArg() - 1)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if engine != "" {
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
			pulumirpc.RegisterLanguageRuntimeServer(srv, &goruntime.Host{Engine: engine})
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

func fail(err error) {
	fmt.Fprintf(os.Stderr, "pulumi-language-go (lumier e2e): %v\n", err)
	os.Exit(1)
}

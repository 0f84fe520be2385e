// Command lumier is lumier's command line:
//
//	lumier local   run the local Cloudflare (the Cloudflare API subset the provider uses, plus
//	               workerd running the uploaded Workers) on 127.0.0.1
//	lumier dev     deploy the project's stack with the Pulumi engine, then redeploy it on every
//	               save of a Worker's sources, assets or D1 migrations
//	lumier types   write the Env types of a TypeScript config's Workers (lumier-env.d.ts)
//
// Schema and SDK generation is the developers' cmd/lumier-gen (make gen), not part of this binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand. run gets the arguments after the subcommand's name; ctx is
// cancelled on SIGINT or SIGTERM.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands is the dispatch table: a new subcommand is one more entry.
var commands = []command{
	{"local", "run the local Cloudflare on 127.0.0.1 (lumier local -h for its flags)", runLocal},
	{"dev", "deploy the project's stack on the local Cloudflare and redeploy it on every save (lumier dev -h)", runDev},
	{"types", "write the Env types of a TypeScript config's Workers from their bindings", runTypes},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and returns the exit code: 0 success, 1 failure, 2 misuse.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, new(usageError)):
			fmt.Fprintf(stderr, "lumier %s: %v\n", c.name, err)
			return 2
		default:
			fmt.Fprintf(stderr, "lumier %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "lumier: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// usageError is a mistake in the command line (as opposed to a failure while running).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: lumier <command> [flags]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
}

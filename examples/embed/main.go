// Command embed deploys the counter app (examples/counter/stack) from a Go program through the
// Pulumi Automation API: an inline program, a file backend, no Pulumi.yaml. Point it at the local
// Cloudflare (`lumier local`, the default address) or at a real account:
//
//	embed up       deploy (or update) the stack, then print the counter's URL on the last line
//	embed destroy  delete the stack's Workers and their Durable Object data, and the stack
//
// It needs the pulumi CLI (on PATH, or -pulumi-root) and the provider plugin
// pulumi-resource-lumier (-plugins, default ./bin after `make build`, else PATH).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"github.com/lumier-dev/lumier/examples/counter/stack"
)

// The local Cloudflare's defaults (`lumier local` without flags).
const (
	localAPIURL  = "http://127.0.0.1:8787/client/v4"
	localToken   = "local-token"
	localAccount = "0123456789abcdef0123456789abcdef"
)

type options struct {
	apiURL, token, account string
	stack, dir, state      string
	plugins, pulumiRoot    string
	passphrase             string
	verbose                bool
}

func main() {
	var o options
	fs := flag.NewFlagSet("embed", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: embed [flags] up|destroy\n\n"+
			"Deploys the counter app with the Pulumi Automation API (an inline Go program).\n\nflags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.apiURL, "api-url", env("CLOUDFLARE_BASE_URL", localAPIURL), "Cloudflare API base URL (env CLOUDFLARE_BASE_URL)")
	fs.StringVar(&o.token, "token", env("CLOUDFLARE_API_TOKEN", localToken), "Cloudflare API token (env CLOUDFLARE_API_TOKEN)")
	fs.StringVar(&o.account, "account", env("CLOUDFLARE_ACCOUNT_ID", localAccount), "Cloudflare account id (env CLOUDFLARE_ACCOUNT_ID)")
	fs.StringVar(&o.stack, "stack", "dev", "stack (stage) name; \"production\" is protected and retained")
	fs.StringVar(&o.dir, "dir", "examples/counter", "the counter example's directory (its Worker entry is src/index.ts there)")
	fs.StringVar(&o.state, "state", ".lumier/embed", "directory of the Pulumi file backend")
	fs.StringVar(&o.plugins, "plugins", "bin", "directory holding pulumi-resource-lumier; empty uses PATH")
	fs.StringVar(&o.pulumiRoot, "pulumi-root", os.Getenv("LUMIER_PULUMI_ROOT"), "install root of the pulumi CLI (<root>/bin/pulumi); empty uses PATH (env LUMIER_PULUMI_ROOT)")
	fs.StringVar(&o.passphrase, "passphrase", os.Getenv("PULUMI_CONFIG_PASSPHRASE"), "passphrase encrypting the stack's secrets (env PULUMI_CONFIG_PASSPHRASE); may be empty only for a loopback API")
	fs.BoolVar(&o.verbose, "v", false, "stream the engine's progress to stderr")
	_ = fs.Parse(os.Args[1:])
	if fs.NArg() != 1 || (fs.Arg(0) != "up" && fs.Arg(0) != "destroy") {
		fs.Usage()
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()

	if err := run(ctx, fs.Arg(0), o); err != nil {
		fmt.Fprintf(os.Stderr, "embed: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, command string, o options) error {
	s, err := openStack(ctx, o)
	if err != nil {
		return err
	}
	progress := io.Discard
	if o.verbose {
		progress = os.Stderr
	}
	switch command {
	case "up":
		res, err := s.Up(ctx, optup.ProgressStreams(progress), optup.ErrorProgressStreams(os.Stderr))
		if err != nil {
			return fmt.Errorf("up: %w", err)
		}
		fmt.Fprintf(os.Stderr, "up: %s\n", summary(changes(res.Summary)))
		u, ok := res.Outputs["url"].Value.(string)
		if !ok || u == "" {
			return errors.New("up: the stack has no url output")
		}
		fmt.Println(u)
	case "destroy":
		res, err := s.Destroy(ctx, optdestroy.ProgressStreams(progress), optdestroy.ErrorProgressStreams(os.Stderr),
			optdestroy.Remove()) // also remove the stack from the backend
		if err != nil {
			return fmt.Errorf("destroy: %w", err)
		}
		fmt.Fprintf(os.Stderr, "destroy: %s\n", summary(changes(res.Summary)))
	}
	return nil
}

// openStack creates or selects the stack of the inline program, wired to the API and the plugin.
func openStack(ctx context.Context, o options) (auto.Stack, error) {
	var none auto.Stack
	if o.passphrase == "" {
		if !loopback(o.apiURL) {
			return none, errors.New("set PULUMI_CONFIG_PASSPHRASE (or -passphrase): the stack keeps the API token encrypted with it")
		}
		o.passphrase = "local" // the local Cloudflare's token is no secret
	}
	// Relative paths are taken from where embed started, before the Chdir below.
	state, err := filepath.Abs(o.state)
	if err != nil {
		return none, err
	}
	if err := os.MkdirAll(state, 0o755); err != nil {
		return none, err
	}
	project := workspace.Project{Name: tokens.PackageName("counter"), Runtime: workspace.NewProjectRuntimeInfo("go", nil)}
	if o.plugins != "" {
		plugins, err := filepath.Abs(o.plugins)
		if err != nil {
			return none, err
		}
		if _, err := os.Stat(filepath.Join(plugins, "pulumi-resource-lumier")); err != nil {
			return none, fmt.Errorf("-plugins: %w (run `make build`, or pass -plugins '' to use PATH)", err)
		}
		project.Plugins = &workspace.Plugins{Providers: []workspace.PluginOptions{{Name: "lumier", Path: plugins}}}
	}
	// The inline program resolves the Worker entry ("src/index.ts") against the working directory.
	if err := os.Chdir(o.dir); err != nil {
		return none, fmt.Errorf("-dir: %w (run from the repository root or set -dir to examples/counter)", err)
	}

	var cmd auto.PulumiCommand
	if o.pulumiRoot != "" {
		cmd, err = auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: o.pulumiRoot})
	} else {
		cmd, err = auto.NewPulumiCommand(nil)
	}
	if err != nil {
		return none, fmt.Errorf("pulumi CLI: %w (run `make tools` and put its bin directory on PATH)", err)
	}

	s, err := auto.UpsertStackInlineSource(ctx, o.stack, "counter", stack.Config.RunFunc(),
		auto.Project(project),
		auto.Pulumi(cmd),
		auto.SecretsProvider("passphrase"),
		auto.EnvVars(map[string]string{
			"PULUMI_BACKEND_URL":       "file://" + state,
			"PULUMI_CONFIG_PASSPHRASE": o.passphrase,
			"PULUMI_SKIP_UPDATE_CHECK": "true",
		}),
	)
	if err != nil {
		return none, fmt.Errorf("stack %s: %w", o.stack, err)
	}
	cfg := auto.ConfigMap{
		"lumier:apiUrl":    {Value: o.apiURL},
		"lumier:apiToken":  {Value: o.token, Secret: true},
		"lumier:accountId": {Value: o.account},
	}
	if err := s.SetAllConfig(ctx, cfg); err != nil {
		return none, fmt.Errorf("stack %s config: %w", o.stack, err)
	}
	return s, nil
}

func loopback(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	ip := net.ParseIP(u.Hostname())
	return u.Hostname() == "localhost" || (ip != nil && ip.IsLoopback())
}

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// changes is a summary's resource counts by operation.
func changes(s auto.UpdateSummary) map[string]int {
	if s.ResourceChanges == nil {
		return nil
	}
	return *s.ResourceChanges
}

// opWords are the engine's operation names as a person reads them, in the order printed.
var opWords = []struct{ op, word string }{
	{"create", "created"}, {"update", "updated"}, {"replace", "replaced"}, {"delete", "deleted"},
	{"same", "unchanged"},
}

// summary renders operation counts the way a person reads them: "4 created", "1 updated, 3
// unchanged"; operations without a word keep the engine's name ("1 import").
func summary(ops map[string]int) string {
	var parts []string
	seen := map[string]bool{}
	for _, w := range opWords {
		seen[w.op] = true
		if n := ops[w.op]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, w.word))
		}
	}
	var others []string
	for op, n := range ops {
		if !seen[op] && n > 0 {
			others = append(others, fmt.Sprintf("%d %s", n, op))
		}
	}
	sort.Strings(others)
	parts = append(parts, others...)
	if len(parts) == 0 {
		return "no changes"
	}
	return strings.Join(parts, ", ")
}

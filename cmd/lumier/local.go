package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lumier-dev/lumier/local"
	"github.com/lumier-dev/lumier/local/fault"
)

// tokenEnv overrides the default token of `lumier local`.
const tokenEnv = "LUMIER_LOCAL_TOKEN"

// startTimeout bounds bringing back the stored scripts on workerd.
const startTimeout = 2 * time.Minute

// runLocal is `lumier local`: it serves until ctx is cancelled (SIGINT or SIGTERM), then stops
// workerd and releases the state directory.
func runLocal(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", local.DefaultAddr, "API listen address; loopback only")
	state := fs.String("state", local.DefaultStateDir, "state directory: scripts, tags, namespaces, ports, Durable Object data")
	token := fs.String("token", envOr(tokenEnv, local.DefaultToken), "API token clients must send (env "+tokenEnv+")")
	account := fs.String("account", local.DefaultAccountID, "account id (32 hex digits)")
	faults := fs.String("faults", os.Getenv(fault.Env), "fault rules (env "+fault.Env+"), e.g.\n"+
		"'PUT /accounts/*/workers/scripts/*=429x1:retry-after=1; GET /**=500x2; * /**=200ms';\n"+
		"'POST /accounts/*/queues=dropx1' serves the next queue create and hangs up without an answer")
	workerd := fs.String("workerd", "", "workerd binary (default: $LUMIER_WORKERD, node_modules/.bin/workerd, PATH)")
	plan := fs.String("plan", string(local.DefaultPlan), "the account's plan: free (a new account: Durable Objects must be SQLite-backed),\n"+
		"paid (no KV-backed Durable Object namespace yet: new ones must be SQLite-backed) or\n"+
		"paid-kv (a paid account that already has a KV-backed namespace: new_classes allowed)")
	manualCron := fs.Bool("manual-cron", false, "run Cron Triggers only when fired on demand (POST /__lumier/scripts/{name}/scheduled),\n"+
		"never on the clock")
	noSubdomain := fs.Bool("no-subdomain", false, "start a new account without a workers.dev subdomain, as a new Cloudflare account is:\n"+
		"GET /workers/subdomain answers 10007 until PUT /workers/subdomain {\"subdomain\": ...} registers one\n"+
		"(no effect on a state directory that already holds an account)")
	var zones zoneList
	fs.Var(&zones, "zone", "a zone of the account besides "+local.DefaultZone+", for Workers' routes and custom domains\n"+
		"(repeatable, or comma-separated); requests reach them on the API's port by their Host header")
	verbose := fs.Bool("verbose", false, "log debug detail")
	logRequests := fs.Bool("log-requests", false, "print one line per API request (method, path, status, error code, duration);\n"+
		"the request log in the state directory (requests.log) records them either way")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: lumier local [flags]\n\nRuns the local Cloudflare: the Cloudflare API subset lumier's provider uses, with the\nuploaded Workers running on workerd. Point the provider at it with the variables it prints.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	}

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	var rules *fault.Set
	if *faults != "" {
		var err error
		if rules, err = fault.Parse(*faults); err != nil {
			return usageError{fmt.Sprintf("--faults: %v", err)}
		}
	}

	accountPlan, err := local.ParsePlan(*plan)
	if err != nil {
		return usageError{fmt.Sprintf("-plan: %v", err)}
	}
	srv, err := local.New(local.Options{
		Plan:        accountPlan,
		Addr:        *addr,
		StateDir:    *state,
		Token:       *token,
		AccountID:   *account,
		Faults:      rules,
		Logger:      logger,
		Workerd:     *workerd,
		ManualCron:  *manualCron,
		NoSubdomain: *noSubdomain,
		Zones:       zones,
		LogRequests: func() io.Writer {
			if *logRequests {
				return stderr
			}
			return nil
		}(),
	})
	if err != nil {
		return err
	}
	startCtx, cancel := context.WithTimeout(ctx, startTimeout)
	err = srv.Start(startCtx)
	cancel()
	if err != nil {
		srv.Close()
		return err
	}
	banner(stdout, srv, rules)

	<-ctx.Done()
	logger.Info("stopping")
	return srv.Close()
}

// banner says where the API is and how to point the provider at it.
func banner(w io.Writer, srv *local.Server, faults *fault.Set) {
	fmt.Fprintf(w, "lumier local: the local Cloudflare is running.\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  API base URL\t%s\n", srv.URL())
	fmt.Fprintf(tw, "  account id\t%s\n", srv.AccountID())
	fmt.Fprintf(tw, "  API token\t%s\n", srv.Token())
	fmt.Fprintf(tw, "  plan\t%s\n", srv.Plan())
	fmt.Fprintf(tw, "  zones\t%s (routes and custom domains answer on the API's port by Host: curl -H 'Host: <hostname>' http://%s/)\n",
		strings.Join(srv.Zones(), ", "), srv.Addr())
	fmt.Fprintf(tw, "  state\t%s\n", srv.StateDir())
	fmt.Fprintf(tw, "  request log\t%s\n", srv.RequestLogPath())
	if f := faults.String(); f != "" {
		fmt.Fprintf(tw, "  faults\t%s\n", f)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nPoint the lumier provider (or any Cloudflare API client) at it:\n\n")
	// CLOUDFLARE_BASE_URL is read by cloudflare-go and lumier; CLOUDFLARE_API_BASE_URL by
	// wrangler and other tools.
	fmt.Fprintf(w, "  export CLOUDFLARE_API_TOKEN=%s\n", srv.Token())
	fmt.Fprintf(w, "  export CLOUDFLARE_ACCOUNT_ID=%s\n", srv.AccountID())
	fmt.Fprintf(w, "  export CLOUDFLARE_BASE_URL=%s\n", srv.URL())
	fmt.Fprintf(w, "  export CLOUDFLARE_API_BASE_URL=%s\n\n", srv.URL())
	if scripts := srv.Scripts(); len(scripts) > 0 {
		fmt.Fprintf(w, "Scripts:\n")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, name := range scripts {
			url, ok := srv.ScriptURL(name)
			if !ok {
				url = "(workers.dev off)"
			}
			fmt.Fprintf(tw, "  %s\t%s\n", name, url)
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "Scripts with workers.dev enabled answer on their own port on 127.0.0.1. Ctrl-C stops.\n")
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// zoneList is the repeatable -zone flag.
type zoneList []string

func (z *zoneList) String() string { return strings.Join(*z, ",") }

func (z *zoneList) Set(v string) error {
	for _, name := range strings.Split(v, ",") {
		if name = strings.TrimSpace(name); name != "" {
			*z = append(*z, name)
		}
	}
	return nil
}

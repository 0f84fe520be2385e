//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"

	appstack "github.com/lumier-dev/lumier/examples/app/stack"
	"github.com/lumier-dev/lumier/examples/counter/stack"
	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/local"
	"github.com/lumier-dev/lumier/local/fault"
)

// otherAccount is a well-formed account id that is not the local Cloudflare's.
const otherAccount = "0123456789abcdef0123456789abcdef"

// TestSettingChangesKeepTheCounter: the counter, under removal "remove" (dev) and on the
// protected stage (production), counts to 3; then each provider setting changes in turn to a
// value that reaches the same account (the token moved from CLOUDFLARE_API_TOKEN into the stack's
// config with `pulumi config set --secret`, the API URL with a trailing slash, the request timeout,
// the Workers plan). Each `up` changes no resource and makes no change on Cloudflare, and the
// Durable Object keeps counting. A change of account is refused at preview, naming the Worker and
// both accounts, and deletes nothing; set back, the stack is as before.
func TestSettingChangesKeepTheCounter(t *testing.T) {
	for _, stage := range []string{"dev", "production"} {
		t.Run(stage, func(t *testing.T) {
			ctx := testContext(t, 10*time.Minute)
			c := startCloud(t)
			t.Chdir(copyExample(t, "counter"))
			s := inlineStack(t, ctx, c, "counter", stage, stack.Config.RunFunc())
			tokenFromEnvironment(t, ctx, s)
			script := "my-app-" + stage + "-api"

			url := output(t, up(t, ctx, s).Outputs, "url")
			countTo(t, url, 3)
			count := 3
			changeSettings(t, ctx, c, s, func(t *testing.T) {
				count++
				requireCall(t, http.MethodPost, url, "", 200, fmt.Sprintf(`{"count":%d}`, count))
			})
			requireAccountChangeRefused(t, ctx, c, s, `lumier:index:Script "my-app-api" (id `+accountID+`/`+script+`)`)
			requireScripts(t, c, script)
			requireCall(t, http.MethodPost, url, "", 200, fmt.Sprintf(`{"count":%d}`, count+1))
		})
	}
}

// TestSettingChangesKeepTheAppsData: the same setting changes on examples/app (KV, D1, R2,
// queues, two Workers) keep every resource and its data: a KV key and a D1 row written before
// are read back after each up, the namespace and database ids stay, and the counter counts on.
func TestSettingChangesKeepTheAppsData(t *testing.T) {
	ctx := testContext(t, 15*time.Minute)
	c := startCloud(t)
	t.Chdir(copyExample(t, "app"))
	s := inlineStack(t, ctx, c, "app", "dev", appstack.Config.RunFunc())
	tokenFromEnvironment(t, ctx, s)

	res := up(t, ctx, s)
	url := output(t, res.Outputs, "url")
	cache, db := output(t, res.Outputs, "cache"), output(t, res.Outputs, "db")
	requireCall(t, http.MethodPut, url+"/kv/greeting", "hello", 200, `{"stored":"greeting"}`)
	requireCall(t, http.MethodPost, url+"/d1/notes?tag=work", "kept", 200, `{"id":1,"changes":1}`)
	countTo(t, url+"/counter/a", 3)
	count := 3
	kept := func(t *testing.T) {
		t.Helper()
		count++
		requireCall(t, http.MethodPost, url+"/counter/a", "", 200, fmt.Sprintf(`{"count":%d}`, count))
		requireCall(t, http.MethodGet, url+"/kv/greeting", "", 200, `{"key":"greeting","value":"hello"}`)
		requireCall(t, http.MethodGet, url+"/d1/notes/1", "", 200, `{"id":1,"body":"kept","tag":"work"}`)
	}
	changeSettings(t, ctx, c, s, func(t *testing.T) {
		kept(t)
		outputs, err := s.Outputs(ctx)
		if err != nil {
			t.Fatalf("stack outputs: %v", err)
		}
		if got := output(t, outputs, "cache"); got != cache {
			t.Fatalf("KV namespace id changed from %s to %s", cache, got)
		}
		if got := output(t, outputs, "db"); got != db {
			t.Fatalf("D1 database id changed from %s to %s", db, got)
		}
	})
	requireAccountChangeRefused(t, ctx, c, s, ` lives in Cloudflare account `+accountID)
	requireScripts(t, c, "shop-dev-api", "shop-dev-auth")
	kept(t)
}

// tokenFromEnvironment moves the stack's token from its config to CLOUDFLARE_API_TOKEN, where a
// user who starts with the environment variable has it.
func tokenFromEnvironment(t *testing.T, ctx context.Context, s auto.Stack) {
	t.Helper()
	if err := s.RemoveConfig(ctx, "lumier:apiToken"); err != nil {
		t.Fatalf("removing lumier:apiToken: %v", err)
	}
	s.Workspace().SetEnvVar("CLOUDFLARE_API_TOKEN", token)
}

// changeSettings changes each provider setting in turn to a value that reaches the same account;
// after each, `up` must change no resource and make no change on Cloudflare, and then check runs.
func changeSettings(t *testing.T, ctx context.Context, c *cloud, s auto.Stack, check func(t *testing.T)) {
	t.Helper()
	steps := []struct {
		name  string
		apply func(t *testing.T)
	}{
		{"apiToken set with pulumi config set --secret", func(t *testing.T) {
			// The same token, now in the stack's config, the way the error messages say to set it.
			out, err := runPulumi(t, ctx, s.Workspace().WorkDir(), s.Workspace().GetEnvVars(),
				"config", "set", "--secret", "lumier:apiToken", token, "--stack", s.Name())
			if err != nil {
				t.Fatalf("pulumi config set --secret lumier:apiToken: %v\n%s", err, out)
			}
		}},
		{"apiUrl with a trailing slash", func(t *testing.T) { setConfig(t, ctx, s, "lumier:apiUrl", c.URL()+"/") }},
		{"requestTimeout", func(t *testing.T) { setConfig(t, ctx, s, "lumier:requestTimeout", "90s") }},
		{"workersPlan", func(t *testing.T) { setConfig(t, ctx, s, "lumier:workersPlan", "free") }},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			step.apply(t)
			c.ResetCalls()
			res := up(t, ctx, s)
			if changed := changedOps(changes(res.Summary)); len(changed) > 0 {
				t.Fatalf("up after changing %s changed resources: %v", step.name, changes(res.Summary))
			}
			if mutating, uploads := c.mutations(); mutating != 0 || uploads != 0 {
				t.Fatalf("up after changing %s made %d mutating API calls (%d uploads): %v", step.name, mutating, uploads, c.Calls())
			}
			check(t)
		})
	}
}

// requireAccountChangeRefused sets lumier:accountId to another account: preview and up fail with
// the message naming a resource of this stack (resource) and both accounts, and change nothing;
// with the account set back, up changes no resource.
func requireAccountChangeRefused(t *testing.T, ctx context.Context, c *cloud, s auto.Stack, resource string) {
	t.Helper()
	setConfig(t, ctx, s, "lumier:accountId", otherAccount)
	want := []string{
		resource,
		"lives in Cloudflare account " + accountID + ", but lumier:accountId (or CLOUDFLARE_ACCOUNT_ID) is now " +
			otherAccount + ". lumier does not move resources between accounts, and this setting change neither " +
			"changes nor deletes anything. Either set the account back: `pulumi config set lumier:accountId " + accountID + "`",
		"`pulumi state delete '",
		"then `pulumi up` creates them anew in account " + otherAccount,
	}
	c.ResetCalls()
	out, err := preview(t, ctx, s)
	if err == nil {
		t.Fatalf("preview with another lumier:accountId succeeded:\n%s", out)
	}
	requireContains(t, out, want...)
	t.Logf("preview refused: %s", want[1])

	w := progress(t, "up with another account")
	_, err = s.Up(ctx, optup.ProgressStreams(w), optup.ErrorProgressStreams(w))
	if err == nil {
		t.Fatal("up with another lumier:accountId succeeded")
	}
	if mutating, _ := c.mutations(); mutating != 0 {
		t.Fatalf("preview and up with another account made %d mutating API calls: %v", mutating, c.Calls())
	}

	setConfig(t, ctx, s, "lumier:accountId", accountID)
	res := up(t, ctx, s)
	if changed := changedOps(changes(res.Summary)); len(changed) > 0 {
		t.Fatalf("up with the account set back changed resources: %v", changes(res.Summary))
	}
}

func setConfig(t *testing.T, ctx context.Context, s auto.Stack, key, value string) {
	t.Helper()
	if err := s.SetConfig(ctx, key, auto.ConfigValue{Value: value}); err != nil {
		t.Fatalf("setting %s: %v", key, err)
	}
}

// TestUpSurvivesAnAPIRestart: examples/app is deployed; then its Worker's code changes, and the
// local Cloudflare stops as soon as that update has made its first API call, and starts again on
// the same address and state 2 seconds later (as `lumier local` restarted would). The update's
// calls (reads, the upload's PUT, calls marked repeatable) refused or dropped meanwhile are
// retried within the request timeout: the up succeeds, the restarted API serves the upload, the
// new code answers and the counter goes on.
//
// The restart falls in an update rather than the first up on purpose: a create is a POST, and a
// POST whose connection drops after it was sent may have been acted on, so it is not sent again
// (internal/cfapi wire.retryable); a restart that catches one in flight fails that create,
// whichever call happens to be in flight, which would make this test's outcome a race.
func TestUpSurvivesAnAPIRestart(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	dir := copyExample(t, "app")
	t.Chdir(dir)
	s := inlineStack(t, ctx, c, "app", "dev", appstack.Config.RunFunc())
	url := output(t, up(t, ctx, s).Outputs, "url")
	countTo(t, url+"/counter/a", 2)

	entry := filepath.Join(dir, "src", "index.ts")
	src, err := os.ReadFile(entry)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(src), "no route for", "no route here for", 1)
	if edited == string(src) {
		t.Fatal("examples/app/src/index.ts no longer says \"no route for\": change the edit")
	}
	if err := os.WriteFile(entry, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}

	c.ResetCalls()
	first := c.Server
	restarted := make(chan error, 1)
	go func() {
		for len(first.Calls()) == 0 {
			time.Sleep(time.Millisecond)
		}
		restarted <- restartAfter(t, c, 2*time.Second)
	}()
	w := progress(t, "up across a restart")
	res, upErr := s.Up(ctx, optup.ProgressStreams(w), optup.ErrorProgressStreams(w))
	if err := <-restarted; err != nil {
		t.Fatalf("restarting the local Cloudflare: %v", err)
	}
	if upErr != nil {
		t.Fatalf("up across a 2-second restart of the API failed: %v", upErr)
	}
	after := c.Calls()
	if after[local.CallUpload]+after[local.CallVersionUpload] == 0 {
		t.Fatalf("the restarted API served no upload (%v): the restart did not fall inside the up", after)
	}
	t.Logf("up across the restart: %v; calls served after it: %v", changes(res.Summary), after)
	requireScripts(t, c, "shop-dev-api", "shop-dev-auth")
	requireCall(t, http.MethodGet, url+"/nope", "", http.StatusNotFound, `{"error":"no route here for /nope"}`)
	requireCall(t, http.MethodPost, url+"/counter/a", "", http.StatusOK, `{"count":3}`)
}

// TestFirstUpSurvivesLostCreates: the first up of examples/app, whose creates are POSTs by name,
// loses the answer of its first KV namespace, R2 bucket, D1 database and queue creates and of the
// Durable Object host's upload (with its migration) after each landed, as a restart of the API
// would (a "drop" fault), and the API does restart, 2 seconds long, at the first of them. Each
// create is sent again, finds what the lost request created and says so; the up succeeds, with
// one object of each name, the migration and the D1 migration applied once, and a second up
// changes nothing.
func TestFirstUpSurvivesLostCreates(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	faults, err := fault.NewSet()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []fault.Rule{
		{Method: "POST", Path: "/accounts/*/storage/kv/namespaces"},
		{Method: "POST", Path: "/accounts/*/r2/buckets"},
		{Method: "POST", Path: "/accounts/*/d1/database"},
		{Method: "POST", Path: "/accounts/*/queues", Times: 2},
		{Method: "PUT", Path: "/accounts/*/workers/scripts/shop-dev-api"},
	} {
		f.Drop = true
		if f.Times == 0 {
			f.Times = 1
		}
		if err := faults.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	c := startCloud(t, func(o *local.Options) { o.Faults = faults })
	t.Chdir(copyExample(t, "app"))
	s := inlineStack(t, ctx, c, "app", "dev", appstack.Config.RunFunc())

	first := c.Server
	restarted := make(chan error, 1)
	go func() {
		for first.Calls()[local.CallDropped] == 0 {
			time.Sleep(time.Millisecond)
		}
		restarted <- restartAfter(t, c, 2*time.Second, faults)
	}()
	w := progress(t, "first up across lost creates and a restart")
	res, upErr := s.Up(ctx, optup.ProgressStreams(w), optup.ErrorProgressStreams(w))
	if err := <-restarted; err != nil {
		t.Fatalf("restarting the local Cloudflare: %v", err)
	}
	if upErr != nil {
		t.Fatalf("first up with lost create answers and a restart failed: %v", upErr)
	}
	if left := faults.String(); left != "" {
		t.Fatalf("faults never hit: %s", left)
	}
	out := strings.Join(strings.Fields(w.(*syncBuffer).String()), " ")
	for _, kind := range []struct{ kind, name string }{
		{"KV namespace", "shop-dev-cache"}, {"R2 bucket", "shop-dev-files"}, {"D1 database", "shop-dev-db"},
	} {
		requireContains(t, out, kind.kind+` "`+kind.name+`": the connection dropped after the create request went out, `+
			`and sending it again found the `+kind.kind+` created by that request: lumier uses it`)
	}
	requireContains(t, out, `found the queue created by that request: lumier uses it`,
		`script "shop-dev-api": the connection dropped after the upload went out, and the script is at its new `+
			`migration tag "v1", so that upload applied the Durable Object migration: lumier sent the upload again without it`)
	t.Logf("first up: %v", changes(res.Summary))

	api := cfapi.New(c.URL(), token, accountID)
	queues, err := api.Queues.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(queues) != 2 {
		t.Fatalf("queues %v: want shop-dev-jobs and shop-dev-jobs-dlq, once each", queues)
	}
	rows, err := api.D1.Query(ctx, output(t, res.Outputs, "db"), "SELECT name FROM d1_migrations")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || len(rows[0]) != 2 {
		t.Fatalf("d1_migrations %v: want examples/app's two migrations, each applied once", rows)
	}
	url := output(t, res.Outputs, "url")
	requireCall(t, http.MethodPost, url+"/counter/a", "", http.StatusOK, `{"count":1}`)
	requireScripts(t, c, "shop-dev-api", "shop-dev-auth")
	requireNoop(t, ctx, c, s)
}

// restartAfter stops c's local Cloudflare and, pause later, starts one at the same address on the
// same state directory, with faults if given. It may run beside the test's goroutine, so it
// returns its error.
func restartAfter(t *testing.T, c *cloud, pause time.Duration, faults ...*fault.Set) error {
	addr, dir := c.Addr(), c.StateDir()
	if err := c.Close(); err != nil {
		return fmt.Errorf("stopping: %w", err)
	}
	time.Sleep(pause)
	opts := local.Options{Addr: addr, StateDir: dir, Token: token, AccountID: accountID, Workerd: workerdBin,
		ManualCron: true, Logger: slog.New(slog.NewTextHandler(c.log, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	if len(faults) > 0 {
		opts.Faults = faults[0]
	}
	srv, err := local.New(opts)
	if err != nil {
		return err
	}
	startCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := srv.Start(startCtx); err != nil {
		return err
	}
	t.Cleanup(func() { _ = srv.Close() })
	c.Server = srv
	return nil
}

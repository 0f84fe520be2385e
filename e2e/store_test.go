//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The store example (examples/store-go and examples/store-ts, one app in two languages): a site on
// the route example.com/*, an API on the route example.com/api/* and the custom domain
// api.example.com, whose Desk Durable Object starts an order Workflow that waits for a payment
// event.

// TestStoreExampleGo deploys examples/store-go with `pulumi up` in its folder, the program built
// as the Go language host runs a prebuilt binary, and checks the app (requireStore); the destroy
// leaves no script, route or custom domain.
func TestStoreExampleGo(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	root := t.TempDir()
	dir := filepath.Join(root, "store-go")
	copyDir(t, filepath.Join(repoRoot, "examples", "store-go"), dir)
	copyDir(t, filepath.Join(repoRoot, "examples", "store-ts", "src"), filepath.Join(root, "store-ts", "src"))
	editFile(t, filepath.Join(dir, "Pulumi.yaml"), "path: ../../bin", "path: "+providerDir)
	bin := filepath.Join(root, "store")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./examples/store-go")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./examples/store-go: %v\n%s", err, out)
	}
	host := startGoHost(t, bin)
	pulumi := folderPulumi(ctx, dir, c.env(t.TempDir()))
	pulumi(t, "stack", "init", "dev")
	pulumi(t, "up", "--yes", "--client="+host)
	outputs := map[string]json.RawMessage{}
	if err := json.Unmarshal([]byte(pulumi(t, "stack", "output", "--json")), &outputs); err != nil {
		t.Fatalf("stack outputs: %v", err)
	}
	requireStore(t, ctx, c, outputs)
	pulumi(t, "up", "--yes", "--expect-no-changes", "--client="+host)
	pulumi(t, "destroy", "--yes", "--client="+host)
	requireScripts(t, c)
	requireZoneEmpty(t, ctx, c)
}

// TestStoreExampleTypeScript deploys examples/store-ts with `pulumi up` in its folder (Pulumi's
// Node.js runner on lumier.config.ts) and checks the same app; the destroy leaves no script,
// route or custom domain.
func TestStoreExampleTypeScript(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	dir := nodeProjectDir(t, "store-ts", `{"name": "store-ts", "private": true}`)
	p := newNodeProject(t, ctx, c, dir, "dev")
	p.Lumier(t, ctx, "types", "-check")
	requireStore(t, ctx, c, p.Up(t, ctx))
	p.Pulumi(t, ctx, "up", "--yes", "--expect-no-changes")
	p.Pulumi(t, ctx, "destroy", "--yes")
	requireScripts(t, c)
	requireZoneEmpty(t, ctx, c)
}

// requireStore checks a deployed store: requests by Host and path reach the Worker of the most
// specific route or the custom domain; an order placed on the API makes the Desk Durable Object
// start a workflow instance, which runs its first step and waits, through a restart of the local
// Cloudflare; the payment event, sent by the Worker's binding (instance.sendEvent) or by the
// Workflows API, lets it run its last steps and report complete with its output; every URL the
// outputs list answers from its Worker.
func requireStore(t *testing.T, ctx context.Context, c *cloud, outputs map[string]json.RawMessage) {
	t.Helper()
	requireScripts(t, c, "store-dev-api", "store-dev-site")
	for _, step := range []struct{ host, path, worker string }{
		{"example.com", "/", "site"},
		{"example.com", "/about", "site"},
		{"example.com", "/api/", "api"}, // the more specific route
		{"api.example.com", "/", "api"}, // the custom domain
	} {
		status, body := zoneCall(t, c, step.host, step.path)
		var got struct{ Worker, Host string }
		if err := json.Unmarshal([]byte(body), &got); status != 200 || err != nil || got.Worker != step.worker || got.Host != step.host {
			t.Fatalf("GET %s%s: %d %s, want Worker %q to answer for host %s", step.host, step.path, status, body, step.worker, step.host)
		}
	}
	if status, body := zoneCall(t, c, "other.example.com", "/"); status != http.StatusNotFound {
		t.Fatalf("a host no route matches: %d %s, want 404", status, body)
	}

	order := func(host, prefix, id, item string) {
		t.Helper()
		status, body := hostCall(t, c, http.MethodPost, host, prefix+"/orders?id="+id+"&item="+item)
		if status != http.StatusCreated || !jsonEqual(body, `{"id":"`+id+`"}`) {
			t.Fatalf("POST %s%s/orders?id=%s: %d %s, want 201 {\"id\":%q}", host, prefix, id, status, body, id)
		}
	}
	// Through the custom domain, paid through the Worker's binding on the route.
	order("api.example.com", "", "first", "lamp")
	waitOrder(t, c, "first", "waiting")
	// The wait is kept across a restart of the local Cloudflare, and the event still ends it.
	restartCloud(t, c)
	waitOrder(t, c, "first", "waiting")
	if status, body := hostCall(t, c, http.MethodPost, "example.com", "/api/orders/first/pay?amount=42"); status != http.StatusOK {
		t.Fatalf("POST example.com/api/orders/first/pay: %d %s", status, body)
	}
	got := waitOrder(t, c, "first", "complete")
	if want := `{"item":"lamp","paid":42,"shipped":"shipped lamp"}`; !jsonEqual(string(got["output"]), want) {
		t.Fatalf("output of order first: %s, want %s", got["output"], want)
	}
	// Through the route, paid through the Workflows API, as `wrangler workflows instances send-event` does.
	order("example.com", "/api", "second", "chair")
	waitOrder(t, c, "second", "waiting")
	apiSend(t, ctx, c, http.MethodPost, "/accounts/"+accountID+"/workflows/store-dev-order/instances/second/events/payment", `{"amount":7}`)
	got = waitOrder(t, c, "second", "complete")
	if want := `{"item":"chair","paid":7,"shipped":"shipped chair"}`; !jsonEqual(string(got["output"]), want) {
		t.Fatalf("output of order second: %s, want %s", got["output"], want)
	}
	// An instance that has ended takes no more events.
	status, body := hostCall(t, c, http.MethodPost, "api.example.com", "/orders/first/pay?amount=1")
	if status != http.StatusBadRequest || !strings.Contains(body, `workflow instance \"first\" has already ended (complete)`) {
		t.Fatalf("paying a complete order: %d %s, want 400 saying it has ended", status, body)
	}

	// Every URL the outputs list answers from its Worker: the zones' by Host, workers.dev directly.
	for output, want := range map[string][]string{
		"siteUrls": {"https://example.com/"},
		"apiUrls":  {"https://api.example.com/", "https://example.com/api/"},
	} {
		var urls []string
		if err := json.Unmarshal(outputs[output], &urls); err != nil || len(urls) != len(want)+1 {
			t.Fatalf("outputs %s = %s, want the workers.dev URL and %v", output, outputs[output], want)
		}
		for _, u := range want {
			if !slices.Contains(urls, u) {
				t.Fatalf("outputs %s = %v, want %s among them", output, urls, u)
			}
		}
		worker := strings.TrimSuffix(output, "Urls")
		for _, u := range urls {
			var status int
			var body string
			if parsed, err := url.Parse(u); err == nil && parsed.Scheme == "https" {
				status, body = hostCall(t, c, http.MethodGet, parsed.Host, parsed.Path)
			} else {
				status, body, _ = call(t, http.MethodGet, u, "")
			}
			var got struct{ Worker string }
			if status != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil || got.Worker != worker {
				t.Fatalf("GET %s (from %s): %d %s, want Worker %q", u, output, status, body, worker)
			}
		}
	}
}

// waitOrder polls the store's API (on its custom domain) for order id until its workflow
// instance's status is want, and returns the status it read, each field as JSON.
func waitOrder(t *testing.T, c *cloud, id, want string) map[string]json.RawMessage {
	t.Helper()
	return waitStatus(t, "order "+id, want, func() (int, string) {
		return hostCall(t, c, http.MethodGet, "api.example.com", "/orders/"+id)
	})
}

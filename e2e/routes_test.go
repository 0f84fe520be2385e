//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/examples/routes/stack"
	"github.com/lumier-dev/lumier/local"
	lumier "github.com/lumier-dev/lumier/sdk/go/lumier"
)

// zoneCall sends GET path to the local Cloudflare's port with Host host, as
// `curl -H 'Host: api.example.com' http://127.0.0.1:<port>/` does, and returns the Worker's answer.
func zoneCall(t *testing.T, c *cloud, host, path string) (int, string) {
	t.Helper()
	return hostCall(t, c, http.MethodGet, host, path)
}

// hostCall sends method path to the local Cloudflare's port with Host host and returns the
// Worker's answer.
func hostCall(t *testing.T, c *cloud, method, host, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+c.Addr()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	res, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		t.Fatalf("%s %s%s: %v", method, host, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// requireRouted requires that requests by Host and path reach the Worker the example's routes
// and custom domain select.
func requireRouted(t *testing.T, c *cloud) {
	t.Helper()
	for _, step := range []struct{ host, path, worker string }{
		{"example.com", "/", "site"},
		{"example.com", "/about", "site"},
		{"example.com", "/api/users", "api"}, // the more specific route
		{"api.example.com", "/", "api"},      // the custom domain
		{"api.example.com", "/users?page=2", "api"},
	} {
		status, body := zoneCall(t, c, step.host, step.path)
		var got struct{ Worker, Host, Path string }
		if err := json.Unmarshal([]byte(body), &got); status != 200 || err != nil || got.Worker != step.worker || got.Host != step.host {
			t.Fatalf("GET %s%s: %d %s, want Worker %q to answer for host %s", step.host, step.path, status, body, step.worker, step.host)
		}
	}
	if status, body := zoneCall(t, c, "other.example.com", "/api/x"); status != http.StatusNotFound {
		t.Fatalf("a host no route matches: %d %s, want 404", status, body)
	}
}

// TestRoutesExample deploys examples/routes (Go): requests by Host and path reach the Worker of
// the most specific route or the custom domain; a refresh finds no drift and a second up calls
// nothing; a route another app's Worker holds and a pattern Cloudflare refuses are refused at
// preview with their messages; the destroy removes the routes and the custom domain.
func TestRoutesExample(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	t.Chdir(copyExample(t, "routes"))
	s := inlineStack(t, ctx, c, "routes", "dev", stack.Config.RunFunc())
	res := up(t, ctx, s)
	requireScripts(t, c, "routes-dev-api", "routes-dev-site")
	requireRouted(t, c)
	var apiURLs []string
	if err := json.Unmarshal([]byte(mustJSON(res.Outputs["apiUrls"].Value)), &apiURLs); err != nil ||
		!slices.Contains(apiURLs, "https://api.example.com/") || !slices.Contains(apiURLs, "https://example.com/api/") {
		t.Fatalf("outputs apiUrls = %v, want the custom domain and the route among them", res.Outputs["apiUrls"].Value)
	}
	requireNoDrift(t, ctx, c, s)
	requireNoop(t, ctx, c, s)

	// A custom domain removed out of band: the refresh sees it gone, the next up sets it again.
	domainID := apiList(t, ctx, c, "/accounts/"+accountID+"/workers/domains?hostname=api.example.com")[0].ID
	apiDo(t, ctx, c, http.MethodDelete, "/accounts/"+accountID+"/workers/domains/"+domainID)
	if status, _ := zoneCall(t, c, "api.example.com", "/"); status != http.StatusNotFound {
		t.Fatalf("the custom domain deleted out of band still answers %d", status)
	}
	if _, err := s.Refresh(ctx); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	c.ResetCalls()
	up(t, ctx, s)
	if n := c.Calls()[local.CallEditDomains]; n != 1 {
		t.Fatalf("the up after a custom domain went missing: %d custom domain changes, want 1 (%v)", n, c.Calls())
	}
	requireRouted(t, c)

	// Another app's Worker on the api's route is refused at preview, naming the script holding it.
	p := newProject(t)
	entry := p.write("other", `export default { fetch() { return new Response("other") } };`)
	program := func(route string) pulumi.RunFunc {
		return app(lumier.RemovalRemove, func(ctx *lumier.Context) error {
			ctx.Worker("other", lumier.WorkerOptions{Entry: entry, Routes: []any{route}})
			return nil
		})
	}
	other := inlineStack(t, ctx, c, "life", "dev", program("example.com/api/*"))
	c.ResetCalls()
	out, err := preview(t, ctx, other)
	if err == nil {
		t.Fatalf("preview of a route another Worker holds succeeded:\n%s", out)
	}
	requireContains(t, out, `route "example.com/api/*" of zone example.com is already held by script "routes-dev-api"`)
	if mutating, _ := c.mutations(); mutating != 0 {
		t.Fatalf("a refused preview changed the account: %v", c.Calls())
	}
	setProgram(other, program("example.com/*.jpg"))
	out, err = preview(t, ctx, other)
	if err == nil {
		t.Fatalf("preview of a pattern with an infix wildcard succeeded:\n%s", out)
	}
	requireContains(t, out, `route pattern "example.com/*.jpg": a wildcard may only end the path, as in "example.com/images/*"`)
	setProgram(other, program("shop.example.net/*"))
	out, err = preview(t, ctx, other)
	if err == nil {
		t.Fatalf("preview of a route in a zone the account lacks succeeded:\n%s", out)
	}
	requireContains(t, out, "shop.example.net is in no zone of account "+accountID+" (looked up shop.example.net, example.net)")

	destroy(t, ctx, s)
	requireScripts(t, c)
	if status, _ := zoneCall(t, c, "api.example.com", "/"); status != http.StatusNotFound {
		t.Fatalf("after the destroy the custom domain still answers %d", status)
	}
	requireZoneEmpty(t, ctx, c)
}

// apiItem is an element of an API list: its id is all these tests read.
type apiItem struct{ ID string }

// apiList GETs a list through the API, as any client does.
func apiList(t *testing.T, ctx context.Context, c *cloud, path string) []apiItem {
	t.Helper()
	var env struct{ Result []apiItem }
	if err := json.Unmarshal([]byte(apiDo(t, ctx, c, http.MethodGet, path)), &env); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return env.Result
}

// apiDo sends one request to the API and returns its body; an error status fails t.
func apiDo(t *testing.T, ctx context.Context, c *cloud, method, path string) string {
	t.Helper()
	return apiSend(t, ctx, c, method, path, "")
}

// apiSend sends one request with a JSON body (none when empty) to the API and returns its
// body; an error status fails t.
func apiSend(t *testing.T, ctx context.Context, c *cloud, method, path, body string) string {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, method, c.URL()+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	return string(b)
}

// requireZoneEmpty requires that example.com has no route and the account no custom domain.
func requireZoneEmpty(t *testing.T, ctx context.Context, c *cloud) {
	t.Helper()
	zone := apiList(t, ctx, c, "/zones?name="+local.DefaultZone)[0].ID
	for _, path := range []string{"/zones/" + zone + "/workers/routes", "/accounts/" + accountID + "/workers/domains"} {
		if items := apiList(t, ctx, c, path); len(items) != 0 {
			t.Fatalf("GET %s after the destroy: %v, want none", path, items)
		}
	}
}

// TestRoutesExampleYAML deploys examples/routes-yaml, the same app as a Pulumi YAML program.
func TestRoutesExampleYAML(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	pulumi := yamlExample(t, ctx, c, "routes-yaml", "routes/src")
	pulumi(t, "stack", "init", "dev")
	pulumi(t, "up", "--yes")
	requireScripts(t, c, "routes-dev-api", "routes-dev-site")
	requireRouted(t, c)
	if out := pulumi(t, "stack", "output", "apiUrls", "--json"); !jsonHas(out, `"https://api.example.com/"`, `"https://example.com/api/"`) {
		t.Fatalf("apiUrls output:\n%s", out)
	}
	pulumi(t, "refresh", "--yes", "--expect-no-changes")
	pulumi(t, "destroy", "--yes")
	requireZoneEmpty(t, ctx, c)
}

// TestRoutesExampleTypeScript deploys examples/routes-ts with a plain `pulumi up`: the same
// routes and custom domain reach the same Workers, and its outputs list their URLs.
func TestRoutesExampleTypeScript(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	dir := nodeProjectDir(t, "routes-ts", `{"name": "routes-ts", "private": true}`)
	p := newNodeProject(t, ctx, c, dir, "dev")
	p.Lumier(t, ctx, "types", "-check")
	outputs := p.Up(t, ctx)
	requireScripts(t, c, "routes-dev-api", "routes-dev-site")
	requireRouted(t, c)
	var apiURLs []string
	if err := json.Unmarshal(outputs["apiUrls"], &apiURLs); err != nil || !slices.Contains(apiURLs, "https://api.example.com/") {
		t.Fatalf("outputs apiUrls = %s, want the custom domain among them", outputs["apiUrls"])
	}
	p.Pulumi(t, ctx, "destroy", "--yes")
	requireZoneEmpty(t, ctx, c)
}

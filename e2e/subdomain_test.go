//go:build e2e

package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/local"
	lumier "github.com/lumier-dev/lumier/sdk/go/lumier"
)

// A new account has no workers.dev subdomain (lumier local --no-subdomain). Workers that would be
// served on workers.dev fail at preview, saying how to register one or to set workersDev: false,
// with one subdomain read for the whole stack; with workersDev false they deploy; once a
// subdomain is registered, workers.dev can be turned on.
func TestNoSubdomainAccount(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t, func(o *local.Options) { o.NoSubdomain = true })
	p := newProject(t)
	entry := p.write("api", `export default { fetch() { return new Response("hi") } };`)
	program := func(workersDev *bool) pulumi.RunFunc {
		return app(lumier.RemovalRemove, func(ctx *lumier.Context) error {
			api := ctx.Worker("api", lumier.WorkerOptions{Entry: entry, WorkersDev: workersDev})
			ctx.Worker("web", lumier.WorkerOptions{Entry: entry, WorkersDev: workersDev})
			ctx.Export("url", api.URL())
			return nil
		})
	}
	s := inlineStack(t, ctx, c, "life", "dev", program(nil))

	c.ResetCalls()
	out, err := preview(t, ctx, s)
	if err == nil {
		t.Fatalf("preview of workers.dev Workers on an account without a subdomain succeeded:\n%s", out)
	}
	// The engine stops at the first refused Worker, whichever of the two it checked first.
	requireContains(t, out,
		`account `+accountID+` has no workers.dev subdomain yet, so Worker "life-dev-`,
		`" cannot be served on workers.dev. Register one in the Cloudflare dashboard`,
		"https://dash.cloudflare.com/"+accountID+"/workers/onboarding",
		`PUT /accounts/`+accountID+`/workers/subdomain {"subdomain": "<name>"}`,
		"or set workersDev: false for this Worker")
	calls := c.Calls()
	if calls[local.CallSubdomain] != 1 || calls[local.CallUpload] != 0 {
		t.Fatalf("preview of two Workers: want one subdomain read and no upload, got %v", calls)
	}

	off := false
	setProgram(s, program(&off))
	c.ResetCalls()
	up(t, ctx, s)
	requireScripts(t, c, "life-dev-api", "life-dev-web")
	if n := c.Calls()[local.CallSubdomain]; n != 0 {
		t.Fatalf("an up with workersDev false read the subdomain %d times", n)
	}

	registerSubdomain(t, c, "team-new")
	on := true
	setProgram(s, program(&on))
	c.ResetCalls()
	url := output(t, up(t, ctx, s).Outputs, "url")
	t.Logf("API calls of the up turning workers.dev on for two Workers: %v", c.Calls())
	if n := c.Calls()[local.CallSubdomain]; n != 1 {
		t.Fatalf("turning workers.dev on for two Workers: want one subdomain read, got %d", n)
	}
	_, body, _ := call(t, http.MethodGet, url, "")
	if strings.TrimSpace(body) != "hi" {
		t.Fatalf("the Worker at %s answered %q", url, body)
	}
}

// registerSubdomain registers the account's workers.dev subdomain through the API, as the
// dashboard or any client does.
func registerSubdomain(t *testing.T, c *cloud, name string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, c.URL()+"/accounts/"+accountID+"/workers/subdomain",
		strings.NewReader(`{"subdomain":"`+name+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("registering subdomain %s: %v", name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("registering subdomain %s: HTTP %d", name, resp.StatusCode)
	}
}

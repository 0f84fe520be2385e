//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"

	"github.com/lumier-dev/lumier/internal/cfapi"
	lumier "github.com/lumier-dev/lumier/sdk/go/lumier"
)

// TestDestroyNamesWhatStays: under the default removal ("retain") `pulumi destroy` deletes
// nothing on Cloudflare. Its output says so, naming each Worker and data resource that stays and
// how to delete it, and the Worker keeps counting from where it was.
func TestDestroyNamesWhatStays(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	p := newProject(t)
	entry := p.write("api", counterSource("Counter"))
	s := inlineStack(t, ctx, c, "life", "dev", app("", func(ctx *lumier.Context) error {
		declareCounter(ctx, entry, lumier.DurableObjectOptions{ClassName: "Counter"})
		ctx.Export("cache", ctx.KvNamespace("cache").ID())
		return nil
	}))
	res := up(t, ctx, s)
	url, cacheID := output(t, res.Outputs, "url"), output(t, res.Outputs, "cache")
	countTo(t, url, 3)

	buf := &syncBuffer{}
	if _, err := s.Destroy(ctx, optdestroy.ProgressStreams(buf), optdestroy.ErrorProgressStreams(buf)); err != nil {
		t.Fatalf("destroy: %v\n%s", err, buf.String())
	}
	t.Logf("destroy output:\n%s", buf.String())
	out := strings.Join(strings.Fields(buf.String()), " ")
	requireContains(t, out,
		`app "life" left the stack under removal "retain" (the default), so these stay on Cloudflare and no `+
			"`up` or `destroy` of this stack manages them any more:",
		`- Worker "api" (script "life-dev-api"): it keeps serving, with the data of its Durable Objects "Counter"`,
		`- KV namespace "cache" ("life-dev-cache" on Cloudflare), with its data`,
		"To delete them, use the Cloudflare dashboard or wrangler: wrangler delete life-dev-api "+
			"wrangler kv namespace delete --namespace-id "+cacheID,
		`To have `+"`pulumi destroy`"+` delete an app's Workers and data, set removal "remove" and run `+
			"`pulumi up` before `pulumi destroy`.")
	requireScripts(t, c, "life-dev-api")
	requireCall(t, http.MethodPost, url, "", 200, `{"count":4}`)
	if _, err := cfapi.New(c.URL(), token, accountID).KV.NamespaceByID(context.Background(), cacheID); err != nil {
		t.Fatalf("the KV namespace stays on Cloudflare: %v", err)
	}
}

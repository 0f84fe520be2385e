//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"

	"github.com/lumier-dev/lumier/local"
	lumier "github.com/lumier-dev/lumier/sdk/go/lumier"
)

// The account's plan on the real engine: a KV-backed Durable Object class (sqlite: false) is
// warned about at preview and refused, with Cloudflare's code 10097, by a new account's plan.

// paidWithKV is an account that may create KV-backed classes: a paid account that already has
// one (docs/cloudflare-api.md, "Account plans"). The storage tests that declare sqlite: false use it.
func paidWithKV(o *local.Options) { o.Plan = local.PlanPaidKV }

// TestKVClassOnNewAccount: the preview warns about sqlite: false, and `pulumi up` against the
// default local Cloudflare (free, like a new account) fails with the 10097 message and uploads
// nothing.
func TestKVClassOnNewAccount(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	p := newProject(t)
	entry := p.write("api", counterSource("Counter"))
	kv := false
	s := inlineStack(t, ctx, c, "plan", "dev", app(lumier.RemovalRemove, func(ctx *lumier.Context) error {
		declareCounter(ctx, entry, lumier.DurableObjectOptions{ClassName: "Counter", SQLite: &kv})
		return nil
	}))

	out, err := preview(t, ctx, s)
	if err != nil {
		t.Fatalf("preview failed: %s", out)
	}
	requireContains(t, out, `Durable Object class "Counter" of script "life-dev-api" declares sqlite: false`,
		"Cloudflare refuses it on free plans and on new accounts", "code 10097", "SQLite is the default storage")

	buf := &syncBuffer{}
	if _, err := s.Up(ctx, optup.ProgressStreams(buf), optup.ErrorProgressStreams(buf)); err == nil {
		t.Fatalf("up of a KV-backed class on the free plan succeeded:\n%s", buf.String())
	}
	requireContains(t, strings.Join(strings.Fields(buf.String()), " "),
		"In order to use Durable Objects with a free plan, you must create a namespace using a `new_sqlite_classes` migration.",
		"10097")
	requireScripts(t, c)
}

//go:build e2e

package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/lumier-dev/lumier/examples/app/stack"
	"github.com/lumier-dev/lumier/internal/cfapi"
)

// TestAppExample deploys examples/app through an inline program and calls each of its paths; a
// second up makes no API call; destroy (removal "remove" on a dev stage) leaves nothing of the
// stage on the local Cloudflare.
func TestAppExample(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	dir := copyExample(t, "app")
	t.Chdir(dir) // the program's entries are relative to it
	s := inlineStack(t, ctx, c, "app", "dev", stack.Config.RunFunc())
	api := cfapi.New(c.URL(), token, accountID)

	res := up(t, ctx, s)
	url := output(t, res.Outputs, "url")
	requireScripts(t, c, "shop-dev-api")

	t.Run("Counter", func(t *testing.T) {
		requireCall(t, http.MethodPost, url+"/counter/a", "", 200, `{"count":1}`)
		requireCall(t, http.MethodPost, url+"/counter/a", "", 200, `{"count":2}`)
		requireCall(t, http.MethodGet, url+"/counter/a", "", 200, `{"count":2}`)
		requireCall(t, http.MethodGet, url+"/counter/b", "", 200, `{"count":0}`)
	})
	t.Run("KV", func(t *testing.T) {
		requireCall(t, http.MethodPut, url+"/kv/greeting", "hello", 200, `{"stored":"greeting"}`)
		requireCall(t, http.MethodGet, url+"/kv/greeting", "", 200, `{"key":"greeting","value":"hello"}`)
		requireCall(t, http.MethodDelete, url+"/kv/greeting", "", 200, `{"deleted":"greeting"}`)
		requireCall(t, http.MethodGet, url+"/kv/greeting", "", 200, `{"key":"greeting","value":null}`)
	})
	requireCall(t, http.MethodGet, url+"/nowhere", "", 404, `{"error":"no route for /nowhere"}`)

	t.Run("NoopUp", func(t *testing.T) { requireNoop(t, ctx, c, s) })

	cache := output(t, res.Outputs, "cache")
	destroy(t, ctx, s)
	requireScripts(t, c)
	if _, err := api.KVNamespaceByID(ctx, cache); !cfapi.IsNotFound(err) {
		t.Fatalf("after destroy with removal \"remove\" the KV namespace %s should be gone: %v", cache, err)
	}
}

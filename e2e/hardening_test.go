//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"

	"github.com/lumier-dev/lumier/internal/bundle"
	"github.com/lumier-dev/lumier/internal/cfapi"
	lumier "github.com/lumier-dev/lumier/sdk/go/lumier"
)

// yamlProject writes a YAML program (its resources and outputs) beside a copy of the counter's
// Worker code at src/index.ts, and returns a function running the CLI in it.
func yamlProject(t *testing.T, ctx context.Context, c *cloud, name, body string) func(args ...string) (string, error) {
	t.Helper()
	return yamlProjectFrom(t, ctx, c, filepath.Join(repoRoot, "examples", "counter", "src"), name, body)
}

// yamlProjectFrom is yamlProject with the Worker code copied from src.
func yamlProjectFrom(t *testing.T, ctx context.Context, c *cloud, src, name, body string) func(args ...string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	copyDir(t, src, filepath.Join(dir, "src"))
	program := "name: " + name + "\nruntime: yaml\nplugins:\n  providers:\n    - name: lumier\n      path: " + providerDir + "\n" + body
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte(program), 0o644); err != nil {
		t.Fatal(err)
	}
	env := c.env(t.TempDir())
	if out, err := runPulumi(t, ctx, dir, env, "stack", "init", "dev"); err != nil {
		t.Fatalf("stack init: %v\n%s", err, out)
	}
	return func(args ...string) (string, error) { return runPulumi(t, ctx, dir, env, args...) }
}

// TestTwoWorkersOneScriptNameRefused: two Workers that would upload to the same script are
// refused at preview, naming both, and nothing reaches Cloudflare.
func TestTwoWorkersOneScriptNameRefused(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	pulumi := yamlProject(t, ctx, c, "dup", `
resources:
  first:
    type: lumier:index:Worker
    properties: { entry: src/index.ts, scriptName: shared-script, durableObjects: [{ className: Counter }] }
  second:
    type: lumier:index:Worker
    properties: { entry: src/index.ts, scriptName: shared-script }
`)
	out, err := pulumi("preview")
	if err == nil {
		t.Fatalf("preview accepted two Workers with one script name:\n%s", out)
	}
	requireContains(t, out, `script name "shared-script" is used by two Workers of this stack`, `"first"`, `"second"`)
	requireScripts(t, c)
	// Without a preview the engine may create one of them before it checks the other: the other
	// is still refused, so the two never overwrite each other.
	out, err = pulumi("up", "--yes", "--skip-preview")
	if err == nil {
		t.Fatalf("up accepted two Workers with one script name:\n%s", out)
	}
	requireContains(t, out, `script name "shared-script" is used by two Workers of this stack`)
}

// TestDurableObjectChecksItsHostAtPreview: a DurableObject whose worker no Worker of the stack
// deploys, or whose storage differs from its host's declaration, fails the preview with a
// message naming it, before anything is created.
func TestDurableObjectChecksItsHostAtPreview(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	for _, tc := range []struct {
		name, body string
		want       []string
	}{{
		name: "not in the stack",
		body: `
resources:
  api:
    type: lumier:index:Worker
    properties: { entry: src/index.ts, durableObjects: [{ className: Counter }] }
  counter:
    type: lumier:index:DurableObject
    properties: { worker: somebody-elses-script, className: Counter }
`,
		want: []string{`durable object "counter" names worker script "somebody-elses-script", which no Worker of this stack deploys`},
	}, {
		name: "storage differs",
		body: `
resources:
  api:
    type: lumier:index:Worker
    properties: { entry: src/index.ts, durableObjects: [{ className: Counter }] }
  counter:
    type: lumier:index:DurableObject
    properties: { worker: "${api}", className: Counter, sqlite: false }
`,
		want: []string{`durable object "counter" says sqlite: false, but worker "api" declares class "Counter" with sqlite: true`},
	}, {
		name: "class not hosted",
		body: `
resources:
  api:
    type: lumier:index:Worker
    properties: { entry: src/index.ts }
  counter:
    type: lumier:index:DurableObject
    properties: { worker: "${api}", className: Counter }
`,
		want: []string{`worker "api" (script "hosts-dev-api") does not host class "Counter"`},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			pulumi := yamlProject(t, ctx, c, "hosts", tc.body)
			out, err := pulumi("preview")
			if err == nil {
				t.Fatalf("preview passed:\n%s", out)
			}
			requireContains(t, out, tc.want...)
			requireScripts(t, c)
		})
	}
}

// TestCrossWorkerBindingToUnhostedClassRefused: binding a class of another Worker of the stack
// that does not host it fails the preview instead of the upload (Cloudflare's 10061).
func TestCrossWorkerBindingToUnhostedClassRefused(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	pulumi := yamlProject(t, ctx, c, "cross", `
resources:
  store:
    type: lumier:index:Worker
    properties: { entry: src/index.ts, durableObjects: [{ className: Counter }] }
  web:
    type: lumier:index:Worker
    properties:
      entry: src/index.ts
      bindings:
        COUNTER: { type: durable_object, className: Countr, scriptName: "${store.scriptName}" }
`)
	out, err := pulumi("preview")
	if err == nil {
		t.Fatalf("preview passed:\n%s", out)
	}
	requireContains(t, out, `worker "web" binding "COUNTER" points at Durable Object class "Countr" of worker "store"`,
		`which does not host it (it hosts "Counter")`)
}

// TestUpAfterOutOfBandDeletionLeavesWorkerReachable: a script deleted outside Pulumi comes back
// with the next up that uploads it, and answers at its URL at once, with no refresh and no second up.
func TestUpAfterOutOfBandDeletionLeavesWorkerReachable(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	p := newProject(t)
	entry := p.write("api", counterSource("Counter"))
	s := inlineStack(t, ctx, c, "life", "dev", app(lumier.RemovalRemove, func(ctx *lumier.Context) error {
		declareCounter(ctx, entry, lumier.DurableObjectOptions{ClassName: "Counter"})
		return nil
	}))
	url := output(t, up(t, ctx, s).Outputs, "url")
	countTo(t, url, 1)

	c.deleteScript(t, "life-dev-api")
	editFile(t, entry, "Response.json({ count: await stub.increment() })", "Response.json({ count: await stub.increment(), v: 2 })")
	res := up(t, ctx, s) // no refresh: the state still says the script and its URL exist
	url = output(t, res.Outputs, "url")
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("url output after the up is %q", url)
	}
	requireCall(t, http.MethodPost, url, "", 200, `{"count":1,"v":2}`)
}

// TestUpRefusesToTakeOverAForeignScript: a script that exists on Cloudflare but was not deployed
// by this stack is not overwritten by an up; it keeps its code.
func TestUpRefusesToTakeOverAForeignScript(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	p := newProject(t)
	foreign := p.write("foreign", `export default { async fetch() { return new Response("not yours"); } };`)
	b, err := bundle.Bundle(bundle.Options{Entry: filepath.Join(p.dir, foreign)})
	if err != nil {
		t.Fatal(err)
	}
	api := cfapi.New(c.URL(), token, accountID)
	if err := api.Scripts.Upload(ctx, "life-dev-api", cfapi.Metadata{MainModule: "index.js", CompatibilityDate: "2025-11-17"},
		[]cfapi.Module{{Name: "index.js", Content: b.Code}}); err != nil {
		t.Fatal(err)
	}

	entry := p.write("api", counterSource("Counter"))
	s := inlineStack(t, ctx, c, "life", "dev", app(lumier.RemovalRemove, func(ctx *lumier.Context) error {
		declareCounter(ctx, entry, lumier.DurableObjectOptions{ClassName: "Counter"})
		return nil
	}))
	buf := &syncBuffer{}
	if _, err := s.Up(ctx, optup.ProgressStreams(buf)); err == nil {
		t.Fatalf("up took over a script it did not deploy:\n%s", buf.String())
	}
	requireContains(t, buf.String(), `script "life-dev-api" already exists on Cloudflare and was not deployed by this stack`,
		"pulumi import lumier:index:Script")
	if settings := scriptSettings(t, c, "life-dev-api"); strings.Contains(settings, "durable_object_namespace") {
		t.Fatalf("the foreign script was changed: %s", settings)
	}
}

//go:build e2e

package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lumier-dev/lumier/internal/cfapi"
	lumier "github.com/lumier-dev/lumier/sdk/go/lumier"
)

// Worker code for the preview checks.
const (
	fetchOnly     = "export default { async fetch() { return new Response(\"ok\"); } };\n"
	fetchAndQueue = "export default { async fetch() { return new Response(\"ok\"); }, async queue(batch) {} };\n"
	nodeBuffer    = "import { Buffer } from \"node:buffer\";\n" +
		"export default { async fetch() { return new Response(Buffer.from(\"hi\").toString(\"base64\")); } };\n"
)

// srcDir writes files (name -> content) into a new directory, the src of a project.
func srcDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		writeFile(t, filepath.Join(dir, name), content)
	}
	return dir
}

// previewRefuses runs `pulumi preview` in a YAML project of body with src as its src/ folder and
// requires it to fail with each fragment, nothing deployed; more runs CLI commands before it.
func previewRefuses(t *testing.T, c *cloud, src, body string, more [][]string, fragments ...string) {
	t.Helper()
	pulumi := yamlProjectFrom(t, testContext(t, 5*time.Minute), c, src, "checks", body)
	for _, args := range more {
		if out, err := pulumi(args...); err != nil {
			t.Fatalf("pulumi %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	out, err := pulumi("preview")
	if err == nil {
		t.Fatalf("preview passed:\n%s", out)
	}
	out = strings.Join(strings.Fields(out), " ")
	requireContains(t, out, fragments...)
	// A failure attached to a whole property reads "property <name> value {<Go value>} has a problem".
	for _, goValue := range []string{"value {", "map[", "<nil>"} {
		if strings.Contains(out, goValue) {
			t.Fatalf("the preview's message holds Go-formatted values (%q):\n%s", goValue, out)
		}
	}
	requireScripts(t, c)
}

// TestPreviewRefusesWhatCloudflareWould: what Cloudflare would refuse at up, or accept and then
// fail at run time, fails `pulumi preview` of a YAML program, with a message in the program's
// words: a queue consumer with no queue() handler, a queue consumed by two Workers of an app, a
// node: import without nodejs_compat, a Worker or an assets directory over the free plan's
// limits (the plan of a new account, the default), an empty assets directory named by its
// property, and a stack name that cannot be a stage.
func TestPreviewRefusesWhatCloudflareWould(t *testing.T) {
	c := startCloud(t)
	for _, tc := range []struct {
		name      string
		src       func(t *testing.T) string // the project's src folder
		body      string                    // the YAML program's resources
		more      [][]string                // CLI commands run before the preview
		fragments []string                  // what the preview's message says
	}{{
		name: "QueueConsumerWithoutHandler", src: workerSrc(fetchOnly), body: `
resources:
  app:
    type: lumier:index:App
    properties:
      name: q
      queues: [{ name: jobs }]
      workers: [{ name: api, entry: src/index.ts, queueConsumers: [{ queue: jobs }] }]
`, fragments: []string{`script "q-dev-api" consumes queue "q-dev-jobs", but the default export of`,
			"has no queue() handler (it has fetch): every message would fail, be retried and then be dropped. " +
				"Add `async queue(batch, env) { ... }` to the default export, or remove the queue from queueConsumers"},
	}, {
		name: "QueueConsumedByTwoWorkers", src: workerSrc(fetchAndQueue), body: `
resources:
  app:
    type: lumier:index:App
    properties:
      name: q
      queues: [{ name: jobs }]
      workers:
        - { name: api, entry: src/index.ts, queueConsumers: [{ queue: jobs }] }
        - { name: mailer, entry: src/index.ts, queueConsumers: [{ queue: jobs }] }
`, fragments: []string{`queue "jobs" is consumed by two Workers, "api" and "mailer", and Cloudflare allows one consumer Worker ` +
			`per queue: keep {queue: "jobs"} in the queueConsumers of one of them`},
	}, {
		name: "NodeImportWithoutNodejsCompat", src: workerSrc(nodeBuffer), body: `
resources:
  app:
    type: lumier:index:App
    properties:
      name: n
      workers: [{ name: api, entry: src/index.ts, compatibilityFlags: [] }]
`, fragments: []string{`imports "node:buffer", which the Workers runtime provides only with the nodejs_compat compatibility flag, ` +
			`and compatibilityFlags is []: add "nodejs_compat" to compatibilityFlags (or leave compatibilityFlags unset, ` +
			`which means ["nodejs_compat"]), or remove the import`},
	}, {
		name: "WorkerOverTheFreePlansSize", src: bigWorkerSrc, body: `
resources:
  api:
    type: lumier:index:Worker
    properties: { entry: src/index.ts }
`, fragments: []string{"entry: src/index.ts bundles to ", " after gzip, over the 3.00 MiB limit of Cloudflare's Workers free plan " +
			"(lumier:workersPlan); largest inputs before compression: src/index.ts (",
			"if the account is on Workers Paid, set `pulumi config set lumier:workersPlan paid`"},
	}, {
		name: "AssetsOverTheFreePlansFileCount", src: manyAssetsSrc, body: `
resources:
  site:
    type: lumier:index:Worker
    properties: { entry: src/index.ts, assets: { directory: src/public } }
`, fragments: []string{"assets.directory: assets directory ", "holds 20001 files, over Cloudflare's limit of 20000 files per Worker " +
			"version on the Workers free plan: leave out files the site does not serve"},
	}, {
		name: "EmptyAssetsDirectoryNamesTheProperty", src: workerSrc(fetchOnly), body: `
resources:
  site:
    type: lumier:index:Worker
    properties: { entry: src/index.ts, assets: { directory: "" } }
`, fragments: []string{"assets.directory is empty: set it to the directory of the static files"},
	}, {
		name: "StageIsTheStackName", src: workerSrc(fetchOnly), body: `
resources:
  app:
    type: lumier:index:App
    properties:
      name: s
      workers: [{ name: api, entry: src/index.ts }]
`, more: [][]string{{"stack", "init", "Team_Dev"}},
		fragments: []string{`The stage is the stack's name, "Team_Dev": create a stack with a valid name ` +
			"(`pulumi stack init team-dev`) or rename this one (`pulumi stack rename team-dev`), or set the app's stage"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			previewRefuses(t, c, tc.src(t), tc.body, tc.more, tc.fragments...)
		})
	}
}

// workerSrc is a src folder holding index.ts with code.
func workerSrc(code string) func(t *testing.T) string {
	return func(t *testing.T) string { return srcDir(t, map[string]string{"index.ts": code}) }
}

// bigWorkerSrc is a src folder whose index.ts holds 5 MB of random base64, which gzips to about
// 3.8 MB, over the free plan's 3 MiB.
func bigWorkerSrc(t *testing.T) string {
	blob := make([]byte, 3_750_000)
	if _, err := rand.Read(blob); err != nil {
		t.Fatal(err)
	}
	return workerSrc("const blob = \"" + base64.StdEncoding.EncodeToString(blob) + "\";\n" +
		"export default { async fetch() { return new Response(blob.slice(0, 8)); } };\n")(t)
}

// manyAssetsSrc is a src folder with a Worker and public/, 20,001 empty files in 20 folders:
// one over the free plan's 20,000 files.
func manyAssetsSrc(t *testing.T) string {
	src := workerSrc(fetchOnly)(t)
	public := filepath.Join(src, "public")
	for i := range 20 {
		if err := os.MkdirAll(filepath.Join(public, fmt.Sprint(i)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i <= 20_000; i++ {
		if err := os.WriteFile(filepath.Join(public, fmt.Sprint(i%20), fmt.Sprintf("%05d.txt", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return src
}

// TestCompatibilityFlagsAsWritten: `compatibilityFlags: []` deploys a script with no flags through
// every door (a YAML App and Worker, the Go lumier.Config, the TypeScript $config), read back from
// the script's settings; leaving the option out deploys ["nodejs_compat"].
func TestCompatibilityFlagsAsWritten(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	api := cfapi.New(c.URL(), token, accountID)
	requireFlags := func(t *testing.T, script string, want ...string) {
		t.Helper()
		settings, err := api.Scripts.Settings(ctx, script)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(settings.CompatibilityFlags, want) {
			t.Fatalf("script %s has compatibility flags %q, want %q", script, settings.CompatibilityFlags, want)
		}
	}
	t.Run("YAML", func(t *testing.T) {
		pulumi := yamlProjectFrom(t, ctx, c, srcDir(t, map[string]string{"index.ts": fetchOnly}), "flags", `
resources:
  app:
    type: lumier:index:App
    properties:
      name: flags
      workers:
        - { name: none, entry: src/index.ts, compatibilityFlags: [] }
        - { name: default, entry: src/index.ts }
  solo:
    type: lumier:index:Worker
    properties: { entry: src/index.ts, compatibilityFlags: [] }
`)
		if out, err := pulumi("up", "--yes"); err != nil {
			t.Fatalf("up: %v\n%s", err, out)
		}
		requireFlags(t, "flags-dev-none")
		requireFlags(t, "flags-dev-default", "nodejs_compat")
		requireFlags(t, "flags-dev-solo")
	})
	t.Run("Go", func(t *testing.T) {
		p := newProject(t)
		entry := p.write("api", fetchOnly)
		s := inlineStack(t, ctx, c, "goflags", "dev", lumier.Config{
			App: func(lumier.AppContext) lumier.AppConfig { return lumier.AppConfig{Name: "goflags"} },
			Run: func(ctx *lumier.Context) error {
				ctx.Worker("none", lumier.WorkerOptions{Entry: entry, CompatibilityFlags: []string{}})
				return nil
			},
		}.RunFunc())
		up(t, ctx, s)
		requireFlags(t, "goflags-dev-none")
	})
	t.Run("TypeScript", func(t *testing.T) {
		ts := newTSStack(t, c, "counter-ts", "dev")
		editFile(t, filepath.Join(ts.dir, "lumier.config.ts"), "entry: \"src/index.ts\",\n    });",
			"entry: \"src/index.ts\",\n      compatibilityFlags: [],\n    });")
		ts.run(t, ctx, "up")
		requireFlags(t, "my-app-dev-api")
	})
}

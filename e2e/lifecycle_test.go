//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	lumier "github.com/lumier-dev/lumier/sdk/go/lumier"
)

// The Durable Object lifecycle on the real engine: renames, deletions, transfers, cross-script
// bindings, storage flips and drift. Each program is written here, so each step can change it.

// counterSource is the counter with the class name and any extra classes filled in.
// Without its binding the Worker answers 404, so a transfer's source stays uploadable.
func counterSource(class string, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `import { env, DurableObject } from "cloudflare:workers";

export class %s extends DurableObject {
  async increment(): Promise<number> {
    let count = (await this.ctx.storage.get<number>("count")) || 0;
    count++;
    await this.ctx.storage.put("count", count);
    return count;
  }

  async getCount(): Promise<number> {
    return (await this.ctx.storage.get<number>("count")) || 0;
  }
}
`, class)
	for _, e := range extra {
		fmt.Fprintf(&b, "\nexport class %s extends DurableObject {}\n", e)
	}
	b.WriteString(`
export default {
  async fetch(request: Request): Promise<Response> {
    if (!env.COUNTER) return new Response("no COUNTER binding", { status: 404 });
    const stub = env.COUNTER.get(env.COUNTER.idFromName("/"));
    if (request.method === "POST") return Response.json({ count: await stub.increment() });
    return Response.json({ count: await stub.getCount() });
  },
};
`)
	return b.String()
}

// project is a directory holding one entry per Worker; tests rewrite the entries between ups.
type project struct {
	t   *testing.T
	dir string
}

func newProject(t *testing.T) *project {
	dir := t.TempDir()
	t.Chdir(dir)
	return &project{t: t, dir: dir}
}

// write sets the code of src/<worker>.ts and returns its path, relative to the program directory.
func (p *project) write(worker, code string) string {
	p.t.Helper()
	rel := filepath.Join("src", worker+".ts")
	if err := os.MkdirAll(filepath.Join(p.dir, "src"), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.dir, rel), []byte(code), 0o644); err != nil {
		p.t.Fatal(err)
	}
	return rel
}

// app is a lumier program named "life" with the given removal policy.
func app(removal string, run func(ctx *lumier.Context) error) pulumi.RunFunc {
	return lumier.Config{
		App: func(lumier.AppContext) lumier.AppConfig { return lumier.AppConfig{Name: "life", Removal: removal} },
		Run: run,
	}.RunFunc()
}

// declareCounter declares the basic usage's pattern: worker "api" hosting the class described by do,
// named "counter" and bound as COUNTER, with its URL exported as "url".
func declareCounter(ctx *lumier.Context, entry string, do lumier.DurableObjectOptions) *lumier.WorkerRef {
	api := ctx.Worker("api", lumier.WorkerOptions{Entry: entry})
	do.Worker = api
	counter := ctx.DurableObject("counter", do)
	ctx.Worker("api", lumier.WorkerOptions{Bindings: lumier.Bindings{"COUNTER": counter}})
	ctx.Export("url", api.URL())
	return api
}

// setProgram swaps the inline program of s for the next operation.
func setProgram(s auto.Stack, program pulumi.RunFunc) {
	s.Workspace().SetProgram(program)
}

// preview runs `pulumi preview` and returns its output and error, for asserting what it says.
func preview(t *testing.T, ctx context.Context, s auto.Stack) (string, error) {
	t.Helper()
	buf := &syncBuffer{}
	_, err := s.Preview(ctx, optpreview.ProgressStreams(buf), optpreview.ErrorProgressStreams(buf), optpreview.Diff())
	out := strings.Join(strings.Fields(buf.String()), " ")
	if err != nil {
		out += " " + strings.Join(strings.Fields(err.Error()), " ")
	}
	return out, err
}

func requireContains(t *testing.T, text string, fragments ...string) {
	t.Helper()
	for _, f := range fragments {
		if !strings.Contains(text, f) {
			t.Fatalf("output lacks %q:\n%s", f, text)
		}
	}
}

func countTo(t *testing.T, url string, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		requireCall(t, http.MethodPost, url, "", 200, fmt.Sprintf(`{"count":%d}`, i))
	}
}

// TestRenameKeepsData: the counter holds 5, its className changes from Counter to Tally, and
// after `up` it still holds 5; the preview said it is a rename that keeps the data.
func TestRenameKeepsData(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	p := newProject(t)
	program := func(class string) pulumi.RunFunc {
		entry := p.write("api", counterSource(class))
		return app(lumier.RemovalRemove, func(ctx *lumier.Context) error {
			declareCounter(ctx, entry, lumier.DurableObjectOptions{ClassName: class})
			return nil
		})
	}
	s := inlineStack(t, ctx, c, "life", "dev", program("Counter"))
	url := output(t, up(t, ctx, s).Outputs, "url")
	countTo(t, url, 5)

	setProgram(s, program("Tally"))
	out, err := preview(t, ctx, s)
	if err != nil {
		t.Fatalf("preview of the rename failed: %s", out)
	}
	requireContains(t, out, `Durable Object class "Counter" of script "life-dev-api" is renamed to "Tally"; its objects and data are kept`)
	up(t, ctx, s)
	requireCall(t, http.MethodGet, url, "", 200, `{"count":5}`)
	assertClasses(t, c, "life-dev-api", "Tally")
}

// TestDeleteNeedsOptIn: dropping a Durable Object fails at preview, naming the class, the script
// and the data, unless the app's removal is "remove"; then the preview warns that the data will
// be deleted, and `up` deletes the class.
func TestDeleteNeedsOptIn(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	p := newProject(t)
	program := func(removal string, withExtra bool) pulumi.RunFunc {
		extra := []string{}
		if withExtra {
			extra = append(extra, "Extra")
		}
		entry := p.write("api", counterSource("Counter", extra...))
		return app(removal, func(ctx *lumier.Context) error {
			api := declareCounter(ctx, entry, lumier.DurableObjectOptions{ClassName: "Counter"})
			if withExtra {
				ctx.DurableObject("extra", lumier.DurableObjectOptions{Worker: api, ClassName: "Extra"})
			}
			return nil
		})
	}
	s := inlineStack(t, ctx, c, "life", "dev", program(lumier.RemovalRetain, true))
	url := output(t, up(t, ctx, s).Outputs, "url")
	countTo(t, url, 2)
	assertClasses(t, c, "life-dev-api", "Counter", "Extra")

	setProgram(s, program(lumier.RemovalRetain, false))
	out, err := preview(t, ctx, s)
	if err == nil {
		t.Fatalf("preview dropping a Durable Object without opt-in succeeded:\n%s", out)
	}
	requireContains(t, out, `refusing to delete Durable Object data: class "Extra" of script "life-dev-api"`,
		"deletes every object it stores and their data", "deleteData: true")
	if _, err := s.Up(ctx); err == nil {
		t.Fatal("up dropping a Durable Object without opt-in succeeded")
	}
	assertClasses(t, c, "life-dev-api", "Counter", "Extra")

	setProgram(s, program(lumier.RemovalRemove, false))
	out, err = preview(t, ctx, s)
	if err != nil {
		t.Fatalf("preview with removal \"remove\" failed: %s", out)
	}
	requireContains(t, out, `Durable Object class "Extra" of script "life-dev-api" is no longer declared and deleteData is true: this deploy DELETES the class and all the data of its objects`)
	up(t, ctx, s)
	assertClasses(t, c, "life-dev-api", "Counter")
	requireCall(t, http.MethodGet, url, "", 200, `{"count":2}`)
}

// TestTransferKeepsData: Counter moves from worker a to worker b and keeps its value.
func TestTransferKeepsData(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	p := newProject(t)
	entryA := p.write("a", counterSource("Counter"))
	entryB := p.write("b", counterSource("Counter"))
	before := app(lumier.RemovalRemove, func(ctx *lumier.Context) error {
		a := ctx.Worker("a", lumier.WorkerOptions{Entry: entryA})
		counter := ctx.DurableObject("counter", lumier.DurableObjectOptions{Worker: a, ClassName: "Counter"})
		ctx.Worker("a", lumier.WorkerOptions{Bindings: lumier.Bindings{"COUNTER": counter}})
		ctx.Export("a", a.URL())
		return nil
	})
	after := app(lumier.RemovalRemove, func(ctx *lumier.Context) error {
		a := ctx.Worker("a", lumier.WorkerOptions{Entry: entryA})
		b := ctx.Worker("b", lumier.WorkerOptions{Entry: entryB})
		counter := ctx.DurableObject("counter", lumier.DurableObjectOptions{Worker: b, ClassName: "Counter", TransferredFrom: a})
		ctx.Worker("b", lumier.WorkerOptions{Bindings: lumier.Bindings{"COUNTER": counter}})
		ctx.Export("b", b.URL())
		return nil
	})
	s := inlineStack(t, ctx, c, "life", "dev", before)
	urlA := output(t, up(t, ctx, s).Outputs, "a")
	countTo(t, urlA, 4)

	setProgram(s, after)
	out, err := preview(t, ctx, s)
	if err != nil {
		t.Fatalf("preview of the transfer failed: %s", out)
	}
	requireContains(t, out, "transferredFrom", "life-dev-a")
	res := up(t, ctx, s)
	urlB := output(t, res.Outputs, "b")
	requireCall(t, http.MethodGet, urlB, "", 200, `{"count":4}`)
	requireCall(t, http.MethodPost, urlB, "", 200, `{"count":5}`)
	assertClasses(t, c, "life-dev-b", "Counter")
	assertClasses(t, c, "life-dev-a")
	requireNoop(t, ctx, c, s)
}

// TestCrossScriptBinding: worker web binds the Counter hosted by worker store; deleting the class
// while web binds it is refused at preview; after web drops the binding, it goes.
func TestCrossScriptBinding(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	p := newProject(t)
	store := p.write("store", counterSource("Counter"))
	web := p.write("web", counterSource("Unused"))
	program := func(hosted, bound bool) pulumi.RunFunc {
		return app(lumier.RemovalRemove, func(ctx *lumier.Context) error {
			st := ctx.Worker("store", lumier.WorkerOptions{Entry: store})
			w := ctx.Worker("web", lumier.WorkerOptions{Entry: web})
			if hosted {
				counter := ctx.DurableObject("counter", lumier.DurableObjectOptions{Worker: st, ClassName: "Counter"})
				if bound {
					ctx.Worker("web", lumier.WorkerOptions{Bindings: lumier.Bindings{"COUNTER": counter}})
				}
			}
			ctx.Export("web", w.URL())
			return nil
		})
	}
	s := inlineStack(t, ctx, c, "life", "dev", program(true, true))
	url := output(t, up(t, ctx, s).Outputs, "web")
	countTo(t, url, 3)
	settings := scriptSettings(t, c, "life-dev-web")
	requireContains(t, settings, `"script_name":"life-dev-store"`)

	// Deleting the class while web still binds it on Cloudflare.
	setProgram(s, program(false, false))
	out, err := preview(t, ctx, s)
	if err == nil {
		t.Fatalf("preview deleting a class another script binds succeeded:\n%s", out)
	}
	requireContains(t, out, `class "Counter" of script "life-dev-store" is bound by script "life-dev-web" (binding COUNTER)`,
		`Remove the binding from "life-dev-web" and deploy first`)
	assertClasses(t, c, "life-dev-store", "Counter")

	// Unbind first, then delete.
	setProgram(s, program(true, false))
	up(t, ctx, s)
	setProgram(s, program(false, false))
	up(t, ctx, s)
	assertClasses(t, c, "life-dev-store")
}

// TestStorage: flipping sqlite on an existing class is refused at preview; a KV-backed class
// (sqlite false) counts with storage.get/put. The account may create KV-backed classes (a paid
// account that already has one).
func TestStorage(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t, paidWithKV)
	p := newProject(t)
	entry := p.write("api", counterSource("Counter"))
	program := func(sqlite bool) pulumi.RunFunc {
		return app(lumier.RemovalRemove, func(ctx *lumier.Context) error {
			declareCounter(ctx, entry, lumier.DurableObjectOptions{ClassName: "Counter", SQLite: &sqlite})
			return nil
		})
	}
	s := inlineStack(t, ctx, c, "life", "dev", program(false))
	url := output(t, up(t, ctx, s).Outputs, "url")
	countTo(t, url, 3) // key-value storage answers get/put
	if !namespaceSQLite(t, c, "life-dev-api", "Counter", false) {
		t.Fatal("the Counter namespace is not KV-backed")
	}

	setProgram(s, program(true))
	out, err := preview(t, ctx, s)
	if err == nil {
		t.Fatalf("preview flipping sqlite succeeded:\n%s", out)
	}
	requireContains(t, out, `class "Counter" of script "life-dev-api" already stores its data in key-value storage, and Cloudflare cannot change a class's storage to SQLite`)
	requireCall(t, http.MethodGet, url, "", 200, `{"count":3}`)
}

// TestOutOfBandDeletion: a script deleted behind Pulumi's back shows up in `refresh`, and the
// next `up` puts it back.
func TestOutOfBandDeletion(t *testing.T) {
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
	requireScripts(t, c)
	buf := &syncBuffer{}
	res, err := s.Refresh(ctx, optrefresh.ProgressStreams(buf))
	if err != nil {
		t.Fatalf("refresh: %v\n%s", err, buf.String())
	}
	if changes(res.Summary)["delete"] != 1 {
		t.Fatalf("refresh did not notice the deleted script: %v\n%s", changes(res.Summary), buf.String())
	}
	out, err := preview(t, ctx, s)
	if err != nil {
		t.Fatalf("preview after refresh: %s", out)
	}
	requireContains(t, out, "lumier:index:Script: (create)", `scriptName : "life-dev-api"`)
	res2 := up(t, ctx, s)
	if n := changes(res2.Summary)["create"]; n != 1 {
		t.Fatalf("up after refresh created %d resources, want the one script: %v", n, changes(res2.Summary))
	}
	requireScripts(t, c, "life-dev-api")
	requireCall(t, http.MethodPost, output(t, res2.Outputs, "url"), "", 200, `{"count":1}`)
}

// apiGet reads an account endpoint of the local Cloudflare and returns the body.
func apiGet(t *testing.T, c *cloud, path string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.URL()+"/accounts/"+accountID+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	var body strings.Builder
	if _, err := io.Copy(&body, resp.Body); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, resp.StatusCode, body.String())
	}
	return body.String()
}

func scriptSettings(t *testing.T, c *cloud, script string) string {
	return apiGet(t, c, "/workers/scripts/"+script+"/settings")
}

type namespace struct {
	Script    string `json:"script"`
	Class     string `json:"class"`
	UseSQLite bool   `json:"use_sqlite"`
}

func namespaces(t *testing.T, c *cloud) []namespace {
	t.Helper()
	var body struct {
		Result []namespace `json:"result"`
	}
	if err := json.Unmarshal([]byte(apiGet(t, c, "/workers/durable_objects/namespaces")), &body); err != nil {
		t.Fatal(err)
	}
	return body.Result
}

// assertClasses checks the Durable Object classes Cloudflare has for script.
func assertClasses(t *testing.T, c *cloud, script string, want ...string) {
	t.Helper()
	got := []string{}
	for _, ns := range namespaces(t, c) {
		if ns.Script == script {
			got = append(got, ns.Class)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("classes of %s: %v, want %v", script, got, want)
	}
}

func namespaceSQLite(t *testing.T, c *cloud, script, class string, sqlite bool) bool {
	t.Helper()
	for _, ns := range namespaces(t, c) {
		if ns.Script == script && ns.Class == class {
			return ns.UseSQLite == sqlite
		}
	}
	t.Fatalf("no namespace for %s.%s", script, class)
	return false
}

// TestWorkerRemoval: a Worker hosting a Durable Object leaves the program. With the default
// removal ("retain") the script and its data stay on Cloudflare, and the preview says so and how
// to delete them; with "remove" both go. (Pulumi
// plans deletions without asking the provider, so this is decided by the removal policy rather
// than by a preview failure; a Script without either is refused at apply, see the provider tests.)
func TestWorkerRemoval(t *testing.T) {
	for _, removal := range []string{lumier.RemovalRetain, lumier.RemovalRemove} {
		t.Run(removal, func(t *testing.T) {
			ctx := testContext(t, 10*time.Minute)
			c := startCloud(t)
			p := newProject(t)
			entry := p.write("api", counterSource("Counter"))
			web := p.write("web", counterSource("Unused"))
			program := func(withAPI bool) pulumi.RunFunc {
				return app(removal, func(ctx *lumier.Context) error {
					ctx.Worker("web", lumier.WorkerOptions{Entry: web})
					if withAPI {
						declareCounter(ctx, entry, lumier.DurableObjectOptions{ClassName: "Counter"})
					}
					return nil
				})
			}
			s := inlineStack(t, ctx, c, "life", "dev", program(true))
			url := output(t, up(t, ctx, s).Outputs, "url")
			countTo(t, url, 3)

			setProgram(s, program(false))
			out, err := preview(t, ctx, s)
			if err != nil {
				t.Fatalf("preview: %s", out)
			}
			if removal == lumier.RemovalRetain {
				requireContains(t, out, "lumier:index:Script: (delete[retain])", `className: "Counter"`,
					`app "life": Worker "api" (script "life-dev-api") is no longer declared and was deployed under `+
						`removal "retain", so it leaves the stack and stays on Cloudflare, where no `+"`up` or `destroy`"+
						` of this stack manages it: it keeps serving, with the data of its Durable Objects "Counter".`,
					"`wrangler delete life-dev-api`")
			}
			up(t, ctx, s)
			if removal == lumier.RemovalRetain {
				requireScripts(t, c, "life-dev-api", "life-dev-web")
				requireCall(t, http.MethodGet, url, "", 200, `{"count":3}`)
			} else {
				requireScripts(t, c, "life-dev-web")
				assertClasses(t, c, "life-dev-api")
			}
		})
	}
}

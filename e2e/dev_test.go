//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// devHangGuard bounds each wait for `lumier dev` to print something: a hang guard, not a
// performance bound.
const devHangGuard = time.Minute

// devProcess is a running `lumier dev`, with its output.
type devProcess struct {
	cmd *exec.Cmd
	out *syncBuffer
}

// devProject copies the YAML counter (examples/yaml) and the Worker code it uses
// (examples/counter/src) to a temporary directory, with the plugin path pointing at the
// provider built for this run, and returns the YAML project's directory.
func devProject(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	copyDir(t, filepath.Join(repoRoot, "examples", "yaml"), filepath.Join(root, "yaml"))
	copyDir(t, filepath.Join(repoRoot, "examples", "counter", "src"), filepath.Join(root, "counter", "src"))
	project := filepath.Join(root, "yaml")
	editFile(t, filepath.Join(project, "Pulumi.yaml"), "path: ../../bin", "path: "+providerDir)
	return project
}

// buildLumier builds the lumier command from the checkout.
func buildLumier(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "lumier")
	build := exec.Command("go", "build", "-o", bin, "./cmd/lumier")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building lumier: %v\n%s", err, out)
	}
	return bin
}

// startDev runs `lumier dev` in project with the extra environment; it is interrupted, if still
// running, when the test ends.
func startDev(t testing.TB, bin, project string, env map[string]string, args ...string) *devProcess {
	t.Helper()
	d := &devProcess{cmd: exec.Command(bin, append([]string{"dev"}, args...)...), out: &syncBuffer{}}
	d.cmd.Dir = project
	d.cmd.Env = os.Environ()
	for k, v := range env {
		d.cmd.Env = append(d.cmd.Env, k+"="+v)
	}
	d.cmd.Stdout, d.cmd.Stderr = d.out, d.out
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("starting lumier dev: %v", err)
	}
	t.Cleanup(func() {
		if d.cmd.ProcessState == nil {
			// Best effort: the test has its result already; a failed stop or a non-zero exit
			// after SIGINT changes nothing here.
			_ = d.cmd.Process.Signal(syscall.SIGINT)
			_ = d.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("lumier dev output:\n%s", d.out.String())
		}
	})
	return d
}

// waitFor waits until the output past offset from matches re and returns the submatches and
// the offset after the match.
func (d *devProcess) waitFor(t testing.TB, from int, re *regexp.Regexp) ([]string, int) {
	t.Helper()
	deadline := time.Now().Add(devHangGuard)
	for time.Now().Before(deadline) {
		out := d.out.String()
		if loc := re.FindStringSubmatchIndex(out[from:]); loc != nil {
			var subs []string
			for i := 0; i < len(loc); i += 2 {
				if loc[i] >= 0 {
					subs = append(subs, out[from+loc[i]:from+loc[i+1]])
				} else {
					subs = append(subs, "")
				}
			}
			return subs, from + loc[1]
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("lumier dev did not print %q within the hang guard; output past offset %d:\n%s", re, from, d.out.String()[from:])
	return nil, 0
}

var (
	devDeployed = regexp.MustCompile(`lumier dev: deployed in \S+ \(([^)]*)\)`)
	devURL      = regexp.MustCompile(`(?m)^  url: (\S+)$`)
)

// TestDevRedeploysOnSave runs `lumier dev` on the YAML counter: it deploys, answers, redeploys an
// edited Worker with the count kept, prints the Worker's console output and uncaught exceptions
// under its script name with the request that caused them (the stack mapped to the source
// line), reports a syntax error while the previous version keeps answering, stops on SIGINT,
// and leaves a state that `pulumi preview` finds up to date.
func TestDevRedeploysOnSave(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	bin := buildLumier(t)
	project := devProject(t)
	entry := filepath.Join(project, "..", "counter", "src", "index.ts")
	env := c.env(t.TempDir())

	dev := startDev(t, bin, project, env)
	subs, at := dev.waitFor(t, 0, devURL)
	base := subs[1]
	url := base + "/hits"
	requireCall(t, "POST", url, "", 200, `{"count":1}`)

	// A one-line change of the Worker: the next answer carries it, and the count goes on.
	editFile(t, entry, "return Response.json({ count });", `console.log("count is now", count); return Response.json({ count, dev: "edited" });`)
	editFile(t, entry, "const url = new URL(request.url);\n", "const url = new URL(request.url);\n    if (url.pathname === \"/boom\") throw new Error(\"boom from dev\");\n")
	throwLine := lineOf(t, entry, `throw new Error("boom from dev")`)
	_, at = dev.waitFor(t, at, regexp.MustCompile(`lumier dev: changed: \.\./counter/src/index\.ts`))
	subs, at = dev.waitFor(t, at, devDeployed)
	if !strings.Contains(subs[1], "1 update") {
		t.Fatalf("the edit's update: %q, want the Worker updated", subs[1])
	}
	requireCall(t, "POST", url, "", 200, `{"count":2,"dev":"edited"}`)

	// The Worker's console.log, under its script name, after the request line that caused it.
	const script = "counter-yaml-dev-api"
	_, at = dev.waitFor(t, at, regexp.MustCompile(`(?m)^\[`+script+`\] POST /hits 200\n\[`+script+`\]   log: count is now 2$`))
	// An uncaught exception, its stack mapped to the line of the source that threw.
	if status, body, _ := call(t, "GET", base+"/boom", ""); status != 500 {
		t.Fatalf("GET /boom: %d %s, want 500 from the uncaught exception", status, body)
	}
	subs, at = dev.waitFor(t, at, regexp.MustCompile(`(?m)^\[`+script+`\] GET /boom \(exception\)\n\[`+script+`\]   uncaught Error: boom from dev\n\[`+script+`\]       at .*\(\.\./counter/src/index\.ts:(\d+):\d+\)$`))
	t.Logf("printed:\n%s", subs[0])
	if subs[1] != strconv.Itoa(throwLine) {
		t.Fatalf("the exception's stack names line %s of index.ts, want %d (where it throws)", subs[1], throwLine)
	}

	// A save that does not build: the error is printed with its place, the loop goes on and the
	// previous version keeps answering.
	editFile(t, entry, "export default {", "export default {{")
	subs, at = dev.waitFor(t, at, regexp.MustCompile(`(?s)lumier dev: update failed; the previous version keeps serving.*?(index\.ts:\d+:\d+: ERROR: [^\n]*)`))
	t.Logf("reported: %s", subs[1])
	requireCall(t, "POST", url, "", 200, `{"count":3,"dev":"edited"}`)

	// Fixed again: deployed, nothing to change since the last good version.
	editFile(t, entry, "export default {{", "export default {")
	subs, _ = dev.waitFor(t, at, devDeployed)
	if strings.Contains(subs[1], "update") || strings.Contains(subs[1], "create") {
		t.Fatalf("redeploying the last good version changed resources: %q", subs[1])
	}
	requireCall(t, "POST", url, "", 200, `{"count":4,"dev":"edited"}`)

	if err := dev.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- dev.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("lumier dev on SIGINT: %v", err)
		}
	case <-time.After(devHangGuard):
		t.Fatalf("lumier dev did not exit on SIGINT")
	}

	// The state is the truth: the same backend, through the CLI, sees nothing to change.
	out, err := runPulumi(t, ctx, project, env, "preview", "--stack", "dev", "--expect-no-changes")
	if err != nil {
		t.Fatalf("pulumi preview after lumier dev: %v\n%s", err, out)
	}
	requireCall(t, "GET", url, "", 200, `{"count":4,"dev":"edited"}`)
}

// TestDevWatchesModulesOutsideTheEntryDirectory runs `lumier dev` on the YAML counter and makes
// its Worker import a module from a folder beside the Worker's (common/, outside the entry's
// directory counter/src): once a build has brought the module in, a save of that module alone
// redeploys, and the next answer carries it.
func TestDevWatchesModulesOutsideTheEntryDirectory(t *testing.T) {
	c := startCloud(t)
	bin := buildLumier(t)
	project := devProject(t)
	entry := filepath.Join(project, "..", "counter", "src", "index.ts")
	shared := filepath.Join(project, "..", "common", "greeting.ts")
	if err := os.MkdirAll(filepath.Dir(shared), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(shared, []byte("export const greeting = \"hello\";\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	dev := startDev(t, bin, project, c.env(t.TempDir()))
	subs, at := dev.waitFor(t, 0, devURL)
	url := subs[1] + "/hits"
	requireCall(t, "POST", url, "", 200, `{"count":1}`)

	// The Worker starts importing the shared module: the watch list is made again after the build.
	editFile(t, entry, `import { env, DurableObject } from "cloudflare:workers";`,
		"import { env, DurableObject } from \"cloudflare:workers\";\nimport { greeting } from \"../../common/greeting\";")
	editFile(t, entry, "      return Response.json({ count });", "      return Response.json({ count, greeting });")
	_, at = dev.waitFor(t, at, regexp.MustCompile(`lumier dev: changed: \.\./counter/src/index\.ts`))
	_, at = dev.waitFor(t, at, devDeployed)
	requireCall(t, "POST", url, "", 200, `{"count":2,"greeting":"hello"}`)

	// A save of the shared module alone redeploys.
	editFile(t, shared, `"hello"`, `"hello from common"`)
	_, at = dev.waitFor(t, at, regexp.MustCompile(`lumier dev: changed: \.\./common/greeting\.ts`))
	subs, _ = dev.waitFor(t, at, devDeployed)
	if !strings.Contains(subs[1], "1 update") {
		t.Fatalf("the shared module's update: %q, want the Worker updated", subs[1])
	}
	requireCall(t, "POST", url, "", 200, `{"count":3,"greeting":"hello from common"}`)
}

// TestDevStartsLocalCloudflareAndDestroysOnExit runs `lumier dev --destroy` with no Cloudflare
// in the environment: it starts the local Cloudflare itself with its state and the stack's in
// the project's .lumier, and on SIGINT destroys the stack and stops the workerd processes it
// started.
func TestDevStartsLocalCloudflareAndDestroysOnExit(t *testing.T) {
	bin := buildLumier(t)
	project := devProject(t)
	dev := startDev(t, bin, project, nil, "--destroy", "-addr", "127.0.0.1:0", "-workerd", workerdBin)
	subs, at := dev.waitFor(t, 0, regexp.MustCompile(`lumier dev: the local Cloudflare is running at (\S+) \(state in (\S+)\)`))
	api, state := subs[1], subs[2]
	if want := filepath.Join(project, ".lumier", "local"); state != want {
		t.Fatalf("the local Cloudflare's state is in %s, want %s", state, want)
	}
	subs, at = dev.waitFor(t, at, devURL)
	url := subs[1] + "/hits"
	requireCall(t, "POST", url, "", 200, `{"count":1}`)
	if _, err := os.Stat(filepath.Join(project, ".lumier", "state", ".pulumi", "stacks", "counter-yaml", "dev.json")); err != nil {
		t.Fatalf("the dev stack's state is not in the project's .lumier/state: %v", err)
	}
	workerds := workerdChildren(t, dev.cmd.Process.Pid)
	if len(workerds) == 0 {
		t.Fatalf("no workerd process runs under lumier dev (pid %d) while it serves", dev.cmd.Process.Pid)
	}

	if err := dev.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- dev.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("lumier dev --destroy on SIGINT: %v", err)
		}
	case <-time.After(devHangGuard):
		t.Fatalf("lumier dev did not exit on SIGINT")
	}
	dev.waitFor(t, at, regexp.MustCompile(`lumier dev: destroyed stack "dev"`))
	if alive := running(workerds); len(alive) != 0 {
		t.Fatalf("workerd processes %v that lumier dev started still run after it exited", alive)
	}
	if _, err := httpClient.Get(api + "/accounts"); err == nil {
		t.Fatalf("the local Cloudflare at %s still answers after lumier dev exited", api)
	}
}

// lineOf is the 1-based line of path holding text.
func lineOf(t testing.TB, path, text string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, text) {
			return i + 1
		}
	}
	t.Fatalf("%s has no line with %q", path, text)
	return 0
}

// workerdChildren lists the running workerd processes whose parent is pid, from /proc.
func workerdChildren(t testing.TB, pid int) []string {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	var pids []string
	for _, f := range stats {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // exited meanwhile
		}
		// pid (comm) state ppid ...: comm may hold spaces, so read from its closing parenthesis.
		s := string(data)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		fields := strings.Fields(s[end+1:])
		if len(fields) > 1 && strings.Contains(s[open+1:end], "workerd") && fields[1] == strconv.Itoa(pid) {
			pids = append(pids, filepath.Base(filepath.Dir(f)))
		}
	}
	return pids
}

// running says which of pids still run (a zombie is not running).
func running(pids []string) []string {
	var alive []string
	for _, pid := range pids {
		data, err := os.ReadFile("/proc/" + pid + "/stat")
		if err == nil {
			s := string(data)
			if fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]); len(fields) > 0 && fields[0] != "Z" {
				alive = append(alive, pid)
			}
		}
	}
	return alive
}

// TestDevRedeploysTypeScriptProgram runs `lumier dev` on examples/counter-ts, a `runtime: nodejs`
// project whose main is lumier.config.ts (the engine runs it with the Node.js language host): an
// edit of the Worker (src/index.ts, beside the program) redeploys it, the next answer carries the
// change, and the Durable Object's count goes on.
func TestDevRedeploysTypeScriptProgram(t *testing.T) {
	c := startCloud(t)
	bin := buildLumier(t)
	project := nodeProjectDir(t, "counter-ts", `{"name": "counter-ts", "private": true}`)
	entry := filepath.Join(project, "src", "index.ts")
	env := c.env(t.TempDir())
	// The Node.js language host the engine starts for `runtime: nodejs` comes first on PATH.
	env["PATH"] = buildTools(t) + string(os.PathListSeparator) + os.Getenv("PATH")

	dev := startDev(t, bin, project, env)
	// The program's output is its Workers: {"api":{"scriptName":...,"url":...}}.
	subs, at := dev.waitFor(t, 0, regexp.MustCompile(`(?m)^  workers: \{"api":\{[^\n]*"url":"([^"]+)"`))
	url := subs[1] + "/hits"
	requireCall(t, "POST", url, "", 200, `{"count":1}`)

	editFile(t, entry, "const count = await stub.increment();\n      return Response.json({ count });",
		"const count = await stub.increment();\n      return Response.json({ count, dev: \"edited\" });")
	_, at = dev.waitFor(t, at, regexp.MustCompile(`lumier dev: changed: src/index\.ts`))
	subs, _ = dev.waitFor(t, at, devDeployed)
	if !strings.Contains(subs[1], "1 update") {
		t.Fatalf("the edit's update: %q, want the Worker updated", subs[1])
	}
	requireCall(t, "POST", url, "", 200, `{"count":2,"dev":"edited"}`)
}

// TestDevRedeploysAssetsAndMigrations runs `lumier dev` on the YAML counter given an asset
// directory and a D1 database with a migrations folder (both beside the project, as an app's
// front end and migrations usually are): saving an asset and adding one redeploys and both are
// served; adding a migration file applies it, and the Worker reads the table it makes.
func TestDevRedeploysAssetsAndMigrations(t *testing.T) {
	c := startCloud(t)
	bin := buildLumier(t)
	project := devProject(t)
	public := filepath.Join(project, "..", "public")
	migrations := filepath.Join(project, "..", "migrations")
	for _, dir := range []string{public, migrations} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(public, "hello.txt"), "hello v1")
	writeFile(t, filepath.Join(migrations, "0001_notes.sql"), "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n")
	editFile(t, filepath.Join(project, "Pulumi.yaml"), "            COUNTER: { type: durable_object, name: counter }\n",
		"            COUNTER: { type: durable_object, name: counter }\n"+
			"            DB: { type: d1, name: db }\n"+
			"          assets:\n"+
			"            directory: ../public\n")
	editFile(t, filepath.Join(project, "Pulumi.yaml"), "      durableObjects:\n",
		"      d1Databases:\n        - name: db\n          migrationsDir: ../migrations\n      durableObjects:\n")
	// The Worker answers /tables with the database's tables, the ones the migrations made.
	editFile(t, filepath.Join(project, "..", "counter", "src", "index.ts"), "const url = new URL(request.url);\n",
		"const url = new URL(request.url);\n"+
			"    if (url.pathname === \"/tables\") {\n"+
			"      const { results } = await (env as any).DB.prepare(\"SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('notes', 'tags') ORDER BY name\").all();\n"+
			"      return Response.json(results.map((r: { name: string }) => r.name));\n"+
			"    }\n")

	dev := startDev(t, bin, project, c.env(t.TempDir()))
	subs, at := dev.waitFor(t, 0, devURL)
	base := subs[1]
	requireCall(t, "POST", base+"/hits", "", 200, `{"count":1}`)
	requireText(t, base+"/hello.txt", "hello v1")
	requireCall(t, "GET", base+"/tables", "", 200, `["notes"]`)

	// A saved asset and a new one: redeployed, both served.
	writeFile(t, filepath.Join(public, "hello.txt"), "hello v2")
	writeFile(t, filepath.Join(public, "new.txt"), "a new asset")
	_, at = dev.waitFor(t, at, regexp.MustCompile(`lumier dev: changed: [^\n]*\.\./public/hello\.txt`))
	subs, at = dev.waitFor(t, at, devDeployed)
	if !strings.Contains(subs[1], "1 update") {
		t.Fatalf("the assets' update: %q, want the Worker updated", subs[1])
	}
	requireText(t, base+"/hello.txt", "hello v2")
	requireText(t, base+"/new.txt", "a new asset")

	// A new migration file: applied, the Worker sees its table, and the counter's data is kept.
	writeFile(t, filepath.Join(migrations, "0002_tags.sql"), "CREATE TABLE tags (name TEXT PRIMARY KEY);\n")
	_, at = dev.waitFor(t, at, regexp.MustCompile(`lumier dev: changed: \.\./migrations/0002_tags\.sql`))
	subs, _ = dev.waitFor(t, at, devDeployed)
	if !strings.Contains(subs[1], "1 update") {
		t.Fatalf("the migration's update: %q, want the database updated", subs[1])
	}
	requireCall(t, "GET", base+"/tables", "", 200, `["notes","tags"]`)
	requireCall(t, "POST", base+"/hits", "", 200, `{"count":2}`)
}

// requireText fails t unless GET url answers 200 with body want.
func requireText(t *testing.T, url, want string) {
	t.Helper()
	if status, body, _ := call(t, "GET", url, ""); status != 200 || body != want {
		t.Fatalf("GET %s: %d %q, want 200 %q", url, status, body, want)
	}
}

// TestDevRedeploysGoProgram runs `lumier dev` on examples/counter, a `runtime: go` project whose
// program is built once and named by the runtime option binary: (the engine runs it through the
// test-only Go language host, first on PATH). The Worker's source is what is watched, not the Go
// program: a save of the Worker redeploys it, the next answer carries the change and the count
// goes on.
func TestDevRedeploysGoProgram(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	bin := buildLumier(t)
	root := t.TempDir()
	project := filepath.Join(root, "counter")
	copyDir(t, filepath.Join(repoRoot, "examples", "counter"), project)
	editFile(t, filepath.Join(project, "Pulumi.yaml"), "path: ../../bin", "path: "+providerDir)
	program := filepath.Join(root, "counter-program")
	build := exec.CommandContext(ctx, "go", "build", "-o", program, "./examples/counter")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./examples/counter: %v\n%s", err, out)
	}
	editFile(t, filepath.Join(project, "Pulumi.yaml"), "runtime: go\n",
		"runtime:\n  name: go\n  options:\n    binary: "+program+"\n")
	entry := filepath.Join(project, "src", "index.ts")
	env := c.env(t.TempDir())
	env["PATH"] = buildTools(t) + string(os.PathListSeparator) + os.Getenv("PATH")

	dev := startDev(t, bin, project, env)
	subs, at := dev.waitFor(t, 0, devURL)
	url := subs[1] + "/hits"
	requireCall(t, "POST", url, "", 200, `{"count":1}`)

	editFile(t, entry, "return Response.json({ count });", `return Response.json({ count, dev: "edited" });`)
	_, at = dev.waitFor(t, at, regexp.MustCompile(`lumier dev: changed: src/index\.ts`))
	subs, _ = dev.waitFor(t, at, devDeployed)
	if !strings.Contains(subs[1], "1 update") {
		t.Fatalf("the edit's update: %q, want the Worker updated", subs[1])
	}
	requireCall(t, "POST", url, "", 200, `{"count":2,"dev":"edited"}`)
}

// TestDevRedeploysOnSaveOfAGoSubPackage runs `lumier dev` on the counter's Go program as a module
// of its own (writeCounterModule) that the Go language host builds on each update, as Pulumi's
// does without `binary:`. The app is declared in the program's own package stack/, below the
// project directory: saving stack/stack.go (a binding's value) redeploys, and the next answer
// carries the new value while the count goes on.
func TestDevRedeploysOnSaveOfAGoSubPackage(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	bin := buildLumier(t)
	project := filepath.Join(t.TempDir(), "counter")
	writeCounterModule(t, project)
	copyDir(t, filepath.Join(repoRoot, "examples", "counter", "src"), filepath.Join(project, "src"))
	writeFile(t, filepath.Join(project, "Pulumi.yaml"), "name: counter\nruntime: go\nplugins:\n  providers:\n    - name: lumier\n      path: "+providerDir+"\n")
	stackFile := filepath.Join(project, "stack", "stack.go")
	editFile(t, stackFile, `lumier.Bindings{"COUNTER": counter}`, `lumier.Bindings{"COUNTER": counter, "GREETING": "hello"}`)
	editFile(t, filepath.Join(project, "src", "index.ts"), "return Response.json({ count });", "return Response.json({ count, greeting: env.GREETING });")
	// A first build completes go.mod (it lists the SDK only) and fills the build cache, as a
	// user's first `go build` does; the updates then build with go.mod as it is.
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(t.TempDir(), "counter"), ".")
	build.Dir = project
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	env := c.env(t.TempDir())
	env["PATH"] = buildTools(t) + string(os.PathListSeparator) + os.Getenv("PATH")
	env["GOWORK"] = "off"

	dev := startDev(t, bin, project, env)
	subs, at := dev.waitFor(t, 0, devURL)
	url := subs[1] + "/hits"
	requireCall(t, "POST", url, "", 200, `{"count":1,"greeting":"hello"}`)

	editFile(t, stackFile, `"GREETING": "hello"`, `"GREETING": "hello from stack"`)
	_, at = dev.waitFor(t, at, regexp.MustCompile(`lumier dev: changed: stack/stack\.go`))
	subs, _ = dev.waitFor(t, at, devDeployed)
	if !strings.Contains(subs[1], "1 update") {
		t.Fatalf("the edit's update: %q, want the Worker updated", subs[1])
	}
	requireCall(t, "POST", url, "", 200, `{"count":2,"greeting":"hello from stack"}`)
}

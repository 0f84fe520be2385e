//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"

	"github.com/lumier-dev/lumier/devtools/release"
	"github.com/lumier-dev/lumier/e2e/goruntime"
)

// releaseVersion is the version the test releases as: any version works, this one is no real
// release's, so nothing can be mistaken for one.
const releaseVersion = "0.2.0-e2e"

// TestReleaseAsAUser builds the release (dist/) for this platform and uses nothing but it, the
// way a user does, from directories outside the checkout with a Pulumi home of their own: the
// plugin installed by `pulumi plugin install --file`, then the counter deployed from a YAML
// program without a plugins: path, from a TypeScript project that npm-installs the release's two
// tarballs (with one copy of @pulumi/pulumi) and runs through Pulumi's Node.js program runner, and
// from a Go module that requires the SDK by version through a GOPROXY made of dist/goproxy. Each
// deploy answers 1, 2, 2.
func TestReleaseAsAUser(t *testing.T) {
	ctx := testContext(t, 20*time.Minute)
	dist := filepath.Join(t.TempDir(), "dist")
	start := time.Now()
	err := release.Build(ctx, release.Options{
		Version: releaseVersion, Root: repoRoot, Out: dist,
		Targets: []string{runtime.GOOS + "/" + runtime.GOARCH},
		Log:     testWriter{t},
	})
	if err != nil {
		t.Fatalf("make release: %v", err)
	}
	t.Logf("dist/ for %s/%s built in %s", runtime.GOOS, runtime.GOARCH, time.Since(start).Round(time.Millisecond))

	home := t.TempDir() // the user's PULUMI_HOME: the plugin goes there, nowhere else
	archive := filepath.Join(dist, release.PluginArchive(releaseVersion, runtime.GOOS, runtime.GOARCH))
	out, err := runPulumi(t, ctx, t.TempDir(), map[string]string{"PULUMI_HOME": home},
		"plugin", "install", "resource", "lumier", "v"+releaseVersion, "--file", archive)
	if err != nil {
		t.Fatalf("pulumi plugin install: %v\n%s", err, out)
	}
	out, err = runPulumi(t, ctx, t.TempDir(), map[string]string{"PULUMI_HOME": home}, "plugin", "ls")
	if err != nil || !strings.Contains(out, releaseVersion) {
		t.Fatalf("pulumi plugin ls does not list lumier %s: %v\n%s", releaseVersion, err, out)
	}

	t.Run("YAML", func(t *testing.T) {
		c := startCloud(t)
		dir := filepath.Join(t.TempDir(), "yaml")
		copyDir(t, filepath.Join(repoRoot, "examples", "yaml"), dir)
		copyDir(t, filepath.Join(repoRoot, "examples", "counter", "src"), filepath.Join(filepath.Dir(dir), "counter", "src"))
		dropPluginsSection(t, filepath.Join(dir, "Pulumi.yaml"))
		env := userEnv(t, c, home)
		pulumi := func(args ...string) string {
			t.Helper()
			out, err := runPulumi(t, ctx, dir, env, args...)
			if err != nil {
				t.Fatalf("pulumi %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			return out
		}
		pulumi("stack", "init", "dev")
		pulumi("up", "--yes")
		requireCounts(t, strings.TrimSpace(pulumi("stack", "output", "url")))
		// A YAML program's one provider names no version: the engine loads the newest lumier it
		// finds, and the released plugin is the only one there is.
		requireOnlyReleasedPlugin(t, pulumi("plugin", "ls"))
		pulumi("destroy", "--yes")
		requireScripts(t, c)
	})

	t.Run("TypeScript", func(t *testing.T) {
		c := startCloud(t)
		dir := npmUserProject(t, ctx, dist)
		p := newNodeProject(t, ctx, c, dir, "dev")
		p.env["PULUMI_HOME"] = home // the installed plugin's home, which also keeps which stack is selected
		p.Pulumi(t, ctx, "stack", "select", "dev")
		outputs := p.Up(t, ctx)
		var workers map[string]struct{ URL string }
		if err := json.Unmarshal(outputs["workers"], &workers); err != nil || workers["api"].URL == "" {
			t.Fatalf("pulumi up deployed no Worker: stack outputs %s, want workers.api.url", mustJSON(outputs))
		}
		requireCounts(t, workers["api"].URL)
		requireProviderVersion(t, p.Pulumi(t, ctx, "stack", "export"))
		// The program's app keeps the default removal "retain": destroy leaves the Worker and says so.
		if out := p.Pulumi(t, ctx, "destroy", "--yes"); !strings.Contains(out, "wrangler delete my-app-dev-api") {
			t.Fatalf("destroy did not say the Worker stays on Cloudflare:\n%s", out)
		}
		requireScripts(t, c, "my-app-dev-api")
	})

	t.Run("GoModule", func(t *testing.T) {
		c := startCloud(t)
		dir := goUserModule(t, ctx, dist)
		env := userEnv(t, c, home)
		host := startGoHost(t, filepath.Join(dir, "counter"))
		pulumi := func(args ...string) string {
			t.Helper()
			out, err := runPulumi(t, ctx, dir, env, args...)
			if err != nil {
				t.Fatalf("pulumi %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			return out
		}
		pulumi("stack", "init", "dev")
		for k, v := range map[string]string{"lumier:apiUrl": c.URL(), "lumier:accountId": accountID} {
			pulumi("config", "set", k, v)
		}
		pulumi("config", "set", "--secret", "lumier:apiToken", token)
		pulumi("up", "--yes", "--client="+host)
		requireCounts(t, strings.TrimSpace(pulumi("stack", "output", "url")))
		requireProviderVersion(t, pulumi("stack", "export"))
		pulumi("destroy", "--yes", "--client="+host)
		requireScripts(t, c)
	})
}

// userEnv is a user's environment: their own Pulumi home holding the installed plugin, a file
// backend of the test's, and the local Cloudflare's credentials.
func userEnv(t *testing.T, c *cloud, home string) map[string]string {
	env := c.env(t.TempDir())
	env["PULUMI_HOME"] = home
	return env
}

// requireCounts requires the counter at url to answer 1, 2, 2.
func requireCounts(t *testing.T, url string) {
	t.Helper()
	requireCall(t, http.MethodPost, url, "", 200, `{"count":1}`)
	requireCall(t, http.MethodPost, url, "", 200, `{"count":2}`)
	requireCall(t, http.MethodGet, url, "", 200, `{"count":2}`)
}

// requireOnlyReleasedPlugin requires the released plugin to be the only lumier plugin the engine
// can load: the one `pulumi plugin ls` lists (out), and none on PATH.
func requireOnlyReleasedPlugin(t *testing.T, out string) {
	t.Helper()
	if p, err := exec.LookPath("pulumi-resource-lumier"); err == nil {
		t.Fatalf("a lumier plugin is on PATH (%s): the test cannot tell which plugin ran", p)
	}
	var versions []string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "lumier" && f[1] == "resource" {
			versions = append(versions, f[2])
		}
	}
	if len(versions) != 1 || versions[0] != releaseVersion {
		t.Fatalf("installed lumier plugins: %v, want only %s\n%s", versions, releaseVersion, out)
	}
}

// requireProviderVersion requires the stack's lumier providers that name a version to name the
// released one: the installed plugin, not one found elsewhere.
func requireProviderVersion(t *testing.T, export string) {
	t.Helper()
	var state struct {
		Deployment struct {
			Resources []struct {
				Type   string         `json:"type"`
				Inputs map[string]any `json:"inputs"`
			} `json:"resources"`
		} `json:"deployment"`
	}
	if err := json.Unmarshal([]byte(export), &state); err != nil {
		t.Fatalf("stack export: %v", err)
	}
	versioned := 0
	for _, r := range state.Deployment.Resources {
		// A YAML program's own default provider carries no version; the components' children's do.
		if v, ok := r.Inputs["version"]; ok && r.Type == "pulumi:providers:lumier" {
			if v != releaseVersion {
				t.Fatalf("a lumier provider's version is %v, want %s", v, releaseVersion)
			}
			versioned++
		}
	}
	if versioned == 0 {
		t.Fatal("the stack has no lumier provider of a version")
	}
}

// dropPluginsSection removes the plugins: section (a path to a checkout's build) from a project
// file, so that the engine uses the installed plugin.
func dropPluginsSection(t testing.TB, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	skipping := false
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "plugins:") {
			skipping = true
			continue
		}
		if skipping && (line == "" || strings.HasPrefix(line, " ") || strings.HasPrefix(line, "#")) {
			continue
		}
		skipping = false
		kept = append(kept, line)
	}
	out := strings.Join(kept, "\n")
	if strings.Contains(out, "plugins:") || strings.Contains(out, "path:") {
		t.Fatalf("%s still points at a plugin path:\n%s", path, out)
	}
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
}

// goUserModule writes the counter as a Go module of its own that requires the SDK at the release's
// version, resolved through dist/goproxy (then the usual proxy for the SDK's own dependencies),
// builds it into dir/counter, and returns dir.
func goUserModule(t *testing.T, ctx context.Context, dist string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "counter")
	copyDir(t, filepath.Join(repoRoot, "examples", "counter", "src"), filepath.Join(dir, "src"))
	write := func(name, content string) { writeInto(t, dir, name, content) }
	read := func(rel string) string { return repoFile(t, rel) }
	write("go.mod", "module example.com/counter\n\ngo 1.26\n\nrequire "+release.GoModule+" v"+releaseVersion+"\n")
	write("stack/stack.go", read("examples/counter/stack/stack.go"))
	write("main.go", strings.ReplaceAll(read("examples/counter/main.go"),
		"github.com/lumier-dev/lumier/examples/counter/stack", "example.com/counter/stack"))
	write("Pulumi.yaml", "name: counter-go\nruntime: go\n")
	if strings.Contains(read("examples/counter/main.go"), "replace") {
		t.Fatal("the example refers to a replace directive")
	}

	proxy, err := exec.CommandContext(ctx, "go", "env", "GOPROXY").Output()
	if err != nil {
		t.Fatalf("go env GOPROXY: %v", err)
	}
	env := append(os.Environ(),
		"GOWORK=off", "GOFLAGS=-mod=mod",
		"GOPROXY=file://"+filepath.ToSlash(filepath.Join(dist, "goproxy"))+","+strings.TrimSpace(string(proxy)),
		// The released module is not in the public checksum database (nor is this test's version).
		"GONOSUMDB="+release.GoModule,
	)
	for _, args := range [][]string{{"mod", "tidy"}, {"build", "-o", "counter", "."}, {"list", "-m", release.GoModule}} {
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		if args[0] == "list" && strings.TrimSpace(string(out)) != release.GoModule+" v"+releaseVersion {
			t.Fatalf("the module uses %s, want %s v%s", strings.TrimSpace(string(out)), release.GoModule, releaseVersion)
		}
	}
	if data := read("sdk/go.mod"); !strings.Contains(data, "module "+release.GoModule+"\n") {
		t.Fatalf("sdk/go.mod is not module %s", release.GoModule)
	}
	return dir
}

// startGoHost serves the language host protocol for a prebuilt Go program (goruntime.Host) and
// returns its address for `pulumi --client`.
func startGoHost(t *testing.T, binary string) string {
	t.Helper()
	cancel := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, &goruntime.Host{Binary: binary})
			return nil
		},
	})
	if err != nil {
		t.Fatalf("starting the Go language host: %v", err)
	}
	t.Cleanup(func() {
		close(cancel)
		if err := <-handle.Done; err != nil {
			t.Logf("the Go language host stopped: %v", err)
		}
	})
	return "127.0.0.1:" + strconv.Itoa(handle.Port)
}

// testWriter logs each write to the test's log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// npmUserProject is examples/counter-ts in a folder of its own, outside the checkout, whose
// package.json installs the two npm tarballs of dist/ next to @pulumi/pulumi, TypeScript and
// ts-node at the versions the checkout pins, and whose Pulumi.yaml names no plugin path (the
// plugin is the installed one). It requires exactly one copy of @pulumi/pulumi in the project's
// node_modules: a second copy is what breaks a program's resource registrations.
func npmUserProject(t *testing.T, ctx context.Context, dist string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "counter-ts")
	copyDir(t, filepath.Join(repoRoot, "examples", "counter-ts"), dir)
	dropPluginsSection(t, filepath.Join(dir, "Pulumi.yaml"))

	var pins struct{ Dependencies map[string]string }
	b, err := os.ReadFile(filepath.Join(repoRoot, "package.json"))
	if err != nil || json.Unmarshal(b, &pins) != nil {
		t.Fatalf("reading the checkout's package.json: %v", err)
	}
	deps := map[string]string{
		"@lumier-dev/lumier": "file:" + filepath.Join(dist, "lumier-dev-lumier-"+releaseVersion+".tgz"),
		"lumier":             "file:" + filepath.Join(dist, "lumier-"+releaseVersion+".tgz"),
	}
	for _, name := range []string{"@pulumi/pulumi", "typescript", "ts-node", "@types/node", "@cloudflare/workers-types"} {
		deps[name] = pins.Dependencies[name]
	}
	writeFile(t, filepath.Join(dir, "package.json"), mustJSON(map[string]any{"name": "counter-ts", "private": true, "dependencies": deps})+"\n")

	cmd := exec.CommandContext(ctx, "npm", "install", "--prefer-offline", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm install in %s: %v\n%s", dir, err, out)
	}
	var copies []string
	err = filepath.WalkDir(filepath.Join(dir, "node_modules"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && strings.HasSuffix(filepath.ToSlash(path), "/@pulumi/pulumi") {
			copies = append(copies, path)
			return filepath.SkipDir
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(copies) != 1 {
		t.Fatalf("the project has %d copies of @pulumi/pulumi, want exactly 1: %v", len(copies), copies)
	}
	t.Logf("npm install: one @pulumi/pulumi, at %s", copies[0])
	return dir
}

//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/local"
	"github.com/lumier-dev/lumier/local/workerd"
)

const (
	token      = "e2e-token"
	accountID  = "e2e0000000000000000000000000e2e0"
	passphrase = "e2e-passphrase"
)

// Set by TestMain.
var (
	repoRoot    string // the repository root
	toolsBin    string // holds pulumi and pulumi-language-yaml
	providerDir string // holds the freshly built pulumi-resource-lumier
	workerdBin  string // the workerd binary the local Cloudflare runs
	harnessDir  string // a temporary directory for the whole run, removed at its end
	pulumiCmd   auto.PulumiCommand
)

func TestMain(m *testing.M) {
	code, err := setup(m)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	wd, err := os.Getwd()
	if err != nil {
		return 0, err
	}
	repoRoot = filepath.Dir(wd)

	toolsBin = os.Getenv("LUMIER_TOOLS_BIN")
	if toolsBin == "" {
		if home, err := os.UserHomeDir(); err == nil {
			toolsBin = filepath.Join(home, ".cache", "lumier", "bin")
		}
	}
	if _, err := os.Stat(filepath.Join(toolsBin, "pulumi")); err != nil {
		return 0, fmt.Errorf("no pulumi CLI in %q (LUMIER_TOOLS_BIN): run `make tools` or `make e2e`", toolsBin)
	}
	// Found from here (node_modules/.bin/workerd in the checkout): tests chdir elsewhere later.
	if workerdBin, err = workerd.FindBinary(); err != nil {
		return 0, fmt.Errorf("%w (run `make tools`)", err)
	}

	// auto.NewPulumiCommand wants the install root, <root>/bin/pulumi: give it a root whose bin
	// is the tools directory, whatever that directory is called.
	tmp, err := os.MkdirTemp("", "lumier-e2e-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	harnessDir = tmp
	root := filepath.Join(tmp, "pulumi")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return 0, err
	}
	if err := os.Symlink(toolsBin, filepath.Join(root, "bin")); err != nil {
		return 0, err
	}
	pulumiCmd, err = auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: root})
	if err != nil {
		return 0, fmt.Errorf("pulumi CLI in %s: %w", toolsBin, err)
	}

	// Everything the engine starts inherits this environment: the YAML language host is found on
	// PATH, and Pulumi's home (plugins, credentials, update checks) stays out of ~/.pulumi.
	os.Setenv("PATH", toolsBin+string(os.PathListSeparator)+os.Getenv("PATH"))
	os.Setenv("PULUMI_HOME", filepath.Join(tmp, "pulumi-home"))
	os.Setenv("PULUMI_SKIP_UPDATE_CHECK", "true")
	os.Setenv("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "true")
	os.Unsetenv("PULUMI_ACCESS_TOKEN")
	for _, k := range []string{"CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_BASE_URL"} {
		os.Unsetenv(k) // a real account's credentials must never reach these tests
	}

	// The provider plugin is built from this checkout, once; LUMIER_PROVIDER_DIR points at a
	// directory holding a prebuilt pulumi-resource-lumier instead.
	if providerDir = os.Getenv("LUMIER_PROVIDER_DIR"); providerDir != "" {
		if _, err := os.Stat(filepath.Join(providerDir, "pulumi-resource-lumier")); err != nil {
			return 0, fmt.Errorf("LUMIER_PROVIDER_DIR: %w", err)
		}
		fmt.Fprintf(os.Stderr, "e2e: provider from %s; pulumi CLI %s\n", providerDir, pulumiCmd.Version())
	} else {
		providerDir = filepath.Join(tmp, "provider")
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		// Built as a release builds it (release.Build: -trimpath, no cgo), so that the release test's
		// build for this platform finds every package compiled already.
		build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", filepath.Join(providerDir, "pulumi-resource-lumier"),
			"./cmd/pulumi-resource-lumier")
		build.Dir = repoRoot
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("building the provider: %w\n%s", err, out)
		}
		fmt.Fprintf(os.Stderr, "e2e: provider built in %s; pulumi CLI %s\n", time.Since(start).Round(time.Millisecond), pulumiCmd.Version())
	}
	return m.Run(), nil
}

// cloud is one local Cloudflare, started for one test, with its log kept for failures.
type cloud struct {
	*local.Server
	log *syncBuffer
}

// startCloud starts a local Cloudflare on 127.0.0.1:0 with a temporary state directory; it is
// stopped when the test ends. set, if given, changes its options (e.g. the account's plan).
func startCloud(t testing.TB, set ...func(*local.Options)) *cloud {
	t.Helper()
	log := &syncBuffer{}
	opts := local.Options{
		Addr:      "127.0.0.1:0",
		StateDir:  t.TempDir(),
		Token:     token,
		AccountID: accountID,
		Workerd:   workerdBin,
		// Tests fire Cron Triggers themselves and count the runs; a minute boundary must not add one.
		ManualCron: true,
		Logger:     slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	for _, f := range set {
		f(&opts)
	}
	srv, err := local.New(opts)
	if err != nil {
		t.Fatalf("local Cloudflare: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := srv.Start(ctx); err != nil {
		t.Fatalf("starting the local Cloudflare: %v", err)
	}
	c := &cloud{Server: srv, log: log}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("stopping the local Cloudflare: %v", err)
		}
		if t.Failed() {
			t.Logf("local Cloudflare log:\n%s", log.String())
		}
	})
	return c
}

// env is the environment of the engine and the provider for a stack on this cloud: a file
// backend in a temporary directory and the Cloudflare credentials as environment variables.
func (c *cloud) env(backend string) map[string]string {
	return map[string]string{
		"PULUMI_BACKEND_URL":       "file://" + backend,
		"PULUMI_CONFIG_PASSPHRASE": passphrase,
		"CLOUDFLARE_BASE_URL":      c.URL(),
		"CLOUDFLARE_API_TOKEN":     token,
		"CLOUDFLARE_ACCOUNT_ID":    accountID,
	}
}

// apiScripts lists the script names through the API, as any client would.
func (c *cloud) apiScripts(t testing.TB) []string {
	t.Helper()
	var body struct {
		Success bool `json:"success"`
		Result  []struct {
			ID string `json:"id"`
		} `json:"result"`
	}
	req, _ := http.NewRequest(http.MethodGet, c.URL()+"/accounts/"+accountID+"/workers/scripts", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("listing scripts: %v", err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || !body.Success {
		t.Fatalf("listing scripts: status %d, %v", resp.StatusCode, err)
	}
	names := []string{}
	for _, s := range body.Result {
		names = append(names, s.ID)
	}
	sort.Strings(names)
	return names
}

// deleteScript deletes a script and its Durable Objects through the API.
func (c *cloud) deleteScript(t testing.TB, name string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, c.URL()+"/accounts/"+accountID+"/workers/scripts/"+name+"?force=true", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("deleting %s: %v", name, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("deleting %s: status %d", name, resp.StatusCode)
	}
}

// mutations is the number of calls that changed the account and the uploads since the last
// ResetCalls, for the no-op checks.
func (c *cloud) mutations() (mutating, uploads int) {
	return c.MutatingCalls(), c.Calls()[local.CallUpload]
}

// inlineStack creates a stack of an inline Go program, in a project whose plugins section points
// at the freshly built provider, with its own file backend. The program runs in this process:
// chdir to the example's directory first, since Worker entries are relative to it.
func inlineStack(t testing.TB, ctx context.Context, c *cloud, project, stackName string, program pulumi.RunFunc) auto.Stack {
	t.Helper()
	backend := t.TempDir()
	proj := workspace.Project{
		Name:    tokens.PackageName(project),
		Runtime: workspace.NewProjectRuntimeInfo("go", nil),
		Plugins: &workspace.Plugins{Providers: []workspace.PluginOptions{{Name: "lumier", Path: providerDir}}},
	}
	env := c.env(backend)
	// The Go examples get their credentials as stack config, the way a user's Pulumi.<stack>.yaml
	// would hold them; the environment variables are dropped so that the config is what is used.
	delete(env, "CLOUDFLARE_BASE_URL")
	delete(env, "CLOUDFLARE_API_TOKEN")
	delete(env, "CLOUDFLARE_ACCOUNT_ID")
	s, err := auto.UpsertStackInlineSource(ctx, stackName, project, program,
		auto.Project(proj),
		auto.Pulumi(pulumiCmd),
		auto.SecretsProvider("passphrase"),
		auto.EnvVars(env),
	)
	if err != nil {
		t.Fatalf("creating stack %s: %v", stackName, err)
	}
	err = s.SetAllConfig(ctx, auto.ConfigMap{
		"lumier:apiUrl":    {Value: c.URL()},
		"lumier:apiToken":  {Value: token, Secret: true},
		"lumier:accountId": {Value: accountID},
	})
	if err != nil {
		t.Fatalf("configuring stack %s: %v", stackName, err)
	}
	return s
}

// progress collects the engine's output of one operation; it is printed if the test fails.
func progress(t testing.TB, op string) io.Writer {
	t.Helper()
	buf := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() && buf.Len() > 0 {
			t.Logf("engine output of %s:\n%s", op, buf.String())
		}
	})
	return buf
}

// up runs `pulumi up` on an inline stack and logs its summary.
func up(t testing.TB, ctx context.Context, s auto.Stack) auto.UpResult {
	t.Helper()
	start := time.Now()
	w := progress(t, "up")
	res, err := s.Up(ctx, optup.ProgressStreams(w), optup.ErrorProgressStreams(w))
	if err != nil {
		t.Fatalf("up %s: %v", s.Name(), err)
	}
	logf(t, "up %s: %v in %s", s.Name(), changes(res.Summary), time.Since(start).Round(time.Millisecond))
	return res
}

func destroy(t testing.TB, ctx context.Context, s auto.Stack) auto.DestroyResult {
	t.Helper()
	w := progress(t, "destroy")
	res, err := s.Destroy(ctx, optdestroy.ProgressStreams(w), optdestroy.ErrorProgressStreams(w))
	if err != nil {
		t.Fatalf("destroy %s: %v", s.Name(), err)
	}
	logf(t, "destroy %s: %v", s.Name(), changes(res.Summary))
	return res
}

// requireNoop runs `up` again with nothing changed: the engine must report every resource the
// same, and the local Cloudflare must see no upload and no other mutating call.
func requireNoop(t testing.TB, ctx context.Context, c *cloud, s auto.Stack) {
	t.Helper()
	c.ResetCalls()
	res := up(t, ctx, s)
	if changed := changedOps(changes(res.Summary)); len(changed) > 0 {
		t.Fatalf("no-op up changed resources: %v", changes(res.Summary))
	}
	if mutating, uploads := c.mutations(); mutating != 0 || uploads != 0 {
		t.Fatalf("no-op up made %d mutating API calls (%d uploads): %v", mutating, uploads, c.Calls())
	}
	requireOnlyVerify(t, "no-op up", c.Calls())
	t.Logf("no-op up: API calls %v", c.Calls())
}

// requireOnlyVerify requires that an operation that changed nothing asked Cloudflare nothing but,
// once for its provider process, whether the token is valid.
func requireOnlyVerify(t testing.TB, op string, calls map[string]int) {
	t.Helper()
	if len(calls) != 1 || calls[local.CallVerifyToken] != 1 {
		t.Fatalf("%s made API calls %v, want only one token verification (%s)", op, calls, local.CallVerifyToken)
	}
}

// requireNoDrift refreshes the stack and then previews it: neither may find a change.
func requireNoDrift(t testing.TB, ctx context.Context, c *cloud, s auto.Stack) {
	t.Helper()
	c.ResetCalls()
	w := progress(t, "refresh")
	res, err := s.Refresh(ctx, optrefresh.ProgressStreams(w), optrefresh.ErrorProgressStreams(w))
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if changed := changedOps(changes(res.Summary)); len(changed) > 0 {
		t.Fatalf("refresh found drift: %v", changes(res.Summary))
	}
	if mutating, _ := c.mutations(); mutating != 0 {
		t.Fatalf("refresh made %d mutating API calls: %v", mutating, c.Calls())
	}
	t.Logf("refresh: %v", changes(res.Summary))
	w = progress(t, "preview")
	prev, err := s.Preview(ctx, optpreview.ProgressStreams(w), optpreview.ErrorProgressStreams(w))
	if err != nil {
		t.Fatalf("preview after refresh: %v", err)
	}
	previewed := map[string]int{}
	for op, n := range prev.ChangeSummary {
		previewed[string(op)] = n
	}
	if changed := changedOps(previewed); len(changed) > 0 {
		t.Fatalf("preview after refresh shows changes: %v", prev.ChangeSummary)
	}
}

// changes is an operation summary's counts by operation (empty if the engine reported none).
func changes(s auto.UpdateSummary) map[string]int {
	if s.ResourceChanges == nil {
		return map[string]int{}
	}
	return *s.ResourceChanges
}

// changedOps lists the operations in a summary other than "same".
func changedOps(summary map[string]int) []string {
	var ops []string
	for op, n := range summary {
		if op != string(apitype.OpSame) && n > 0 {
			ops = append(ops, op)
		}
	}
	sort.Strings(ops)
	return ops
}

// copyExample copies examples/<name> to a temporary directory and returns the copy's path. A test
// deploys and edits the copy, never the checkout.
func copyExample(t testing.TB, name string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	copyDir(t, filepath.Join(repoRoot, "examples", name), dst)
	return dst
}

func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copying %s: %v", src, err)
	}
}

// editFile replaces old with new in a file; old must occur.
func editFile(t testing.TB, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	if err := os.WriteFile(path, bytes.ReplaceAll(data, []byte(old), []byte(new)), 0o644); err != nil {
		t.Fatal(err)
	}
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

// call sends a request to a Worker and returns the status, body and headers.
func call(t testing.TB, method, url, body string) (int, string, http.Header) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return resp.StatusCode, strings.TrimSpace(string(data)), resp.Header
}

// requireCall sends a request and requires the status and the exact JSON body.
func requireCall(t testing.TB, method, url, body string, wantStatus int, wantJSON string) http.Header {
	t.Helper()
	status, got, header := call(t, method, url, body)
	if status != wantStatus || !jsonEqual(got, wantJSON) {
		t.Fatalf("%s %s: got %d %s, want %d %s", method, url, status, got, wantStatus, wantJSON)
	}
	t.Logf("%s %s -> %d %s", method, url, status, got)
	return header
}

func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return bytes.Equal(ja, jb)
}

// output returns a string stack output.
func output(t testing.TB, outputs auto.OutputMap, name string) string {
	t.Helper()
	v, ok := outputs[name].Value.(string)
	if !ok || v == "" {
		t.Fatalf("stack output %q is %#v, want a non-empty string", name, outputs[name].Value)
	}
	return v
}

// testContext bounds a test.
func testContext(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// runPulumi runs the pinned CLI in dir with the extra environment, bounded by ctx, and returns
// its combined output.
func runPulumi(t testing.TB, ctx context.Context, dir string, env map[string]string, args ...string) (string, error) {
	t.Helper()
	out, _, err := runPulumiCPU(t, ctx, dir, env, args...)
	return out, err
}

// runPulumiCPU is runPulumi that also returns the CPU time (user and system) of the pulumi
// process and of every process it started and waited for (language hosts, provider plugins): a
// measure of the work done that a busy machine's other processes disturb less than the time.
func runPulumiCPU(t testing.TB, ctx context.Context, dir string, env map[string]string, args ...string) (string, time.Duration, error) {
	t.Helper()
	cmd := exec.CommandContext(ctx, filepath.Join(toolsBin, "pulumi"), append(args, "--non-interactive")...)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	t.Logf("pulumi %s (%s)", strings.Join(args, " "), lastLine(string(out)))
	var cpu time.Duration
	if cmd.ProcessState != nil {
		cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	return string(out), cpu, err
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// requireScripts requires the account's scripts, read through the API, to be exactly want.
func requireScripts(t testing.TB, c *cloud, want ...string) {
	t.Helper()
	got := c.apiScripts(t)
	if want == nil {
		want = []string{}
	}
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Fatalf("scripts on the local Cloudflare: %v, want %v", got, want)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

// logf logs in tests; benchmarks print their own figures instead.
func logf(t testing.TB, format string, args ...any) {
	t.Helper()
	if _, bench := t.(*testing.B); !bench {
		t.Logf(format, args...)
	}
}

package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/fault"
	"github.com/lumier-dev/lumier/local/scripts/scriptstest"
)

// testTimeout bounds each test's calls, so a wedged workerd fails a test instead of hanging it.
const testTimeout = 60 * time.Second

// The default compatibility settings.
const (
	defaultDate = "2025-11-17"
	defaultFlag = "nodejs_compat"
)

// shared is one server for the tests that do not need their own state directory; each such test
// uses its own script names. Starting one server per test would cost a workerd start each time
// on a 2-core machine.
var shared struct {
	once   sync.Once
	dir    string
	srv    *Server
	faults *fault.Set // the shared server's fault rules; tests add rules naming their own scripts
	err    error
}

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		err := crashWriter(dir)
		fmt.Fprintln(os.Stderr, "crash writer:", err)
		os.Exit(1)
	}
	account.VerifySharing = true // every test checks that no change modifies the state being served
	code := m.Run()
	if n := account.SharingViolations.Load(); n > 0 && code == 0 {
		fmt.Fprintf(os.Stderr, "%d script records were changed in place: a change takes the record it changes with State.Own\n", n)
		code = 1
	}
	if shared.srv != nil {
		shared.srv.Close()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// sharedServer returns the shared server, starting it on first use.
func sharedServer(t testing.TB) *Server {
	t.Helper()
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "lumier-local-shared-")
		if shared.err != nil {
			return
		}
		shared.faults = &fault.Set{}
		// The migration tests create KV-backed classes: an account that may (plan.go). The cron
		// tests count runs, which the clock must not add to.
		shared.srv, shared.err = New(Options{Addr: "127.0.0.1:0", StateDir: shared.dir, Logger: testLogger(), Faults: shared.faults,
			Plan: PlanPaidKV, ManualCron: true})
		if shared.err == nil {
			shared.err = shared.srv.Start(context.Background())
		}
	})
	require.NoError(t, shared.err)
	return shared.srv
}

// startServer starts a server of its own on dir, closed when the test ends.
func startServer(t testing.TB, dir string, opts Options) *Server {
	t.Helper()
	opts.Addr = "127.0.0.1:0"
	opts.StateDir = dir
	if opts.Logger == nil {
		opts.Logger = testLogger()
	}
	s, err := New(opts)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	require.NoError(t, s.Start(ctx))
	t.Cleanup(func() { s.Close() })
	return s
}

// testLogger shows the server's logs with -v and LUMIER_TEST_LOG=1.
func testLogger() *slog.Logger {
	if os.Getenv("LUMIER_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// newClient is cloudflare-go pointed at s.
func newClient(s *Server, opts ...option.RequestOption) *cloudflare.Client {
	return cloudflare.NewClient(append([]option.RequestOption{
		option.WithBaseURL(s.URL() + "/"),
		option.WithAPIToken(s.Token()),
	}, opts...)...)
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// module is one module part of an upload.
type module = scriptstest.Module

// workerModule reads a Worker from testdata as the module "index.js".
func workerModule(t testing.TB, file string) module {
	t.Helper()
	b, err := os.ReadFile("testdata/" + file)
	require.NoError(t, err)
	return module{Name: "index.js", Src: string(b)}
}

// meta is upload metadata with the default compatibility settings and main module index.js.
func meta(extra map[string]any) map[string]any {
	m := map[string]any{
		"main_module":         "index.js",
		"compatibility_date":  defaultDate,
		"compatibility_flags": []string{defaultFlag},
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func doBinding(name, class string) map[string]any {
	return map[string]any{"type": "durable_object_namespace", "name": name, "class_name": class}
}

func migrations(oldTag, newTag string, steps ...map[string]any) map[string]any {
	m := map[string]any{"new_tag": newTag, "steps": steps}
	if oldTag != "" {
		m["old_tag"] = oldTag
	}
	return m
}

// multipartBody builds an upload body: the metadata part and ES module parts.
func multipartBody(t testing.TB, md any, modules ...module) (string, []byte) {
	return scriptstest.MultipartBody(t, md, modules...)
}

// putScript sends a script with cloudflare-go: the multipart body is built here and passed with
// option.WithRequestBody, because Workers.Scripts.Update itself sends JSON only.
func putScript(t testing.TB, s *Server, name string, md any, modules ...module) (*workers.ScriptUpdateResponse, error) {
	t.Helper()
	ct, body := multipartBody(t, md, modules...)
	return newClient(s).Workers.Scripts.Update(ctxT(t), name,
		workers.ScriptUpdateParams{AccountID: cloudflare.F(s.AccountID())},
		option.WithRequestBody(ct, body))
}

// mustUpload uploads and fails the test on error.
func mustUpload(t testing.TB, s *Server, name string, md any, modules ...module) *workers.ScriptUpdateResponse {
	t.Helper()
	res, err := putScript(t, s, name, md, modules...)
	require.NoError(t, err)
	return res
}

// enableWorkersDev turns workers.dev on and returns the script's URL (the local "url" field).
func enableWorkersDev(t testing.TB, s *Server, name string) string {
	t.Helper()
	c := newClient(s)
	_, err := c.Workers.Scripts.Subdomain.New(ctxT(t), name, workers.ScriptSubdomainNewParams{
		AccountID: cloudflare.F(s.AccountID()),
		Enabled:   cloudflare.F(true),
	})
	require.NoError(t, err)
	got, err := c.Workers.Scripts.Subdomain.Get(ctxT(t), name, workers.ScriptSubdomainGetParams{AccountID: cloudflare.F(s.AccountID())})
	require.NoError(t, err)
	require.True(t, got.Enabled)
	url := got.JSON.ExtraFields["url"].Raw()
	require.NotEmpty(t, url, "GET .../subdomain carries the local url field")
	var u string
	require.NoError(t, json.Unmarshal([]byte(url), &u))
	return u
}

// apiCode returns the Cloudflare error code and HTTP status of a cloudflare-go error.
func apiCode(t testing.TB, err error) (code int, status int, message string) {
	t.Helper()
	var e *cloudflare.Error
	require.True(t, errors.As(err, &e), "want a Cloudflare API error, got %v", err)
	require.NotEmpty(t, e.Errors, "error envelope has errors")
	return int(e.Errors[0].Code), e.StatusCode, e.Errors[0].Message
}

// requireCode asserts a Cloudflare error code.
func requireCode(t testing.TB, err error, code int, contains string) {
	t.Helper()
	require.Error(t, err)
	got, _, msg := apiCode(t, err)
	require.Equal(t, code, got, "message: %s", msg)
	if contains != "" {
		require.Contains(t, msg, contains)
	}
}

// call makes a plain HTTP request to a Worker and returns status and body.
func call(t testing.TB, method, url string, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), method, url, strings.NewReader(body))
	require.NoError(t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, strings.TrimSpace(string(b))
}

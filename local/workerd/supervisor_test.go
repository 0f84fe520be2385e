package workerd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCounterSurvivesReloadAndRestart(t *testing.T) {
	dir := t.TempDir()
	s := newTestSupervisor(t, dir)
	require.NoError(t, s.apply(t, runnableCounter(t, "api")))
	addr, ok := s.Addr("api")
	require.True(t, ok)
	assert.True(t, strings.HasPrefix(addr, "127.0.0.1:"), addr)

	assert.Equal(t, 1, s.count(t, "api", http.MethodPost, "/counter"))
	assert.Equal(t, 2, s.count(t, "api", http.MethodPost, "/counter"))
	assert.Equal(t, 2, s.count(t, "api", http.MethodGet, "/counter"))
	assert.Equal(t, 0, s.count(t, "api", http.MethodGet, "/other"), "another name is another object")

	before := s.pid()
	require.NoError(t, s.apply(t, runnableCounter(t, "api")))
	assert.Equal(t, before, s.pid(), "Apply of the same scripts leaves workerd alone")
	changed := runnableCounter(t, "api")
	changed.Modules[0].Content = append(changed.Modules[0].Content, "\n// v2\n"...)
	require.NoError(t, s.apply(t, changed))
	assert.NotEqual(t, before, s.pid(), "Apply of a changed script starts a new workerd")
	assert.Equal(t, 2, s.count(t, "api", http.MethodGet, "/counter"), "after reload")

	s.close(t)
	_, ok = s.Addr("api")
	assert.False(t, ok, "nothing serves after Close")
	assert.ErrorIs(t, s.Apply(t.Context(), []Script{runnableCounter(t, "api")}), ErrClosed)

	again := newTestSupervisor(t, dir)
	require.NoError(t, again.apply(t, runnableCounter(t, "api")))
	assert.Equal(t, 2, again.count(t, "api", http.MethodGet, "/counter"), "after a new supervisor on the same Dir")
}

func TestKVBackedClassHasNoSQL(t *testing.T) {
	s := newTestSupervisor(t, t.TempDir())
	require.NoError(t, s.apply(t, Script{
		Name:              "store",
		Modules:           []Module{{Name: "storage.js", Content: readTestdata(t, "storage.js")}},
		CompatibilityDate: "2025-11-17",
		Bindings: []Binding{
			doBinding("KV", "KVStore", ""),
			doBinding("SQL", "SQLStore", ""),
		},
		Classes: []Class{{Name: "KVStore", SQLite: false}, {Name: "SQLStore", SQLite: true}},
	}))

	kv := s.callJSON(t, "store", http.MethodGet, "/kv")
	assert.Equal(t, "v", kv["value"], "storage.get/put work on a KV-backed class")
	assert.Nil(t, kv["sql"])
	assert.Contains(t, kv["sqlError"], "SQL is not enabled for this Durable Object class")

	sql := s.callJSON(t, "store", http.MethodGet, "/sql")
	assert.Equal(t, "v", sql["value"])
	assert.Equal(t, float64(42), sql["sql"], "ctx.storage.sql works on a SQLite class")
	assert.Nil(t, sql["sqlError"])
}

func TestBadUploadKeepsPreviousServing(t *testing.T) {
	s := newTestSupervisor(t, t.TempDir())
	require.NoError(t, s.apply(t, runnableCounter(t, "api")))
	require.Equal(t, 1, s.count(t, "api", http.MethodPost, "/c"))
	addr, _ := s.Addr("api")
	pid := s.pid()

	withCode := func(code string) Script {
		script := runnableCounter(t, "api")
		script.Modules[0].Content = []byte(code)
		return script
	}
	cases := []struct {
		name   string
		script Script
		want   []string
	}{{
		name:   "syntax error",
		script: withCode(`export default { fetch( { return new Response("x") } };`),
		want:   []string{"service api: Uncaught SyntaxError: Unexpected token", "at index.js:1:"},
	}, {
		name:   "top-level throw",
		script: withCode(`throw new Error("boom at top level"); export default {};`),
		want:   []string{"service api: Uncaught Error: boom at top level"},
	}, {
		name: "top-level throw, no classes",
		script: func() Script {
			script := withCode(`throw new Error("stateless boom"); export default {};`)
			script.Classes, script.Bindings = nil, nil
			return script
		}(),
		want: []string{"Uncaught Error: stateless boom"},
	}, {
		name:   "class not exported",
		script: withCode(`export default { fetch() { return new Response("no class") } };`),
		want:   []string{`referenced the class "Counter"`, "no such Durable Object class is exported"},
	}, {
		name: "binding to a missing script",
		script: func() Script {
			script := runnableCounter(t, "api")
			script.Bindings = append(script.Bindings, doBinding("REMOTE", "Counter", "nowhere"))
			return script
		}(),
		want: []string{`binding "REMOTE" refers to a service "nowhere", but no such service is defined`},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := s.apply(t, tc.script)
			require.Error(t, err)
			var cfgErr *ConfigError
			require.True(t, errors.As(err, &cfgErr), "want a *ConfigError, got %v", err)
			for _, want := range tc.want {
				assert.Contains(t, cfgErr.Message, want)
			}
			assert.NotContains(t, cfgErr.Message, "worker.rs", "source locations are trimmed")
			if !strings.Contains(tc.name, "class not exported") {
				assert.NotContains(t, cfgErr.Message, "no such Durable Object class", "the missing-class warning is noise here")
			}

			got, ok := s.Addr("api")
			require.True(t, ok)
			assert.Equal(t, addr, got, "the previous process keeps serving")
			assert.Equal(t, pid, s.pid())
			assert.Equal(t, 1, s.count(t, "api", http.MethodGet, "/c"))
		})
	}
}

func TestCrossScriptDurableObjectBinding(t *testing.T) {
	s := newTestSupervisor(t, t.TempDir())
	client := Script{
		Name:              "client",
		Modules:           []Module{{Name: "client.js", Content: readTestdata(t, "client.js")}},
		CompatibilityDate: "2025-11-17",
		Bindings:          []Binding{doBinding("REMOTE", "Counter", "host")},
	}
	require.NoError(t, s.apply(t, client, runnableCounter(t, "host")))

	out := s.callJSON(t, "client", http.MethodPost, "/shared")
	assert.Equal(t, map[string]any{"count": float64(1), "via": "client"}, out)
	assert.Equal(t, 2, s.count(t, "host", http.MethodPost, "/shared"), "the host sees the same object")
	assert.Equal(t, float64(2), s.callJSON(t, "client", http.MethodGet, "/shared")["count"])
	clientAddr, _ := s.Addr("client")
	hostAddr, _ := s.Addr("host")
	assert.NotEqual(t, clientAddr, hostAddr, "one socket per script")
}

func TestTextBindingAndModulesReachTheWorker(t *testing.T) {
	s := newTestSupervisor(t, t.TempDir())
	text := "quote\" backslash\\ newline\n tab\t é 🎉 ctl\x01 capnp\")]; end"
	require.NoError(t, s.apply(t, Script{
		Name:       "echo",
		MainModule: "index.js",
		Modules: []Module{
			{Name: `we"ird mod.js`, Content: readTestdata(t, "weird_mod.js")},
			{Name: "index.js", Content: readTestdata(t, "echo.js")},
		},
		CompatibilityDate: "2025-11-17",
		Bindings:          []Binding{textBinding("TEXT", text)},
	}))
	status, body := s.call(t, "echo", http.MethodGet, "/")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, text+"|from second module", body)
	assert.Eventually(t, func() bool { return s.logs.contains("echo-worker-log-marker") }, waitLimit, 20*time.Millisecond,
		"console.log reaches the logger")

	require.NoError(t, s.apply(t))
	_, ok := s.Addr("echo")
	assert.False(t, ok, "an empty set serves nothing")
	assert.Zero(t, s.pid())
}

func TestKilledWorkerdIsRestarted(t *testing.T) {
	s := newTestSupervisor(t, t.TempDir())
	require.NoError(t, s.apply(t, runnableCounter(t, "api")))
	require.Equal(t, 1, s.count(t, "api", http.MethodPost, "/k"))
	oldAddr, _ := s.Addr("api")
	oldPID := s.pid()

	kill(t, oldPID)
	require.Eventually(t, func() bool {
		pid := s.pid()
		addr, ok := s.Addr("api")
		return ok && pid != 0 && pid != oldPID && addr != oldAddr
	}, waitLimit, 20*time.Millisecond, "a new workerd serves")
	s.notePID()
	assert.Equal(t, 1, s.count(t, "api", http.MethodGet, "/k"), "with the same data")
	assert.True(t, s.logs.contains("workerd exited unexpectedly"), "the crash is logged")
}

// TestFailedSwapRestartsPreviousConfig drives the rare path where validation passed but the real
// start after stopping the old process fails: the previous config must come back.
func TestFailedSwapRestartsPreviousConfig(t *testing.T) {
	s := newTestSupervisor(t, t.TempDir())
	require.NoError(t, s.apply(t, runnableCounter(t, "api")))
	require.Equal(t, 1, s.count(t, "api", http.MethodPost, "/swap"))
	oldPID := s.pid()

	bad := runnableCounter(t, "api")
	bad.Modules[0].Content = []byte(`throw new Error("fails only for real")`)
	cfg, err := buildConfig([]Script{bad}, s.storageDir())
	require.NoError(t, err)
	s.op.Lock()
	sh := s.shards[0]
	s.op.Unlock()
	dir, err := writeGeneration(sh.genDir(), cfg)
	require.NoError(t, err)

	err = sh.swap(t.Context(), &generation{dir: dir, cfg: cfg})
	var cfgErr *ConfigError
	require.ErrorAs(t, err, &cfgErr)
	assert.Contains(t, cfgErr.Message, "Uncaught Error: fails only for real")

	s.notePID()
	assert.NotEqual(t, oldPID, s.pid(), "the previous config runs in a new process")
	assert.Equal(t, 1, s.count(t, "api", http.MethodGet, "/swap"))
}

func TestBackoffIsBounded(t *testing.T) {
	assert.Equal(t, restartBackoff, backoff(1))
	assert.Equal(t, 2*restartBackoff, backoff(2))
	assert.Equal(t, maxBackoff, backoff(10))
	for n := 1; n < 200; n++ {
		assert.True(t, backoff(n) > 0 && backoff(n) <= maxBackoff, "attempt %d", n)
	}
}

// TestReloadsNeverRunAnObjectTwice: two clients increment one counter object without pause
// while the script is reloaded again and again, each keeping the address it got for a few
// requests, as a caller with an open connection does. The new process starts next to the old one
// on the same storage; if both ever served the object, the two processes would fight over its
// SQLite files and answer errors (workerd's "internal error"), or increments would read the same
// value and return duplicate counts. Requests may be refused by a stopped process (no answer),
// never answered with an error, and the answered increments must return exactly 1..n.
func TestReloadsNeverRunAnObjectTwice(t *testing.T) {
	s := newTestSupervisor(t, t.TempDir())
	require.NoError(t, s.apply(t, runnableCounter(t, "api")))

	var (
		mu               sync.Mutex
		counts           []int
		refused, errored int
		firstError       string
	)
	stop := make(chan struct{})
	var clients sync.WaitGroup
	for range 2 {
		clients.Go(func() {
			client := &http.Client{Timeout: 5 * time.Second}
			addr, uses := "", 0
			for {
				select {
				case <-stop:
					return
				default:
				}
				if uses == 0 {
					addr, _ = s.Addr("api")
					uses = 10
				}
				uses--
				resp, err := client.Post("http://"+addr+"/shared", "text/plain", nil)
				if err != nil {
					mu.Lock()
					refused++
					mu.Unlock()
					uses = 0
					continue
				}
				var out struct{ Count int }
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				mu.Lock()
				if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &out) != nil {
					errored++
					if firstError == "" {
						firstError = fmt.Sprintf("%d %s", resp.StatusCode, body)
					}
				} else {
					counts = append(counts, out.Count)
				}
				mu.Unlock()
			}
		})
	}
	for i := 1; i <= 5; i++ {
		changed := runnableCounter(t, "api")
		changed.Modules[0].Content = fmt.Appendf(changed.Modules[0].Content, "\n// v%d\n", i)
		require.NoError(t, s.apply(t, changed))
		time.Sleep(50 * time.Millisecond) // some increments on each version
	}
	close(stop)
	clients.Wait()

	assert.Zero(t, errored, "answered with an error, first: %s", firstError)
	require.NotEmpty(t, counts)
	slices.Sort(counts)
	for i, c := range counts {
		require.Equal(t, i+1, c, "sorted increment %d of %d", i+1, len(counts))
	}
	assert.Equal(t, len(counts), s.count(t, "api", http.MethodGet, "/shared"))
	t.Logf("%d increments over 5 reloads, %d requests refused during the swaps", len(counts), refused)
}

// TestWorkersReachLoopback: a Worker's fetch reaches a server on 127.0.0.1 (the config's internet
// service allows "local" beside "public"), which is how Workers call other local Workers and the
// local Cloudflare.
func TestWorkersReachLoopback(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "loopback says hi")
	}))
	defer backend.Close()
	s := newTestSupervisor(t, t.TempDir())
	require.NoError(t, s.apply(t, Script{
		Name: "caller",
		Modules: []Module{{Name: "index.js", Content: []byte(
			`export default { async fetch(req, env) { const r = await fetch(env.URL); return new Response(await r.text(), { status: r.status }) } }`)}},
		CompatibilityDate: "2025-11-17",
		Bindings:          []Binding{textBinding("URL", backend.URL)},
	}))
	status, body := s.call(t, "caller", http.MethodGet, "/")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "loopback says hi", body)
}

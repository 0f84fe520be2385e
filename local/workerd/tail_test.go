package workerd

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tailBatch is what the tail Worker posts: the fields of workerd's TraceItem the tests read.
type tailBatch struct {
	Script string `json:"script"`
	Events []struct {
		Outcome string `json:"outcome"`
		Logs    []struct {
			Message []any  `json:"message"`
			Level   string `json:"level"`
		} `json:"logs"`
		Exceptions []struct {
			Name, Message, Stack string
		} `json:"exceptions"`
		Event struct {
			Request struct{ URL, Method string } `json:"request"`
		} `json:"event"`
	} `json:"events"`
}

// loggingWorker logs on every request and throws on /boom.
const loggingWorker = `export default {
  async fetch(request) {
    const url = new URL(request.url);
    console.log("hello from", url.pathname, { n: 1 });
    console.warn("careful");
    if (url.pathname === "/boom") throw new Error("kaboom");
    return new Response("ok");
  },
};
`

// TestTailEventsCarryTheScriptName runs two scripts with a Tail on workerd: each request's console
// output and uncaught exception reach the sink under the name of the script that printed them,
// with the request that caused them (workerd's own events name no script).
func TestTailEventsCarryTheScriptName(t *testing.T) {
	var mu sync.Mutex
	var got []tailBatch
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b tailBatch
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
			t.Errorf("tail batch: %v", err)
		}
		mu.Lock()
		got = append(got, b)
		mu.Unlock()
	}))
	defer sink.Close()
	addr := sink.Listener.Addr().String()

	s := newTestSupervisor(t, t.TempDir())
	script := func(name string) Script {
		return Script{Name: name, Modules: []Module{{Name: "index.js", Content: []byte(loggingWorker)}},
			CompatibilityDate: "2025-11-17", Tail: &Tail{Script: name, Address: addr}}
	}
	require.NoError(t, s.apply(t, script("alpha"), script("beta")))
	status, _ := s.call(t, "alpha", "GET", "/first")
	require.Equal(t, http.StatusOK, status)
	status, _ = s.call(t, "beta", "POST", "/boom")
	require.Equal(t, http.StatusInternalServerError, status)

	byScript := map[string]tailBatch{}
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, b := range got {
			byScript[b.Script] = b
		}
		return len(byScript) == 2
	}, waitLimit, 20*time.Millisecond, "tail batches of both scripts")

	alpha := byScript["alpha"].Events
	require.Len(t, alpha, 1)
	assert.Equal(t, "ok", alpha[0].Outcome)
	assert.Equal(t, "GET", alpha[0].Event.Request.Method)
	assert.Contains(t, alpha[0].Event.Request.URL, "/first")
	require.Len(t, alpha[0].Logs, 2)
	assert.Equal(t, []any{"hello from", "/first", map[string]any{"n": float64(1)}}, alpha[0].Logs[0].Message)
	assert.Equal(t, "log", alpha[0].Logs[0].Level)
	assert.Equal(t, "warn", alpha[0].Logs[1].Level)

	beta := byScript["beta"].Events
	require.Len(t, beta, 1)
	assert.Equal(t, "exception", beta[0].Outcome)
	require.Len(t, beta[0].Exceptions, 1)
	assert.Equal(t, "kaboom", beta[0].Exceptions[0].Message)
	assert.Contains(t, beta[0].Exceptions[0].Stack, "index.js:6:", "the stack names the module and line")
}

func TestTailConfig(t *testing.T) {
	plain, err := buildConfig([]Script{counterScript("api")}, "/data/storage")
	require.NoError(t, err)
	assert.NotContains(t, string(plain.text), tailService)

	s := counterScript("api")
	s.Tail = &Tail{Script: "api", Address: "127.0.0.1:9"}
	cfg, err := buildConfig([]Script{s}, "/data/storage")
	require.NoError(t, err)
	text := string(cfg.text)
	assert.Contains(t, text, `tails = [(name = "lumier:tail", props = (json = "{\"script\":\"api\"}"))]`)
	assert.Contains(t, text, `(name = "lumier:tail-sink", external = (address = "127.0.0.1:9", http = ()))`)
	assert.Equal(t, tailSource, string(cfg.files["modules/tail.js"]))

	other := counterScript("web")
	other.Tail = &Tail{Script: "web", Address: "127.0.0.1:10"}
	_, err = buildConfig([]Script{s, other}, "/data/storage")
	assert.ErrorContains(t, err, `script "web": tail address 127.0.0.1:10 differs from another script's 127.0.0.1:9`)
}

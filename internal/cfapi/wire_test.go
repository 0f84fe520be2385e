package cfapi

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testToken = "tok-3f9c1e7a-never-print-me"

// recorded is the one request the recorder saw.
type recorded struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
}

// recordOne starts a server that records the raw bytes of the single request it expects and
// answers with Cloudflare's success envelope. It is a recorder for the wire format, not a
// fake API: round trips belong in tests against the local Cloudflare (package local).
func recordOne(t *testing.T) (url string, got func() recorded) {
	t.Helper()
	var (
		mu   sync.Mutex
		reqs []recorded
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		reqs = append(reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"success":true,"errors":[],"messages":[],"result":{"id":"x"}}`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/client/v4", func() recorded {
		mu.Lock()
		defer mu.Unlock()
		if len(reqs) != 1 {
			t.Fatalf("want exactly 1 request, got %d", len(reqs))
		}
		return reqs[0]
	}
}

func TestUploadScriptWireFormat(t *testing.T) {
	// Credentials in the environment must not ride along with the token.
	t.Setenv("CLOUDFLARE_API_KEY", "env-global-key")
	t.Setenv("CLOUDFLARE_EMAIL", "env@example.com")
	t.Setenv("CLOUDFLARE_API_TOKEN", "env-token")

	url, got := recordOne(t)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := New(url, testToken, "acc123", LogRequests(logger))

	md := Metadata{
		CompatibilityDate:  "2025-11-17",
		CompatibilityFlags: []string{"nodejs_compat"},
		Bindings:           []Binding{{Type: BindingDurableObject, Name: "COUNTER", ClassName: "Counter"}},
		Migrations:         &Migration{NewTag: "v1", Steps: []MigrationStep{{NewSqliteClasses: []string{"Counter"}}}},
	}
	code := []byte("export class Counter {}\nexport default { fetch() { return new Response('ok'); } };\n")
	require.NoError(t, c.Scripts.Upload(context.Background(), "my-app-dev-api", md, []Module{{Name: "index.js", Content: code}}))

	req := got()
	assert.Equal(t, http.MethodPut, req.Method, "method")
	assert.Equal(t, "/client/v4/accounts/acc123/workers/scripts/my-app-dev-api", req.Path, "path")
	assert.Equal(t, "Bearer "+testToken, req.Header.Get("Authorization"), "Authorization")
	assert.Equal(t, "", req.Header.Get("X-Auth-Key"), "no global key from the environment")
	assert.Equal(t, "", req.Header.Get("X-Auth-Email"), "no email from the environment")

	parts := parseMultipart(t, req.Header.Get("Content-Type"), req.Body)
	if len(parts) != 2 {
		t.Fatalf("want metadata + 1 module, got %#v", parts)
	}
	assert.Equal(t, part{"metadata", "", "application/json", parts[0].Body}, parts[0], "metadata part")
	assert.JSONEq(t, `{"main_module":"index.js","compatibility_date":"2025-11-17","compatibility_flags":["nodejs_compat"],`+
		`"bindings":[{"type":"durable_object_namespace","name":"COUNTER","class_name":"Counter"}],`+
		`"migrations":{"new_tag":"v1","steps":[{"new_sqlite_classes":["Counter"]}]}}`, parts[0].Body, "metadata JSON")
	assert.Equal(t, part{"index.js", "index.js", "application/javascript+module", string(code)}, parts[1], "module part")

	out := logs.String()
	assert.Contains(t, out, "cloudflare request", "the request was logged")
	assert.Contains(t, out, "/accounts/acc123/workers/scripts/my-app-dev-api", "the log names the URL")
	assert.Contains(t, out, "[REDACTED]", "the Authorization header is redacted")
	assert.NotContains(t, out, testToken, "the token must never be logged")
}

func TestRedactHeaders(t *testing.T) {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+testToken)
	h.Set("X-Auth-Key", "global")
	h.Set("Accept", "application/json")
	r := redactHeaders(h)
	assert.Equal(t, "[REDACTED]", r.Get("Authorization"), "authorization")
	assert.Equal(t, "[REDACTED]", r.Get("X-Auth-Key"), "api key")
	assert.Equal(t, "application/json", r.Get("Accept"), "other headers kept")
	assert.Equal(t, "Bearer "+testToken, h.Get("Authorization"), "the request's own headers are untouched")
	if strings.Contains(strings.Join(r.Values("Authorization"), ""), testToken) {
		t.Fatal("token survived redaction")
	}
}

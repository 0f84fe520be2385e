package local

import (
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPortBelongsToOneScriptName: a deleted script's URL never reaches another Worker, and a
// script recreated under its old name answers at its old URL, before and after a restart on
// the same state directory.
func TestPortBelongsToOneScriptName(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, Options{})
	hello := func(text string) module {
		return module{Name: "index.js", Src: `export default { fetch() { return new Response("` + text + `") } }`}
	}
	deploy := func(s *Server, name string) string {
		mustUpload(t, s, name, meta(nil), hello("I am "+name))
		return enableWorkersDev(t, s, name)
	}
	remove := func(s *Server, name string) {
		_, err := newClient(s).Workers.Scripts.Delete(ctxT(t), name, workers.ScriptDeleteParams{AccountID: cloudflare.F(s.AccountID())})
		require.NoError(t, err)
	}
	// notServing asserts that nothing answers at u: the port is closed.
	notServing := func(u, who string) {
		t.Helper()
		res, err := http.Get(u)
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			t.Fatalf("%s's old URL %s answers after %s was deleted: HTTP %d %q", who, u, who, res.StatusCode, body)
		}
	}
	answers := func(u, who string) {
		t.Helper()
		status, body := call(t, http.MethodGet, u, "")
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, "I am "+who, body, "%s answers at %s", who, u)
	}

	urlA := deploy(s, "port-a")
	answers(urlA, "port-a")
	remove(s, "port-a")
	notServing(urlA, "port-a")

	urlB := deploy(s, "port-b")
	assert.NotEqual(t, port(t, urlA), port(t, urlB), "a new script does not get a deleted script's port")
	answers(urlB, "port-b")
	notServing(urlA, "port-a")

	assert.Equal(t, urlA, deploy(s, "port-a"), "a recreated script gets its old URL back")
	answers(urlA, "port-a")

	// The same after a restart on the same state directory: the ports of deleted scripts stay theirs.
	remove(s, "port-a")
	require.NoError(t, s.Close())
	s = startServer(t, dir, Options{})
	answers(urlB, "port-b")
	notServing(urlA, "port-a")
	urlC := deploy(s, "port-c")
	assert.NotContains(t, []string{port(t, urlA), port(t, urlB)}, port(t, urlC), "a new script after a restart gets a port of its own")
	assert.Equal(t, urlA, deploy(s, "port-a"), "a script recreated after a restart gets its old URL back")
	answers(urlA, "port-a")
	answers(urlC, "port-c")
}

func port(t *testing.T, u string) string {
	t.Helper()
	parsed, err := url.Parse(u)
	require.NoError(t, err)
	return parsed.Port()
}

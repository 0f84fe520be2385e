package workerd

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBuildConfigD1: a d1 binding is workerd's d1-api module wrapping a fetcher of the database's
// service, which injects the database id; two scripts share one service; no backend is refused.
func TestBuildConfigD1(t *testing.T) {
	db := Binding{Name: "DB", Type: BindingD1, DatabaseID: "db-1", D1Backend: "127.0.0.1:5432"}
	a := Script{Name: "a", Modules: []Module{{Name: "index.js", Content: []byte("export default {}")}}, Bindings: []Binding{db}}
	b := a
	b.Name = "b"
	cfg, err := buildConfig([]Script{a, b}, "/st")
	require.NoError(t, err)
	text := string(cfg.text)
	assert.Equal(t, 2, strings.Count(text, `(name = "DB", wrapped = (moduleName = "cloudflare-internal:d1-api", `+
		`innerBindings = [(name = "fetcher", service = "lumier:d1:db-1")]))`), text)
	assert.Equal(t, 1, strings.Count(text, `(name = "lumier:d1:db-1", external = (address = "127.0.0.1:5432", `+
		`http = (injectRequestHeaders = [(name = "X-Lumier-D1-Database", value = "db-1")])))`), text)

	db.D1Backend = ""
	a.Bindings = []Binding{db}
	_, err = buildConfig([]Script{a}, "/st")
	assert.ErrorContains(t, err, "needs a database id and a backend")
}

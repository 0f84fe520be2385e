package workerd

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBuildConfigR2: two scripts binding one R2 bucket share one backend service, which injects
// the bucket name; an R2 binding without a backend is refused.
func TestBuildConfigR2(t *testing.T) {
	r2 := Binding{Name: "FILES", Type: BindingR2, BucketName: "app-dev-files", R2Backend: "127.0.0.1:4322"}
	a := Script{Name: "a", Modules: []Module{{Name: "index.js", Content: []byte("export default {}")}}, Bindings: []Binding{r2}}
	b := a
	b.Name = "b"
	cfg, err := buildConfig([]Script{a, b}, "/st")
	require.NoError(t, err)
	text := string(cfg.text)
	assert.Equal(t, 2, strings.Count(text, `(name = "FILES", r2Bucket = "lumier:r2:app-dev-files")`), text)
	assert.Equal(t, 1, strings.Count(text, `(name = "lumier:r2:app-dev-files", external = (address = "127.0.0.1:4322", `+
		`http = (injectRequestHeaders = [(name = "X-Lumier-R2-Bucket", value = "app-dev-files")])))`), text)

	r2.R2Backend = ""
	a.Bindings = []Binding{r2}
	_, err = buildConfig([]Script{a}, "/st")
	assert.ErrorContains(t, err, "needs a bucket name and a backend")
}

package workerd

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBuildConfigAssetsBinding(t *testing.T) {
	s := counterScript("site")
	s.Bindings = append(s.Bindings, Binding{Name: "ASSETS", Type: BindingAssets, AssetsBackend: "127.0.0.1:9999",
		AssetsManifest: "0123456789abcdef0123456789abcdef", AssetsConfig: `{"html_handling":"none"}`})
	cfg, err := buildConfig([]Script{s}, "/data/storage")
	require.NoError(t, err)
	text := string(cfg.text)
	assert.Contains(t, text, `(name = "ASSETS", service = "lumier:assets:site")`)
	assert.Contains(t, text, `(name = "lumier:assets:site", external = (address = "127.0.0.1:9999", http = (injectRequestHeaders = `+
		`[(name = "X-Lumier-Assets-Manifest", value = "0123456789abcdef0123456789abcdef"), `+
		`(name = "X-Lumier-Assets-Config", value = "{\"html_handling\":\"none\"}")])))`)
	assert.Equal(t, 1, strings.Count(text, "lumier:assets:site\", external"), "one service per script")

	s.Bindings[len(s.Bindings)-1].AssetsManifest = ""
	_, err = buildConfig([]Script{s}, "/data/storage")
	assert.ErrorContains(t, err, `binding "ASSETS": an assets binding needs a backend and a manifest`)
}

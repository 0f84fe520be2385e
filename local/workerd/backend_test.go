package workerd

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestBackendServicesOncePerServiceSorted: a service two scripts reach is declared once, bindings
// pick does not serve are skipped, and the order does not depend on the scripts'.
func TestBackendServicesOncePerServiceSorted(t *testing.T) {
	pick := func(b Binding) (string, string, string, string, bool) {
		return "svc:" + b.Text, "127.0.0.1:1", "X-Id", b.Text, b.Type == "x"
	}
	a := Script{Bindings: []Binding{{Type: "x", Text: "b"}, {Type: "y", Text: "skip"}}}
	b := Script{Bindings: []Binding{{Type: "x", Text: "a"}, {Type: "x", Text: "b"}}}
	got := backendServices([]Script{a, b}, pick)
	assert.Equal(t, []string{
		`(name = "svc:a", external = (address = "127.0.0.1:1", http = (injectRequestHeaders = [(name = "X-Id", value = "a")])))`,
		`(name = "svc:b", external = (address = "127.0.0.1:1", http = (injectRequestHeaders = [(name = "X-Id", value = "b")])))`,
	}, got)
	assert.Equal(t, got, backendServices([]Script{b, a}, pick))
}

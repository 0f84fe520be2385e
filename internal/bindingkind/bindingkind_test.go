package bindingkind

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cloudflare/cloudflare-go/v4/workers"
)

// TestKindsAreCloudflareGosTypes: every type is one cloudflare-go's upload param knows.
func TestKindsAreCloudflareGosTypes(t *testing.T) {
	for _, k := range Kinds {
		if !workers.ScriptUpdateParamsMetadataBindingsType(k.Type).IsKnown() {
			t.Errorf("kind %q is not a workers.ScriptUpdateParamsMetadataBindingsType", k.Type)
		}
		for _, n := range append(slices.Clone(k.Fields), k.Needs...) {
			if _, ok := FieldNamed(n); !ok {
				t.Errorf("kind %q names field %q, which Fields lacks", k.Type, n)
			}
		}
		for _, n := range k.Needs {
			if !slices.Contains(k.Fields, n) {
				t.Errorf("kind %q needs %q but does not list it in Fields", k.Type, n)
			}
		}
	}
	if _, ok := Lookup("vectorize"); ok {
		t.Error("Lookup found a kind the table does not list")
	}
}

// TestFieldsAreCloudflareGosWireFields: a field carried by the library's param has the param's
// JSON name on the wire, so the registry cannot invent a wire name the library does not send.
func TestFieldsAreCloudflareGosWireFields(t *testing.T) {
	param := reflect.TypeOf(workers.ScriptUpdateParamsMetadataBinding{})
	for _, f := range Fields {
		if f.Param == "" {
			continue
		}
		sf, ok := param.FieldByName(f.Param)
		if !ok {
			t.Errorf("field %q: workers.ScriptUpdateParamsMetadataBinding has no %s", f.Name, f.Param)
			continue
		}
		if wire, _, _ := strings.Cut(sf.Tag.Get("json"), ","); wire != f.Wire {
			t.Errorf("field %q: wire %q, but cloudflare-go sends %s as %q", f.Name, f.Wire, f.Param, wire)
		}
	}
}

// TestAnalyticsEngineIsCloudflareGosShape: {type: "analytics_engine", name, dataset}, dataset
// required, as cloudflare-go's ScriptUpdateParamsMetadataBindingsWorkersBindingKindAnalyticsEngine.
func TestAnalyticsEngineIsCloudflareGosShape(t *testing.T) {
	typ := reflect.TypeOf(workers.ScriptUpdateParamsMetadataBindingsWorkersBindingKindAnalyticsEngine{})
	var wire, required []string
	for i := range typ.NumField() {
		name, opts, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if name == "type" || name == "name" {
			continue
		}
		wire = append(wire, name)
		if strings.Contains(opts, "required") {
			required = append(required, name)
		}
	}
	k, _ := Lookup(AnalyticsEngine)
	if !slices.Equal(k.WireFields(), wire) || !slices.Equal(k.WireNeeds(), required) {
		t.Errorf("analytics_engine: fields %v needs %v; cloudflare-go has %v, required %v", k.WireFields(), k.WireNeeds(), wire, required)
	}
}

package scripts

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/lumier-dev/lumier/internal/bindingkind"
	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/envelope"
)

// CloudflareOnlyBindings are the other types Cloudflare knows, which get a clear "not supported
// here" rather than "unknown".
var CloudflareOnlyBindings = []string{
	"ai", "browser", "dispatch_namespace", "hyperdrive", "inherit", "images",
	"mtls_certificate", "pipelines", "secrets_store_secret", "secret_key", "send_email",
	"tail_consumer", "vectorize", "wasm_module", "data_blob", "text_blob",
}

// parseBindings validates the bindings of an upload or a settings change: each has a name used
// once, a type the local Cloudflare runs and the fields that type needs; fields the type does
// not use are dropped. kinds are the types the runtime runs, sorted (Runtime.Kinds).
func parseBindings(raw []json.RawMessage, kinds []string) ([]account.Binding, error) {
	out := make([]account.Binding, 0, len(raw))
	names := map[string]bool{}
	for i, r := range raw {
		var fields map[string]any
		if err := json.Unmarshal(r, &fields); err != nil {
			return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "could not read content for part metadata: binding %d: %v", i, err)
		}
		name, _ := fields["name"].(string)
		typ, _ := fields["type"].(string)
		if name == "" {
			return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "binding %d has no name", i)
		}
		if names[name] {
			return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "binding name '%s' is used more than once", name)
		}
		names[name] = true
		reg, known := bindingkind.Lookup(typ)
		if !known || !slices.Contains(kinds, typ) {
			if slices.Contains(CloudflareOnlyBindings, typ) {
				return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation,
					"binding '%s' has type '%s', which the local Cloudflare does not run (it runs %s)", name, typ, strings.Join(kinds, ", "))
			}
			// Cloudflare's text for an unknown type is unconfirmed; 10021 is its validation code.
			return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "unknown binding type '%s' for binding '%s'", typ, name)
		}
		for _, f := range reg.WireNeeds() {
			v, present := fields[f]
			if !present || v == nil || (v == "" && f != "text") {
				return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "binding '%s' of type %s needs a %s", name, typ, f)
			}
		}
		kept := map[string]any{"type": typ, "name": name}
		for _, f := range reg.WireFields() {
			if v, ok := fields[f]; ok {
				kept[f] = v
			}
		}
		var b account.Binding
		if err := remarshal(kept, &b); err != nil {
			return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "could not read content for part metadata: binding '%s': %v", name, err)
		}
		out = append(out, b)
	}
	return out, nil
}

// remarshal decodes the JSON encoding of v into out.
func remarshal(v any, out any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, out)
}

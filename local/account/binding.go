package account

import (
	"encoding/json"
)

// The local Cloudflare's own wire types: it reads uploads and answers as Cloudflare does, and
// shares no type with lumier's client (internal/cfapi). A binding's wire fields are the one
// exception: both structs are generated from the registry of binding kinds
// (internal/bindingkind, binding_gen.go), whose wire names its test holds to cloudflare-go's
// upload param, so a field name cannot be invented on one side. Both are tested against the
// fixtures in testdata/cloudflare.

// MarshalJSON answers "text" for text bindings even when empty: an empty variable is a value.
func (b Binding) MarshalJSON() ([]byte, error) {
	type plain Binding // no methods, so no recursion
	if b.Type != BindingPlainText && b.Type != BindingSecretText {
		return json.Marshal(plain(b))
	}
	return json.Marshal(struct {
		Type string `json:"type"`
		Name string `json:"name"`
		Text string `json:"text"`
	}{b.Type, b.Name, b.Text})
}

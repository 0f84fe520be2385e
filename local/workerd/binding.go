package workerd

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Binding is one entry of a script's env: a member of workerd's Worker.Binding union and its
// value. The package does not know binding kinds: the local Cloudflare maps each Cloudflare
// binding type to one (local/bindings.go), so a new kind needs no change here.
type Binding struct {
	// Name is the env property the Worker reads.
	Name string
	// Kind is the member of workerd's Worker.Binding union, e.g. "text", "json",
	// "durableObjectNamespace", "kvNamespace", "service".
	Kind string
	// Value is the member's value.
	Value Value
	// Scripts are the other scripts the binding reaches. workerd resolves a reference to
	// another service only within one process, so they share the script's shard.
	Scripts []string
	// Services are the external services the binding calls; each is declared once per config.
	Services []External
}

// External is an HTTP service outside workerd that a binding calls (a backend of the local
// Cloudflare), with headers injected into every request so that the backend knows which
// resource the call is for.
type External struct {
	// Name names the service; it must contain ':' so that no script name can take it.
	Name string
	// Address is host:port on 127.0.0.1.
	Address string
	// Headers are injected into every request, in name order.
	Headers map[string]string
}

// Value is a Cap'n Proto value of the config, built by the constructors below; the zero Value
// renders as an empty struct.
type Value struct{ capnp string }

// Text is a text (string) value.
func Text(s string) Value { return Value{capnpString(s)} }

// Bool is a boolean value.
func Bool(b bool) Value { return Value{fmt.Sprint(b)} }

// Field is one field of a Struct.
type Field struct {
	Name  string
	Value Value
}

// Struct is a struct value with the fields in the order given.
func Struct(fields ...Field) Value {
	items := make([]string, len(fields))
	for i, f := range fields {
		items[i] = f.Name + " = " + f.Value.render()
	}
	return Value{"(" + strings.Join(items, ", ") + ")"}
}

// List is a list value.
func List(items ...Value) Value {
	out := make([]string, len(items))
	for i, v := range items {
		out[i] = v.render()
	}
	return Value{capnpList(out)}
}

// String is the value as the config spells it.
func (v Value) String() string { return v.render() }

func (v Value) render() string {
	if v.capnp == "" {
		return "()"
	}
	return v.capnp
}

// memberPattern is the shape of a Worker.Binding union member or field name.
var memberPattern = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)

// renderBinding renders one binding of script s.
func renderBinding(b Binding) (string, error) {
	if !memberPattern.MatchString(b.Kind) {
		return "", fmt.Errorf("binding %q: kind %q is not a workerd binding member name", b.Name, b.Kind)
	}
	for _, script := range b.Scripts {
		if err := checkScriptName(script); err != nil {
			return "", fmt.Errorf("binding %q: %w", b.Name, err)
		}
	}
	for _, e := range b.Services {
		if !strings.Contains(e.Name, ":") || e.Address == "" {
			return "", fmt.Errorf("binding %q: external service %q needs a name with ':' and an address", b.Name, e.Name)
		}
	}
	return fmt.Sprintf("(name = %s, %s = %s)", capnpString(b.Name), b.Kind, b.Value.render()), nil
}

// externalServices declares the external services the scripts' bindings call, each once, in a
// stable order.
func externalServices(scripts []Script) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range scripts {
		for _, b := range s.Bindings {
			for _, e := range b.Services {
				if seen[e.Name] {
					continue
				}
				seen[e.Name] = true
				headers := make([]string, 0, len(e.Headers))
				for _, k := range slices.Sorted(maps.Keys(e.Headers)) {
					headers = append(headers, fmt.Sprintf("(name = %s, value = %s)", capnpString(k), capnpString(e.Headers[k])))
				}
				out = append(out, fmt.Sprintf("(name = %s, external = (address = %s, http = (injectRequestHeaders = %s)))",
					capnpString(e.Name), capnpString(e.Address), capnpList(headers)))
			}
		}
	}
	slices.Sort(out)
	return out
}

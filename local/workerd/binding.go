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
// binding type to one (local/runtime/bindings.go), so a new kind needs no change here.
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
	// Experimental is set for a member workerd runs only with --experimental (analyticsEngine):
	// the script's process then runs with it.
	Experimental bool
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

// memberPattern is the shape of a Worker.Binding union member or field name.
var memberPattern = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)

// renderBinding renders one binding of script s.
func renderBinding(b Binding) (Value, error) {
	if !memberPattern.MatchString(b.Kind) {
		return Value{}, fmt.Errorf("binding %q: kind %q is not a workerd binding member name", b.Name, b.Kind)
	}
	for _, script := range b.Scripts {
		if err := checkScriptName(script); err != nil {
			return Value{}, fmt.Errorf("binding %q: %w", b.Name, err)
		}
	}
	for _, e := range b.Services {
		if !strings.Contains(e.Name, ":") || e.Address == "" {
			return Value{}, fmt.Errorf("binding %q: external service %q needs a name with ':' and an address", b.Name, e.Name)
		}
	}
	return Struct(Field{"name", Text(b.Name)}, Field{b.Kind, b.Value}), nil
}

// needsExperimental reports whether a binding of scripts needs workerd's --experimental.
func needsExperimental(scripts []Script) bool {
	for _, s := range scripts {
		if slices.ContainsFunc(s.Bindings, func(b Binding) bool { return b.Experimental }) {
			return true
		}
	}
	return false
}

// externalServices declares the external services the scripts' bindings call, each once, in a
// stable order.
func externalServices(scripts []Script) []Value {
	seen := map[string]bool{}
	var out []Value
	for _, s := range scripts {
		for _, b := range s.Bindings {
			for _, e := range b.Services {
				if seen[e.Name] {
					continue
				}
				seen[e.Name] = true
				headers := make([]Value, 0, len(e.Headers))
				for _, k := range slices.Sorted(maps.Keys(e.Headers)) {
					headers = append(headers, Struct(Field{"name", Text(k)}, Field{"value", Text(e.Headers[k])}))
				}
				out = append(out, Struct(Field{"name", Text(e.Name)}, Field{"external", Struct(
					Field{"address", Text(e.Address)},
					Field{"http", Struct(Field{"injectRequestHeaders", List(headers...)})})}))
			}
		}
	}
	slices.SortFunc(out, func(a, b Value) int { return strings.Compare(a.fields[0].Value.text, b.fields[0].Value.text) })
	return out
}

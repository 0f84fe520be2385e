package workerd

import (
	"fmt"
)

// d1Service names the external service that backs one D1 database; like the other services of
// ours, the name contains ':'.
func d1Service(b Binding) string { return "lumier:d1:" + b.DatabaseID }

// d1BindingItem renders a d1 binding the way workerd runs D1: its JavaScript module
// cloudflare-internal:d1-api wrapping a fetcher that reaches the database's service.
func d1BindingItem(b Binding) (string, error) {
	if b.DatabaseID == "" || b.D1Backend == "" {
		return "", fmt.Errorf("binding %q: a D1 binding needs a database id and a backend", b.Name)
	}
	return fmt.Sprintf("(name = %s, wrapped = (moduleName = \"cloudflare-internal:d1-api\", innerBindings = "+
		"[(name = \"fetcher\", service = %s)]))", capnpString(b.Name), capnpString(d1Service(b))), nil
}

// d1Services declares one external service per D1 database the scripts bind, each injecting its
// database id.
func d1Services(scripts []Script) []string {
	return backendServices(scripts, func(b Binding) (service, addr, header, value string, ok bool) {
		return d1Service(b), b.D1Backend, D1DatabaseHeader, b.DatabaseID, b.Type == BindingD1
	})
}

package workerd

import (
	"fmt"
	"slices"
)

// backendServices declares, once each and in a stable order, the external services through which
// bindings reach an HTTP backend of the local Cloudflare: pick reports, for a binding it serves,
// the service's name, the backend's address, and the header and value the service injects so
// that the backend knows which namespace or database a call is for.
func backendServices(scripts []Script, pick func(Binding) (service, addr, header, value string, ok bool)) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range scripts {
		for _, b := range s.Bindings {
			service, addr, header, value, ok := pick(b)
			if !ok || seen[service] {
				continue
			}
			seen[service] = true
			out = append(out, fmt.Sprintf("(name = %s, external = (address = %s, http = (injectRequestHeaders = "+
				"[(name = %s, value = %s)])))", capnpString(service), capnpString(addr), capnpString(header), capnpString(value)))
		}
	}
	slices.Sort(out)
	return out
}

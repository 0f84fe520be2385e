package workerd

import (
	"fmt"
	"slices"
)

// r2Service names the external service that backs one R2 bucket; like the other services of
// ours, the name contains ':'.
func r2Service(b Binding) string { return "lumier:r2:" + b.BucketName }

// r2Services declares one external service per R2 bucket the scripts bind, each injecting its
// bucket name (the protocol itself never names the bucket), in a stable order.
func r2Services(scripts []Script) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range scripts {
		for _, b := range s.Bindings {
			if b.Type != BindingR2 || seen[r2Service(b)] {
				continue
			}
			seen[r2Service(b)] = true
			out = append(out, fmt.Sprintf("(name = %s, external = (address = %s, http = (injectRequestHeaders = "+
				"[(name = %s, value = %s)])))", capnpString(r2Service(b)), capnpString(b.R2Backend),
				capnpString(R2BucketHeader), capnpString(b.BucketName)))
		}
	}
	slices.Sort(out)
	return out
}

package provider

import (
	"context"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// withConfigDiff keeps a new provider version from replacing every resource of a stack.
//
// A program that moves to another version of lumier gets a new default provider (its name carries
// the version), and the engine asks the new provider's DiffConfig whether resources may move to it
// from the old one; a replacement there replaces every Worker of the stack. The framework's
// DiffConfig replaces on any difference but drops "version" and the "__"-prefixed keys only from
// the new inputs, so the old state's own "__pulumi-go-provider-*" entries (which its CheckConfig
// adds) always differ: every upgrade would replace everything. Dropping the same keys from the old
// side compares the configuration the user wrote, and nothing else.
func withConfigDiff(prov p.Provider) p.Provider {
	diffConfig := prov.DiffConfig
	prov.DiffConfig = func(ctx context.Context, req p.DiffRequest) (p.DiffResponse, error) {
		req.OldInputs = withoutBookkeeping(req.OldInputs)
		req.State = withoutBookkeeping(req.State)
		return diffConfig(ctx, req)
	}
	return prov
}

// withoutBookkeeping is m without the keys the engine and the framework add to a provider's
// configuration: "version" and those starting with "__".
func withoutBookkeeping(m property.Map) property.Map {
	for k := range m.All {
		if k == "version" || strings.HasPrefix(k, "__") {
			m = m.Delete(k)
		}
	}
	return m
}

package cfapi

import (
	"context"
	"fmt"
	"net/url"

	"github.com/cloudflare/cloudflare-go/v4/option"
)

// Reference is a binding, in any script of the account (the script itself included), to a
// Durable Object namespace a script implements. Cloudflare names the namespace, not the class:
// the namespace list says which class it stores.
type Reference struct {
	// Script is the script holding the binding ("service" on the wire), Binding its env name.
	Script  string `json:"service"`
	Binding string `json:"name"`
	// Environment is the script's environment ("production").
	Environment string `json:"environment"`
	// NamespaceID and NamespaceName identify the Durable Object namespace bound.
	NamespaceID   string `json:"durable_object_namespace_id"`
	NamespaceName string `json:"durable_object_namespace_name"`
}

// References lists the bindings to name's Durable Object namespaces: one call,
// where reading every script's settings would cost one call per script. cloudflare-go v4.6.0
// has no method for GET .../scripts/{name}/references, so the path is requested directly; the
// answer is in Cloudflare's envelope (see docs/cloudflare-api.md).
func (s *DurableObjectService) References(ctx context.Context, name string) ([]Reference, error) {
	if err := s.c.precheckScript(ctx, name); err != nil {
		return nil, fmt.Errorf("reading references to script %q: %w", name, err)
	}
	var res struct {
		Result struct {
			DurableObjects []Reference `json:"durable_objects"`
		} `json:"result"`
	}
	path := fmt.Sprintf("accounts/%s/workers/scripts/%s/references", url.PathEscape(s.c.accountID), url.PathEscape(name))
	err := s.c.call(func(opts ...option.RequestOption) error {
		return s.c.cf.Get(ctx, path, nil, &res, opts...)
	})
	if err != nil {
		return nil, fmt.Errorf("reading references to script %q: %w", name, err)
	}
	return res.Result.DurableObjects, nil
}

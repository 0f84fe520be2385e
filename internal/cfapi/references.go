package cfapi

import (
	"context"
	"fmt"
	"net/url"

	"github.com/cloudflare/cloudflare-go/v4/option"
)

// Reference is another script's binding to a Durable Object class of a script.
type Reference struct {
	// ScriptName is the script holding the binding; BindingName its env name, when reported.
	ScriptName  string `json:"script_name"`
	BindingName string `json:"binding_name"`
	// ClassName is the class bound.
	ClassName string `json:"class_name"`
}

// References lists the other scripts' bindings to name's Durable Object classes: one call,
// where reading every script's settings would cost one call per script. cloudflare-go v4.6.0
// has no method for GET .../scripts/{name}/references, so the path is requested directly; the
// answer is in Cloudflare's envelope (see docs/cloudflare-api.md).
func (c *Client) References(ctx context.Context, name string) ([]Reference, error) {
	if err := c.precheckScript(ctx, name); err != nil {
		return nil, fmt.Errorf("reading references to script %q: %w", name, err)
	}
	var res struct {
		Result struct {
			DurableObjects []Reference `json:"durable_objects"`
		} `json:"result"`
	}
	path := fmt.Sprintf("accounts/%s/workers/scripts/%s/references", url.PathEscape(c.accountID), url.PathEscape(name))
	err := c.call(func(opts ...option.RequestOption) error {
		return c.cf.Get(ctx, path, nil, &res, opts...)
	})
	if err != nil {
		return nil, fmt.Errorf("reading references to script %q: %w", name, err)
	}
	return res.Result.DurableObjects, nil
}

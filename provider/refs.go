package provider

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// A resource passed by reference (YAML's `${counter}`, a resource object in any SDK) reaches a
// component as a bare resource with only its URN. Its outputs come from the engine, which has
// them once the resource is registered: the same `getResource` call the SDKs use to rehydrate
// resources.

// referencedOutputs returns the outputs and type token of a resource passed by reference.
func referencedOutputs(ctx *pulumi.Context, r pulumi.Resource) (map[string]any, string, error) {
	urn, err := awaitURN(r)
	if err != nil {
		return nil, "", err
	}
	var res struct {
		URN   string         `pulumi:"urn"`
		State map[string]any `pulumi:"state"`
	}
	if err := ctx.Invoke("pulumi:pulumi:getResource", map[string]any{"urn": urn}, &res); err != nil {
		return nil, "", fmt.Errorf("reading the outputs of %s: %w", urn, err)
	}
	return res.State, string(resource.URN(urn).Type()), nil
}

func awaitURN(r pulumi.Resource) (string, error) {
	u, known := awaitInput(r.URN())
	if !known {
		return "", fmt.Errorf("a resource reference has no URN yet")
	}
	return string(u.(pulumi.URN)), nil
}

// awaitInput returns the value of an input the engine sent to a component, and whether it is
// known (it is not, at preview, when it comes from a resource not yet deployed). Inputs that came
// from the engine are already resolved, so this does not wait for any deployment.
func awaitInput(in pulumi.Input) (any, bool) {
	var (
		v     any
		known bool
	)
	out := pulumi.ToOutput(in).ApplyT(func(x any) any { v, known = x, true; return x })
	pulumi.IsSecret(out) // returns once out is resolved, known or not
	return v, known
}

// isSecret reports whether an input is a secret, without blocking on unknowns.
func isSecret(in pulumi.Input) bool { return pulumi.IsSecret(pulumi.ToOutput(in)) }

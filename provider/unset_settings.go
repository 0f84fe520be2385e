package provider

import (
	"context"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// withoutUnsetSettings compares the provider's settings as set or unset, whether an unset one is
// absent or "": infer's CheckConfig writes every unset setting as "", while the engine records the
// provider that `pulumi import` registers with only the settings the stack sets. Without this,
// the first `up` after an import sees requestTimeout and workersPlan go from absent to "", and
// pulumi-go-provider's config diff replaces the provider, and with it every imported resource.
// "" means unset everywhere (Configure falls back to the environment).
func withoutUnsetSettings(prov p.Provider) p.Provider {
	diff := prov.DiffConfig
	prov.DiffConfig = func(ctx context.Context, req p.DiffRequest) (p.DiffResponse, error) {
		req.OldInputs, req.State, req.Inputs = setOnly(req.OldInputs), setOnly(req.State), setOnly(req.Inputs)
		return diff(ctx, req)
	}
	return prov
}

// setOnly is settings without the unset ones.
func setOnly(settings property.Map) property.Map {
	for k, v := range settings.All {
		if v.IsString() && v.AsString() == "" {
			settings = settings.Delete(k)
		}
	}
	return settings
}

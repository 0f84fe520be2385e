package provider

import (
	"context"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
)

// withoutUnsetSettings leaves the settings nobody set out of the provider's checked inputs.
// infer writes each unset one as "", while `pulumi import` records the provider it registers
// with only the settings the stack sets: the first `up` after an import would then see
// requestTimeout and workersPlan go from absent to "", and pulumi-go-provider's config diff
// replaces the provider, and with it every imported resource, on any change. An empty setting
// means "unset" everywhere (Configure falls back to the environment), so leaving it out changes
// nothing else.
func withoutUnsetSettings(prov p.Provider) p.Provider {
	check := prov.CheckConfig
	prov.CheckConfig = func(ctx context.Context, req p.CheckRequest) (p.CheckResponse, error) {
		resp, err := check(ctx, req)
		if err != nil {
			return resp, err
		}
		for k, v := range resp.Inputs.All {
			if !strings.HasPrefix(k, "__") && v.IsString() && v.AsString() == "" {
				resp.Inputs = resp.Inputs.Delete(k)
			}
		}
		return resp, nil
	}
	return prov
}

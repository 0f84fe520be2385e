// Package provider is the lumier Pulumi provider: the Worker and DurableObject components and
// the Script resource that owns one uploaded Worker script.
package provider

import (
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
)

// Name is the Pulumi package name.
const Name = "lumier"

// Version is the provider version, set at build time with -ldflags "-X ...provider.Version=...".
var Version = "0.1.0"

// GoImportPath is where the generated Go SDK lives.
const GoImportPath = "github.com/lumier-dev/lumier/sdk/go/lumier"

// New returns the provider.
func New() (p.Provider, error) {
	// The one configuration of this provider process: guard reads what Configure resolves.
	cfg := &Config{}
	prov, err := infer.NewProviderBuilder().
		WithDisplayName("lumier").
		WithDescription("Deploy Cloudflare Workers and Durable Objects, with migrations computed for you and no silent data loss.").
		WithNamespace("lumier").
		WithRepository("https://github.com/lumier-dev/lumier").
		WithLicense("Apache-2.0").
		WithKeywords("cloudflare", "workers", "durable-objects", "category/cloud").
		WithLanguageMap(map[string]any{
			"go": map[string]any{"generateResourceContainerTypes": true, "respectSchemaVersion": true},
			// The generated SDK; `lumier` on npm is the hand-written $config helper over it (sdk/typescript).
			"nodejs": map[string]any{
				"packageName":          "@lumier-dev/lumier",
				"packageDescription":   "Generated Pulumi SDK for lumier: Cloudflare Workers and Durable Objects.",
				"respectSchemaVersion": true,
				"typescriptVersion":    "5.9.3",
				"dependencies":         map[string]any{"@pulumi/pulumi": "^3.270.0"},
				"devDependencies":      map[string]any{"@types/node": "^20.19.43"},
			},
			"python": map[string]any{
				"packageName":          "lumier",
				"respectSchemaVersion": true,
				"pyproject":            map[string]any{"enabled": true},
			},
		}).
		WithGoImportPath(GoImportPath).
		WithConfig(infer.Config(cfg)).
		WithResources(infer.Resource(&Script{}), infer.Resource(&KvNamespace{}), infer.Resource(&Queue{}), infer.Resource(&D1Database{}), infer.Resource(&R2Bucket{}),
			infer.Resource(&DataGuard{})).
		WithComponents(
			infer.ComponentF(NewApp),
			infer.ComponentF(NewWorker),
			infer.ComponentF(NewDurableObject),
		).
		Build()
	if err != nil {
		return p.Provider{}, err
	}
	prov.DiffConfig = diffConfig
	return guard(withoutUnsetSettings(withURN(prov)), cfg), nil
}

// Package provider is the lumier Pulumi provider: the Worker and DurableObject components and
// the Script resource that owns one uploaded Worker script.
package provider

import (
	"context"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
)

// Name is the Pulumi package name.
const Name = "lumier"

// Version is the provider version. A release stamps it at build time (make release:
// -ldflags "-X github.com/lumier-dev/lumier/provider.Version=x.y.z"); any other build is a
// development build and says so.
var Version = DevVersion

// DevVersion is the version of a build that no release stamped.
const DevVersion = "0.0.0-dev"

// PluginDownloadURL is where the engine downloads the provider plugin a program asks for when it
// is not installed: the GitHub release of the version, whose assets are
// pulumi-resource-lumier-v<version>-<os>-<arch>.tar.gz (make release writes them). The github://
// form, rather than a plain https:// release URL, lets the engine authenticate with GITHUB_TOKEN
// and so also serve a private fork's releases.
const PluginDownloadURL = "github://api.github.com/lumier-dev/lumier"

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
		WithPluginDownloadURL(PluginDownloadURL).
		WithKeywords("cloudflare", "workers", "durable-objects", "category/cloud").
		WithLanguageMap(map[string]any{
			"go": map[string]any{"generateResourceContainerTypes": true, "respectSchemaVersion": true},
			// The generated SDK; `lumier` on npm is the hand-written $config helper over it (sdk/typescript).
			"nodejs": map[string]any{
				"packageName":          "@lumier-dev/lumier",
				"packageDescription":   "Generated Pulumi SDK for lumier: Cloudflare Workers and Durable Objects.",
				"respectSchemaVersion": true,
				"typescriptVersion":    "5.9.3",
				"dependencies":         map[string]any{"@pulumi/pulumi": "^3.276.0"},
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
	return withReadableFailures(guard(withGuardWorkers(withURN(prov)), cfg)), nil
}

// withReadableFailures words check failures the way the user wrote the inputs. The engine prints
// a failure that names a property as "property 'p' value {<Go value of the top-level input p>}
// has a problem: ..." (a whole bindings list as {[{map[...]}]}, a nested path as {<nil>}), so each
// failure goes out with no property and its path leading the reason, unless the reason already
// begins with it.
func withReadableFailures(prov p.Provider) p.Provider {
	check := prov.Check
	prov.Check = func(ctx context.Context, req p.CheckRequest) (p.CheckResponse, error) {
		resp, err := check(ctx, req)
		for i, f := range resp.Failures {
			if f.Property == "" {
				continue
			}
			if !strings.HasPrefix(f.Reason, f.Property) {
				f.Reason = f.Property + ": " + f.Reason
			}
			resp.Failures[i] = p.CheckFailure{Reason: f.Reason}
		}
		return resp, err
	}
	return prov
}

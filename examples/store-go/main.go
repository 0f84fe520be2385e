// Command store-go deploys the store: a site on every path of example.com, an API on
// example.com/api/* and on its own custom domain, api.example.com, whose Desk Durable Object
// starts an order Workflow per order (examples/store-ts is the same app in TypeScript, and its
// src/ holds the Worker code both deploy). Run it with `pulumi up` in this directory.
package main

import lumier "github.com/lumier-dev/lumier/sdk/go/lumier"

func main() {
	lumier.Run(lumier.Config{
		App: func(in lumier.AppContext) lumier.AppConfig {
			removal := lumier.RemovalRemove
			if in.Stage == "production" {
				removal = lumier.RemovalRetain
			}
			return lumier.AppConfig{Name: "store", Removal: removal}
		},
		Run: func(ctx *lumier.Context) error {
			site := ctx.Worker("site", lumier.WorkerOptions{Entry: "../store-ts/src/site.ts", Routes: []any{"example.com/*"}})
			api := ctx.Worker("api", lumier.WorkerOptions{
				Entry: "../store-ts/src/api.ts",
				// The more specific pattern wins: example.com/api/... reaches this Worker, not the site.
				Routes:  []any{"example.com/api/*"},
				Domains: []string{"api.example.com"},
			})
			desk := ctx.DurableObject("desk", lumier.DurableObjectOptions{Worker: api, ClassName: "Desk"})
			// The host Worker gets env.ORDER; the Desk, running in it, starts instances through it.
			ctx.Workflow("order", lumier.WorkflowOptions{Worker: api, ClassName: "OrderWorkflow"})
			ctx.Worker("api", lumier.WorkerOptions{Entry: "../store-ts/src/api.ts", Bindings: lumier.Bindings{"DESK": desk}})
			ctx.Export("siteUrls", site.URLs())
			ctx.Export("apiUrls", api.URLs())
			return nil
		},
	})
}

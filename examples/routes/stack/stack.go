// Package stack is the routes app: a site on every path of example.com, an API on
// example.com/api/* and on its own custom domain, api.example.com. It lives in its own package so
// that the program (../main.go) and the end-to-end tests share it.
package stack

import lumier "github.com/lumier-dev/lumier/sdk/go/lumier"

// Config is the app. Entry paths are relative to the working directory: run it from examples/routes.
var Config = lumier.Config{
	App: func(in lumier.AppContext) lumier.AppConfig {
		removal := lumier.RemovalRemove
		if in.Stage == "production" {
			removal = lumier.RemovalRetain
		}
		return lumier.AppConfig{Name: "routes", Removal: removal}
	},
	Run: func(ctx *lumier.Context) error {
		site := ctx.Worker("site", lumier.WorkerOptions{
			Entry:    "src/index.ts",
			Bindings: lumier.Bindings{"WORKER": "site"},
			Routes:   []any{"example.com/*"},
		})
		zone := "example.com"
		api := ctx.Worker("api", lumier.WorkerOptions{
			Entry:    "src/index.ts",
			Bindings: lumier.Bindings{"WORKER": "api"},
			// The more specific pattern wins: example.com/api/... reaches this Worker, not the site.
			Routes:  []any{lumier.Route{Pattern: "example.com/api/*", ZoneName: &zone}},
			Domains: []string{"api.example.com"},
		})
		ctx.Export("siteUrls", site.URLs())
		ctx.Export("apiUrls", api.URLs())
		return nil
	},
}

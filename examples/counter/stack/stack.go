// Package stack is the counter app: the basic usage as a lumier.Config. It lives in its own
// package so that the program (../main.go), the embedding example and the end-to-end tests share it.
package stack

import lumier "github.com/lumier-dev/lumier/sdk/go/lumier"

// Config is the app. Entry paths are relative to the working directory: run it from examples/counter.
var Config = lumier.Config{
	App: func(in lumier.AppContext) lumier.AppConfig {
		return lumier.AppConfig{Name: "my-app", Protect: []string{"production"}, Removal: Removal(in.Stage)}
	},
	Run: func(ctx *lumier.Context) error {
		api := ctx.Worker("api", lumier.WorkerOptions{
			Entry: "src/index.ts",
		})

		counter := ctx.DurableObject("counter", lumier.DurableObjectOptions{
			Worker:    api,
			ClassName: "Counter",
		})

		// Add DO binding to worker
		ctx.Worker("api", lumier.WorkerOptions{
			Entry:    "src/index.ts",
			Bindings: lumier.Bindings{"COUNTER": counter},
		})

		ctx.Export("url", api.URL())
		ctx.Export("counter", counter.Output())
		return nil
	},
}

// Removal keeps production's Workers and their Durable Object data when they leave the stack, and
// removes every other stage's, data included, so that `pulumi destroy` cleans a dev stage up.
func Removal(stage string) string {
	if stage == "production" {
		return lumier.RemovalRetain
	}
	return lumier.RemovalRemove
}

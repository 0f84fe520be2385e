// Package stack is the app: one Worker, api, with the counter Durable Object, a KV cache, an
// R2 bucket, a D1 database with SQL migrations, a queue it sends to and consumes (with a dead-letter
// queue), a Cron Trigger, a static front end in public/, and a second Worker, auth, that api calls
// through service bindings (fetch, and RPC to its AuthRPC entrypoint), plus a json binding. It lives in its own
// package so that the program (../main.go) and the end-to-end tests share it.
package stack

import lumier "github.com/lumier-dev/lumier/sdk/go/lumier"

// Config is the app. Entry paths are relative to the working directory: run it from examples/app.
var Config = lumier.Config{
	App: func(in lumier.AppContext) lumier.AppConfig {
		return lumier.AppConfig{Name: "shop", Protect: []string{"production"}, Removal: Removal(in.Stage)}
	},
	Run: func(ctx *lumier.Context) error {
		cache := ctx.KvNamespace("cache")
		files := ctx.R2Bucket("files")
		db := ctx.D1Database("db", lumier.D1Options{Migrations: "migrations"})
		jobs := ctx.Queue("jobs")
		dlq := ctx.Queue("jobs-dlq")

		auth := ctx.Worker("auth", lumier.WorkerOptions{Entry: "src/auth.ts"})
		api := ctx.Worker("api", lumier.WorkerOptions{Entry: "src/index.ts"})
		counter := ctx.DurableObject("counter", lumier.DurableObjectOptions{Worker: api, ClassName: "Counter"})

		ctx.Worker("api", lumier.WorkerOptions{
			Entry:  "src/index.ts",
			Assets: &lumier.AssetsOptions{Directory: "public", Binding: "ASSETS"},
			Bindings: lumier.Bindings{
				"COUNTER":  counter,
				"CACHE":    cache,
				"FILES":    files,
				"DB":       db,
				"JOBS":     jobs,
				"JOBS_DLQ": dlq,
				"AUTH":     auth,
				"AUTH_RPC": lumier.Service(auth, "AuthRPC"),
				"CONFIG":   lumier.JSON(map[string]any{"greeting": "hello", "limits": []int{1, 2}}),
			},
			Consumers: []lumier.Consumer{{Queue: jobs, MaxRetries: 2, DeadLetter: dlq}, {Queue: dlq}},
			Crons:     []string{"*/5 * * * *"},
		})

		ctx.Export("url", api.URL())
		ctx.Export("counter", counter.Output())
		ctx.Export("cache", cache.ID())
		ctx.Export("files", files.BucketName())
		ctx.Export("db", db.ID())
		return nil
	},
}

// Removal keeps production's Workers and data when they leave the stack, and removes every other
// stage's, data included, so that `pulumi destroy` cleans a dev stage up.
func Removal(stage string) string {
	if stage == "production" {
		return lumier.RemovalRetain
	}
	return lumier.RemovalRemove
}

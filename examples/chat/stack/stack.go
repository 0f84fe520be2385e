// Package stack is the chat app: the ChatRoom Durable Object (SQLite storage, WebSocket
// broadcast) bound to a Worker. It lives in its own package so that the program (../main.go) and
// the end-to-end tests share it.
package stack

import lumier "github.com/lumier-dev/lumier/sdk/go/lumier"

// Config is the app. Entry paths are relative to the working directory: run it from examples/chat.
var Config = lumier.Config{
	App: func(in lumier.AppContext) lumier.AppConfig {
		return lumier.AppConfig{Name: "chat", Protect: []string{"production"}, Removal: Removal(in.Stage)}
	},
	Run: func(ctx *lumier.Context) error {
		api := ctx.Worker("api", lumier.WorkerOptions{
			Entry: "src/index.ts",
		})

		room := ctx.DurableObject("room", lumier.DurableObjectOptions{
			Worker:    api,
			ClassName: "ChatRoom", // SQLite storage (the default): the room uses ctx.storage.sql
		})

		ctx.Worker("api", lumier.WorkerOptions{
			Entry:    "src/index.ts",
			Bindings: lumier.Bindings{"CHAT_ROOM": room},
		})

		ctx.Export("url", api.URL())
		return nil
	},
}

// Removal keeps production's Workers and their data when they leave the stack and removes every
// other stage's, data included.
func Removal(stage string) string {
	if stage == "production" {
		return lumier.RemovalRetain
	}
	return lumier.RemovalRemove
}

// Package e2e holds the end-to-end tests (build tag e2e): they deploy the examples with the real
// Pulumi engine (the pinned CLI; the Automation API's inline programs for the Go examples, the CLI
// and the YAML host for the YAML one) to a local Cloudflare started in-process, then talk to the
// deployed Workers over HTTP and WebSocket, update, refresh and destroy them. The benchmarks
// (make bench) measure `up` against the engine's floor (BenchmarkCounterAboveFloor), `lumier dev`
// and stacks of many Workers (BenchmarkWorkersScale).
//
// Run them with `make e2e` (which builds the tools first) or
//
//	LUMIER_TOOLS_BIN=~/.cache/lumier/bin go test -tags e2e -v ./e2e/
//
// LUMIER_PROVIDER_DIR, if set, names a directory holding a prebuilt pulumi-resource-lumier to use
// instead of building one from the checkout.
package e2e

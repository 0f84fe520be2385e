// Command gohost is a test-only Go language host: the end-to-end tests build it as
// pulumi-language-go on PATH so that the engine, started by the pulumi CLI or the Automation API
// in a `runtime: go` project's folder, runs the program binary the project's runtime option
// `binary:` names, or builds the program and runs it (goruntime.Host).
package main

import (
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/lumier-dev/lumier/e2e/goruntime"
	"github.com/lumier-dev/lumier/e2e/langhost"
)

func main() {
	langhost.Main("pulumi-language-go", func(engine string) pulumirpc.LanguageRuntimeServer {
		return &goruntime.Host{Engine: engine}
	})
}

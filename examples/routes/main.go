// Command routes deploys two Workers on routes and a custom domain: run it with `pulumi up` in
// this directory.
package main

import (
	"github.com/lumier-dev/lumier/examples/routes/stack"
	lumier "github.com/lumier-dev/lumier/sdk/go/lumier"
)

func main() { lumier.Run(stack.Config) }

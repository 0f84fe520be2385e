// Command app deploys a Worker app that uses every binding lumier deploys: run it with `pulumi up`
// in this directory.
package main

import (
	"github.com/lumier-dev/lumier/examples/app/stack"
	lumier "github.com/lumier-dev/lumier/sdk/go/lumier"
)

func main() { lumier.Run(stack.Config) }

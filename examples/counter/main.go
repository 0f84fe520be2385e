// Command counter deploys the counter: run it with `pulumi up` in this directory.
package main

import (
	"github.com/lumier-dev/lumier/examples/counter/stack"
	lumier "github.com/lumier-dev/lumier/sdk/go/lumier"
)

func main() { lumier.Run(stack.Config) }

// Command chat deploys the ChatRoom: run it with `pulumi up` in this directory.
package main

import (
	"github.com/lumier-dev/lumier/examples/chat/stack"
	lumier "github.com/lumier-dev/lumier/sdk/go/lumier"
)

func main() { lumier.Run(stack.Config) }

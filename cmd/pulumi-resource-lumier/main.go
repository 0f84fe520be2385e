// Command pulumi-resource-lumier is the lumier Pulumi provider plugin.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/lumier-dev/lumier/provider"
)

func main() {
	if err := provider.Serve(context.Background()); err != nil {
		fmt.Fprintf(os.Stderr, "lumier: %v\n", err)
		os.Exit(1)
	}
}

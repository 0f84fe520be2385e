// Command pulumi-resource-lumier is the lumier Pulumi provider plugin.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/lumier-dev/lumier/provider"
)

func main() {
	prov, err := provider.New()
	if err != nil {
		fmt.Fprintf(os.Stderr, "lumier: building provider: %v\n", err)
		os.Exit(1)
	}
	if err := prov.Run(context.Background(), provider.Name, provider.Version); err != nil {
		fmt.Fprintf(os.Stderr, "lumier: %v\n", err)
		os.Exit(1)
	}
}

// Command pulumi-resource-lumier is the lumier Pulumi provider plugin. `pulumi-resource-lumier
// app-env` is the App's planning for `lumier types`, which does not link the provider: it reads
// an App's inputs (JSON) on stdin and prints each Worker's env types (JSON).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	_ "github.com/lumier-dev/lumier/internal/gcstart" // before Pulumi's packages initialise
	"github.com/lumier-dev/lumier/provider"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "app-env" {
		if err := appEnv(os.Args[2], os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if err := provider.Serve(context.Background()); err != nil {
		fmt.Fprintf(os.Stderr, "lumier: %v\n", err)
		os.Exit(1)
	}
}

// appEnv plans the App's inputs read from in for stage and writes each Worker's env to out.
// Entries stay as the program gave them; `lumier types` makes them import specifiers.
func appEnv(stage string, in io.Reader, out io.Writer) error {
	inputs, err := io.ReadAll(in)
	if err != nil {
		return fmt.Errorf("reading the app's inputs: %w", err)
	}
	envs, err := provider.AppEnv(stage, inputs, func(entry string) string { return provider.EntryMarker + entry })
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(envs)
}

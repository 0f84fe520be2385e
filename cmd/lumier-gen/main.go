// Command lumier-gen writes schema.json and the generated Go, Node.js and Python SDKs from the
// provider's Go types (make gen; make gen-check runs it with -check). It is a developer tool of
// this repository, not shipped: it links the provider and Pulumi's code generators, which the
// user's lumier binary does not.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/lumier-dev/lumier/devtools/codegen"
	"github.com/lumier-dev/lumier/provider"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "lumier-gen:", err)
		os.Exit(1)
	}
}

// run writes the schema and SDKs. With -check it writes nothing and fails when any of them is
// stale, which is how CI keeps them honest. -version stamps them (make release does, into its own
// copies); the committed ones carry the development version, so that they do not change with
// every release.
func run(args []string) error {
	fs := flag.NewFlagSet("lumier-gen", flag.ContinueOnError)
	schemaPath := fs.String("schema", "schema.json", "where to write the schema")
	goDir := fs.String("sdk", "sdk/go/lumier", "directory of the generated Go SDK")
	nodejsDir := fs.String("nodejs", "sdk/nodejs", "directory of the generated Node.js (TypeScript) SDK")
	pythonDir := fs.String("python", "sdk/python", "directory of the generated Python SDK")
	version := fs.String("version", provider.DevVersion, "the version (x.y.z) to stamp the schema and SDKs with")
	check := fs.Bool("check", false, "fail if schema.json or an SDK differs from what the provider generates")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	out := codegen.Output{
		Root:    ".",
		Version: *version,
		Schema:  *schemaPath,
		Dirs:    map[string]string{"go": *goDir, "nodejs": *nodejsDir, "python": *pythonDir},
	}
	if *check {
		return codegen.Check(context.Background(), out)
	}
	return codegen.Write(context.Background(), out)
}

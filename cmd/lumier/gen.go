package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/lumier-dev/lumier/internal/codegen"
)

// runGen writes schema.json and the generated Go, Node.js and Python SDKs from the provider's Go
// types. With -check it writes nothing and fails when any of them is stale, which is how CI keeps
// them honest.
func runGen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	schemaPath := fs.String("schema", "schema.json", "where to write the schema")
	dirs := map[string]*string{
		"go":     fs.String("sdk", "sdk/go/lumier", "directory of the generated Go SDK"),
		"nodejs": fs.String("nodejs", "sdk/nodejs", "directory of the generated Node.js (TypeScript) SDK"),
		"python": fs.String("python", "sdk/python", "directory of the generated Python SDK"),
	}
	check := fs.Bool("check", false, "fail if schema.json or an SDK differs from what the provider generates")
	if err := fs.Parse(args); err != nil {
		return err
	}
	schema, err := codegen.Schema(context.Background())
	if err != nil {
		return err
	}
	if *check {
		if have, err := os.ReadFile(*schemaPath); err != nil || string(have) != string(schema) {
			return fmt.Errorf("%s is stale: run `make gen` and commit the result", *schemaPath)
		}
	} else if err := os.WriteFile(*schemaPath, schema, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", *schemaPath, err)
	}
	for _, sdk := range codegen.SDKs() {
		files, err := sdk.Generate(schema)
		if err != nil {
			return err
		}
		dir := *dirs[sdk.Language]
		if *check {
			err = sdk.Check(dir, files)
		} else {
			err = sdk.Write(dir, files)
		}
		if err != nil {
			return fmt.Errorf("%s SDK: %w", sdk.Language, err)
		}
	}
	return nil
}

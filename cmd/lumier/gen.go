package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lumier-dev/lumier/internal/codegen"
)

// runGen writes schema.json and the generated Go SDK from the provider's Go types. With -check it
// writes nothing and fails when either is stale, which is how CI keeps them honest.
func runGen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	schemaPath := fs.String("schema", "schema.json", "where to write the schema")
	sdkDir := fs.String("sdk", "sdk/go/lumier", "directory of the generated Go SDK")
	check := fs.Bool("check", false, "fail if schema.json or the SDK differ from what the provider generates")
	if err := fs.Parse(args); err != nil {
		return err
	}
	schema, err := codegen.Schema(context.Background())
	if err != nil {
		return err
	}
	files, err := codegen.GoSDK(schema)
	if err != nil {
		return err
	}
	if *check {
		return checkGenerated(*schemaPath, schema, *sdkDir, files)
	}
	if err := os.WriteFile(*schemaPath, schema, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", *schemaPath, err)
	}
	return codegen.WriteGoSDK(*sdkDir, files)
}

func checkGenerated(schemaPath string, schema []byte, sdkDir string, files map[string][]byte) error {
	const fix = "run `make schema sdk` and commit the result"
	have, err := os.ReadFile(schemaPath)
	if err != nil || !bytes.Equal(have, schema) {
		return fmt.Errorf("%s is stale: %s", schemaPath, fix)
	}
	for name, want := range files {
		have, err := os.ReadFile(filepath.Join(sdkDir, name))
		if err != nil || !bytes.Equal(have, want) {
			return fmt.Errorf("%s is stale: %s", filepath.Join(sdkDir, name), fix)
		}
	}
	return filepath.WalkDir(sdkDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(sdkDir, path)
		content, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if _, ok := files[rel]; !ok && codegen.IsGenerated(content) {
			return fmt.Errorf("%s is generated but no longer produced: %s", path, fix)
		}
		return nil
	})
}

package provider

import (
	"os"

	"github.com/lumier-dev/lumier/internal/bundle"
)

// bundleEntry bundles the entry of args with its build options. It runs in Check (for the hash
// and the exports) and again at upload; bundling the counter takes milliseconds, which is
// cheaper than keeping bundles in memory and proving the files did not change in between.
func bundleEntry(args ScriptArgs) (*bundle.Result, error) {
	entry, err := resolveEntry(args.Entry)
	if err != nil {
		return nil, err
	}
	opts := bundle.Options{Entry: entry}
	// The engine runs the provider in the Pulumi project; esbuild's messages then name files
	// the way the program does.
	if wd, err := os.Getwd(); err == nil {
		opts.MessageDir = wd
	}
	if b := args.Build; b != nil {
		opts.Define, opts.External, opts.Minify, opts.Sourcemap = b.Define, b.External, b.Minify, b.Sourcemap
	}
	// bundle's errors already name the entry and carry esbuild's file:line:col.
	return bundle.Bundle(opts)
}

package provider

import (
	"os"

	"github.com/lumier-dev/lumier/internal/bundle"
	"github.com/lumier-dev/lumier/internal/tail"
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
	dir := os.Getenv(tail.SourceMapsEnv)
	opts.SourceMapOut = dir != ""
	// bundle's errors already name the entry and carry esbuild's file:line:col.
	b, err := bundle.Bundle(opts)
	if err == nil && dir != "" {
		writeSourceMap(dir, b)
	}
	return b, err
}

// writeSourceMap keeps b's source map for `lumier dev` (tail.SourceMapsEnv). A map that cannot be
// written costs only mapped stacks, never the deployment.
func writeSourceMap(dir string, b *bundle.Result) {
	path := tail.SourceMapPath(dir, b.Hash)
	if _, err := os.Stat(path); err == nil {
		return
	}
	if os.MkdirAll(dir, 0o755) != nil {
		return
	}
	tmp, err := os.CreateTemp(dir, ".map-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(b.SourceMap)
	if cerr := tmp.Close(); werr != nil || cerr != nil {
		os.Remove(tmp.Name())
		return
	}
	if os.Rename(tmp.Name(), path) != nil {
		os.Remove(tmp.Name())
	}
}

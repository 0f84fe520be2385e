package provider

import (
	"os"
	"sync"

	"github.com/lumier-dev/lumier/internal/bundle"
	"github.com/lumier-dev/lumier/internal/tail"
)

// bundleEntry bundles the entry of args with its build options. Check keeps what it makes
// (checkedBundles) for the upload that follows: see bundleFor.
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
	b, err := bundler.Bundle(opts)
	if err == nil && dir != "" {
		writeSourceMap(dir, b)
	}
	return b, err
}

// bundler bundles every Worker's entry: a stack of Workers sharing an entry has it parsed once
// (bundle.Bundler).
var bundler bundle.Bundler

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

// bundleFor is the code to upload for args: the bundle Check made, when args carry its hash
// (codeHash) and this process still keeps it, else a new one. The checked bundle is the code
// the plan showed, byte for byte (its hash is the key), so nothing needs proving about the files
// since; bundling again at upload cost a second esbuild run and gzip per Worker.
func bundleFor(args ScriptArgs) (*bundle.Result, error) {
	if b := checkedBundles.get(args.CodeHash); b != nil {
		return b, nil
	}
	return bundleEntry(args)
}

// checkedBundles keeps the bundles Check made, by hash, up to 64 MB of code and source maps. A
// stack of many Workers sharing one entry keeps one bundle.
var checkedBundles = &bundleCache{limit: 64 << 20}

// bundleCache keeps bundles by hash, dropping the oldest past limit bytes. Bundles are shared,
// so they are never changed once kept.
type bundleCache struct {
	limit int

	mu     sync.Mutex
	byHash map[string]*bundle.Result
	order  []string // hashes, oldest first
	size   int
}

// put keeps b.
func (c *bundleCache) put(b *bundle.Result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byHash[b.Hash]; ok {
		return
	}
	if c.byHash == nil {
		c.byHash = map[string]*bundle.Result{}
	}
	c.byHash[b.Hash] = b
	c.order = append(c.order, b.Hash)
	c.size += bundleSize(b)
	for c.size > c.limit && len(c.order) > 1 {
		oldest := c.order[0]
		c.order = c.order[1:]
		c.size -= bundleSize(c.byHash[oldest])
		delete(c.byHash, oldest)
	}
}

// get is the bundle whose code has hash, or nil.
func (c *bundleCache) get(hash string) *bundle.Result {
	if hash == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byHash[hash]
}

func bundleSize(b *bundle.Result) int { return len(b.Code) + len(b.SourceMap) }

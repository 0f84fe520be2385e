// Package bundle turns a Worker's entry file into the single ES module that is uploaded to
// Cloudflare, using esbuild's Go API in process (no node, no esbuild binary).
package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// MainModule is the module name of the bundle: the upload's main module and its only part.
const MainModule = "index.js"

// Options says what to bundle and how.
type Options struct {
	// Entry is the absolute path of the Worker's entry file (.ts, .js, ...).
	Entry string
	// Define replaces global identifiers with constant expressions (esbuild's --define); values
	// are JavaScript source, so a string needs its own quotes: `"\"production\""`.
	Define map[string]string
	// External lists more import paths to leave unbundled, on top of the always-external
	// `cloudflare:*` and `node:*` that the Workers runtime provides.
	External []string
	// Minify minifies whitespace, identifiers and syntax.
	Minify bool
	// Sourcemap appends an inline source map to the code.
	Sourcemap bool
}

// Result is one bundled Worker.
type Result struct {
	// Code is the single ES module, uploaded as MainModule.
	Code []byte
	// Hash is the sha256 hex of Code (which includes the inline source map, if any): the
	// provider diffs on it, so it must only change when the uploaded bytes change.
	Hash string
	// Exports are the entry's export names, sorted ("default" for the default export). The
	// provider checks Durable Object class names against them before any API call.
	Exports []string
}

// alwaysExternal are the imports the Workers runtime provides itself; `node:*` additionally
// needs the nodejs_compat flag, which is the caller's business.
var alwaysExternal = []string{"cloudflare:*", "node:*"}

// Bundle bundles opts.Entry and everything it imports into one ES module.
//
// The output is deterministic: paths inside it (the `// src/index.ts` comments and the source
// map's "sources") are relative to the project root (see projectRoot), never absolute, so two
// checkouts of the same project in different directories produce the same Hash.
func Bundle(opts Options) (*Result, error) {
	entry := opts.Entry
	if !filepath.IsAbs(entry) {
		return nil, fmt.Errorf("bundling %s: entry must be an absolute path", entry)
	}
	entry = filepath.Clean(entry)
	if err := checkEntry(entry); err != nil {
		return nil, fmt.Errorf("bundling %s: %w", entry, err)
	}
	// esbuild works on real paths; giving it the real entry and root keeps every path it
	// derives consistent, so a project reached through a symlink bundles byte-identically.
	real, err := filepath.EvalSymlinks(entry)
	if err != nil {
		return nil, fmt.Errorf("bundling %s: resolving symlinks: %w", entry, err)
	}
	root := projectRoot(filepath.Dir(real))

	build := api.BuildOptions{
		EntryPoints: []string{real},
		// Every relative path esbuild prints (comments, source map, metafile, messages) is
		// relative to AbsWorkingDir; without it esbuild uses the process's working directory,
		// which differs between `pulumi up` runs and would change the hash.
		AbsWorkingDir: root,
		// esbuild names generated identifiers (`index_default`) after the entry's path relative
		// to Outbase; pin it so the names, and so the hash, never depend on how the path was
		// spelled.
		Outbase: root,
		// Nothing is written (Write is false); the name only fixes the metafile's output key
		// and the directory the source map's paths are relative to.
		Outfile:        filepath.Join(root, MainModule),
		AllowOverwrite: true, // an entry that is itself <root>/index.js must not be refused
		Bundle:         true,
		Write:          false,
		Format:         api.FormatESModule,
		Platform:       api.PlatformBrowser,
		Target:         api.ES2022,
		Conditions:     []string{"workerd", "worker", "browser"},
		External:       append(append([]string{}, alwaysExternal...), opts.External...),
		// Classes and functions keep their .name even when minified or renamed to avoid
		// collisions: stack traces, logs and code reading constructor.name stay meaningful.
		KeepNames: true,
		Metafile:  true,
		Define:    opts.Define,
		LogLevel:  api.LogLevelSilent, // messages are returned, never printed to our stderr
		Color:     api.ColorNever,
	}
	if opts.Minify {
		build.MinifyWhitespace = true
		build.MinifyIdentifiers = true
		build.MinifySyntax = true
	}
	if opts.Sourcemap {
		build.Sourcemap = api.SourceMapInline
	}

	res := api.Build(build)
	if len(res.Errors) > 0 {
		return nil, &Error{Entry: entry, Messages: formatMessages(res.Errors)}
	}

	code, err := mainOutput(res.OutputFiles)
	if err != nil {
		return nil, fmt.Errorf("bundling %s: %w", entry, err)
	}
	exports, err := entryExports(res.Metafile)
	if err != nil {
		return nil, fmt.Errorf("bundling %s: %w", entry, err)
	}
	sum := sha256.Sum256(code)
	return &Result{Code: code, Hash: hex.EncodeToString(sum[:]), Exports: exports}, nil
}

// checkEntry gives a missing entry a plain message; esbuild's own ("Could not resolve") reads
// like an import problem and does not say which path was tried.
func checkEntry(entry string) error {
	info, err := os.Stat(entry)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("entry file does not exist (tried %s)", entry)
	case err != nil:
		return fmt.Errorf("reading entry file: %w", err)
	case info.IsDir():
		return fmt.Errorf("entry is a directory, not a file (tried %s)", entry)
	}
	return nil
}

// projectRoot is the directory the bundle's relative paths are computed from: the nearest
// directory at or above dir holding a package.json (where node resolution, and the user, think
// the project starts), else dir itself.
func projectRoot(dir string) string {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "package.json")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}

// mainOutput picks the JavaScript output; with Write false and an inline source map there is
// exactly one file, but be explicit rather than trust an index.
func mainOutput(files []api.OutputFile) ([]byte, error) {
	var js [][]byte
	for _, f := range files {
		if strings.HasSuffix(f.Path, ".js") {
			js = append(js, f.Contents)
		}
	}
	if len(js) != 1 {
		return nil, fmt.Errorf("esbuild produced %d JavaScript outputs, want 1", len(js))
	}
	return js[0], nil
}

// entryExports reads the entry's export names from the metafile (its output with an
// entryPoint), sorted so the result does not depend on source order.
func entryExports(metafile string) ([]string, error) {
	var meta struct {
		Outputs map[string]struct {
			EntryPoint string   `json:"entryPoint"`
			Exports    []string `json:"exports"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(metafile), &meta); err != nil {
		return nil, fmt.Errorf("reading esbuild metafile: %w", err)
	}
	for _, out := range meta.Outputs {
		if out.EntryPoint == "" {
			continue
		}
		exports := append([]string{}, out.Exports...)
		sort.Strings(exports)
		return exports, nil
	}
	return nil, errors.New("esbuild metafile lists no output for the entry point")
}

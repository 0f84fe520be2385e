// Package bundle turns a Worker's entry file into the single ES module that is uploaded to
// Cloudflare, using esbuild's Go API in process (no node, no esbuild binary).
package bundle

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

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
	// SourceMapOut also returns a source map of Code in Result.SourceMap, leaving Code byte for
	// byte what it is without it: for mapping the uploaded code's stack traces back to the sources.
	SourceMapOut bool
	// MessageDir is the directory the file names in error messages and Inputs are relative to: where the
	// user runs the tool (the Pulumi project), so the names read like the paths they wrote.
	// Empty means the project root, like the paths inside the bundle.
	MessageDir string
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
	// ExportKinds says for each export whether it is a class, a function, an object, ...
	ExportKinds map[string]ExportKind
	// Handlers are the handlers of the default export (fetch, queue, scheduled, ...) when
	// HandlersKnown: the bundle shows them without running it.
	Handlers      []string
	HandlersKnown bool
	// GzipSize is the size of Code after gzip compression, which Cloudflare's Worker size
	// limit applies to.
	GzipSize int
	// NodeImports are the `node:*` modules the code imports (left to the runtime, which has them
	// only with the nodejs_compat flag), sorted, each with the first file importing it.
	NodeImports []Import
	// Inputs are the files that make up Code with the bytes each contributes, largest first:
	// what to look at when the bundle is too large.
	Inputs []Input
	// SourceMap is Code's source map (version 3) when Options.SourceMapOut is set; its sources
	// are named like Inputs.
	SourceMap []byte
}

// Input is one source file's share of the bundle.
type Input struct {
	// Path is relative to Options.MessageDir (else to the project root).
	Path string
	// Bytes is how many bytes of Code come from it (esbuild's bytesInOutput).
	Bytes int
}

// Import is one module the bundle leaves to the runtime.
type Import struct {
	// Module is the import path, such as "node:buffer".
	Module string
	// From is the file that imports it, relative like Input.Path.
	From string
}

// alwaysExternal are the imports the Workers runtime provides itself; `node:*` additionally
// needs the nodejs_compat flag, which is the caller's business.
var alwaysExternal = []string{"cloudflare:*", "node:*"}

// Bundle bundles opts.Entry and everything it imports into one ES module, once: a Bundler
// bundles the same entry again for less.
//
// The output is deterministic: paths inside it (the `// src/index.ts` comments and the source
// map's "sources") are relative to the project root (see projectRoot), never absolute, so two
// checkouts of the same project in different directories produce the same Hash.
func Bundle(opts Options) (*Result, error) {
	j, err := newJob(opts)
	if err != nil {
		return nil, err
	}
	return j.finish(api.Build(j.build))
}

// job is one bundling of an entry: esbuild's options for it, and where its paths are relative to.
type job struct {
	entry string // as given, cleaned: what messages name
	root  string // the project root (a real path): esbuild's working directory
	dir   string // what messages and Inputs are relative to (Options.MessageDir, else root)
	build api.BuildOptions
	// sourceMapOut is Options.SourceMapOut.
	sourceMapOut bool
}

// newJob checks opts.Entry and derives esbuild's options from opts.
func newJob(opts Options) (*job, error) {
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
	switch {
	case opts.Sourcemap && opts.SourceMapOut:
		build.Sourcemap = api.SourceMapInlineAndExternal
	case opts.Sourcemap:
		build.Sourcemap = api.SourceMapInline
	case opts.SourceMapOut:
		// External adds no sourceMappingURL comment: Code stays what is uploaded.
		build.Sourcemap = api.SourceMapExternal
	}

	// Messages and Inputs name files relative to dir.
	dir := root
	if opts.MessageDir != "" {
		dir = opts.MessageDir
		// root is a real path; compare like with like.
		if d, err := filepath.EvalSymlinks(dir); err == nil {
			dir = d
		}
	}
	return &job{entry: entry, root: root, dir: dir, build: build, sourceMapOut: opts.SourceMapOut}, nil
}

// finish makes the Result of esbuild's res.
func (j *job) finish(res api.BuildResult) (*Result, error) {
	entry, root, dir := j.entry, j.root, j.dir
	if len(res.Errors) > 0 {
		return nil, &Error{Entry: entry, Messages: formatMessages(res.Errors, root, dir)}
	}

	code, err := mainOutput(res.OutputFiles)
	if err != nil {
		return nil, fmt.Errorf("bundling %s: %w", entry, err)
	}
	exports, inputs, err := readMetafile(res.Metafile)
	if err != nil {
		return nil, fmt.Errorf("bundling %s: %w", entry, err)
	}
	for i := range inputs {
		inputs[i].Path = displayPath(inputs[i].Path, root, dir)
	}
	nodeImports, err := readNodeImports(res.Metafile)
	if err != nil {
		return nil, fmt.Errorf("bundling %s: %w", entry, err)
	}
	for i := range nodeImports {
		nodeImports[i].From = displayPath(nodeImports[i].From, root, dir)
	}
	top, err := parseTopLevel(code)
	if err != nil {
		return nil, fmt.Errorf("bundling %s: %w", entry, err)
	}
	handlers, handlersKnown := top.defaultHandlers()
	size, err := gzipSize(code)
	if err != nil {
		return nil, fmt.Errorf("bundling %s: %w", entry, err)
	}
	sum := sha256.Sum256(code)
	out := &Result{Code: code, Hash: hex.EncodeToString(sum[:]), Exports: exports, ExportKinds: top.exportKinds(),
		Handlers: handlers, HandlersKnown: handlersKnown, NodeImports: nodeImports, GzipSize: size, Inputs: inputs}
	if j.sourceMapOut {
		if out.SourceMap, err = sourceMap(res.OutputFiles, root, dir); err != nil {
			return nil, fmt.Errorf("bundling %s: %w", entry, err)
		}
	}
	return out, nil
}

// sourceMap is the .map output, its sources renamed from root-relative to dir-relative.
func sourceMap(files []api.OutputFile, root, dir string) ([]byte, error) {
	for _, f := range files {
		if !strings.HasSuffix(f.Path, ".js.map") {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(f.Contents, &m); err != nil {
			return nil, fmt.Errorf("reading esbuild's source map: %w", err)
		}
		sources, _ := m["sources"].([]any)
		for i, src := range sources {
			if s, ok := src.(string); ok {
				sources[i] = displayPath(filepath.FromSlash(s), root, dir)
			}
		}
		return json.Marshal(m)
	}
	return nil, errors.New("esbuild produced no source map")
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

// readMetafile reads the entry's export names (sorted, so the result does not depend on source
// order) and the inputs of its output, largest first, from esbuild's metafile.
func readMetafile(metafile string) ([]string, []Input, error) {
	var meta struct {
		Outputs map[string]struct {
			EntryPoint string   `json:"entryPoint"`
			Exports    []string `json:"exports"`
			Inputs     map[string]struct {
				BytesInOutput int `json:"bytesInOutput"`
			} `json:"inputs"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(metafile), &meta); err != nil {
		return nil, nil, fmt.Errorf("reading esbuild metafile: %w", err)
	}
	for _, out := range meta.Outputs {
		if out.EntryPoint == "" {
			continue
		}
		exports := append([]string{}, out.Exports...)
		sort.Strings(exports)
		inputs := make([]Input, 0, len(out.Inputs))
		for path, in := range out.Inputs {
			inputs = append(inputs, Input{Path: path, Bytes: in.BytesInOutput})
		}
		sort.Slice(inputs, func(i, j int) bool {
			if inputs[i].Bytes != inputs[j].Bytes {
				return inputs[i].Bytes > inputs[j].Bytes
			}
			return inputs[i].Path < inputs[j].Path
		})
		return exports, inputs, nil
	}
	return nil, nil, errors.New("esbuild metafile lists no output for the entry point")
}

// readNodeImports lists the `node:*` modules esbuild's metafile shows the inputs importing, each
// once with its first importer (files in path order).
func readNodeImports(metafile string) ([]Import, error) {
	var meta struct {
		Inputs map[string]struct {
			Imports []struct {
				Path     string `json:"path"`
				External bool   `json:"external"`
			} `json:"imports"`
		} `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(metafile), &meta); err != nil {
		return nil, fmt.Errorf("reading esbuild metafile: %w", err)
	}
	files := make([]string, 0, len(meta.Inputs))
	for file := range meta.Inputs {
		files = append(files, file)
	}
	sort.Strings(files)
	seen := map[string]bool{}
	var out []Import
	for _, file := range files {
		for _, imp := range meta.Inputs[file].Imports {
			if imp.External && strings.HasPrefix(imp.Path, "node:") && !seen[imp.Path] {
				seen[imp.Path] = true
				out = append(out, Import{Module: imp.Path, From: file})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Module < out[j].Module })
	return out, nil
}

// gzipSize is len(code) after gzip at the default level, the way wrangler and Cloudflare's
// limit measure a Worker.
func gzipSize(code []byte) (int, error) {
	var n countingWriter
	w := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(w)
	w.Reset(&n)
	if _, err := w.Write(code); err != nil {
		return 0, fmt.Errorf("measuring gzip size: %w", err)
	}
	if err := w.Close(); err != nil {
		return 0, fmt.Errorf("measuring gzip size: %w", err)
	}
	return int(n), nil
}

// gzipWriters are reused: a new one allocates about a megabyte of tables, more than most
// bundles it measures.
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}

// countingWriter counts what is written to it and keeps none of it.
type countingWriter int

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

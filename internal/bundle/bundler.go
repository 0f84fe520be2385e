package bundle

import (
	"fmt"
	"slices"
	"sync"

	"github.com/evanw/esbuild/pkg/api"
)

// What a Bundler keeps when its Contexts and CodeBytes are zero: enough for a stack's Workers
// to share a few entries, while a context's parsed files (several times its code's size) stay
// within a few hundred megabytes.
const (
	defaultContexts  = 16
	defaultCodeBytes = 16 << 20
)

// Bundler bundles entries again and again for less than Bundle: a stack of many Workers built
// from one entry has each bundled once per operation. For each entry and its options it keeps
// esbuild's build context, whose rebuild reads every file and directory again (so an edit, or a
// new file that changes what an import resolves to, is always seen) but parses again only the
// files whose contents changed. Callers asking while a rebuild of the same context runs get that
// rebuild's output (esbuild's own rule): files as they were at most one rebuild before the call.
// When the output is what the context last made, its Result is returned again rather than
// measured and parsed anew: Results are shared and must not be changed. The zero Bundler is ready
// for use, and it is safe for concurrent use.
type Bundler struct {
	// Contexts is how many build contexts to keep, the least recently used dropped first; zero
	// means 16. Each holds its entry's files parsed.
	Contexts int
	// CodeBytes bounds the size of the code the kept contexts last made, which stands for the
	// size of the files they hold parsed; zero means 16 MB.
	CodeBytes int

	mu       sync.Mutex
	contexts map[string]*buildContext
	clock    uint64 // counts uses, for least recently used
}

// buildContext is one entry's esbuild context and the last Result it made.
type buildContext struct {
	ctx api.BuildContext
	// Guarded by Bundler.mu:
	users int    // callers between take and release
	used  uint64 // the Bundler's clock at the last take
	last  *made
}

// size is the size of the code bc last made. Callers hold Bundler.mu.
func (bc *buildContext) size() int {
	if bc.last == nil {
		return 0
	}
	return len(bc.last.result.Code)
}

// made is a build's output and the Result made of it.
type made struct {
	dir      string
	metafile string
	outputs  []api.OutputFile
	result   *Result
}

// Bundle bundles opts.Entry as the package-level Bundle does, the same bytes for the same files.
func (b *Bundler) Bundle(opts Options) (*Result, error) {
	j, err := newJob(opts)
	if err != nil {
		return nil, err
	}
	bc, err := b.take(j)
	if err != nil {
		return nil, err
	}
	defer b.release(bc)
	res := bc.ctx.Rebuild()
	if len(res.Errors) > 0 {
		return j.finish(res)
	}
	b.mu.Lock()
	last := bc.last
	b.mu.Unlock()
	if last != nil && last.same(j.dir, res) {
		return last.result, nil
	}
	out, err := j.finish(res)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	bc.last = &made{dir: j.dir, metafile: res.Metafile, outputs: res.OutputFiles, result: out}
	b.mu.Unlock()
	return out, nil
}

// same reports whether m was made in dir from the output res carries.
func (m *made) same(dir string, res api.BuildResult) bool {
	return m.dir == dir && m.metafile == res.Metafile && slices.EqualFunc(m.outputs, res.OutputFiles,
		func(a, b api.OutputFile) bool { return a.Path == b.Path && string(a.Contents) == string(b.Contents) })
}

// take returns j's context, made if need be, marked in use.
func (b *Bundler) take(j *job) (*buildContext, error) {
	key := contextKey(j.build)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.clock++
	if bc := b.contexts[key]; bc != nil {
		bc.users++
		bc.used = b.clock
		return bc, nil
	}
	ctx, cerr := api.Context(j.build)
	if cerr != nil {
		// Options esbuild refuses (a define that is not JavaScript, say): api.Build reports them
		// as the build's errors.
		return nil, &Error{Entry: j.entry, Messages: formatMessages(cerr.Errors, j.root, j.dir)}
	}
	bc := &buildContext{ctx: ctx, users: 1, used: b.clock}
	if b.contexts == nil {
		b.contexts = map[string]*buildContext{}
	}
	b.contexts[key] = bc
	b.evict()
	return bc, nil
}

// release marks bc no longer in use by one caller.
func (b *Bundler) release(bc *buildContext) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bc.users--
}

// evict drops the least recently used contexts not in use while more than the limits are kept.
// A context in use is never dropped: a disposed one builds nothing. Callers hold mu.
func (b *Bundler) evict() {
	limit, bytes := b.Contexts, b.CodeBytes
	if limit <= 0 {
		limit = defaultContexts
	}
	if bytes <= 0 {
		bytes = defaultCodeBytes
	}
	size := 0
	for _, bc := range b.contexts {
		size += bc.size()
	}
	for len(b.contexts) > limit || size > bytes {
		var oldest string
		for key, bc := range b.contexts {
			if bc.users == 0 && (oldest == "" || bc.used < b.contexts[oldest].used) {
				oldest = key
			}
		}
		if oldest == "" {
			return // every one in use: the next take evicts
		}
		b.contexts[oldest].ctx.Dispose()
		size -= b.contexts[oldest].size()
		delete(b.contexts, oldest)
	}
}

// contextKey names the esbuild options that make a context: all of them (fmt prints maps in key
// order), so two jobs with the same key build the same thing whatever option is added later.
func contextKey(o api.BuildOptions) string { return fmt.Sprintf("%#v", o) }

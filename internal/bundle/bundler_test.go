package bundle

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A Bundler makes what Bundle makes, and bundling unchanged files again returns the same Result.
func TestBundlerMatchesBundleAndReusesItsResult(t *testing.T) {
	entry := writeProject(t, doProject())
	for _, opts := range []Options{
		{Entry: entry},
		{Entry: entry, Sourcemap: true, Minify: true},
		{Entry: entry, SourceMapOut: true, MessageDir: filepath.Dir(entry)},
	} {
		want, err := Bundle(opts)
		require.NoError(t, err)
		var b Bundler
		first, err := b.Bundle(opts)
		require.NoError(t, err)
		assert.Equal(t, want, first, "the same Result as Bundle's (%+v)", opts)
		again, err := b.Bundle(opts)
		require.NoError(t, err)
		assert.Same(t, first, again, "unchanged files: the Result made before")
	}
}

// Each bundle reads the files again: an edit to an imported file is in the next bundle, and so
// is a new file that an import now resolves to (esbuild prefers .ts to .js).
func TestBundlerSeesEditsAndNewFiles(t *testing.T) {
	entry := writeProject(t, map[string]string{
		"src/index.ts":  "import { answer } from \"./answer\";\nexport default { fetch() { return new Response(answer); } };\n",
		"src/answer.js": "export const answer = \"from js\";\n",
	})
	var b Bundler
	res, err := b.Bundle(Options{Entry: entry})
	require.NoError(t, err)
	assert.Contains(t, string(res.Code), `"from js"`)

	answerJS := filepath.Join(filepath.Dir(entry), "answer.js")
	require.NoError(t, os.WriteFile(answerJS, []byte("export const answer = \"edited\";\n"), 0o644))
	res, err = b.Bundle(Options{Entry: entry})
	require.NoError(t, err)
	assert.Contains(t, string(res.Code), `"edited"`)

	require.NoError(t, os.WriteFile(filepath.Join(filepath.Dir(entry), "answer.ts"), []byte("export const answer: string = \"from ts\";\n"), 0o644))
	res, err = b.Bundle(Options{Entry: entry})
	require.NoError(t, err)
	assert.Contains(t, string(res.Code), `"from ts"`, "the new answer.ts shadows answer.js")
	want, err := Bundle(Options{Entry: entry})
	require.NoError(t, err)
	assert.Equal(t, want.Hash, res.Hash)
}

// A build that fails reports as Bundle does, and once the file is fixed the same context builds.
func TestBundlerErrorThenFix(t *testing.T) {
	entry := writeProject(t, map[string]string{
		"src/index.ts": "export default {\n  fetch() {\n    let x y = 1;\n  },\n};\n",
	})
	var b Bundler
	_, want := Bundle(Options{Entry: entry})
	_, err := b.Bundle(Options{Entry: entry})
	require.Error(t, err)
	assert.Equal(t, want.Error(), err.Error())
	var berr *Error
	require.ErrorAs(t, err, &berr)

	require.NoError(t, os.WriteFile(entry, []byte("export default { fetch() { return new Response(\"fixed\"); } };\n"), 0o644))
	res, err := b.Bundle(Options{Entry: entry})
	require.NoError(t, err)
	assert.Contains(t, string(res.Code), `"fixed"`)
}

// Options esbuild refuses are the entry's error, as from Bundle.
func TestBundlerRefusedOptions(t *testing.T) {
	entry := writeProject(t, doProject())
	opts := Options{Entry: entry, Define: map[string]string{"STAGE": "not valid javascript ("}}
	_, want := Bundle(opts)
	require.Error(t, want)
	var b Bundler
	_, err := b.Bundle(opts)
	require.Error(t, err)
	assert.Equal(t, want.Error(), err.Error())
}

// Options that differ make different bundles; past Contexts kept, the least recently used go,
// and bundling through a dropped context's options makes a new one.
func TestBundlerKeepsContextsPerOptions(t *testing.T) {
	entry := writeProject(t, map[string]string{
		"src/index.ts": "declare const STAGE: string;\nexport default { fetch() { return new Response(STAGE); } };\n",
	})
	b := Bundler{Contexts: 2}
	stage := func(s string) Options {
		return Options{Entry: entry, Define: map[string]string{"STAGE": `"` + s + `"`}}
	}
	for _, s := range []string{"dev", "prod", "test", "dev"} {
		res, err := b.Bundle(stage(s))
		require.NoError(t, err)
		assert.Contains(t, string(res.Code), `"`+s+`"`)
		assert.LessOrEqual(t, len(b.contexts), 2)
	}
	_, kept := b.contexts[contextKey(mustJob(t, stage("dev")).build)]
	assert.True(t, kept, "the newest is kept")
	_, kept = b.contexts[contextKey(mustJob(t, stage("prod")).build)]
	assert.False(t, kept, "the least recently used went")

	small := Bundler{CodeBytes: 1}
	for _, s := range []string{"dev", "prod"} {
		_, err := small.Bundle(stage(s))
		require.NoError(t, err)
	}
	assert.Len(t, small.contexts, 1, "past CodeBytes, only the context in use stays")
	_, kept = small.contexts[contextKey(mustJob(t, stage("prod")).build)]
	assert.True(t, kept)
}

// Many callers at once on one entry each get the bundle (run with -race).
func TestBundlerConcurrentCallers(t *testing.T) {
	entry := writeProject(t, doProject())
	want, err := Bundle(Options{Entry: entry})
	require.NoError(t, err)
	b := Bundler{Contexts: 1}
	other := writeProject(t, doProject())
	var wg sync.WaitGroup
	hashes := make([]string, 40)
	for i := range hashes {
		wg.Go(func() {
			e := entry
			if i%4 == 0 {
				e = other // contends for the one context slot
			}
			res, err := b.Bundle(Options{Entry: e})
			if assert.NoError(t, err) {
				hashes[i] = res.Hash
			}
		})
	}
	wg.Wait()
	for _, h := range hashes {
		assert.Equal(t, want.Hash, h)
	}
}

func mustJob(t *testing.T, opts Options) *job {
	t.Helper()
	j, err := newJob(opts)
	require.NoError(t, err)
	return j
}

// BenchmarkBundlerCounter bundles the counter Worker again and again through one Bundler, as a
// stack of Workers sharing its entry has it bundled: against BenchmarkBundleCounter.
func BenchmarkBundlerCounter(b *testing.B) {
	entry := counterEntry(b)
	b.ReportAllocs()
	var bundler Bundler
	for b.Loop() {
		if _, err := bundler.Bundle(Options{Entry: entry}); err != nil {
			b.Fatal(err)
		}
	}
}

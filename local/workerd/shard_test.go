package workerd

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shardOf returns the name of the shard serving script.
func (s *testSupervisor) shardOf(script string) string {
	s.imu.RLock()
	defer s.imu.RUnlock()
	if sh := s.index[script]; sh != nil {
		return sh.name
	}
	return ""
}

func counters(t *testing.T, n int) []Script {
	var out []Script
	for i := range n {
		out = append(out, runnableCounter(t, fmt.Sprintf("c%02d", i)))
	}
	return out
}

// TestReloadTouchesOnlyTheChangedShard: scripts fill shards of shardSize; changing one script
// builds the config of its shard only and restarts that shard only, and the data of every
// counter survives.
func TestReloadTouchesOnlyTheChangedShard(t *testing.T) {
	s := newTestSupervisor(t, t.TempDir())
	scripts := counters(t, shardSize+2)
	require.NoError(t, s.apply(t, scripts...))
	require.Len(t, s.shardPIDs(), 2)
	assert.Equal(t, s.shardOf("c00"), s.shardOf(fmt.Sprintf("c%02d", shardSize-1)))
	assert.NotEqual(t, s.shardOf("c00"), s.shardOf(fmt.Sprintf("c%02d", shardSize)))
	for _, sc := range scripts {
		require.Equal(t, 1, s.count(t, sc.Name, http.MethodPost, "/x"))
	}

	before := s.shardPIDs()
	built := s.configsBuilt
	require.NoError(t, s.apply(t, scripts...))
	assert.Equal(t, built, s.configsBuilt, "the same scripts again build no config")
	assert.Equal(t, before, s.shardPIDs())

	last := len(scripts) - 1
	scripts[last].Modules[0].Content = append(scripts[last].Modules[0].Content, "\n// v2\n"...)
	require.NoError(t, s.apply(t, scripts...))
	assert.Equal(t, built+1, s.configsBuilt, "only the changed shard's config is built")
	after := s.shardPIDs()
	assert.Equal(t, before[0], after[0], "the untouched shard keeps its process")
	assert.NotEqual(t, before[1], after[1], "the changed shard restarts")
	for _, sc := range scripts {
		assert.Equal(t, 1, s.count(t, sc.Name, http.MethodGet, "/x"), sc.Name)
	}

	// Removing the second shard's scripts stops its process and leaves the first alone.
	require.NoError(t, s.apply(t, scripts[:shardSize]...))
	assert.Equal(t, []int{before[0]}, s.shardPIDs())
	_, ok := s.Addr(scripts[last].Name)
	assert.False(t, ok)
}

// TestBindingMergesShards: a binding to a script of another shard brings both shards into one
// process, where the binding works.
func TestBindingMergesShards(t *testing.T) {
	s := newTestSupervisor(t, t.TempDir())
	scripts := counters(t, shardSize+1)
	require.NoError(t, s.apply(t, scripts...))
	require.Len(t, s.shardPIDs(), 2)
	require.Equal(t, 1, s.count(t, "c00", http.MethodPost, "/shared"))

	client := Script{
		Name:              fmt.Sprintf("c%02d", shardSize),
		Modules:           []Module{{Name: "client.js", Content: readTestdata(t, "client.js")}},
		CompatibilityDate: "2025-11-17",
		Bindings:          []Binding{doBinding("REMOTE", "Counter", "c00")},
	}
	scripts[shardSize] = client
	require.NoError(t, s.apply(t, scripts...))
	require.Len(t, s.shardPIDs(), 1, "the two shards merged")
	assert.Equal(t, s.shardOf("c00"), s.shardOf(client.Name))
	out := s.callJSON(t, client.Name, http.MethodPost, "/shared")
	assert.Equal(t, float64(2), out["count"], "the client reaches c00's object, data kept")
}

// TestBadShardLeavesAllShardsAsTheyWere: when one of two changed shards fails to start,
// neither is swapped, and the one that started is stopped again.
func TestBadShardLeavesAllShardsAsTheyWere(t *testing.T) {
	s := newTestSupervisor(t, t.TempDir())
	scripts := counters(t, shardSize+1)
	require.NoError(t, s.apply(t, scripts...))
	before := s.shardPIDs()

	scripts[0].Modules[0].Content = append(scripts[0].Modules[0].Content, "\n// v2\n"...)
	scripts[shardSize].Modules[0].Content = []byte(`throw new Error("bad shard")`)
	err := s.apply(t, scripts...)
	var cfgErr *ConfigError
	require.ErrorAs(t, err, &cfgErr)
	assert.Contains(t, cfgErr.Message, "bad shard")
	assert.Equal(t, before, s.shardPIDs(), "no shard was swapped")
	assert.ElementsMatch(t, before, s.servingWorkerds(t), "the good shard's new process is gone again")
}

// TestScriptsRemovedWithoutRestart: a shard that only loses scripts keeps its process (no
// validation run, no gap for the scripts it keeps), the removed script has no address at once,
// and the others keep their data; the next change of the shard restarts it without them.
func TestScriptsRemovedWithoutRestart(t *testing.T) {
	s := newTestSupervisor(t, t.TempDir())
	require.NoError(t, s.apply(t, runnableCounter(t, "a"), runnableCounter(t, "b"), runnableCounter(t, "c")))
	assert.Equal(t, 1, s.count(t, "a", http.MethodPost, "/x"))
	assert.Equal(t, 1, s.count(t, "c", http.MethodPost, "/x"))
	before := s.pid()

	require.NoError(t, s.apply(t, runnableCounter(t, "a"), runnableCounter(t, "b")))
	assert.Equal(t, before, s.pid(), "the shard's process keeps running")
	assert.True(t, s.logs.contains("scripts removed only"))
	_, ok := s.Addr("c")
	assert.False(t, ok, "c is gone")
	assert.Equal(t, 1, s.count(t, "a", http.MethodGet, "/x"), "a kept its data")

	changed := runnableCounter(t, "a")
	changed.Modules[0].Content = append(changed.Modules[0].Content, "\n// v2\n"...)
	require.NoError(t, s.apply(t, changed, runnableCounter(t, "b")))
	assert.NotEqual(t, before, s.pid(), "a changed script restarts the shard")
	assert.Equal(t, 1, s.count(t, "a", http.MethodGet, "/x"), "a kept its data through the restart")
	assert.Equal(t, 0, s.count(t, "b", http.MethodGet, "/x"))
}

// TestValidatesOnlyNewOrChangedScripts: validation is skipped only for a subset of the running, unchanged scripts.
func TestValidatesOnlyNewOrChangedScripts(t *testing.T) {
	sh := &shard{}
	a, b := runnableCounter(t, "a"), runnableCounter(t, "b")
	cfg := func(scripts ...Script) *config {
		c, err := buildConfig(scripts, t.TempDir())
		require.NoError(t, err)
		return c
	}
	assert.True(t, sh.validates(cfg(a)), "nothing runs yet")
	sh.good = &generation{cfg: cfg(a, b)}
	assert.False(t, sh.validates(cfg(a)), "a subset")
	assert.False(t, sh.validates(cfg(b, a)), "the same scripts")
	assert.True(t, sh.validates(cfg(a, runnableCounter(t, "c"))), "a new script")
	flagged := runnableCounter(t, "a")
	flagged.CompatibilityFlags = append(flagged.CompatibilityFlags, "another_flag")
	assert.True(t, sh.validates(cfg(flagged)), "a changed script")
	valued := runnableCounter(t, "a")
	valued.Bindings = append(valued.Bindings, Binding{Name: "KEY", Kind: "text", Value: Text("one")})
	sh.good = &generation{cfg: cfg(valued)}
	revalued := runnableCounter(t, "a")
	revalued.Bindings = append(revalued.Bindings, Binding{Name: "KEY", Kind: "text", Value: Text("two")})
	assert.True(t, sh.validates(cfg(revalued)), "a binding's new value alone is a changed script")
}

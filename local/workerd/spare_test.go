package workerd

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sparePID waits for the spare workerd of the flags and returns its pid.
func (s *testSupervisor) sparePID(tb testing.TB, experimental bool) int {
	tb.Helper()
	var pid int
	require.Eventually(tb, func() bool {
		s.spares.mu.Lock()
		defer s.spares.mu.Unlock()
		if w := s.spares.ready[experimental]; w != nil {
			pid = w.p.cmd.Process.Pid
		}
		return pid != 0
	}, waitLimit, 5*time.Millisecond, "no spare workerd")
	return pid
}

// TestReloadRunsOnTheSpare: after a reload a spare waits, the next reload runs the new config in
// it, and a spare waits again.
func TestReloadRunsOnTheSpare(t *testing.T) {
	s := newTestSupervisor(t, t.TempDir())
	v1 := runnableCounter(t, "c")
	require.NoError(t, s.apply(t, v1))
	assert.Equal(t, 1, s.count(t, "c", http.MethodPost, "/x"))
	spare := s.sparePID(t, false)

	v2 := runnableCounter(t, "c")
	v2.Bindings = append(v2.Bindings, textBinding("GREETING", "v2"))
	require.NoError(t, s.apply(t, v2))
	assert.Equal(t, spare, s.pid(), "the reload ran on the spare")
	assert.Equal(t, 2, s.count(t, "c", http.MethodPost, "/x"), "the object's data is kept")
	assert.NotEqual(t, spare, s.sparePID(t, false), "a new spare waits")
}

// TestDeadSpareIsNotUsed: a spare that died meanwhile is skipped; the reload starts its own.
func TestDeadSpareIsNotUsed(t *testing.T) {
	s := newTestSupervisor(t, t.TempDir())
	require.NoError(t, s.apply(t, runnableCounter(t, "c")))
	spare := s.sparePID(t, false)
	kill(t, spare)
	require.Eventually(t, func() bool {
		s.spares.mu.Lock()
		defer s.spares.mu.Unlock()
		return s.spares.ready[false].p.exited()
	}, waitLimit, 5*time.Millisecond)

	v2 := runnableCounter(t, "c")
	v2.Bindings = append(v2.Bindings, textBinding("GREETING", "v2"))
	require.NoError(t, s.apply(t, v2))
	assert.NotEqual(t, spare, s.pid())
	assert.Equal(t, 1, s.count(t, "c", http.MethodPost, "/x"))
}

// TestCloseStopsSpares: no spare outlives Close, and Close starts none.
func TestCloseStopsSpares(t *testing.T) {
	s := newTestSupervisor(t, t.TempDir())
	require.NoError(t, s.apply(t, runnableCounter(t, "c")))
	spare := s.sparePID(t, false)
	require.NoError(t, s.Close())
	requireExited(t, spare, "spare")
	assert.Empty(t, childWorkerds(t))
}

// TestEncodeRefusesUnknownField: a field layout.go has no line for is an error naming it, never
// a config silently missing it.
func TestEncodeRefusesUnknownField(t *testing.T) {
	_, err := encode(Struct(Field{"services", List(Struct(Field{"name", Text("a")},
		Field{"worker", Struct(Field{"bindings", List(Struct(Field{"name", Text("X")}, Field{"hyperdrive", Struct()}))})}))}))
	assert.ErrorContains(t, err, "Worker.Binding.hyperdrive: no such field")
	_, err = encode(Struct(Field{"sockets", Text("x")}))
	assert.ErrorContains(t, err, "Config.sockets: want a list")
}

// TestLargeConfigReachesWorkerd: a config far larger than a pipe's buffer (64 KiB) reaches
// workerd whole: the module and a text binding of 2 MiB each.
func TestLargeConfigReachesWorkerd(t *testing.T) {
	s := newTestSupervisor(t, t.TempDir())
	big := strings.Repeat("x", 2<<20)
	module := fmt.Sprintf("const pad = %q;\nexport default { fetch(req, env) { return new Response(pad.length + \" \" + env.BIG.length) } }", big)
	require.NoError(t, s.apply(t, Script{
		Name:              "big",
		Modules:           []Module{{Name: "index.js", Content: []byte(module)}},
		CompatibilityDate: "2025-11-17",
		Bindings:          []Binding{textBinding("BIG", big)},
	}))
	status, body := s.call(t, "big", http.MethodGet, "/")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, fmt.Sprintf("%d %d", len(big), len(big)), body)
}

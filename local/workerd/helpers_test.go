package workerd

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// waitLimit bounds a wait for an event (a log line, a process starting or exiting), so that a
// broken build fails instead of hanging: generous, since it is no check of speed and the test
// machines are shared.
const waitLimit = time.Minute

// requireWorkerd returns the workerd binary, failing the test when it is not installed: a test
// skipped for want of workerd would pass having checked nothing.
func requireWorkerd(tb testing.TB) string {
	tb.Helper()
	bin, err := FindBinary()
	if err != nil {
		tb.Fatalf("this test runs the real workerd: %v", err)
	}
	return bin
}

// logSink collects log lines for assertions and forwards them to the test log.
type logSink struct {
	tb    testing.TB
	mu    sync.Mutex
	lines []string
}

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, string(p))
	if testing.Verbose() {
		l.tb.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (l *logSink) contains(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

// testSupervisor is a Supervisor on dir whose Close is checked to leave no process behind.
type testSupervisor struct {
	*Supervisor
	logs *logSink
	pids []int
}

func newTestSupervisor(tb testing.TB, dir string) *testSupervisor {
	tb.Helper()
	bin := requireWorkerd(tb)
	logs := &logSink{tb: tb}
	s := &testSupervisor{
		Supervisor: NewSupervisor(Options{Binary: bin, Dir: dir, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}),
		logs:       logs,
	}
	tb.Cleanup(func() { s.close(tb) })
	return s
}

// close closes the supervisor and checks every workerd it saw is gone.
func (s *testSupervisor) close(tb testing.TB) {
	tb.Helper()
	s.notePID()
	require.NoError(tb, s.Close())
	for _, pid := range s.pids {
		requireExited(tb, pid, "workerd")
	}
}

// pid returns the pid of the process serving the first shard, or 0: most tests run one shard.
func (s *testSupervisor) pid() int {
	if pids := s.shardPIDs(); len(pids) > 0 {
		return pids[0]
	}
	return 0
}

// shardPIDs returns the pids of the processes serving the shards, in shard order.
func (s *testSupervisor) shardPIDs() []int {
	s.op.Lock()
	shards := slices.Clone(s.shards)
	s.op.Unlock()
	var pids []int
	for _, sh := range shards {
		sh.mu.RLock()
		if sh.cur != nil {
			pids = append(pids, sh.cur.cmd.Process.Pid)
		}
		sh.mu.RUnlock()
	}
	return pids
}

// notePID remembers the serving processes so that close can check they are gone.
func (s *testSupervisor) notePID() {
	s.pids = append(s.pids, s.shardPIDs()...)
}

func (s *testSupervisor) apply(tb testing.TB, scripts ...Script) error {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s.notePID()
	err := s.Apply(ctx, scripts)
	s.notePID()
	return err
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

// call sends one request to script and returns the status and body.
func (s *testSupervisor) call(tb testing.TB, script, method, path string) (int, string) {
	tb.Helper()
	addr, ok := s.Addr(script)
	require.True(tb, ok, "no address for script %q", script)
	req, err := http.NewRequest(method, "http://"+addr+path, nil)
	require.NoError(tb, err)
	resp, err := httpClient.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	return resp.StatusCode, string(body)
}

// callJSON sends one request and decodes a 200 JSON answer.
func (s *testSupervisor) callJSON(tb testing.TB, script, method, path string) map[string]any {
	tb.Helper()
	status, body := s.call(tb, script, method, path)
	require.Equal(tb, http.StatusOK, status, "body: %s", body)
	var out map[string]any
	require.NoError(tb, json.NewDecoder(bytes.NewReader([]byte(body))).Decode(&out), "body: %s", body)
	return out
}

// count sends one request to a counter and returns its count.
func (s *testSupervisor) count(tb testing.TB, script, method, path string) int {
	tb.Helper()
	out := s.callJSON(tb, script, method, path)
	n, ok := out["count"].(float64)
	require.True(tb, ok, "no count in %v", out)
	return int(n)
}

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(tb, err)
	return data
}

// runnableCounter is the Counter worker as the script name.
func runnableCounter(tb testing.TB, name string) Script {
	return Script{
		Name:               name,
		MainModule:         "index.js",
		Modules:            []Module{{Name: "index.js", Content: readTestdata(tb, "counter.js")}},
		CompatibilityDate:  "2025-11-17",
		CompatibilityFlags: []string{"nodejs_compat"},
		Bindings:           []Binding{doBinding("COUNTER", "Counter", "")},
		Classes:            []Class{{Name: "Counter", SQLite: true}},
	}
}

// doBinding is a Durable Object binding as the local Cloudflare maps one: the class, and the
// hosting script when it is another one.
func doBinding(name, class, script string) Binding {
	fields := []Field{{"className", Text(class)}}
	b := Binding{Name: name, Kind: "durableObjectNamespace"}
	if script != "" {
		fields = append(fields, Field{"serviceName", Text(script)})
		b.Scripts = []string{script}
	}
	b.Value = Struct(fields...)
	return b
}

func textBinding(name, text string) Binding {
	return Binding{Name: name, Kind: "text", Value: Text(text)}
}

// servingWorkerds is childWorkerds without the spare processes (spare.go), once the spares on
// their way have started.
func (s *testSupervisor) servingWorkerds(tb testing.TB) []int {
	tb.Helper()
	var spares []int
	require.Eventually(tb, func() bool {
		s.spares.mu.Lock()
		defer s.spares.mu.Unlock()
		spares = spares[:0]
		for _, w := range s.spares.ready {
			spares = append(spares, w.p.cmd.Process.Pid)
		}
		return !slices.Contains(slices.Collect(maps.Values(s.spares.refilling)), true)
	}, waitLimit, 5*time.Millisecond)
	return slices.DeleteFunc(childWorkerds(tb), func(pid int) bool { return slices.Contains(spares, pid) })
}

// childWorkerds returns the pids of the workerd processes this test binary started that are
// still running, from /proc (the tests run on Linux).
func childWorkerds(tb testing.TB) []int {
	tb.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(tb, err)
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid ...: comm may hold spaces, so parse after its closing paren.
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		fields := strings.Fields(s[i+1:])
		if !strings.Contains(s[:i], "(workerd") || len(fields) < 2 || fields[0] == "Z" {
			continue
		}
		if ppid, _ := strconv.Atoi(fields[1]); ppid == os.Getpid() {
			pids = append(pids, pid)
		}
	}
	return pids
}

//go:build e2e

package e2e

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lumier-dev/lumier/internal/benchsize"
)

// scaleSizes are the stack sizes BenchmarkWorkersScale deploys: LUMIER_BENCH_SCALE
// ("10,100") or 10, 100, 300 and 1,000 Workers.
func scaleSizes(tb testing.TB) []int {
	sizes, err := benchsize.FromEnv("LUMIER_BENCH_SCALE", []int{10, 100, 300, 1000})
	if err != nil {
		tb.Fatal(err)
	}
	return sizes
}

// scaleStack writes a Pulumi YAML project of n Workers, each hosting the counter's Durable Object
// class and binding it (the shape of examples/yaml, n times), next to a copy of the counter's
// code, and returns its directory.
func scaleStack(tb testing.TB, n int) string {
	tb.Helper()
	root := tb.TempDir()
	copyDir(tb, filepath.Join(repoRoot, "examples", "counter", "src"), filepath.Join(root, "counter", "src"))
	var b strings.Builder
	fmt.Fprintf(&b, "name: scale\nruntime: yaml\nplugins:\n  providers:\n    - name: lumier\n      path: %s\nresources:\n", providerDir)
	for i := range n {
		fmt.Fprintf(&b, `  w%03[1]d:
    type: lumier:index:Worker
    properties:
      entry: ../counter/src/index.ts
      durableObjects:
        - className: Counter
      bindings:
        COUNTER:
          type: durable_object
          className: Counter
      deleteData: true
  c%03[1]d:
    type: lumier:index:DurableObject
    properties:
      worker: ${w%03[1]d.scriptName}
      className: Counter
      namespaceId: ${w%03[1]d.namespaceIds["Counter"]}
`, i)
	}
	dir := filepath.Join(root, "scale")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// scaleRow is one line of BenchmarkWorkersScale's table.
type scaleRow struct {
	n                     int
	first, noop, teardown time.Duration
	firstCalls, noopCalls map[string]int
	// peak is the local Cloudflare's highest memory during the first up and the no-op up: that of
	// its workerd processes (see memory) plus the Go heap in use of this process, which holds the
	// local Cloudflare's API server (and the benchmark's harness).
	peak memory
}

// memory is one sample of the local Cloudflare's memory.
//
// The workerd processes share the pages of their binary (about 40 MB that each touches), which
// each one's resident size counts in full: summed over a hundred processes, the resident sizes
// say several times the memory taken from the machine. So workerd's figure counts each process's
// private pages (RssAnon and RssShmem in /proc/<pid>/status) and the file pages once, as the
// largest RssFile of any of them: the processes run the same binary. Their proportional set sizes
// (Pss in smaps_rollup) say about the same (docs/performance.md), but reading one walks the
// process's memory map under its lock, 25 times as long as reading its status.
type memory struct {
	workerd   int64 // bytes: the private pages summed over the workerd processes, the file pages once
	rss       int64 // bytes: the resident sizes summed over the same processes, for comparison
	processes int   // how many workerd processes
	goHeap    int64 // bytes of Go heap in use in this process
}

func (m memory) total() int64 { return m.workerd + m.goHeap }

// sampleMemory samples the local Cloudflare's memory every interval until stop is called, which
// returns the sample with the highest total.
func sampleMemory(interval time.Duration) (stop func() memory) {
	var (
		mu   sync.Mutex
		peak memory
	)
	take := func() {
		m := workerdMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		m.goHeap = int64(ms.HeapInuse)
		mu.Lock()
		if m.total() > peak.total() {
			peak = m
		}
		mu.Unlock()
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			take()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() memory {
		close(done)
		<-finished
		take()
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// workerdMemory measures this process's workerd children (the local Cloudflare's shards and its
// spare) from /proc/<pid>/status, as memory says. Zero where /proc does not exist.
func workerdMemory() memory {
	var (
		m    memory
		file int64 // the largest RssFile
	)
	entries, _ := os.ReadDir("/proc")
	self := strconv.Itoa(os.Getpid())
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		status, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			continue
		}
		fields := map[string]string{}
		for line := range strings.Lines(string(status)) {
			if k, v, ok := strings.Cut(line, ":"); ok {
				fields[k] = strings.TrimSpace(v)
			}
		}
		if fields["Name"] != "workerd" || fields["PPid"] != self {
			continue
		}
		m.workerd += kB(fields["RssAnon"]) + kB(fields["RssShmem"])
		file = max(file, kB(fields["RssFile"]))
		m.rss += kB(fields["VmRSS"])
		m.processes++
	}
	m.workerd += file
	return m
}

// kB is a /proc figure such as "1024 kB", in bytes.
func kB(v string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSuffix(v, " kB"), 10, 64)
	return n * 1024
}

// BenchmarkWorkersScale deploys YAML stacks of N Workers (each hosting a Durable Object class and
// binding it) to an in-process local Cloudflare with the pulumi CLI, and prints the wall time of
// the first `up`, a no-op `up` and `destroy`, the local Cloudflare's peak memory and the API calls
// per `up`. Each size runs scaleRuns times on a new local Cloudflare, the sizes in turn round by
// round, and its row is the median run (see medianRow): one run of 1,000 Workers on a shared
// machine varied by a tenth between runs. Run it with -benchtime 1x (`make bench` does): the
// figures are printed, not asserted.
func BenchmarkWorkersScale(b *testing.B) {
	ctx := testContext(b, 3*time.Hour)
	runs := scaleRuns(b)
	var rows [][]scaleRow // by size, each run
	sizes := scaleSizes(b)
	for b.Loop() {
		rows = make([][]scaleRow, len(sizes))
		// Round by round, every size in each: the machine's speed drifts over minutes, and
		// sizes run in turn meet the same drift.
		for range runs {
			for i, n := range sizes {
				rows[i] = append(rows[i], deployScale(b, ctx, n))
			}
		}
	}
	var medians []scaleRow
	for _, sized := range rows {
		medians = append(medians, medianRow(sized))
	}
	for _, r := range medians {
		b.ReportMetric(r.first.Seconds(), fmt.Sprintf("first-up-s/N=%d", r.n))
	}
	fmt.Print(scaleTable(medians, rows))
}

// deployScale deploys a stack of n Workers on a new local Cloudflare, then updates it with no
// change and destroys it, and returns the row of that run.
func deployScale(b *testing.B, ctx context.Context, n int) scaleRow {
	c := startCloud(b)
	dir := scaleStack(b, n)
	env := c.env(b.TempDir())
	pulumi := func(args ...string) time.Duration {
		start := time.Now()
		if out, err := runPulumi(b, ctx, dir, env, args...); err != nil {
			b.Fatalf("N=%d: pulumi %s: %v\n%s", n, strings.Join(args, " "), err, out)
		}
		return time.Since(start)
	}
	pulumi("stack", "init", "bench")
	row := scaleRow{n: n}
	c.ResetCalls()
	stop := sampleMemory(200 * time.Millisecond)
	row.first = pulumi("up", "--yes", "--skip-preview")
	row.firstCalls = c.Calls()
	if got := len(c.Scripts()); got != n {
		b.Fatalf("N=%d: %d scripts on the local Cloudflare after up", n, got)
	}
	c.ResetCalls()
	row.noop = pulumi("up", "--yes", "--skip-preview", "--expect-no-changes")
	row.noopCalls = c.Calls()
	row.peak = stop()
	row.teardown = pulumi("destroy", "--yes", "--skip-preview")
	if got := len(c.Scripts()); got != 0 {
		b.Fatalf("N=%d: %d scripts left after destroy", n, got)
	}
	if err := c.Close(); err != nil {
		b.Fatalf("N=%d: stopping the local Cloudflare: %v", n, err)
	}
	return row
}

// scaleRuns is how many times BenchmarkWorkersScale deploys each size: LUMIER_BENCH_SCALE_RUNS,
// else 3.
func scaleRuns(tb testing.TB) int {
	runs, err := benchsize.FromEnv("LUMIER_BENCH_SCALE_RUNS", []int{3})
	if err != nil || len(runs) != 1 {
		tb.Fatalf("LUMIER_BENCH_SCALE_RUNS: want one count of runs, such as 3 (%v)", err)
	}
	return runs[0]
}

// medianRow is the median of one size's runs, figure by figure: the first up, the no-op up, the
// destroy and the peak memory each of the run in the middle for that figure (the lower middle
// of an even count). The API calls are those of the run with the median first up.
func medianRow(runs []scaleRow) scaleRow {
	middle := func(less func(a, b scaleRow) int) scaleRow {
		sorted := slices.Clone(runs)
		slices.SortStableFunc(sorted, less)
		return sorted[(len(sorted)-1)/2]
	}
	row := middle(func(a, b scaleRow) int { return cmp.Compare(a.first, b.first) })
	row.noop = middle(func(a, b scaleRow) int { return cmp.Compare(a.noop, b.noop) }).noop
	row.teardown = middle(func(a, b scaleRow) int { return cmp.Compare(a.teardown, b.teardown) }).teardown
	row.peak = middle(func(a, b scaleRow) int { return cmp.Compare(a.peak.total(), b.peak.total()) }).peak
	return row
}

// scaleTable formats the median rows as docs/performance.md's Markdown tables, with every run's
// first up after them.
func scaleTable(rows []scaleRow, runs [][]scaleRow) string {
	var b strings.Builder
	b.WriteString("Workers stack (pulumi CLI + YAML, each Worker hosting and binding a Durable Object class -> in-process local Cloudflare)\n\n")
	b.WriteString("| N | first up | per Worker | no-op up | destroy | peak memory (workerd, its binary counted once, + Go heap) | per Worker | API calls per first up | API calls per no-op up |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %d | %.2f s | %.3f s | %.2f s | %.2f s | %d MB (%d MB in %d workerd + %d MB; their RSS summed %d MB) | %.2f MB | %s | %d |\n",
			r.n, r.first.Seconds(), r.first.Seconds()/float64(r.n), r.noop.Seconds(), r.teardown.Seconds(),
			r.peak.total()>>20, r.peak.workerd>>20, r.peak.processes, r.peak.goHeap>>20, r.peak.rss>>20, float64(r.peak.total())/float64(r.n)/(1<<20),
			perUp(r.firstCalls, 1), sum(r.noopCalls))
	}
	for _, sized := range runs {
		fmt.Fprintf(&b, "N=%d, first up of each run:", sized[0].n)
		for _, r := range sized {
			fmt.Fprintf(&b, " %.2f s", r.first.Seconds())
		}
		b.WriteString("\n")
	}
	// Each size against every smaller one (the goals compare 1,000 and 300 Workers with 100),
	// median against median, then the first ups round by round.
	for i := 1; i < len(rows); i++ {
		for j := range i {
			fmt.Fprintf(&b, "N=%d against N=%d: first up %.1f times, no-op up %.1f times, destroy %.1f times, memory %.1f times, for %.1f times the Workers; first up round by round:",
				rows[i].n, rows[j].n, rows[i].first.Seconds()/rows[j].first.Seconds(), rows[i].noop.Seconds()/rows[j].noop.Seconds(),
				rows[i].teardown.Seconds()/rows[j].teardown.Seconds(), float64(rows[i].peak.total())/float64(rows[j].peak.total()),
				float64(rows[i].n)/float64(rows[j].n))
			for k := range min(len(runs[i]), len(runs[j])) {
				fmt.Fprintf(&b, " %.1f", runs[i][k].first.Seconds()/runs[j][k].first.Seconds())
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// The median row takes each figure from the run in the middle for it, so one slow run moves
// none of them, and the calls come with the median first up.
func TestMedianRow(t *testing.T) {
	runs := []scaleRow{
		{n: 10, first: 3 * time.Second, noop: 1 * time.Second, teardown: 9 * time.Second, peak: memory{workerd: 300}, firstCalls: map[string]int{"upload": 3}},
		{n: 10, first: 1 * time.Second, noop: 9 * time.Second, teardown: 2 * time.Second, peak: memory{workerd: 100}, firstCalls: map[string]int{"upload": 1}},
		{n: 10, first: 2 * time.Second, noop: 2 * time.Second, teardown: 1 * time.Second, peak: memory{workerd: 900}, firstCalls: map[string]int{"upload": 2}},
	}
	got := medianRow(runs)
	if got.first != 2*time.Second || got.noop != 2*time.Second || got.teardown != 2*time.Second || got.peak.total() != 300 {
		t.Errorf("median of first, no-op, destroy, memory: got %v, %v, %v, %d; want 2s, 2s, 2s, 300", got.first, got.noop, got.teardown, got.peak.total())
	}
	if got.firstCalls["upload"] != 2 {
		t.Errorf("calls of the median first up's run: got %v", got.firstCalls)
	}
	if one := medianRow(runs[:1]); one.first != runs[0].first {
		t.Errorf("one run is its own median: got %v", one.first)
	}
}

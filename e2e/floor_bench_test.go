//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkCounterAboveFloor measures what the counter costs above the engine's floor, in one
// run: the floor is an empty YAML stack's `pulumi up --skip-preview` (engine start, language
// host, no provider), timed alternately with the YAML counter's (examples/yaml) first `up` (a
// fresh stack) and no-op `up`, and the TypeScript counter's (examples/counter-ts, a plain
// `pulumi up` through @pulumi/pulumi's program runner, as TestTypeScriptUp runs it), all through
// the pinned CLI against one in-process local Cloudflare. It prints medians and each one's
// difference from the floor, and the API calls per `up`; nothing is asserted. Run it with
// `make bench` (-benchtime Nx: N rounds).
func BenchmarkCounterAboveFloor(b *testing.B) {
	ctx := testContext(b, 30*time.Minute)
	c := startCloud(b)
	env := c.env(b.TempDir())

	floorDir := filepath.Join(b.TempDir(), "floor")
	if err := os.MkdirAll(floorDir, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(floorDir, "Pulumi.yaml"), []byte("name: floor\nruntime: yaml\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	counterDir := devProject(b)
	tsDir := nodeProjectDir(b, "counter-ts", `{"name": "counter-ts", "private": true}`)
	ts := newNodeProject(b, ctx, c, tsDir, "bench0")
	pulumi := func(dir string, args ...string) time.Duration {
		start := time.Now()
		if out, err := runPulumi(b, ctx, dir, env, args...); err != nil {
			b.Fatalf("pulumi %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
		}
		return time.Since(start)
	}
	pulumi(floorDir, "stack", "init", "floor")
	pulumi(floorDir, "up", "--yes", "--skip-preview") // the first run loads the files into the page cache

	var floor, first, noop, tsFirst, tsNoop []time.Duration
	firstCalls, noopCalls, tsFirstCalls, tsNoopCalls := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	tsUp := func(args ...string) time.Duration {
		start := time.Now()
		ts.Pulumi(b, ctx, append([]string{"up", "--yes", "--skip-preview"}, args...)...)
		return time.Since(start)
	}
	i := 0
	for b.Loop() {
		floor = append(floor, pulumi(floorDir, "up", "--yes", "--skip-preview"))

		pulumi(counterDir, "stack", "init", fmt.Sprintf("bench%d", i))
		c.ResetCalls()
		first = append(first, pulumi(counterDir, "up", "--yes", "--skip-preview"))
		add(firstCalls, c.Calls())
		c.ResetCalls()
		noop = append(noop, pulumi(counterDir, "up", "--yes", "--skip-preview", "--expect-no-changes"))
		add(noopCalls, c.Calls())

		c.ResetCalls()
		tsFirst = append(tsFirst, tsUp())
		add(tsFirstCalls, c.Calls())
		c.ResetCalls()
		tsNoop = append(tsNoop, tsUp("--expect-no-changes"))
		add(tsNoopCalls, c.Calls())
		b.StopTimer()
		pulumi(counterDir, "destroy", "--yes", "--skip-preview", "--remove")
		ts.Pulumi(b, ctx, "destroy", "--yes", "--skip-preview", "--remove")
		ts.Pulumi(b, ctx, "stack", "select", "--create", fmt.Sprintf("bench%d", i+1))
		b.StartTimer()
		i++
	}

	f := median(floor)
	b.ReportMetric(f.Seconds(), "floor-s")
	b.ReportMetric((median(first) - f).Seconds(), "first-above-floor-s")
	b.ReportMetric((median(noop) - f).Seconds(), "noop-above-floor-s")
	b.ReportMetric((median(tsNoop) - f).Seconds(), "ts-noop-above-floor-s")
	fmt.Printf("The counter against the engine's floor, %d alternating rounds (pulumi up --skip-preview, pinned CLI -> in-process local Cloudflare), medians\n"+
		"  floor (empty YAML stack):    %s (runs %s)\n", i, f.Round(time.Millisecond), durations(floor))
	for _, r := range []struct {
		name  string
		runs  []time.Duration
		calls map[string]int
	}{
		{"YAML counter first up:      ", first, firstCalls},
		{"YAML counter no-op up:      ", noop, noopCalls},
		{"TypeScript counter first up:", tsFirst, tsFirstCalls},
		{"TypeScript counter no-op up:", tsNoop, tsNoopCalls},
	} {
		fmt.Printf("  %s %s = floor + %s (runs %s)  API calls per up: %s\n", r.name,
			median(r.runs).Round(time.Millisecond), (median(r.runs) - f).Round(time.Millisecond), durations(r.runs), perUp(r.calls, i))
	}
}

func add(to, calls map[string]int) {
	for k, n := range calls {
		to[k] += n
	}
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(ds))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

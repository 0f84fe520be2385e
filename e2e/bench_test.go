//go:build e2e

package e2e

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lumier-dev/lumier/examples/counter/stack"
)

// BenchmarkCounterUp measures, for the counter stack on an in-process local Cloudflare, the wall
// time of the first `up` (create everything) and of a no-op `up`, and the API calls each makes by
// kind. Every iteration deploys a fresh stack and destroys it afterwards; the figures are printed,
// not asserted. Run it with `make bench`.
func BenchmarkCounterUp(b *testing.B) {
	ctx := testContext(b, 30*time.Minute)
	c := startCloud(b)
	b.Chdir(copyExample(b, "counter"))

	var first, noop []time.Duration
	firstCalls, noopCalls := map[string]int{}, map[string]int{}
	i := 0
	for b.Loop() {
		s := inlineStack(b, ctx, c, "counter", fmt.Sprintf("bench%d", i), stack.Config.RunFunc())
		i++

		c.ResetCalls()
		start := time.Now()
		up(b, ctx, s)
		first = append(first, time.Since(start))
		for k, n := range c.Calls() {
			firstCalls[k] += n
		}

		c.ResetCalls()
		start = time.Now()
		up(b, ctx, s)
		noop = append(noop, time.Since(start))
		for k, n := range c.Calls() {
			noopCalls[k] += n
		}

		b.StopTimer()
		destroy(b, ctx, s)
		b.StartTimer()
	}

	b.ReportMetric(mean(first).Seconds(), "first-up-s")
	b.ReportMetric(mean(noop).Seconds(), "noop-up-s")
	b.ReportMetric(float64(sum(firstCalls))/float64(i), "calls/first-up")
	b.ReportMetric(float64(sum(noopCalls))/float64(i), "calls/noop-up")
	fmt.Printf("counter stack, %d runs (pulumi CLI + Automation API inline program -> local Cloudflare)\n"+
		"  first up:  %-6s wall (mean; runs %s)  API calls per up: %s\n"+
		"  no-op up:  %-6s wall (mean; runs %s)  API calls per up: %s\n",
		i,
		mean(first).Round(time.Millisecond), durations(first), perUp(firstCalls, i),
		mean(noop).Round(time.Millisecond), durations(noop), perUp(noopCalls, i))
}

func mean(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var total time.Duration
	for _, d := range ds {
		total += d
	}
	return total / time.Duration(len(ds))
}

func durations(ds []time.Duration) string {
	var parts []string
	for _, d := range ds {
		parts = append(parts, d.Round(time.Millisecond).String())
	}
	return strings.Join(parts, " ")
}

func sum(calls map[string]int) int {
	total := 0
	for _, n := range calls {
		total += n
	}
	return total
}

// perUp formats call counts per up, by kind, sorted: "list_scripts=1 upload=1 ... (total 7)".
func perUp(calls map[string]int, runs int) string {
	if runs == 0 {
		return "-"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(calls)) {
		parts = append(parts, fmt.Sprintf("%s=%g", k, float64(calls[k])/float64(runs)))
	}
	return fmt.Sprintf("%s (total %g)", strings.Join(parts, " "), float64(sum(calls))/float64(runs))
}

//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// scaleSizes are the stack sizes BenchmarkWorkersScale deploys.
var scaleSizes = []int{1, 10, 30, 100}

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
}

// BenchmarkWorkersScale deploys YAML stacks of N Workers (each hosting a Durable Object class and
// binding it) to one in-process local Cloudflare with the pulumi CLI, and prints the wall time
// of the first `up`, a no-op `up` and `destroy`, and the API calls per `up`. One run per size
// (run it with -benchtime 1x; `make bench` does): the figures are printed, not asserted.
func BenchmarkWorkersScale(b *testing.B) {
	ctx := testContext(b, 60*time.Minute)
	var rows []scaleRow
	for b.Loop() {
		rows = rows[:0]
		for _, n := range scaleSizes {
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
			row.first = pulumi("up", "--yes", "--skip-preview")
			row.firstCalls = c.Calls()
			if got := len(c.Scripts()); got != n {
				b.Fatalf("N=%d: %d scripts on the local Cloudflare after up", n, got)
			}
			c.ResetCalls()
			row.noop = pulumi("up", "--yes", "--skip-preview", "--expect-no-changes")
			row.noopCalls = c.Calls()
			row.teardown = pulumi("destroy", "--yes", "--skip-preview")
			if got := len(c.Scripts()); got != 0 {
				b.Fatalf("N=%d: %d scripts left after destroy", n, got)
			}
			rows = append(rows, row)
		}
	}
	for _, r := range rows {
		b.ReportMetric(r.first.Seconds(), fmt.Sprintf("first-up-s/N=%d", r.n))
	}
	fmt.Print(scaleTable(rows))
}

// scaleTable formats the rows as docs/performance.md's Markdown tables.
func scaleTable(rows []scaleRow) string {
	var b strings.Builder
	b.WriteString("Workers stack (pulumi CLI + YAML, each Worker hosting and binding a Durable Object class -> in-process local Cloudflare)\n\n")
	b.WriteString("| N | first up | per Worker | no-op up | destroy | API calls per first up | API calls per no-op up |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %d | %.2f s | %.3f s | %.2f s | %.2f s | %s | %d |\n",
			r.n, r.first.Seconds(), r.first.Seconds()/float64(r.n), r.noop.Seconds(), r.teardown.Seconds(),
			perUp(r.firstCalls, 1), sum(r.noopCalls))
	}
	return b.String()
}

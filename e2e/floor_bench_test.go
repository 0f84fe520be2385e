//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lumier-dev/lumier/provider"
)

// BenchmarkCounterAboveFloor measures what the counter costs above the engine's floor, in one
// run: the floor is an empty YAML stack's `pulumi up --skip-preview` (engine start, language
// host, no provider), timed alternately with the YAML counter's (examples/yaml) first `up` (a
// fresh stack) and no-op `up`, and the TypeScript counter's (examples/counter-ts, a plain
// `pulumi up` through @pulumi/pulumi's program runner, as TestTypeScriptUp runs it), all through
// the pinned CLI against one in-process local Cloudflare. The counters reach the provider plugin
// the way a user's program does: installed by `pulumi plugin install --file` into a Pulumi home
// of the benchmark's, with no plugins: path in their Pulumi.yaml (a plugin named by path has no
// version, so the YAML host starts it once more on every `up` to read its schema, which it caches
// for an installed plugin). The same TypeScript project with a program that only imports
// @pulumi/pulumi and declares nothing (a no-op `up`) is Pulumi's own cost of a TypeScript program
// (Node.js, the runner, ts-node, @pulumi/pulumi): the counter's difference from it is lumier's
// share. When the node on PATH strips TypeScript's types (22.18 and later), the counter also runs
// as an ES module with Pulumi's TypeScript support off (stripTypes): its no-op `up` is the same
// program without ts-node and the TypeScript compiler. It prints medians and each one's
// difference from the floor, and the API calls per `up`; nothing is asserted. Run it with
// `make bench` (-benchtime Nx: N rounds).
func BenchmarkCounterAboveFloor(b *testing.B) {
	ctx := testContext(b, 30*time.Minute)
	c := startCloud(b)
	env := c.env(b.TempDir())
	env["PULUMI_HOME"] = installPlugin(b, ctx)

	floorDir := filepath.Join(b.TempDir(), "floor")
	if err := os.MkdirAll(floorDir, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(floorDir, "Pulumi.yaml"), []byte("name: floor\nruntime: yaml\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	counterDir := devProject(b)
	dropPluginsSection(b, filepath.Join(counterDir, "Pulumi.yaml"))
	// A TypeScript project of the counter's, installed as the counter is, its stack selected in the
	// Pulumi home that holds the plugin; edit, if given, changes the project's files first.
	installed := func(packageJSON, stack string, edit func(dir string)) NodeProject {
		dir := nodeProjectDir(b, "counter-ts", packageJSON)
		dropPluginsSection(b, filepath.Join(dir, "Pulumi.yaml"))
		if edit != nil {
			edit(dir)
		}
		p := newNodeProject(b, ctx, c, dir, stack)
		p.env["PULUMI_HOME"] = env["PULUMI_HOME"]
		p.Pulumi(b, ctx, "stack", "select", "--create", stack) // the selected stack is kept in the Pulumi home
		return p
	}
	const commonJS = `{"name": "counter-ts", "private": true}`
	ts := installed(commonJS, "bench0", nil)
	empty := installed(commonJS, "empty", func(dir string) {
		writeFile(b, filepath.Join(dir, "lumier.config.ts"),
			"import * as pulumi from \"@pulumi/pulumi\";\n\nexport const stack = pulumi.getStack();\n")
	})
	empty.Pulumi(b, ctx, "up", "--yes", "--skip-preview")
	// The counter as an ES module that Node.js runs by itself, when the node on PATH strips types.
	var strip *NodeProject
	node, _ := exec.LookPath("node")
	if ok, _ := stripsTypes(ctx, node); ok {
		p := installed(`{"name": "counter-ts", "private": true, "type": "module"}`, "strip",
			func(dir string) { stripTypes(b, dir) })
		p.Pulumi(b, ctx, "up", "--yes", "--skip-preview")
		strip = &p
	}
	// One measured run: its time, and the CPU time of pulumi and the processes it started.
	type run struct{ wall, cpu time.Duration }
	measure := func(dir string, env map[string]string, args ...string) run {
		start := time.Now()
		out, cpu, err := runPulumiCPU(b, ctx, dir, env, args...)
		if err != nil {
			b.Fatalf("pulumi %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
		}
		return run{time.Since(start), cpu}
	}
	pulumi := func(dir string, args ...string) run { return measure(dir, env, args...) }
	pulumi(floorDir, "stack", "init", "floor")
	pulumi(floorDir, "up", "--yes", "--skip-preview") // the first run loads the files into the page cache
	// A user's first `up` after installing the plugin writes its schema to the Pulumi home's cache;
	// every later one reads it from there, as the timed ones do.
	pulumi(counterDir, "stack", "init", "warm")
	pulumi(counterDir, "preview")

	var floor, first, noop, tsFirst, tsNoop, tsEmpty, stripNoop []run
	firstCalls, noopCalls, tsFirstCalls, tsNoopCalls, tsEmptyCalls, stripNoopCalls := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	nodeUp := func(p NodeProject, args ...string) run {
		return measure(p.Dir, p.env, append([]string{"up", "--yes", "--skip-preview"}, args...)...)
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
		tsEmpty = append(tsEmpty, nodeUp(empty, "--expect-no-changes"))
		add(tsEmptyCalls, c.Calls())
		c.ResetCalls()
		tsFirst = append(tsFirst, nodeUp(ts))
		add(tsFirstCalls, c.Calls())
		c.ResetCalls()
		tsNoop = append(tsNoop, nodeUp(ts, "--expect-no-changes"))
		add(tsNoopCalls, c.Calls())
		if strip != nil {
			c.ResetCalls()
			stripNoop = append(stripNoop, nodeUp(*strip, "--expect-no-changes"))
			add(stripNoopCalls, c.Calls())
		}
		b.StopTimer()
		pulumi(counterDir, "destroy", "--yes", "--skip-preview", "--remove")
		ts.Pulumi(b, ctx, "destroy", "--yes", "--skip-preview", "--remove")
		ts.Pulumi(b, ctx, "stack", "select", "--create", fmt.Sprintf("bench%d", i+1))
		b.StartTimer()
		i++
	}

	walls := func(rs []run) []time.Duration {
		var ds []time.Duration
		for _, r := range rs {
			ds = append(ds, r.wall)
		}
		return ds
	}
	cpus := func(rs []run) []time.Duration {
		var ds []time.Duration
		for _, r := range rs {
			ds = append(ds, r.cpu)
		}
		return ds
	}
	f, fCPU := median(walls(floor)), median(cpus(floor))
	b.ReportMetric(f.Seconds(), "floor-s")
	b.ReportMetric((median(walls(first)) - f).Seconds(), "first-above-floor-s")
	b.ReportMetric((median(walls(noop)) - f).Seconds(), "noop-above-floor-s")
	b.ReportMetric((median(walls(tsNoop)) - f).Seconds(), "ts-noop-above-floor-s")
	b.ReportMetric((median(walls(tsEmpty)) - f).Seconds(), "ts-empty-above-floor-s")
	fmt.Printf("The counter against the engine's floor, %d alternating rounds (pulumi up --skip-preview, pinned CLI -> in-process local Cloudflare,\n"+
		"plugin installed as a user installs it, TypeScript on %s), medians; CPU is pulumi's and its processes' (user + system)\n"+
		"  floor (empty YAML stack):    %s (runs %s)  CPU %s (runs %s)\n", i, nodeRuntime(b, ctx), f.Round(time.Millisecond), durations(walls(floor)),
		fCPU.Round(time.Millisecond), durations(cpus(floor)))
	type row struct {
		name  string
		runs  []run
		calls map[string]int
	}
	rows := []row{
		{"YAML counter first up:      ", first, firstCalls},
		{"YAML counter no-op up:      ", noop, noopCalls},
		{"TypeScript, Pulumi only:    ", tsEmpty, tsEmptyCalls},
		{"TypeScript counter first up:", tsFirst, tsFirstCalls},
		{"TypeScript counter no-op up:", tsNoop, tsNoopCalls},
	}
	if strip != nil {
		rows = append(rows, row{"  the same, types stripped: ", stripNoop, stripNoopCalls})
		b.ReportMetric((median(walls(stripNoop)) - f).Seconds(), "ts-stripped-noop-above-floor-s")
	}
	for _, r := range rows {
		w, cpu := median(walls(r.runs)), median(cpus(r.runs))
		fmt.Printf("  %s %s = floor + %s (runs %s)  CPU %s = floor + %s (runs %s)  API calls per up: %s\n", r.name,
			w.Round(time.Millisecond), (w - f).Round(time.Millisecond), durations(walls(r.runs)),
			cpu.Round(time.Millisecond), (cpu - fCPU).Round(time.Millisecond), durations(cpus(r.runs)), perUp(r.calls, i))
	}
	fmt.Printf("  (TypeScript, Pulumi only: the counter's project with a program that imports @pulumi/pulumi and declares nothing, a no-op up;\n"+
		"   the counter's no-op up is %s above it, CPU %s)\n", (median(walls(tsNoop)) - median(walls(tsEmpty))).Round(time.Millisecond),
		(median(cpus(tsNoop)) - median(cpus(tsEmpty))).Round(time.Millisecond))
	if strip != nil {
		fmt.Printf("  (types stripped: the counter as an ES module with Pulumi's TypeScript support off, which Node.js loads and strips itself)\n")
	} else {
		fmt.Printf("  (no row with the types stripped: %s strips no types; Node.js 22.18 and later do)\n", nodeRuntime(b, ctx))
	}
}

// nodeRuntime names the Node.js the TypeScript programs run on (the first node on PATH, as the
// language host finds it), and whether NODE_COMPILE_CACHE is set, which changes their start.
func nodeRuntime(tb testing.TB, ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "node", "--version").Output()
	if err != nil {
		tb.Fatalf("node --version: %v", err)
	}
	name := "Node.js " + strings.TrimSpace(string(out))
	if os.Getenv("NODE_COMPILE_CACHE") != "" {
		name += " with NODE_COMPILE_CACHE"
	}
	return name
}

// installPlugin installs the provider plugin built for this run into a new Pulumi home, as a user
// installs a release's (`pulumi plugin install resource lumier <version> --file <plugin>`), and
// returns that home.
func installPlugin(t testing.TB, ctx context.Context) string {
	t.Helper()
	home := t.TempDir()
	out, err := runPulumi(t, ctx, t.TempDir(), map[string]string{"PULUMI_HOME": home}, "plugin", "install", "resource",
		provider.Name, "v"+provider.Version, "--file", filepath.Join(providerDir, "pulumi-resource-"+provider.Name))
	if err != nil {
		t.Fatalf("pulumi plugin install: %v\n%s", err, out)
	}
	return home
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

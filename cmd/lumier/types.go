package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// declarationsTimeout bounds the Node.js run that evaluates the program's declarations.
const declarationsTimeout = 2 * time.Minute

// declarationsScript runs in the project directory with `node -e`: it loads the TypeScript config
// with ts-node (transpile only) and prints what its run() declares, through the helper's
// printDeclarations, which evaluates app() and run() without the Pulumi engine. A CommonJS config
// is required; one Node.js refuses to require (ERR_REQUIRE_ESM: an ES module project, "type":
// "module") is imported through ts-node's ES module hooks, as Pulumi's program runner does.
const declarationsScript = `
const path = require("path"), url = require("url");
const file = path.resolve(process.argv[1]);
async function load() {
  require("ts-node").register({ transpileOnly: true, compilerOptions: { module: "nodenext", moduleResolution: "nodenext" } });
  try {
    return require(file).default;
  } catch (err) {
    if (!err || err.code !== "ERR_REQUIRE_ESM") throw err;
  }
  process.env.TS_NODE_TRANSPILE_ONLY = "true";
  require("module").register("ts-node/esm", url.pathToFileURL(file));
  return (await import(url.pathToFileURL(file).href)).default;
}
load().then(program => require("lumier").printDeclarations(program, process.argv[2])).catch(err => {
  console.error(err && err.message ? err.message : err);
  process.exit(1);
});
`

// runTypes writes, for each Worker a TypeScript config or a YAML program declares, a .d.ts with
// the global Env of its code (and Cloudflare.Env, which types `env` from "cloudflare:workers"),
// from the bindings declared for it. It learns the App's inputs by running the config's app() and
// run() with Node.js in declarations mode (nothing is deployed and the engine is not involved),
// or, for a YAML program (no config, a Pulumi.yaml of runtime yaml), from its App resource's
// properties, and plans
// them with the App's own planning code (provider.AppEnv, run by the provider plugin's app-env
// mode: this binary does not link the provider).
func runTypes(ctx context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("types", flag.ContinueOnError)
	dir := fs.String("dir", ".", "the Pulumi project directory (holds the config; entries are relative to it)")
	config := fs.String("config", "lumier.config.ts", "the TypeScript config, relative to -dir")
	stage := fs.String("stage", "dev", "the stage app() and run() see")
	check := fs.Bool("check", false, "write nothing; fail if a .d.ts differs from what would be written")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected arguments %q: lumier types [-dir D] [-config F] [-stage S] [-check]", fs.Args())}
	}
	source := *config
	var decl []byte
	var err error
	switch runtime := projectRuntime(*dir); {
	case fileExists(filepath.Join(*dir, *config)):
		decl, err = readDeclarations(ctx, *dir, *config, *stage)
	case runtime == "yaml":
		// A YAML program declares the App itself: its inputs are the App resource's properties.
		source = "Pulumi.yaml"
		decl, err = yamlDeclarations(*dir)
	case runtime == "go":
		source = "Pulumi.yaml"
		decl, err = goDeclarations(ctx, *dir, *stage)
	default:
		decl, err = readDeclarations(ctx, *dir, *config, *stage)
	}
	if err != nil {
		return err
	}
	envs, err := planEnv(ctx, *stage, decl, *dir)
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(*dir, source), err)
	}
	files, err := envFiles(envs, source, *dir)
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(*dir, source), err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(*dir, name)
		if *check {
			have, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(have, files[name]) {
				return fmt.Errorf("%s is stale: run `lumier types -dir %s` and commit the result", path, *dir)
			}
			continue
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		fmt.Fprintf(stdout, "wrote %s\n", path)
	}
	return nil
}

// workerEnv is one Worker's env as the plugin's app-env mode prints it (provider.WorkerEnv).
type workerEnv struct {
	Name  string            `json:"name"`
	Entry string            `json:"entry"`
	Types map[string]string `json:"types"`
}

// pluginName is the provider plugin, whose app-env mode plans an App's inputs.
const pluginName = "pulumi-resource-lumier"

// entryInType is an entry as the plugin writes it inside a type (provider.EntryMarker).
var entryInType = regexp.MustCompile(`"lumier-entry:((?:[^"\\]|\\.)*)"`)

// planEnv plans the App's inputs with the provider plugin (beside this binary, or on PATH) and
// returns each Worker's env, its entries made import specifiers relative to dir.
func planEnv(ctx context.Context, stage string, inputs []byte, dir string) ([]workerEnv, error) {
	plugin, err := exec.LookPath(pluginName)
	if self, serr := os.Executable(); serr == nil {
		if beside := filepath.Join(filepath.Dir(self), pluginName); fileExists(beside) {
			plugin, err = beside, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("lumier types plans the app with the provider plugin, %s, found neither beside lumier nor on PATH: "+
			"build it (`make build` puts both in bin/) or add its directory to PATH", pluginName)
	}
	ctx, cancel := context.WithTimeout(ctx, declarationsTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, plugin, "app-env", stage)
	cmd.Stdin = bytes.NewReader(inputs)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(errOut.String()); msg != "" {
			return nil, errors.New(msg)
		}
		return nil, fmt.Errorf("planning the app with %s: %w", plugin, err)
	}
	var envs []workerEnv
	if err := json.Unmarshal(out.Bytes(), &envs); err != nil {
		return nil, fmt.Errorf("reading the plan of %s: %w", plugin, err)
	}
	for _, w := range envs {
		for name, typ := range w.Types {
			w.Types[name] = entryInType.ReplaceAllStringFunc(typ, func(m string) string {
				var entry string
				_ = json.Unmarshal([]byte(`"`+entryInType.FindStringSubmatch(m)[1]+`"`), &entry) // JSON-quoted by the plugin
				q, _ := json.Marshal(modulePath(dir, entry))
				return string(q)
			})
		}
	}
	return envs, nil
}

func fileExists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}

// readDeclarations runs the config in declarations mode with node from PATH and returns the App's
// inputs it prints.
func readDeclarations(ctx context.Context, dir, config, stage string) ([]byte, error) {
	if _, err := os.Stat(filepath.Join(dir, config)); err != nil {
		return nil, fmt.Errorf("reading the config: %w (give the project directory with -dir and the file with -config)", err)
	}
	ctx, cancel := context.WithTimeout(ctx, declarationsTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "-e", declarationsScript, config, stage)
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("evaluating %s took longer than %s", config, declarationsTimeout)
		}
		return nil, fmt.Errorf("evaluating %s with node (it needs ts-node and lumier installed, `npm ci` in the repository): %w\n%s",
			config, err, strings.TrimSpace(errOut.String()))
	}
	// The program may print too: the declarations are the last line.
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return []byte(lines[len(lines)-1]), nil
}

// envFiles renders one .d.ts per Worker, keyed by its path relative to the project directory:
// lumier-env.d.ts when the config declares one Worker, lumier-env.<worker>.d.ts for each when it
// declares several (each declares the global Env, so a Worker's tsconfig includes its own).
func envFiles(envs []workerEnv, config, dir string) (map[string][]byte, error) {
	if len(envs) == 0 {
		return nil, errors.New("run() declares no Worker: nothing to type")
	}
	files := map[string][]byte{}
	for i, w := range envs {
		types, also, err := withImported(envs, i, dir)
		if err != nil {
			return nil, err
		}
		var b strings.Builder
		fmt.Fprintf(&b, "// Code generated by `lumier types` from %s; DO NOT EDIT.\n", config)
		fmt.Fprintf(&b, "// The Env of Worker %q (entry %s): the bindings %s declares for it.\n", w.Name, relativeEntry(dir, w.Entry), config)
		if len(also) > 0 {
			fmt.Fprintf(&b, "// With those of %s, whose code its types import: TypeScript checks that code against this Env too.\n",
				strings.Join(also, ", "))
		}
		b.WriteString("declare namespace Cloudflare {\n  interface Env {\n")
		names := make([]string, 0, len(types))
		for env := range types {
			names = append(names, env)
		}
		sort.Strings(names)
		for _, env := range names {
			fmt.Fprintf(&b, "    %s: %s;\n", propertyName(env), types[env])
		}
		b.WriteString("  }\n}\ninterface Env extends Cloudflare.Env {}\n")
		file := "lumier-env.d.ts"
		if len(envs) > 1 {
			file = "lumier-env." + w.Name + ".d.ts"
		}
		files[file] = []byte(b.String())
	}
	return files, nil
}

// relativeEntry is entry relative to dir when it is absolute (a Go program's entries are), so
// that the file does not name this machine's paths.
func relativeEntry(dir, entry string) string {
	if !filepath.IsAbs(entry) {
		return entry
	}
	if abs, err := filepath.Abs(dir); err == nil {
		if rel, err := filepath.Rel(abs, entry); err == nil {
			return filepath.ToSlash(rel)
		}
	}
	return entry
}

// importOf finds the modules a type imports.
var importOf = regexp.MustCompile(`import\("((?:[^"\\]|\\.)*)"\)`)

// withImported is Worker i's env types with those of every other Worker whose entry module they
// import, transitively (a client binding a host's Durable Object class imports the host's entry):
// that module is type-checked in the same program as Worker i's code, against the one global Env,
// so the Env must also carry the bindings that code reads. also names those Workers. Two of them
// binding one name with different types cannot share an Env: that is an error naming both.
func withImported(envs []workerEnv, i int, dir string) (types map[string]string, also []string, err error) {
	byModule := map[string]int{}
	for j, w := range envs {
		byModule[modulePath(dir, w.Entry)] = j
	}
	types, owner := map[string]string{}, map[string]string{}
	seen := map[int]bool{i: true}
	queue := []int{i}
	for len(queue) > 0 {
		j := queue[0]
		queue = queue[1:]
		w := envs[j]
		if j != i {
			also = append(also, strconv.Quote(w.Name))
		}
		for _, env := range slices.Sorted(maps.Keys(w.Types)) {
			typ := w.Types[env]
			if have, ok := types[env]; ok && have != typ {
				return nil, nil, fmt.Errorf("worker %q's Env must also carry the bindings of worker %q, whose code its types import, "+
					"but %s is %s in worker %q and %s in worker %q: give one of them another name", envs[i].Name, w.Name,
					env, have, owner[env], typ, w.Name)
			}
			types[env], owner[env] = typ, w.Name
			for _, m := range importOf.FindAllStringSubmatch(typ, -1) {
				if k, ok := byModule[m[1]]; ok && !seen[k] {
					seen[k] = true
					queue = append(queue, k)
				}
			}
		}
	}
	return types, also, nil
}

// modulePath is an entry as a TypeScript import specifier relative to the project directory dir,
// where the .d.ts lives: "src/index.ts" -> "./src/index".
func modulePath(dir, entry string) string {
	if filepath.IsAbs(entry) {
		if abs, err := filepath.Abs(dir); err == nil {
			if rel, err := filepath.Rel(abs, entry); err == nil {
				entry = rel
			}
		}
	}
	p := filepath.ToSlash(filepath.Clean(entry))
	for _, ext := range []string{".ts", ".tsx", ".mts", ".js", ".mjs", ".jsx"} {
		if trimmed, ok := strings.CutSuffix(p, ext); ok {
			p = trimmed
			break
		}
	}
	if !strings.HasPrefix(p, "../") && !strings.HasPrefix(p, "/") {
		p = "./" + p
	}
	return p
}

var identifier = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

// propertyName quotes a binding name that is not a TypeScript identifier.
func propertyName(env string) string {
	if identifier.MatchString(env) {
		return env
	}
	q, _ := json.Marshal(env)
	return string(q)
}

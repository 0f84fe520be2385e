package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
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

// declarations is what the helper's printDeclarations prints (sdk/typescript/declarations.ts).
type declarations struct {
	App     string `json:"app"`
	Workers map[string]struct {
		Entry    string `json:"entry"`
		Bindings map[string]struct {
			Kind          string `json:"kind"`
			DurableObject string `json:"durableObject"`
			// Worker and Entrypoint are a service binding's Worker of the config and class.
			Worker     string `json:"worker"`
			Entrypoint string `json:"entrypoint"`
			// JSON is a json binding's value.
			JSON json.RawMessage `json:"json"`
		} `json:"bindings"`
	} `json:"workers"`
	DurableObjects map[string]struct {
		Worker    string `json:"worker"`
		ClassName string `json:"className"`
	} `json:"durableObjects"`
}

// runTypes writes, for each Worker a TypeScript config declares, a .d.ts with the global Env of
// its code (and Cloudflare.Env, which types `env` from "cloudflare:workers"), from the bindings
// the config declares. It learns them by running the config's app() and run() with Node.js in
// declarations mode: nothing is deployed and the engine is not involved.
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
	decl, err := readDeclarations(ctx, *dir, *config, *stage)
	if err != nil {
		return err
	}
	files, err := envFiles(decl, *config)
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(*dir, *config), err)
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

// readDeclarations runs the config in declarations mode with node from PATH.
func readDeclarations(ctx context.Context, dir, config, stage string) (*declarations, error) {
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
		return nil, fmt.Errorf("evaluating %s with node (it needs ts-node and lumier installed, `npm ci` in the repository): %v\n%s",
			config, err, strings.TrimSpace(errOut.String()))
	}
	// The program may print too: the declarations are the last line.
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var decl declarations
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &decl); err != nil {
		return nil, fmt.Errorf("reading the declarations of %s: %w", config, err)
	}
	return &decl, nil
}

// envFiles renders one .d.ts per Worker, keyed by its path relative to the project directory:
// lumier-env.d.ts when the config declares one Worker, lumier-env.<worker>.d.ts for each when it
// declares several (each declares the global Env, so a Worker's tsconfig includes its own).
func envFiles(decl *declarations, config string) (map[string][]byte, error) {
	if len(decl.Workers) == 0 {
		return nil, errors.New("run() declares no Worker: nothing to type")
	}
	workers := make([]string, 0, len(decl.Workers))
	for name := range decl.Workers {
		workers = append(workers, name)
	}
	sort.Strings(workers)
	files := map[string][]byte{}
	for _, name := range workers {
		w := decl.Workers[name]
		var b strings.Builder
		fmt.Fprintf(&b, "// Code generated by `lumier types` from %s; DO NOT EDIT.\n", config)
		fmt.Fprintf(&b, "// The Env of Worker %q (entry %s): the bindings %s declares for it.\n", name, w.Entry, config)
		b.WriteString("declare namespace Cloudflare {\n  interface Env {\n")
		envs := make([]string, 0, len(w.Bindings))
		for env := range w.Bindings {
			envs = append(envs, env)
		}
		sort.Strings(envs)
		for _, env := range envs {
			typ, err := bindingType(decl, name, env)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(&b, "    %s: %s;\n", propertyName(env), typ)
		}
		b.WriteString("  }\n}\ninterface Env extends Cloudflare.Env {}\n")
		file := "lumier-env.d.ts"
		if len(workers) > 1 {
			file = "lumier-env." + name + ".d.ts"
		}
		files[file] = []byte(b.String())
	}
	return files, nil
}

func bindingType(decl *declarations, worker, env string) (string, error) {
	bd := decl.Workers[worker].Bindings[env]
	switch bd.Kind {
	case "text", "secret":
		return "string", nil
	case "assets":
		return "Fetcher", nil // the static assets: env.ASSETS.fetch(request)
	case "queue":
		// A producer binding; the message type is the Worker code's to choose.
		return "Queue", nil
	case "d1":
		return "D1Database", nil
	case "durable_object":
		do, ok := decl.DurableObjects[bd.DurableObject]
		if !ok {
			return "", fmt.Errorf("Worker %q binds %s to Durable Object %q, which the config does not declare", worker, env, bd.DurableObject)
		}
		host, ok := decl.Workers[do.Worker]
		if !ok {
			return "", fmt.Errorf("Durable Object %q names Worker %q, which the config does not declare", bd.DurableObject, do.Worker)
		}
		return fmt.Sprintf("DurableObjectNamespace<import(%q).%s>", modulePath(host.Entry), do.ClassName), nil
	case "r2_bucket":
		return "R2Bucket", nil
	case "kv_namespace":
		return "KVNamespace", nil
	case "workflow":
		return "Workflow", nil
	case "json":
		// JSON text is also a TypeScript type: the literal type of the value the Worker reads.
		if !json.Valid(bd.JSON) {
			return "unknown", nil
		}
		return string(bd.JSON), nil
	case "service":
		if bd.Entrypoint == "" {
			return "Fetcher", nil
		}
		target, ok := decl.Workers[bd.Worker]
		if !ok {
			return "", fmt.Errorf("Worker %q binds %s to Worker %q, which the config does not declare", worker, env, bd.Worker)
		}
		return fmt.Sprintf("Service<import(%q).%s>", modulePath(target.Entry), bd.Entrypoint), nil
	default:
		return "", fmt.Errorf("Worker %q binding %s: unknown kind %q", worker, env, bd.Kind)
	}
}

// modulePath is an entry as a TypeScript import specifier relative to the project directory,
// where the .d.ts lives: "src/index.ts" -> "./src/index".
func modulePath(entry string) string {
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

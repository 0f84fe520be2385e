//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	lumier "github.com/lumier-dev/lumier/sdk/go/lumier"
)

// One declaration of a judge case, in no language: the test writes it as a Go program, a
// TypeScript config and a YAML App.
type (
	jDecl struct {
		worker *jWorker
		object *jObject
		data   *jData
	}
	jWorker struct {
		name, entry, compatibilityDate string
		workersDev                     *bool
		bindings                       []jBinding
	}
	// jBinding is one env binding: exactly one of its values is set.
	jBinding struct {
		env                              string
		text, secret, object, worker, kv string
	}
	jObject struct{ name, worker, className, transferredFrom string }
	// jData is a data resource: kind is "kv", "queue" or "r2".
	jData struct{ kind, name string }
)

// kind names which of b's values is set ("text", "secret", "object", "worker" or "kv") and
// returns it.
func (b jBinding) kind() (kind, value string) {
	for _, v := range [][2]string{{"text", b.text}, {"secret", b.secret}, {"object", b.object}, {"worker", b.worker}, {"kv", b.kv}} {
		if v[1] != "" {
			return v[0], v[1]
		}
	}
	return "", ""
}

func jw(name, entry string, bindings ...jBinding) jDecl {
	return jDecl{worker: &jWorker{name: name, entry: entry, bindings: bindings}}
}

func jdo(name, worker, className string) jDecl {
	return jDecl{object: &jObject{name: name, worker: worker, className: className}}
}

func jdata(kind, name string) jDecl { return jDecl{data: &jData{kind: kind, name: name}} }

const judgeEntry = "src/index.ts" // the counter's Worker code: it exports Counter

// judgeCases are the app rules, each case the same declarations in every language. want is the
// message every language must print ("" for a preview that succeeds), with @ where a language
// that knows positions (Go, TypeScript) names the declaration's file:line.
var judgeCases = []struct {
	name  string
	decls []jDecl
	want  string
}{
	{"the basic usage: declare, add a Durable Object, declare again with its binding", []jDecl{
		jw("api", judgeEntry), jdo("counter", "api", "Counter"), jw("api", judgeEntry, jBinding{env: "COUNTER", object: "counter"}),
	}, ""},
	{"a Worker hosting a Durable Object that another Worker binds", []jDecl{
		jw("store", judgeEntry), jdo("counter", "store", "Counter"), jw("web", judgeEntry, jBinding{env: "COUNTER", object: "counter"}),
	}, ""},
	{"the same Durable Object declared twice is one", []jDecl{
		jw("api", judgeEntry), jdo("counter", "api", "Counter"), jdo("counter", "api", "Counter"),
		jw("api", "", jBinding{env: "COUNTER", object: "counter"}),
	}, ""},
	{"a Durable Object declared twice with different classes", []jDecl{
		jw("api", judgeEntry), jdo("counter", "api", "Counter"), jdo("counter", "api", "Other"),
	}, `durable object "counter" is declared twice with different className: "Counter"@ and "Other"@; declarations of ` +
		`the same Durable Object are merged, so they must agree`},
	{"a KV namespace declared twice is one", []jDecl{
		jdata("kv", "cache"), jdata("kv", "cache"), jw("api", judgeEntry, jBinding{env: "CACHE", kv: "cache"}),
	}, ""},
	{"a queue and a bucket declared twice are one each", []jDecl{
		jdata("queue", "jobs"), jdata("queue", "jobs"), jdata("r2", "files"), jdata("r2", "files"), jw("api", judgeEntry),
	}, ""},
	{"a second declaration without entry", []jDecl{
		jw("api", judgeEntry), jw("api", "", jBinding{env: "MODE", text: "on"}),
	}, ""},
	{"no declaration gives an entry", []jDecl{
		jw("api", "", jBinding{env: "MODE", text: "on"}),
	}, `worker "api"@ has no entry: set entry to its entry module, for example "src/index.ts"`},
	{"two equal secrets are one", []jDecl{
		jw("api", judgeEntry, jBinding{env: "TOKEN", secret: "s3cret"}), jw("api", "", jBinding{env: "TOKEN", secret: "s3cret"}),
	}, ""},
	{"two different secrets", []jDecl{
		jw("api", judgeEntry, jBinding{env: "TOKEN", secret: "one"}), jw("api", "", jBinding{env: "TOKEN", secret: "two"}),
	}, `worker "api" is declared twice with different secret TOKEN: one secret value@ and another@; declarations of the ` +
		`same Worker are merged, so they must agree`},
	{"conflicting compatibility dates", []jDecl{
		{worker: &jWorker{name: "api", entry: judgeEntry, compatibilityDate: "2025-01-01"}},
		{worker: &jWorker{name: "api", compatibilityDate: "2025-02-01"}},
	}, `worker "api" is declared twice with different compatibilityDate: "2025-01-01"@ and "2025-02-01"@; declarations ` +
		`of the same Worker are merged, so they must agree`},
	{"conflicting workers.dev settings", []jDecl{
		{worker: &jWorker{name: "api", entry: judgeEntry, workersDev: ptrTo(false)}},
		{worker: &jWorker{name: "api", workersDev: ptrTo(true)}},
	}, `worker "api" is declared twice with different workersDev: false@ and true@`},
	{"one env name bound to two values", []jDecl{
		jw("api", judgeEntry, jBinding{env: "MODE", text: "a"}), jw("api", "", jBinding{env: "MODE", text: "b"}),
	}, `worker "api" is declared twice with different binding MODE: "a"@ and "b"@`},
	{"a transfer: the class moves to another Worker", []jDecl{
		jw("old", judgeEntry), jw("new", judgeEntry),
		{object: &jObject{name: "counter", worker: "new", className: "Counter", transferredFrom: "old"}},
	}, ""},
	{"a transfer from a Worker that still binds the class", []jDecl{
		jw("old", judgeEntry), jw("new", judgeEntry),
		{object: &jObject{name: "counter", worker: "new", className: "Counter", transferredFrom: "old"}},
		jw("old", "", jBinding{env: "COUNTER", object: "counter"}),
	}, `worker "old" binds durable object "counter", which moves from it to worker "new" in this deploy`},
	{"one class declared by two Durable Objects of a Worker", []jDecl{
		jw("api", judgeEntry), jdo("one", "api", "Counter"), jdo("two", "api", "Counter"),
	}, `durable objects "one" and "two" both declare class Counter on worker "api": declare it once`},
	{"Workers that call each other", []jDecl{
		jw("a", judgeEntry), jw("b", judgeEntry, jBinding{env: "A", worker: "a"}), jw("a", "", jBinding{env: "B", worker: "b"}),
	}, `workers bind each other in a cycle (a -> b -> a)`},
	{"a Worker name Cloudflare cannot take", []jDecl{
		jw("Api_1", judgeEntry),
	}, `worker "Api_1": worker name "Api_1" is not valid`},
	{"a KV namespace name Cloudflare cannot take", []jDecl{
		jdata("kv", "Cache_1"), jw("api", judgeEntry),
	}, `kv namespace "Cache_1": kv namespace name "Cache_1" is not valid`},
}

func ptrTo[T any](v T) *T { return &v }

// TestOneJudge previews every case through a Go program (the Go helper, an inline program), a
// TypeScript config (the TypeScript helper, run by Pulumi's Node.js program runner) and a YAML
// App, on the real engine against one local Cloudflare: each language must give the same outcome
// and, for a refusal, the same message, with the declaration's file:line where the language
// gives one. A preview decides every case: nothing is deployed.
func TestOneJudge(t *testing.T) {
	ctx := testContext(t, 30*time.Minute)
	c := startCloud(t)
	src := filepath.Join(repoRoot, "examples", "counter", "src")

	// One project per language, each with its stack "dev"; each case rewrites its program.
	tsDir := filepath.Join(t.TempDir(), "judge-ts")
	copyDir(t, src, filepath.Join(tsDir, "src"))
	writeFile(t, filepath.Join(tsDir, "package.json"), `{"name": "judge-ts", "private": true}`+"\n")
	writeFile(t, filepath.Join(tsDir, "Pulumi.yaml"), "name: judge-ts\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n"+
		"main: lumier.config.ts\nplugins:\n  providers:\n    - name: lumier\n      path: "+providerDir+"\n")
	if err := os.Symlink(filepath.Join(repoRoot, "node_modules"), filepath.Join(tsDir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(tsDir, "lumier.config.ts"), tsProgram(nil))
	ts := newNodeProject(t, ctx, c, tsDir, "dev")

	yamlDir := filepath.Join(t.TempDir(), "judge-yaml")
	copyDir(t, src, filepath.Join(yamlDir, "src"))
	yamlEnv := c.env(t.TempDir())
	writeFile(t, filepath.Join(yamlDir, "Pulumi.yaml"), yamlProgram(nil))
	if out, err := runPulumi(t, ctx, yamlDir, yamlEnv, "stack", "init", "dev"); err != nil {
		t.Fatalf("pulumi stack init: %v\n%s", err, out)
	}

	goDir := filepath.Join(t.TempDir(), "judge-go")
	copyDir(t, src, filepath.Join(goDir, "src"))
	goStack := inlineStack(t, ctx, c, "judge-go", "dev", goProgram(goDir, nil))

	// Each language previews the declarations as its program; at is the pattern a declaration's
	// position takes in its messages ("" where it gives none).
	languages := []struct {
		name, at string
		preview  func(t *testing.T, decls []jDecl) (string, error)
	}{{
		name: "TypeScript", at: ` \(lumier\.config\.ts:\d+\)`,
		preview: func(t *testing.T, decls []jDecl) (string, error) {
			writeFile(t, filepath.Join(tsDir, "lumier.config.ts"), tsProgram(decls))
			return runPulumi(t, ctx, tsDir, ts.env, "preview")
		},
	}, {
		name: "YAML",
		preview: func(t *testing.T, decls []jDecl) (string, error) {
			writeFile(t, filepath.Join(yamlDir, "Pulumi.yaml"), yamlProgram(decls))
			return runPulumi(t, ctx, yamlDir, yamlEnv, "preview")
		},
	}, {
		name: "Go", at: ` \(judge_test\.go:\d+\)`,
		preview: func(t *testing.T, decls []jDecl) (string, error) {
			goStack.Workspace().SetProgram(goProgram(goDir, decls))
			var buf strings.Builder
			_, err := goStack.Preview(ctx, optpreview.ProgressStreams(&buf), optpreview.ErrorProgressStreams(&buf))
			return buf.String(), err
		},
	}}

	for _, tc := range judgeCases {
		t.Run(tc.name, func(t *testing.T) {
			outcomes := map[string]string{}
			for _, l := range languages {
				out, err := l.preview(t, tc.decls)
				outcomes[l.name] = judged(t, l.name, out, err, tc.want, l.at)
			}
			t.Logf("outcomes: %v", outcomes)
		})
	}
}

// judged checks one language's preview against want and returns its outcome, for the log. at is
// the pattern a position takes in that language ("" where it has none).
func judged(t *testing.T, lang, out string, err error, want, at string) string {
	t.Helper()
	if err != nil {
		out += "\n" + err.Error()
	}
	if want == "" {
		if err != nil {
			t.Errorf("%s: the preview failed, want it to succeed:\n%s", lang, out)
			return "failed"
		}
		return "ok"
	}
	if err == nil {
		t.Errorf("%s: the preview succeeded, want it refused with %q:\n%s", lang, strings.ReplaceAll(want, "@", ""), out)
		return "ok"
	}
	parts := strings.Split(want, "@")
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	pattern := regexp.MustCompile(strings.Join(parts, at))
	line := pattern.FindString(out)
	if line == "" {
		t.Errorf("%s: the preview failed without the message %s:\n%s", lang, pattern, out)
		return "failed, another message"
	}
	return "refused: " + line
}

// goProgram is the declarations as a Go program of the Go helper; entries are under dir.
func goProgram(dir string, decls []jDecl) pulumi.RunFunc {
	return lumier.Config{
		App: func(lumier.AppContext) lumier.AppConfig { return lumier.AppConfig{Name: "judge"} },
		Run: func(ctx *lumier.Context) error {
			workers := map[string]*lumier.WorkerRef{}
			objects := map[string]*lumier.DurableObjectRef{}
			kvs := map[string]*lumier.KvNamespaceRef{}
			for _, d := range decls {
				switch {
				case d.worker != nil:
					opts := lumier.WorkerOptions{CompatibilityDate: d.worker.compatibilityDate, WorkersDev: d.worker.workersDev,
						Bindings: lumier.Bindings{}}
					if d.worker.entry != "" {
						opts.Entry = filepath.Join(dir, d.worker.entry)
					}
					for _, b := range d.worker.bindings {
						switch kind, v := b.kind(); kind {
						case "text":
							opts.Bindings[b.env] = v
						case "secret":
							opts.Bindings[b.env] = lumier.Secret(pulumi.String(v))
						case "object":
							opts.Bindings[b.env] = objects[v]
						case "worker":
							opts.Bindings[b.env] = workers[v]
						case "kv":
							opts.Bindings[b.env] = kvs[v]
						}
					}
					workers[d.worker.name] = ctx.Worker(d.worker.name, opts)
				case d.object != nil:
					opts := lumier.DurableObjectOptions{Worker: workers[d.object.worker], ClassName: d.object.className}
					if d.object.transferredFrom != "" {
						opts.TransferredFrom = workers[d.object.transferredFrom]
					}
					objects[d.object.name] = ctx.DurableObject(d.object.name, opts)
				case d.data.kind == "kv":
					kvs[d.data.name] = ctx.KvNamespace(d.data.name)
				case d.data.kind == "queue":
					ctx.Queue(d.data.name)
				case d.data.kind == "r2":
					ctx.R2Bucket(d.data.name)
				}
			}
			return nil
		},
	}.RunFunc()
}

// tsBindings renders a binding, by kind, as a property of a Worker's bindings in lumier.config.ts
// (env name, value).
var tsBindings = map[string]string{
	"text":   "%s: %q",
	"secret": "%s: pulumi.secret(%q)",
	"object": "%s: objects[%q]",
	"worker": "%s: workers[%q]",
	"kv":     "%s: kvs[%q]",
}

// tsProgram is the declarations as a lumier.config.ts of the TypeScript helper.
func tsProgram(decls []jDecl) string {
	var b strings.Builder
	b.WriteString("import * as pulumi from \"@pulumi/pulumi\";\n")
	b.WriteString("import { $config, Worker, DurableObject, KvNamespace, Queue, R2Bucket } from \"lumier\";\n\n")
	b.WriteString("export default $config({\n  app() {\n    return { name: \"judge\" };\n  },\n  run() {\n")
	b.WriteString("    const workers: Record<string, any> = {}, objects: Record<string, any> = {}, kvs: Record<string, any> = {};\n")
	for _, d := range decls {
		switch {
		case d.worker != nil:
			var opts []string
			if d.worker.entry != "" {
				opts = append(opts, fmt.Sprintf("entry: %q", d.worker.entry))
			}
			if d.worker.compatibilityDate != "" {
				opts = append(opts, fmt.Sprintf("compatibilityDate: %q", d.worker.compatibilityDate))
			}
			if d.worker.workersDev != nil {
				opts = append(opts, fmt.Sprintf("workersDev: %t", *d.worker.workersDev))
			}
			var bindings []string
			for _, x := range d.worker.bindings {
				kind, v := x.kind()
				bindings = append(bindings, fmt.Sprintf(tsBindings[kind], x.env, v))
			}
			if len(bindings) > 0 {
				opts = append(opts, "bindings: { "+strings.Join(bindings, ", ")+" }")
			}
			fmt.Fprintf(&b, "    workers[%q] = Worker(%q, { %s });\n", d.worker.name, d.worker.name, strings.Join(opts, ", "))
		case d.object != nil:
			from := ""
			if d.object.transferredFrom != "" {
				from = fmt.Sprintf(", transferredFrom: workers[%q]", d.object.transferredFrom)
			}
			fmt.Fprintf(&b, "    objects[%q] = DurableObject(%q, { worker: workers[%q], className: %q%s });\n",
				d.object.name, d.object.name, d.object.worker, d.object.className, from)
		case d.data.kind == "kv":
			fmt.Fprintf(&b, "    kvs[%q] = KvNamespace(%q);\n", d.data.name, d.data.name)
		case d.data.kind == "queue":
			fmt.Fprintf(&b, "    Queue(%q);\n", d.data.name)
		case d.data.kind == "r2":
			fmt.Fprintf(&b, "    R2Bucket(%q);\n", d.data.name)
		}
	}
	b.WriteString("  },\n});\n")
	return b.String()
}

// yamlBindings renders a binding, by kind, as an entry of a Worker's bindings in the YAML App
// (env name, value); secrets are the App's Worker secrets instead.
var yamlBindings = map[string]string{
	"text":   "%s: %q",
	"object": "%s: {type: durable_object, name: %q}",
	"worker": "%s: {type: service, name: %q}",
	"kv":     "%s: {type: kv_namespace, name: %q}",
}

// yamlProgram is the declarations as a Pulumi YAML program with one App.
func yamlProgram(decls []jDecl) string {
	var workers, objects, lists strings.Builder
	data := map[string][]string{}
	for _, d := range decls {
		switch {
		case d.worker != nil:
			fmt.Fprintf(&workers, "        - name: %q\n", d.worker.name)
			if d.worker.entry != "" {
				fmt.Fprintf(&workers, "          entry: %q\n", d.worker.entry)
			}
			if d.worker.compatibilityDate != "" {
				fmt.Fprintf(&workers, "          compatibilityDate: %q\n", d.worker.compatibilityDate)
			}
			if d.worker.workersDev != nil {
				fmt.Fprintf(&workers, "          workersDev: %t\n", *d.worker.workersDev)
			}
			var bindings, secrets []string
			for _, x := range d.worker.bindings {
				// A secret goes into the Worker's secrets, every other binding into its bindings.
				if kind, v := x.kind(); kind == "secret" {
					secrets = append(secrets, fmt.Sprintf("%s: %q", x.env, v))
				} else {
					bindings = append(bindings, fmt.Sprintf(yamlBindings[kind], x.env, v))
				}
			}
			if len(bindings) > 0 {
				fmt.Fprintf(&workers, "          bindings: {%s}\n", strings.Join(bindings, ", "))
			}
			if len(secrets) > 0 {
				fmt.Fprintf(&workers, "          secrets: {%s}\n", strings.Join(secrets, ", "))
			}
		case d.object != nil:
			fmt.Fprintf(&objects, "        - {name: %q, worker: %q, className: %q", d.object.name, d.object.worker, d.object.className)
			if d.object.transferredFrom != "" {
				fmt.Fprintf(&objects, ", transferredFrom: %q", d.object.transferredFrom)
			}
			objects.WriteString("}\n")
		default:
			list := map[string]string{"kv": "kvNamespaces", "queue": "queues", "r2": "r2Buckets"}[d.data.kind]
			data[list] = append(data[list], fmt.Sprintf("{name: %q}", d.data.name))
		}
	}
	if objects.Len() > 0 {
		lists.WriteString("      durableObjects:\n" + objects.String())
	}
	for _, list := range []string{"kvNamespaces", "queues", "r2Buckets"} {
		if len(data[list]) > 0 {
			fmt.Fprintf(&lists, "      %s: [%s]\n", list, strings.Join(data[list], ", "))
		}
	}
	if workers.Len() == 0 {
		workers.WriteString("        []\n")
	}
	return "name: judge-yaml\nruntime: yaml\nplugins:\n  providers:\n    - name: lumier\n      path: " + providerDir + "\n" +
		"resources:\n  app:\n    type: lumier:index:App\n    properties:\n      name: judge\n      workers:\n" +
		workers.String() + lists.String()
}

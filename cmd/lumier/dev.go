package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/internal/tail"
	"github.com/lumier-dev/lumier/internal/watch"
	"github.com/lumier-dev/lumier/local"
)

// devStateDir is where `lumier dev` keeps, in the project, the stack's state (unless
// PULUMI_BACKEND_URL says otherwise); the local Cloudflare's state is local.DefaultStateDir, the
// same directory `lumier local` uses there.
const devStateDir = ".lumier/state"

// devSourceMapsDir is where, in the project, the provider writes each bundle's source map for
// `lumier dev` (tail.SourceMapsEnv).
const devSourceMapsDir = ".lumier/sourcemaps"

// devOpTimeout bounds one `up` or the final destroy. An update is never interrupted by Ctrl-C:
// killing the engine mid-update would leave the stack locked with pending operations.
const devOpTimeout = 15 * time.Minute

// runDev is `lumier dev`: deploy the project's stack, then redeploy it on every save of a
// Worker's sources, asset directory or D1 migrations folder, until ctx is cancelled.
func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stackName := fs.String("stack", "dev", "the stack to deploy")
	dir := fs.String("dir", ".", "the Pulumi project directory")
	destroyOnExit := fs.Bool("destroy", false, "destroy the stack on exit (its Workers and their data)")
	addr := fs.String("addr", local.DefaultAddr, "API listen address of the local Cloudflare it starts; loopback only")
	workerdBin := fs.String("workerd", "", "workerd binary (default: $LUMIER_WORKERD, node_modules/.bin/workerd, PATH)")
	interval := fs.Duration("interval", 50*time.Millisecond, "how often the sources are checked for changes")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: lumier dev [flags]\n\n"+
			"Deploys the Pulumi project's stack with the Pulumi engine, then watches every Worker's entry\n"+
			"directory (node_modules and hidden directories aside), the directory of every module its bundle\n"+
			"imports (outside node_modules), asset directories, D1 migration folders and the program's own\n"+
			"files (a Go program's packages in its module, or its binary:), and\n"+
			"runs `up` again on every save. The local Cloudflare is started in the project (state in\n"+
			".lumier/local) unless CLOUDFLARE_BASE_URL points at one; the stack's state is a file backend in\n"+
			".lumier/state unless PULUMI_BACKEND_URL is set. Ctrl-C stops.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	}
	project, err := filepath.Abs(*dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(project, "Pulumi.yaml")); err != nil {
		return usageError{fmt.Sprintf("%s has no Pulumi.yaml: run lumier dev in a Pulumi project, or pass -dir", project)}
	}

	// The loop's messages and the Workers' output share the terminal.
	stdout = &syncWriter{w: stdout}
	env, stopCloud, err := devEnvironment(ctx, project, *addr, *workerdBin, stdout, stderr)
	if err != nil {
		return err
	}
	defer stopCloud()

	s, err := auto.UpsertStackLocalSource(ctx, *stackName, project, auto.EnvVars(env))
	if err != nil {
		return fmt.Errorf("selecting stack %q in %s: %w", *stackName, project, err)
	}
	d := &devLoop{stack: s, project: project, stdout: stdout, stderr: stderr}
	if client := tailClient(env); client != nil {
		d.tails = newDevTails(client, stdout)
	} else {
		fmt.Fprintln(stdout, "lumier dev: the Workers' console output is not shown: set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID")
	}
	err = d.loop(ctx, *interval)
	if d.tails != nil {
		d.tails.stop()
	}
	if err != nil {
		return err
	}
	if *destroyOnExit {
		return d.destroy()
	}
	return nil
}

// devEnvironment is the engine's environment: the backend and the local Cloudflare's address and
// credentials. It starts the local Cloudflare unless CLOUDFLARE_BASE_URL is set; stop stops it.
func devEnvironment(ctx context.Context, project, addr, workerdBin string, stdout, stderr io.Writer) (env map[string]string, stop func(), err error) {
	env = map[string]string{}
	if os.Getenv("PULUMI_SKIP_UPDATE_CHECK") == "" {
		// Every update is a CLI run: no network call for a newer CLI's version on each save.
		env["PULUMI_SKIP_UPDATE_CHECK"] = "true"
	}
	// The provider writes each bundle's source map there, for mapping the Workers' stacks.
	env[tail.SourceMapsEnv] = filepath.Join(project, devSourceMapsDir)
	if os.Getenv("PULUMI_BACKEND_URL") == "" {
		state := filepath.Join(project, devStateDir)
		if err := os.MkdirAll(state, 0o700); err != nil {
			return nil, nil, fmt.Errorf("creating the stack's state directory: %w", err)
		}
		env["PULUMI_BACKEND_URL"] = "file://" + filepath.ToSlash(state)
		// The dev stack's state stays in the project on this machine: unless a passphrase is
		// given, its secrets are encrypted with the empty one rather than asking for one.
		if os.Getenv("PULUMI_CONFIG_PASSPHRASE") == "" && os.Getenv("PULUMI_CONFIG_PASSPHRASE_FILE") == "" {
			env["PULUMI_CONFIG_PASSPHRASE"] = ""
		}
	}
	if url := os.Getenv("CLOUDFLARE_BASE_URL"); url != "" {
		fmt.Fprintf(stdout, "lumier dev: using the Cloudflare API at %s (CLOUDFLARE_BASE_URL)\n", url)
		return env, func() {}, nil
	}

	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := local.New(local.Options{
		Addr:      addr,
		StateDir:  filepath.Join(project, local.DefaultStateDir),
		Token:     local.DefaultToken,
		AccountID: local.DefaultAccountID,
		Logger:    logger,
		Workerd:   workerdBin,
	})
	if err != nil {
		return nil, nil, err
	}
	startCtx, cancel := context.WithTimeout(ctx, startTimeout)
	err = srv.Start(startCtx)
	cancel()
	if err != nil {
		srv.Close()
		return nil, nil, fmt.Errorf("starting the local Cloudflare: %w", err)
	}
	fmt.Fprintf(stdout, "lumier dev: the local Cloudflare is running at %s (state in %s)\n", srv.URL(), srv.StateDir())
	env["CLOUDFLARE_BASE_URL"] = srv.URL()
	env["CLOUDFLARE_API_TOKEN"] = srv.Token()
	env["CLOUDFLARE_ACCOUNT_ID"] = srv.AccountID()
	return env, func() {
		if err := srv.Close(); err != nil {
			fmt.Fprintf(stderr, "lumier dev: stopping the local Cloudflare: %v\n", err)
		}
	}, nil
}

// tailClient is the Cloudflare API client the tails are started with: the engine's
// environment's, else the process's; nil without an account and token.
func tailClient(env map[string]string) *cfapi.Client {
	get := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
	token, account := get("CLOUDFLARE_API_TOKEN"), get("CLOUDFLARE_ACCOUNT_ID")
	if token == "" || account == "" {
		return nil
	}
	return cfapi.New(get("CLOUDFLARE_BASE_URL"), token, account)
}

// devLoop deploys the stack and redeploys it on every change.
type devLoop struct {
	stack   auto.Stack
	project string
	stdout  io.Writer
	stderr  io.Writer
	// tails prints the Workers' output; nil when there are no credentials to start tails.
	tails *devTails
	// goFiles are a Go program's own sources (goProgram.files), as last listed: kept when a
	// listing fails, so a save that breaks the program leaves its packages watched.
	goFiles []string
}

func (d *devLoop) loop(ctx context.Context, interval time.Duration) error {
	// Later updates reuse the list made after the previous one: nothing else changes the state,
	// and reading it (a CLI run) and bundling again would delay every save's update.
	paths := d.watched(false)
	for {
		// The snapshot is taken before the update, so a save made while it runs is the next change.
		since := watch.Snapshot(paths)
		started := time.Now()
		res, took, err := d.up()
		if err != nil {
			return err
		}
		// The files watched before keep their stamps from before the update. The update may
		// have brought new Workers or modules into the watch: one saved since the update
		// started may not be what it deployed, so it counts as changed. After a deployment,
		// the tails and source maps are in place before its URLs are printed: a request made on
		// seeing them is shown, its stack mapped.
		paths = d.watched(res != nil)
		if res != nil {
			d.report(res, took)
		}
		if ctx.Err() != nil {
			return nil
		}
		from := watch.Snapshot(paths)
		for p, now := range from {
			if s, ok := since[p]; ok {
				from[p] = s
			} else if !now.ModTime.Before(started) {
				delete(from, p)
			}
		}
		fmt.Fprintf(d.stdout, "lumier dev: watching %d files for changes\n", len(from))
		changed, _, err := watch.Wait(ctx, paths, from, interval)
		if err != nil {
			return nil // Ctrl-C
		}
		fmt.Fprintf(d.stdout, "lumier dev: changed: %s\n", d.rel(changed))
	}
}

// up runs `pulumi up`. A failed update (a build error, a bad binding) is printed and the loop
// goes on: the engine stops before changing anything the failure concerns, so the previous
// version keeps serving. Only a failure to run the engine at all ends the loop.
//
// It returns the update's result and how long it took, or a nil result when the update failed.
func (d *devLoop) up() (*auto.UpResult, time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), devOpTimeout)
	defer cancel()
	start := time.Now()
	var out bytes.Buffer
	res, err := d.stack.Up(ctx, optup.ProgressStreams(&out), optup.ErrorProgressStreams(&out), optup.SuppressProgress())
	if err != nil {
		if !auto.IsCompilationError(err) && !auto.IsRuntimeError(err) && out.Len() == 0 {
			return nil, 0, fmt.Errorf("running pulumi up: %w", err)
		}
		fmt.Fprintf(d.stderr, "lumier dev: update failed; the previous version keeps serving. Save again to retry.\n%s\n",
			strings.TrimSpace(out.String()))
		return nil, 0, nil
	}
	return &res, time.Since(start), nil
}

// report prints a deployment: its time, its changes and the stack's outputs.
func (d *devLoop) report(res *auto.UpResult, took time.Duration) {
	fmt.Fprintf(d.stdout, "lumier dev: deployed in %s (%s)\n", took.Round(time.Millisecond), summary(res.Summary))
	for _, k := range slices.Sorted(maps.Keys(res.Outputs)) {
		if o := res.Outputs[k]; !o.Secret {
			v, _ := json.Marshal(o.Value)
			fmt.Fprintf(d.stdout, "  %s: %s\n", k, strings.Trim(string(v), `"`))
		}
	}
}

func (d *devLoop) destroy() error {
	ctx, cancel := context.WithTimeout(context.Background(), devOpTimeout)
	defer cancel()
	var out bytes.Buffer
	if _, err := d.stack.Destroy(ctx, optdestroy.ProgressStreams(&out), optdestroy.ErrorProgressStreams(&out)); err != nil {
		return fmt.Errorf("destroying stack %q: %w\n%s", d.stack.Name(), err, out.String())
	}
	fmt.Fprintf(d.stdout, "lumier dev: destroyed stack %q\n", d.stack.Name())
	return nil
}

// summary reads like the engine's: "2 updated, 5 unchanged".
func summary(s auto.UpdateSummary) string {
	if s.ResourceChanges == nil {
		return "no changes"
	}
	var parts []string
	for _, op := range slices.Sorted(maps.Keys(*s.ResourceChanges)) {
		parts = append(parts, fmt.Sprintf("%d %s", (*s.ResourceChanges)[op], op))
	}
	return strings.Join(parts, ", ")
}

// watched is every path whose change calls for an update: the program's own files (the
// project directory's top level, and a Go program's packages), and from the stack's state each Worker's entry with the source
// files beside it, the files beside every module its deployed bundle was made of, asset
// directories and D1 migration folders. A deployed script's stacks are mapped with the source map
// the provider wrote for its code (by codeHash); the same map names the bundle's modules. The
// state keeps the last deployed codeHash while a save does not build, so the modules of the
// version that serves stay watched. With follow, the tails follow the deployed scripts.
func (d *devLoop) watched(follow bool) []string {
	paths := append(programFiles(d.project), d.goProgramFiles()...)
	dep := d.deployed()
	mapsDir := filepath.Join(d.project, devSourceMapsDir)
	if d.tails != nil {
		for _, s := range dep.scripts {
			if m, err := tail.ReadMapper(mapsDir, s.codeHash); err == nil {
				d.tails.setMapper(s.name, m)
			}
		}
		if follow {
			d.tails.follow(dep.scriptNames())
		}
	}
	for _, entry := range dep.entries {
		paths = append(paths, entry)
		paths = append(paths, sourceFiles(filepath.Dir(entry))...)
	}
	for _, s := range dep.scripts {
		if sources, err := tail.ReadSources(mapsDir, s.codeHash); err == nil {
			paths = append(paths, moduleFiles(d.providerDir(), sources)...)
		}
	}
	paths = append(paths, dep.dirs...)
	slices.Sort(paths)
	return slices.Compact(paths)
}

// goProgramFiles are, for a Go program, the sources of its own packages (goProgram.files);
// nothing for another runtime.
func (d *devLoop) goProgramFiles() []string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	settings, err := d.stack.Workspace().ProjectSettings(ctx)
	if err != nil {
		fmt.Fprintf(d.stderr, "lumier dev: reading Pulumi.yaml: %v\n", err)
		return d.goFiles
	}
	program, ok := goProgramOf(d.project, settings)
	if !ok {
		return nil
	}
	files, err := program.files(ctx)
	if err != nil {
		fmt.Fprintf(d.stderr, "lumier dev: %v\nlumier dev: the Go packages listed before stay watched\n", err)
		return d.goFiles
	}
	d.goFiles = files
	return files
}

// moduleFiles are, for a bundle's sources (its source map's, relative to dir), each source and
// the files beside it, so that a module imported from outside the entry's directory (a shared
// folder next to the Worker's) is watched, and so is a file created beside it for an import that
// does not resolve yet. Only the source's own directory is listed, not what is under it: a
// module at the top of a large tree must not make every poll walk the tree. Installed packages
// (a node_modules anywhere on the path) and esbuild's virtual modules ("<stdin>", "<define:...>")
// are left out.
func moduleFiles(dir string, sources []string) []string {
	var files []string
	for _, src := range sources {
		if src == "" || strings.HasPrefix(src, "<") {
			continue
		}
		path := src
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, filepath.FromSlash(src))
		}
		if slices.Contains(strings.Split(filepath.ToSlash(path), "/"), "node_modules") {
			continue
		}
		files = append(files, path)
		entries, err := os.ReadDir(filepath.Dir(path))
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
				files = append(files, filepath.Join(filepath.Dir(path), e.Name()))
			}
		}
	}
	return files
}

// providerDir is the directory the provider runs in, which the source maps' sources are relative
// to: the project, as a real path (the bundler resolves symbolic links, so a source "../common/x.ts"
// is beside the real project directory, not beside a link to it).
func (d *devLoop) providerDir() string {
	if real, err := filepath.EvalSymlinks(d.project); err == nil {
		return real
	}
	return d.project
}

// sourceFiles are the files under dir, a Worker entry's directory, where the modules it imports
// usually live: watching the whole directory, not only the last bundle's modules (moduleFiles),
// also catches a file added for an import that did not build yet. Installed packages
// (node_modules) and hidden directories (.lumier holds the stack's and the local Cloudflare's
// state, which every update writes) are left out.
func sourceFiles(dir string) []string {
	var files []string
	_ = filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return nil // unreadable: not watched
		case e.IsDir() && path != dir && (e.Name() == "node_modules" || strings.HasPrefix(e.Name(), ".")):
			return filepath.SkipDir
		case !e.IsDir():
			files = append(files, path)
		}
		return nil
	})
	return files
}

// deployment is what the stack's state says was deployed: Worker entries, source directories
// and scripts. Paths are absolute.
type deployment struct {
	entries, dirs []string
	scripts       []deployedScript
}

// deployedScript is one Script resource: its script name and its code's hash.
type deployedScript struct {
	name, codeHash string
}

func (dep deployment) scriptNames() []string {
	names := make([]string, len(dep.scripts))
	for i, s := range dep.scripts {
		names[i] = s.name
	}
	return names
}

// scriptType is the resource type of a deployed Worker script.
const scriptType = "lumier:index:Script"

// deployed reads the deployment from the inputs of the stack's resources; paths in them are
// relative to the project, as the provider reads them.
func (d *devLoop) deployed() deployment {
	var out deployment
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	exported, err := d.stack.Export(ctx)
	if err != nil {
		fmt.Fprintf(d.stderr, "lumier dev: reading the stack's state: %v\n", err)
		return out
	}
	var dep apitype.DeploymentV3
	if err := json.Unmarshal(exported.Deployment, &dep); err != nil {
		fmt.Fprintf(d.stderr, "lumier dev: reading the stack's state: %v\n", err)
		return out
	}
	for _, r := range dep.Resources {
		sourcePaths(r.Inputs, func(key, path string) {
			if key == "entry" {
				out.entries = append(out.entries, d.abs(path))
			} else {
				out.dirs = append(out.dirs, d.abs(path))
			}
		})
		if string(r.Type) == scriptType && !r.Delete {
			name, _ := r.Inputs["scriptName"].(string)
			hash, _ := r.Inputs["codeHash"].(string)
			if name != "" {
				out.scripts = append(out.scripts, deployedScript{name: name, codeHash: hash})
			}
		}
	}
	slices.Sort(out.entries)
	out.entries = slices.Compact(out.entries)
	return out
}

// sourceKeys are the input properties that name source files: a Worker's entry, an asset
// directory (assets.directory) and a D1 database's migrations folder.
var sourceKeys = []string{"entry", "directory", "migrationsDir"}

// sourcePaths calls found for every string under one of sourceKeys, at any depth of v.
func sourcePaths(v any, found func(key, path string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if s, ok := e.(string); ok && s != "" && slices.Contains(sourceKeys, k) {
				found(k, s)
				continue
			}
			sourcePaths(e, found)
		}
	case []any:
		for _, e := range v {
			sourcePaths(e, found)
		}
	}
}

// programFiles are the files at the top of the project directory (Pulumi.yaml, the program's
// main.go or index.ts, ...), hidden ones excepted.
func programFiles(project string) []string {
	entries, err := os.ReadDir(project)
	if err != nil {
		return nil
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			files = append(files, filepath.Join(project, e.Name()))
		}
	}
	return files
}

func (d *devLoop) abs(path string) string { return absIn(d.project, path) }

// rel names files relative to the project, the way the program names them.
func (d *devLoop) rel(files []string) string {
	names := make([]string, len(files))
	for i, f := range files {
		if r, err := filepath.Rel(d.project, f); err == nil {
			f = r
		}
		names[i] = f
	}
	return strings.Join(names, ", ")
}

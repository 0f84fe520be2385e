package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// goListTimeout bounds the `go list` that finds a Go program's packages. Once the program has
// been built it reads only the module cache and the sources (under a second); a listing that
// would have to download for longer fails rather than hold up the loop.
const goListTimeout = 30 * time.Second

// goListFormat prints, for every package of the program's build that belongs to a main module
// (the program's own module, or a go.work's modules), the package's directory and its module's
// go.mod, tab-separated. Packages from other modules (the SDK, the module cache) are left out.
const goListFormat = `{{with .Module}}{{if .Main}}{{$.Dir}}{{"\t"}}{{.GoMod}}{{end}}{{end}}`

// goProgram is how a `runtime: go` project runs, from its Pulumi.yaml.
type goProgram struct {
	// dir is the program's directory: the project's, or its `main:`.
	dir string
	// binary is the prebuilt program the runtime option `binary:` names (absolute), or "" when
	// the Go language host builds the program on each update.
	binary string
}

// goProgramOf is how project runs when its runtime is Go; ok is false for any other runtime.
func goProgramOf(project string, settings *workspace.Project) (p goProgram, ok bool) {
	if settings == nil || settings.Runtime.Name() != "go" {
		return goProgram{}, false
	}
	p.dir = project
	if settings.Main != "" {
		p.dir = absIn(project, settings.Main)
	}
	if b, _ := settings.Runtime.Options()["binary"].(string); b != "" {
		p.binary = absIn(project, b)
	}
	return p, true
}

// files are what a change of the program's code shows in: with a prebuilt binary, the binary
// (the host runs it as it is, so a source save changes nothing until it is built again); else
// the files of every directory holding one of the program's own packages (found by listDirs)
// and its module's go.mod and go.sum. A whole directory's files, not only the package's .go
// files, so a file added to a package, or one a build constraint or //go:embed brings in, is seen.
func (p goProgram) files(ctx context.Context) ([]string, error) {
	if p.binary != "" {
		return []string{p.binary}, nil
	}
	dirs, mods, err := p.listDirs(ctx)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, mod := range mods {
		files = append(files, mod, strings.TrimSuffix(mod, ".mod")+".sum")
	}
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
	}
	return files, nil
}

// listDirs asks the go command for the directories of the program's packages, its
// dependencies included, that belong to a main module, and those modules' go.mod files. The go
// command is the one that builds the program, so it resolves imports exactly as the build does
// (replace directives, go.work, vendoring, build constraints). With -e, a package that does not
// build (a save with a syntax error) is still listed.
func (p goProgram) listDirs(ctx context.Context) (dirs, mods []string, err error) {
	ctx, cancel := context.WithTimeout(ctx, goListTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "list", "-e", "-deps", "-f", goListFormat, ".")
	cmd.Dir = p.dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, nil, fmt.Errorf("listing the Go program's packages in %s (go list -deps): %w\n%s",
			p.dir, err, strings.TrimSpace(stderr.String()))
	}
	seen := map[string]bool{}
	lines := bufio.NewScanner(bytes.NewReader(out))
	for lines.Scan() {
		dir, mod, ok := strings.Cut(lines.Text(), "\t")
		if !ok || dir == "" {
			continue
		}
		dirs = append(dirs, dir)
		if mod != "" && !seen[mod] {
			seen[mod] = true
			mods = append(mods, mod)
		}
	}
	return dirs, mods, nil
}

// absIn is path, relative to dir unless absolute.
func absIn(dir, path string) string {
	if filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	return filepath.Join(dir, path)
}

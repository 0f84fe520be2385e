package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// TestGoProgramFilesAreItsOwnPackages lists a program whose main package imports a package of its
// own module below it (lib/) and a standard package: lib's files and go.mod are watched, a
// directory of the module that the program does not import is not.
func TestGoProgramFilesAreItsOwnPackages(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"go.mod":           "module example.com/prog\n\ngo 1.26\n",
		"main.go":          "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/prog/lib\"\n)\n\nfunc main() { fmt.Println(lib.Name) }\n",
		"lib/lib.go":       "package lib\n\n// Name is a name.\nconst Name = \"lib\"\n",
		"lib/data.txt":     "beside the package\n",
		"unused/unused.go": "package unused\n",
	} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("GOWORK", "off")
	t.Setenv("GOFLAGS", "-mod=mod")
	p, ok := goProgramOf(dir, &workspace.Project{Runtime: workspace.NewProjectRuntimeInfo("go", nil)})
	if !ok {
		t.Fatal("a runtime: go project is not seen as a Go program")
	}
	files, err := p.files(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"go.mod", "go.sum", "main.go", "lib/lib.go", "lib/data.txt"} {
		if !slices.Contains(files, filepath.Join(dir, want)) {
			t.Errorf("%s is not watched; watched: %v", want, files)
		}
	}
	if unused := filepath.Join(dir, "unused", "unused.go"); slices.Contains(files, unused) {
		t.Errorf("%s is watched, but the program does not import it", unused)
	}
}

// TestPrebuiltGoProgramIsItsBinary: with the runtime option binary:, the host runs that file as
// it is, so the file is what is watched (relative to the project), not the sources.
func TestPrebuiltGoProgramIsItsBinary(t *testing.T) {
	project := t.TempDir()
	settings := &workspace.Project{Runtime: workspace.NewProjectRuntimeInfo("go", map[string]any{"binary": "bin/counter"})}
	p, ok := goProgramOf(project, settings)
	if !ok {
		t.Fatal("a runtime: go project is not seen as a Go program")
	}
	files, err := p.files(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(project, "bin", "counter")}; !slices.Equal(files, want) {
		t.Fatalf("watched %v, want %v", files, want)
	}
	if _, ok := goProgramOf(project, &workspace.Project{Runtime: workspace.NewProjectRuntimeInfo("nodejs", nil)}); ok {
		t.Fatal("a runtime: nodejs project is seen as a Go program")
	}
}

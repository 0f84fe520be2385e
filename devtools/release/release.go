// Package release builds lumier's release artifacts (make release): the provider plugin for each
// platform, the version-stamped schema and SDKs, the npm tarballs, the Go SDK as a module in
// GOPROXY layout, the Python sdist and a checksums file, all in one directory.
package release

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/blang/semver"
	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"

	"github.com/lumier-dev/lumier/devtools/codegen"
	"github.com/lumier-dev/lumier/provider"
)

// Targets are the platforms a release ships the provider plugin for, as GOOS/GOARCH.
var Targets = []string{
	"linux/amd64", "linux/arm64",
	"darwin/amd64", "darwin/arm64",
	"windows/amd64", "windows/arm64",
}

// GoModule is the Go SDK's module path; its release tags are sdk/vX.Y.Z.
const GoModule = "github.com/lumier-dev/lumier/sdk"

// Options says what to build.
type Options struct {
	// Version is the release's version, x.y.z (semantic, no leading v).
	Version string
	// Root is the repository's root directory.
	Root string
	// Out is the directory the artifacts are written to (dist/); it is emptied first.
	Out string
	// Targets are the plugin's platforms (GOOS/GOARCH); Targets above if empty.
	Targets []string
	// Log receives one line per step, with its duration.
	Log io.Writer
}

// Build writes every artifact to o.Out.
func Build(ctx context.Context, o Options) error {
	if _, err := semver.Parse(o.Version); err != nil {
		return fmt.Errorf("version %q is not a semantic version x.y.z (without a leading v): %w", o.Version, err)
	}
	if len(o.Targets) == 0 {
		o.Targets = Targets
	}
	out, err := filepath.Abs(o.Out)
	if err != nil {
		return err
	}
	o.Out = out
	if o.Log == nil {
		o.Log = io.Discard
	}
	if err := os.RemoveAll(o.Out); err != nil {
		return err
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return err
	}
	stage, err := os.MkdirTemp("", "lumier-release-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)

	b := &builder{Options: o, stage: stage}
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"schema and SDKs", b.sdks},
		// Before anything is built in the stage: the module holds sdk/ as its tag will.
		{"Go module", b.goModule},
		{"npm packages", b.npm},
		{"Python sdist", b.pythonSdist},
		{"provider plugins", b.plugins},
		{"checksums", b.checksums},
	}
	for _, s := range steps {
		start := time.Now()
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		fmt.Fprintf(o.Log, "release: %s in %s\n", s.name, time.Since(start).Round(time.Millisecond))
	}
	return nil
}

type builder struct {
	Options
	stage string // holds the stamped copies of the SDK directories
}

// dir is a stamped copy's directory: stage/<repo-relative path>.
func (b *builder) dir(rel string) string { return filepath.Join(b.stage, filepath.FromSlash(rel)) }

// sdks copies the committed SDK directories (their tracked files) into the stage and regenerates
// the schema and the generated SDKs there, stamped with the version; schema.json goes to Out.
func (b *builder) sdks(ctx context.Context) error {
	for _, rel := range []string{"sdk/go.mod", "sdk/go.sum", "sdk/go", "sdk/nodejs", "sdk/python", "sdk/typescript", "LICENSE"} {
		if err := b.copyTracked(ctx, rel); err != nil {
			return err
		}
	}
	return codegen.Write(ctx, codegen.Output{
		Version: b.Version,
		Schema:  filepath.Join(b.Out, "schema.json"),
		Dirs: map[string]string{
			"go":     b.dir("sdk/go/lumier"),
			"nodejs": b.dir("sdk/nodejs"),
			"python": b.dir("sdk/python"),
		},
	})
}

// copyTracked copies the files git tracks under rel (a file or a directory) into the stage, so
// that nothing built or left over in the checkout ships.
func (b *builder) copyTracked(ctx context.Context, rel string) error {
	out, err := b.command(ctx, b.Root, nil, "git", "ls-files", "-z", "--", rel)
	if err != nil {
		return err
	}
	for _, name := range strings.Split(strings.TrimRight(out, "\x00"), "\x00") {
		if name == "" {
			continue
		}
		if err := copyFile(filepath.Join(b.Root, name), b.dir(name)); err != nil {
			return err
		}
	}
	return nil
}

// npm builds and packs @lumier-dev/lumier (the generated SDK, from its bin/ with package.json
// copied in, as Pulumi's SDKs are published) and lumier (the helper). Both take @pulumi/pulumi as a
// peer dependency, so that a project has exactly one copy (two copies break the Automation API's
// and the engine's messages); the helper depends on the SDK of the same version.
func (b *builder) npm(ctx context.Context) error {
	tsc := filepath.Join(b.Root, "node_modules", ".bin", "tsc")
	if _, err := os.Stat(tsc); err != nil {
		return fmt.Errorf("no TypeScript compiler at %s: run `make tools` first", tsc)
	}
	// The compilers find @pulumi/pulumi and @types/node the way they do in the checkout.
	if err := os.Symlink(filepath.Join(b.Root, "node_modules"), filepath.Join(b.stage, "node_modules")); err != nil {
		return err
	}
	sdk := b.dir("sdk/nodejs")
	if _, err := b.command(ctx, sdk, nil, tsc, "-p", "."); err != nil {
		return err
	}
	for _, f := range []string{"package.json", "README.md"} {
		if err := copyFile(filepath.Join(sdk, f), filepath.Join(sdk, "bin", f)); err != nil {
			return err
		}
	}
	if err := editPackageJSON(filepath.Join(sdk, "bin", "package.json"), b.Version, nil); err != nil {
		return err
	}

	helper := b.dir("sdk/typescript")
	// The helper compiles against the stamped SDK, the way a user's project resolves it.
	if err := os.MkdirAll(filepath.Join(helper, "node_modules", "@lumier-dev"), 0o755); err != nil {
		return err
	}
	if err := os.Symlink(filepath.Join(sdk, "bin"), filepath.Join(helper, "node_modules", "@lumier-dev", "lumier")); err != nil {
		return err
	}
	if _, err := b.command(ctx, helper, nil, tsc, "-p", "."); err != nil {
		return err
	}
	if err := editPackageJSON(filepath.Join(helper, "package.json"), b.Version, map[string]string{"@lumier-dev/lumier": b.Version}); err != nil {
		return err
	}
	if err := os.RemoveAll(filepath.Join(helper, "node_modules")); err != nil {
		return err
	}
	for _, dir := range []string{filepath.Join(sdk, "bin"), helper} {
		if _, err := b.command(ctx, dir, nil, "npm", "pack", "--silent", "--pack-destination", b.Out); err != nil {
			return err
		}
	}
	return nil
}

// editPackageJSON stamps a package.json with version, moves @pulumi/pulumi from its dependencies
// to its peer dependencies, sets deps as dependencies (name to version), and leaves out the
// development dependencies and scripts, which are for building it here.
func editPackageJSON(path, version string, deps map[string]string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var pkg map[string]any
	if err := json.Unmarshal(data, &pkg); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	pkg["version"] = version
	if meta, ok := pkg["pulumi"].(map[string]any); ok {
		meta["version"] = version
	}
	dependencies, _ := pkg["dependencies"].(map[string]any)
	if dependencies == nil {
		dependencies = map[string]any{}
	}
	pulumi, ok := dependencies["@pulumi/pulumi"]
	if !ok {
		return fmt.Errorf("%s: no @pulumi/pulumi dependency to make a peer dependency", path)
	}
	delete(dependencies, "@pulumi/pulumi")
	pkg["peerDependencies"] = map[string]any{"@pulumi/pulumi": pulumi}
	for name, v := range deps {
		dependencies[name] = v
	}
	if len(dependencies) == 0 {
		delete(pkg, "dependencies")
	} else {
		pkg["dependencies"] = dependencies
	}
	delete(pkg, "devDependencies")
	delete(pkg, "scripts")
	out, err := json.MarshalIndent(pkg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(out, '\n'), 0o644)
}

// pythonSdist builds the Python SDK's source distribution with the build backend its
// pyproject.toml names (setuptools), called through its PEP 517 hook: the `build` front end is
// not needed for an sdist, which runs no code of the package.
func (b *builder) pythonSdist(ctx context.Context) error {
	_, err := b.command(ctx, b.dir("sdk/python"), nil, "python3", "-c",
		"import sys, setuptools.build_meta as backend; backend.build_sdist(sys.argv[1])", b.Out)
	if err != nil {
		return fmt.Errorf("%w (the sdist needs setuptools >= 61 for python3)", err)
	}
	return nil
}

// plugins builds the provider plugin for each target, version stamped, without cgo, and archives
// it the way `pulumi plugin install` unpacks it: the executable at the archive's root.
func (b *builder) plugins(ctx context.Context) error {
	ldflags := "-s -w -X github.com/lumier-dev/lumier/provider.Version=" + b.Version
	for _, target := range b.Targets {
		goos, goarch, ok := strings.Cut(target, "/")
		if !ok {
			return fmt.Errorf("target %q: want GOOS/GOARCH", target)
		}
		exe := "pulumi-resource-" + provider.Name
		if goos == "windows" {
			exe += ".exe"
		}
		start := time.Now()
		bin := filepath.Join(b.stage, "plugin", goos+"-"+goarch, exe)
		_, err := b.command(ctx, b.Root, []string{"CGO_ENABLED=0", "GOOS=" + goos, "GOARCH=" + goarch},
			"go", "build", "-trimpath", "-ldflags", ldflags, "-o", bin, "./cmd/pulumi-resource-lumier")
		if err != nil {
			return err
		}
		archive := filepath.Join(b.Out, PluginArchive(b.Version, goos, goarch))
		files := []string{bin}
		if license := b.dir("LICENSE"); exists(license) {
			files = append(files, license)
		}
		if err := writeTarGz(archive, files); err != nil {
			return err
		}
		fmt.Fprintf(b.Log, "release: %s in %s\n", filepath.Base(archive), time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// PluginArchive is the name of the plugin's archive for a platform: the name the engine asks a
// github:// plugin download URL for (pulumi-<kind>-<name>-v<version>-<os>-<arch>.tar.gz).
func PluginArchive(version, goos, goarch string) string {
	return fmt.Sprintf("pulumi-resource-%s-v%s-%s-%s.tar.gz", provider.Name, version, goos, goarch)
}

// checksums writes checksums.txt: the SHA-256 of every file in Out, in sha256sum's format, so
// that `sha256sum -c checksums.txt` checks a download.
func (b *builder) checksums(context.Context) error {
	var lines []string
	err := filepath.WalkDir(b.Out, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		sum, err := sha256File(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(b.Out, path)
		lines = append(lines, sum+"  "+filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(lines)
	return os.WriteFile(filepath.Join(b.Out, "checksums.txt"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

// command runs name with args in dir (with env added to this process's) and returns its standard
// output; a failure carries its output.
func (b *builder) command(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s (in %s): %w\n%s%s", name, strings.Join(args, " "), dir, err, out, stderr.String())
	}
	return string(out), nil
}

func writeTarGz(path string, files []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	for _, file := range files {
		info, err := os.Stat(file)
		if err != nil {
			return err
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hdr.Name = filepath.Base(file)
		hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		src, err := os.Open(file)
		if err != nil {
			return err
		}
		_, err = io.Copy(tw, src)
		src.Close()
		if err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	return f.Close()
}

func copyFile(src, dst string) error {
	info, err := os.Stat(src)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, data, info.Mode().Perm())
}

func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// goModule writes the Go SDK module (sdk/, stamped) in GOPROXY layout under Out/goproxy, the
// files a module proxy serves for a version: @v/list, <v>.info, <v>.mod and <v>.zip. A
// GOPROXY=file://<Out>/goproxy serves it as is; the tag that publishes it is sdk/v<version>.
func (b *builder) goModule(context.Context) error {
	mv := module.Version{Path: GoModule, Version: "v" + b.Version}
	escaped, err := module.EscapePath(mv.Path)
	if err != nil {
		return err
	}
	dir := filepath.Join(b.Out, "goproxy", filepath.FromSlash(escaped), "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	base := filepath.Join(dir, mv.Version)
	f, err := os.Create(base + ".zip")
	if err != nil {
		return err
	}
	defer f.Close()
	if err := modzip.CreateFromDir(f, mv, b.dir("sdk")); err != nil {
		return fmt.Errorf("zipping %s: %w", mv, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := copyFile(b.dir("sdk/go.mod"), base+".mod"); err != nil {
		return err
	}
	info, err := json.Marshal(map[string]string{"Version": mv.Version, "Time": time.Now().UTC().Format(time.RFC3339)})
	if err != nil {
		return err
	}
	if err := os.WriteFile(base+".info", info, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "list"), []byte(mv.Version+"\n"), 0o644)
}

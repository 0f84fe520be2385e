// Command release writes lumier's release artifacts to a directory (make release VERSION=x.y.z):
// the provider plugin for every platform, the version-stamped schema and SDKs, the npm tarballs,
// the Go SDK module in GOPROXY layout, the Python sdist and checksums.txt. It is a build tool of
// this repository, not shipped.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/lumier-dev/lumier/devtools/release"
)

func main() {
	version := flag.String("version", "", "the release's version, x.y.z (required)")
	out := flag.String("out", "dist", "the directory to write the artifacts to (emptied first)")
	targets := flag.String("targets", strings.Join(release.Targets, ","), "the plugin's platforms, GOOS/GOARCH, comma-separated")
	flag.Parse()
	if *version == "" {
		fmt.Fprintln(os.Stderr, "release: -version x.y.z is required (make release VERSION=x.y.z)")
		os.Exit(2)
	}
	root, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
	err = release.Build(context.Background(), release.Options{
		Version: strings.TrimPrefix(*version, "v"),
		Root:    root,
		Out:     *out,
		Targets: strings.Split(*targets, ","),
		Log:     os.Stderr,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

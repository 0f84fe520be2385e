// Package goruntime serves Pulumi's language runtime protocol for a Go program, for the
// end-to-end tests. Pulumi's Go language host (sdk/go/pulumi-language-go in pulumi/pulumi) is a Go
// module with no published versions, so it cannot be built here; this one runs a program the way
// that host does: the binary the runtime option `binary:` names as it is, or else the program
// built with `go build` in its directory on every run; in the run's working directory, with the
// run's project, stack, config and engine addresses in the PULUMI_* environment variables the Go
// SDK reads. A failed build or run reports the go command's or the program's output.
package goruntime

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Host runs a Go program.
type Host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	// Binary is the program to run; empty, it is the project's runtime option `binary:` (a
	// relative path is the project directory's), or without one the program built from its
	// directory.
	Binary string
	// Engine is the engine's address; empty, it is the run's first argument (what a client
	// started with `pulumi --client` is given).
	Engine string
}

// GetPluginInfo reports a version no real host has.
func (h *Host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: "0.0.0-lumier-e2e"}, nil
}

// GetRequiredPlugins and GetRequiredPackages report none: the projects name their provider under
// `plugins:` in Pulumi.yaml.
func (h *Host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

// GetRequiredPackages reports none, as GetRequiredPlugins.
func (h *Host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// InstallDependencies has nothing to install: the module cache is the build's.
func (h *Host) InstallDependencies(*pulumirpc.InstallDependenciesRequest, pulumirpc.LanguageRuntime_InstallDependenciesServer) error {
	return nil
}

// Run runs the program and waits for it.
func (h *Host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	binary := h.Binary
	if binary == "" {
		binary, _ = req.GetInfo().GetOptions().AsMap()["binary"].(string)
		if binary == "" {
			built, failure, err := build(ctx, req.GetInfo().GetProgramDirectory())
			if err != nil || failure != "" {
				return &pulumirpc.RunResponse{Error: failure}, err
			}
			defer os.RemoveAll(filepath.Dir(built))
			binary = built
		} else if !filepath.IsAbs(binary) {
			binary = filepath.Join(req.GetInfo().GetRootDirectory(), binary)
		}
	}
	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(req.GetConfigSecretKeys())
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(),
		pulumi.EnvOrganization+"="+req.GetOrganization(),
		pulumi.EnvProject+"="+req.GetProject(),
		pulumi.EnvStack+"="+req.GetStack(),
		pulumi.EnvConfig+"="+string(config),
		pulumi.EnvConfigSecretKeys+"="+string(secretKeys),
		pulumi.EnvDryRun+"="+strconv.FormatBool(req.GetDryRun()),
		pulumi.EnvParallel+"="+strconv.Itoa(int(req.GetParallel())),
		pulumi.EnvMonitor+"="+req.GetMonitorAddress(),
	)
	engine := h.Engine
	if args := req.GetArgs(); engine == "" && len(args) > 0 {
		engine = args[0]
	}
	if engine != "" {
		env = append(env, pulumi.EnvEngine+"="+engine)
	}
	cmd := exec.CommandContext(ctx, binary)
	cmd.Dir, cmd.Env = req.GetPwd(), env
	if out, err := cmd.CombinedOutput(); err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("%s: %v\n%s", binary, err, out)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// build compiles the program in dir into a temporary directory, as Pulumi's Go host does without
// `binary:`; failure is the go command's output when the program does not build.
func build(ctx context.Context, dir string) (binary, failure string, err error) {
	tmp, err := os.MkdirTemp("", "lumier-e2e-go-program")
	if err != nil {
		return "", "", err
	}
	binary = filepath.Join(tmp, "program")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", binary, ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Sprintf("go build in %s: %v\n%s", dir, err, out), nil
	}
	return binary, "", nil
}

// Command nodehost is a test-only Node.js language host: the end-to-end tests build it as
// pulumi-language-nodejs on PATH so that a plain `pulumi up` in a TypeScript project's folder runs
// the program the way Pulumi's own host does. Pulumi's host (sdk/nodejs/cmd/pulumi-language-nodejs
// in pulumi/pulumi) is a Go module with no published versions, so it cannot be built here; this one
// starts the same program runner, @pulumi/pulumi/cmd/run from the project's node_modules, with the
// same arguments and environment:
//
//	node <run> --monitor M --engine E --organization O --project P --stack S --pwd <program dir>
//	     [--dry-run] --query-mode B --parallel N <entry point> [args...]
//
// with PULUMI_CONFIG (keys as <namespace>:config:<name>), PULUMI_CONFIG_SECRET_KEYS, and
// PULUMI_NODEJS_TYPESCRIPT=true unless the project's runtime options say `typescript: false`
// (PULUMI_NODEJS_TSCONFIG_PATH from the `tsconfig` option). What it leaves out: the monitor proxy
// and the synchronous-invoke pipes (the runner talks to the engine's monitor directly, and lumier
// programs make no synchronous invokes), `nodeargs`, package discovery in node_modules (the
// projects name their provider under `plugins:` in Pulumi.yaml) and dependency installation.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/lumier-dev/lumier/e2e/langhost"
)

// runnerExitedAfterMessage is the runner's exit code when it has already shown the user an
// actionable error: the engine is told to bail out without adding one.
const runnerExitedAfterMessage = 32

func main() {
	langhost.Main("pulumi-language-nodejs", func(engine string) pulumirpc.LanguageRuntimeServer {
		return &host{engine: engine}
	})
}

// host runs Node.js programs through @pulumi/pulumi's program runner.
type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engine string
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: "0.0.0-lumier-e2e"}, nil
}

// GetRequiredPlugins and GetRequiredPackages report none: the projects name their provider under
// `plugins:` in Pulumi.yaml.
func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// InstallDependencies has nothing to install: the tests set up node_modules themselves.
func (h *host) InstallDependencies(*pulumirpc.InstallDependenciesRequest, pulumirpc.LanguageRuntime_InstallDependenciesServer) error {
	return nil
}

// Run starts the program runner and waits for it; a failure is the program's, reported as Pulumi's
// host reports it.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	if info == nil {
		return nil, errors.New("RunRequest without program info")
	}
	dir := info.GetProgramDirectory()
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "could not find node on the $PATH: " + err.Error()}, nil
	}
	runner, err := locateRunner(ctx, node, dir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	env, err := runEnv(req)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	args := []string{runner}
	arg := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	arg("monitor", req.GetMonitorAddress())
	arg("engine", h.engine)
	arg("organization", req.GetOrganization())
	arg("project", req.GetProject())
	arg("stack", req.GetStack())
	arg("pwd", dir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	// Deprecated in the protocol but still sent by the engine and read by the Node.js runner.
	arg("query-mode", strconv.FormatBool(req.GetQueryMode())) //nolint:staticcheck // SA1019: the runner still takes --query-mode
	arg("parallel", strconv.Itoa(int(req.GetParallel())))
	args = append(args, info.GetEntryPoint())
	args = append(args, req.GetArgs()...)

	cmd := exec.Command(node, args...)
	cmd.Env = env
	// The engine shows the plugin's output as the program's. Copied, not handed over: node may
	// switch a file descriptor it inherits to non-blocking mode, and ours are the engine's pipes.
	cmd.Stdout, cmd.Stderr = struct{ io.Writer }{os.Stdout}, struct{ io.Writer }{os.Stderr}
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the program runner: %v", err)}, nil
		}
		if exit.ExitCode() == runnerExitedAfterMessage {
			return &pulumirpc.RunResponse{Bail: true}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exit.ExitCode())}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// locateRunner resolves @pulumi/pulumi/cmd/run from the program directory, as node would.
func locateRunner(ctx context.Context, node, dir string) (string, error) {
	cmd := exec.CommandContext(ctx, node, "-e", `console.log(require.resolve("@pulumi/pulumi/cmd/run"))`)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("@pulumi/pulumi is not installed in %s (npm install): %w", dir, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// runEnv is the runner's environment: config in the runner's key format, and the TypeScript
// options of the project's runtime.
func runEnv(req *pulumirpc.RunRequest) ([]string, error) {
	cfg := map[string]string{}
	for k, v := range req.GetConfig() {
		key, err := config.ParseKey(k)
		if err != nil {
			return nil, fmt.Errorf("config key %q: %w", k, err)
		}
		cfg[key.Namespace()+":config:"+key.Name()] = v
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	secrets := req.GetConfigSecretKeys()
	if secrets == nil {
		secrets = []string{}
	}
	secretsJSON, err := json.Marshal(secrets)
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), "PULUMI_CONFIG="+string(cfgJSON), "PULUMI_CONFIG_SECRET_KEYS="+string(secretsJSON))
	opts := req.GetInfo().GetOptions().AsMap()
	if ts, ok := opts["typescript"].(bool); !ok || ts {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if p, ok := opts["tsconfig"].(string); ok && p != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+p)
	}
	return env, nil
}

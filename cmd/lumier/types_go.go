package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// declarationsEnv is the Go helper's lumier.DeclarationsEnv: set to a stage, lumier.Run prints
// the App's inputs, running the program against Pulumi's mock resource monitor, not the engine.
const declarationsEnv = "LUMIER_DECLARATIONS"

// goDeclarations runs the Go program in dir (`go run .`, go from PATH) in declarations mode and
// returns the App's inputs it prints. The program's main must call lumier.Run.
func goDeclarations(ctx context.Context, dir, stage string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, declarationsTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), declarationsEnv+"="+stage)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("running the Go program in %s took longer than %s", dir, declarationsTimeout)
		}
		return nil, fmt.Errorf("running the Go program in %s with `go run .`: %w\n%s", dir, err, strings.TrimSpace(errOut.String()))
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if last := lines[len(lines)-1]; strings.HasPrefix(last, "{") {
		return []byte(last), nil
	}
	return nil, fmt.Errorf("the Go program in %s printed no App inputs: its main must call lumier.Run(config)", dir)
}

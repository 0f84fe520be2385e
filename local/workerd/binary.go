package workerd

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// binaryEnv names the environment variable that points at a workerd binary.
const binaryEnv = "LUMIER_WORKERD"

// errNoBinary says how to get workerd: it is the message a user sees when it is missing.
var errNoBinary = errors.New("workerd binary not found: run `npm ci` in the lumier checkout " +
	"(it installs node_modules/.bin/workerd), or set " + binaryEnv + " to the path of a workerd binary")

// FindBinary locates workerd: $LUMIER_WORKERD if set, else node_modules/.bin/workerd in the
// current directory or the executable's directory or any of their parents, else workerd on PATH.
func FindBinary() (string, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		if resolved, err := filepath.EvalSymlinks(exe); err == nil {
			exe = resolved
		}
		starts = append(starts, filepath.Dir(exe))
	}
	return findBinary(os.Getenv(binaryEnv), starts, exec.LookPath)
}

// findBinary is FindBinary with its inputs passed in, for tests.
func findBinary(env string, starts []string, lookPath func(string) (string, error)) (string, error) {
	if env != "" {
		if err := checkExecutable(env); err != nil {
			return "", fmt.Errorf("%s=%s: %w", binaryEnv, env, err)
		}
		return filepath.Abs(env)
	}
	for _, start := range starts {
		for dir := start; ; dir = filepath.Dir(dir) {
			candidate := filepath.Join(dir, "node_modules", ".bin", "workerd")
			if checkExecutable(candidate) == nil {
				return candidate, nil
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	if path, err := lookPath("workerd"); err == nil {
		return path, nil
	}
	return "", errNoBinary
}

// checkExecutable reports why path cannot be run as a program, or nil.
func checkExecutable(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if info.IsDir() {
		return errors.New("is a directory")
	}
	if info.Mode().Perm()&0o111 == 0 {
		return errors.New("is not executable")
	}
	return nil
}

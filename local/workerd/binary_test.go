package workerd

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func noPath(string) (string, error) { return "", errors.New("not on PATH") }

func fakeBinary(t *testing.T, path string) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755))
	return path
}

func TestFindBinaryPrefersEnv(t *testing.T) {
	dir := t.TempDir()
	env := fakeBinary(t, filepath.Join(dir, "custom-workerd"))
	fakeBinary(t, filepath.Join(dir, "node_modules", ".bin", "workerd"))
	got, err := findBinary(env, []string{dir}, noPath)
	require.NoError(t, err)
	assert.Equal(t, env, got)
}

func TestFindBinaryEnvMustExist(t *testing.T) {
	_, err := findBinary("/nonexistent/workerd", nil, noPath)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "LUMIER_WORKERD=/nonexistent/workerd")
}

func TestFindBinarySearchesUpwards(t *testing.T) {
	root := t.TempDir()
	want := fakeBinary(t, filepath.Join(root, "node_modules", ".bin", "workerd"))
	deep := filepath.Join(root, "a", "b", "c")
	require.NoError(t, os.MkdirAll(deep, 0o755))
	got, err := findBinary("", []string{t.TempDir(), deep}, noPath)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestFindBinaryFallsBackToPath(t *testing.T) {
	got, err := findBinary("", []string{t.TempDir()}, func(name string) (string, error) { return "/usr/bin/" + name, nil })
	require.NoError(t, err)
	assert.Equal(t, "/usr/bin/workerd", got)
}

func TestFindBinaryMissingSaysHowToInstall(t *testing.T) {
	_, err := findBinary("", []string{t.TempDir()}, noPath)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "npm ci")
	assert.Contains(t, err.Error(), "LUMIER_WORKERD")
}

// The checkout's own workerd (installed by npm ci) is what the other tests run.
func TestFindBinaryFindsCheckoutWorkerd(t *testing.T) {
	t.Setenv(binaryEnv, "")
	got, err := FindBinary()
	require.NoError(t, err)
	assert.FileExists(t, got)
}

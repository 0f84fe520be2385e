package local

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/killtest"
	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/rules"
	"github.com/lumier-dev/lumier/local/storage"
)

func TestStoreRoundTrip(t *testing.T) {
	dir := t.TempDir()
	st, err := account.OpenStore(dir)
	require.NoError(t, err)

	s, err := st.Load()
	require.NoError(t, err)
	assert.Equal(t, account.DefaultSubdomain, s.Subdomain, "no state file is an empty account")

	sha, err := st.PutModule([]byte("export default {}"))
	require.NoError(t, err)
	orphan, err := st.PutModule([]byte("export const unused = 1"))
	require.NoError(t, err)
	s.Scripts["a"] = &account.Script{Name: "a", Modules: []account.ModuleRef{{Name: "index.js", SHA256: sha}}, Port: 8790, Exports: []string{"default"}}
	s.Namespaces = []rules.Namespace{{ID: "0123", Script: "a", Class: "C", SQLite: true}}
	require.NoError(t, st.Save(s))
	require.NoError(t, st.GC(s))
	_, err = os.Stat(filepath.Join(dir, account.ModulesDir, orphan))
	assert.True(t, os.IsNotExist(err), "gc removes modules no script names")
	require.NoError(t, st.Close())

	st2, err := account.OpenStore(dir)
	require.NoError(t, err)
	defer st2.Close()
	got, err := st2.Load()
	require.NoError(t, err)
	assert.Equal(t, s.Scripts["a"].Port, got.Scripts["a"].Port)
	assert.Equal(t, s.Namespaces, got.Namespaces)
	b, err := st2.Module(sha)
	require.NoError(t, err)
	assert.Equal(t, "export default {}", string(b))
}

func TestStoreRejectsDamage(t *testing.T) {
	dir := t.TempDir()
	st, err := account.OpenStore(dir)
	require.NoError(t, err)
	sha, err := st.PutModule([]byte("x"))
	require.NoError(t, err)
	s := account.NewState()
	s.Scripts["a"] = &account.Script{Name: "a", Modules: []account.ModuleRef{{Name: "index.js", SHA256: sha}}}
	require.NoError(t, st.Save(s))
	st.Close()

	// A module whose bytes changed is refused rather than run.
	require.NoError(t, os.WriteFile(filepath.Join(dir, account.ModulesDir, sha), []byte("y"), 0o600))
	st, err = account.OpenStore(dir)
	require.NoError(t, err)
	_, err = st.Load()
	assert.ErrorContains(t, err, "does not match its hash")
	st.Close()

	// Temp files from a crash are cleaned up on open.
	tmp := filepath.Join(dir, storage.TempPrefix+"module-123")
	require.NoError(t, os.WriteFile(tmp, []byte("partial"), 0o600))
	st, err = account.OpenStore(dir)
	require.NoError(t, err)
	st.Close()
	_, err = os.Stat(tmp)
	assert.True(t, os.IsNotExist(err))

	// A damaged JSON state (format 1) is refused, naming the file, and stays where it is.
	dir = t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "state.json"), []byte("{"), 0o600))
	_, err = account.OpenStore(dir)
	assert.ErrorContains(t, err, filepath.Join(dir, "state.json")+" is corrupt")
	assert.FileExists(t, filepath.Join(dir, "state.json"))
}

// crashDirEnv makes the test binary a crash writer (TestMain runs crashWriter) instead of
// running tests.
const crashDirEnv = "LUMIER_TEST_STORE_CRASH_DIR"

// crashWriter is the child process of TestStoreSurvivesKill: it writes uploads to the store in
// dir the way the server does (modules, then the state) in a loop until it is killed, logging
// the start of each state's save and its acknowledgement (killtest.Events).
func crashWriter(dir string) error {
	events, err := killtest.OpenEvents(dir)
	if err != nil {
		return err
	}
	st, err := account.OpenStore(dir)
	if err != nil {
		return err
	}
	s, err := st.Load()
	if err != nil {
		return err
	}
	for n := 1; ; n++ {
		next := s.Clone()
		// Big modules widen the window in which a kill lands mid-write.
		content := append([]byte(fmt.Sprintf("// version %d\n", n)), bytes.Repeat([]byte("x"), 256<<10)...)
		sha, err := st.PutModule(content)
		if err != nil {
			return err
		}
		next.Scripts["s"] = &account.Script{Name: "s", MigrationTag: strconv.Itoa(n), Modules: []account.ModuleRef{{Name: "index.js", SHA256: sha, Size: len(content)}}}
		if err := events.Begin(n); err != nil {
			return err
		}
		if err := st.Save(next); err != nil {
			return err
		}
		if err := events.Done(n); err != nil {
			return err
		}
		if err := st.GC(next); err != nil {
			return err
		}
		s = next
	}
}

func TestOpenStoreErrors(t *testing.T) {
	dir := t.TempDir()
	st, err := account.OpenStore(dir)
	require.NoError(t, err)
	_, err = account.OpenStore(dir)
	require.ErrorContains(t, err, "in use by another lumier local")
	require.NoError(t, st.Close())
	st, err = account.OpenStore(dir)
	require.NoError(t, err, "the lock is released by close")
	st.Close()
}

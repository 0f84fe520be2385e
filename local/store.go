package local

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// The state directory:
//
//	state.json        the account: scripts, tags, namespaces, ports, subdomain
//	modules/<sha256>  module contents, content-addressed
//	workerd/          workerd's config and Durable Object storage (owned by local/workerd)
//	lock              held while a server uses the directory
//
// Every file is written atomically (temp file, fsync, rename, fsync of the directory), and
// modules are written before the state file that names them, so a crash at any point leaves the
// old state or the new one, never a state naming a missing or torn module.
const (
	stateFile  = "state.json"
	modulesDir = "modules"
	workerdDir = "workerd"
	lockFile   = "lock"
	tempPrefix = ".tmp-"
)

// store keeps the state directory.
type store struct {
	dir    string
	unlock func() error

	mu    sync.Mutex
	cache map[string][]byte // module contents by sha256
}

// openStore prepares dir, checks that it is writable and takes its lock.
func openStore(dir string) (*store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("state directory %s: %w", dir, err)
	}
	if err := os.MkdirAll(filepath.Join(abs, modulesDir), 0o700); err != nil {
		return nil, fmt.Errorf("state directory %s cannot be created: %w", abs, err)
	}
	probe, err := os.CreateTemp(abs, tempPrefix+"probe-")
	if err != nil {
		return nil, fmt.Errorf("state directory %s is not writable: %w", abs, err)
	}
	probe.Close()
	os.Remove(probe.Name())

	unlock, err := lockDir(filepath.Join(abs, lockFile))
	if err != nil {
		return nil, fmt.Errorf("state directory %s: %w", abs, err)
	}
	st := &store{dir: abs, unlock: unlock, cache: map[string][]byte{}}
	st.removeTemps()
	return st, nil
}

// close releases the directory's lock.
func (st *store) close() error {
	if st.unlock == nil {
		return nil
	}
	err := st.unlock()
	st.unlock = nil
	return err
}

// workerdDir is the directory handed to the workerd supervisor.
func (st *store) workerdDir() string { return filepath.Join(st.dir, workerdDir) }

// hasState says whether the directory already holds an account (a state file).
func (st *store) hasState() bool {
	_, err := os.Stat(filepath.Join(st.dir, stateFile))
	return err == nil
}

// load reads the state file; a missing file is an empty account.
func (st *store) load() (*state, error) {
	path := filepath.Join(st.dir, stateFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return newState(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading state: %w", err)
	}
	s := newState()
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("state file %s is corrupt: %w", path, err)
	}
	if s.Version != stateVersion {
		return nil, fmt.Errorf("state file %s has format version %d; this lumier reads version %d", path, s.Version, stateVersion)
	}
	if s.Scripts == nil {
		s.Scripts = map[string]*scriptRecord{}
	}
	s.recordPorts()
	for _, rec := range s.Scripts {
		for _, m := range rec.Modules {
			if _, err := st.module(m.SHA256); err != nil {
				return nil, fmt.Errorf("script %s: %w", rec.Name, err)
			}
		}
	}
	return s, nil
}

// save writes the state file atomically.
func (st *store) save(s *state) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding state: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(st.dir, stateFile), append(b, '\n')); err != nil {
		return fmt.Errorf("writing state: %w", err)
	}
	return nil
}

// putModule stores content and returns its sha256.
func (st *store) putModule(content []byte) (string, error) {
	sum := sha256.Sum256(content)
	sha := hex.EncodeToString(sum[:])
	st.mu.Lock()
	_, cached := st.cache[sha]
	st.mu.Unlock()
	if cached {
		return sha, nil
	}
	path := filepath.Join(st.dir, modulesDir, sha)
	if _, err := os.Stat(path); err != nil {
		if err := writeFileAtomic(path, content); err != nil {
			return "", fmt.Errorf("writing module: %w", err)
		}
	}
	st.mu.Lock()
	st.cache[sha] = content
	st.mu.Unlock()
	return sha, nil
}

// module returns a module's content, checked against its hash.
func (st *store) module(sha string) ([]byte, error) {
	st.mu.Lock()
	b, ok := st.cache[sha]
	st.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := os.ReadFile(filepath.Join(st.dir, modulesDir, sha))
	if err != nil {
		return nil, fmt.Errorf("module %s: %w", sha, err)
	}
	sum := sha256.Sum256(b)
	if hex.EncodeToString(sum[:]) != sha {
		return nil, fmt.Errorf("module %s: content does not match its hash", sha)
	}
	st.mu.Lock()
	st.cache[sha] = b
	st.mu.Unlock()
	return b, nil
}

// gc removes module files that s does not name (left by replaced scripts or by uploads that were
// rejected after their modules were written).
func (st *store) gc(s *state) error {
	keep := map[string]bool{}
	for _, rec := range s.Scripts {
		for _, m := range rec.moduleRefs() {
			keep[m.SHA256] = true
		}
	}
	dir := filepath.Join(st.dir, modulesDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("listing modules: %w", err)
	}
	var errs []error
	for _, e := range entries {
		if keep[e.Name()] {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
		st.mu.Lock()
		delete(st.cache, e.Name())
		st.mu.Unlock()
	}
	return errors.Join(errs...)
}

// removeTemps deletes temp files a crash left behind.
func (st *store) removeTemps() {
	for _, dir := range []string{st.dir, filepath.Join(st.dir, modulesDir)} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), tempPrefix) {
				os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
}

// readJSONFile decodes the JSON file at path into v; a file that does not exist yet leaves v as
// it is (a store's first start).
func readJSONFile(path string, v any) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// writeJSONFile replaces path with v encoded as JSON (writeFileAtomic).
func writeJSONFile(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, b)
}

// writeFileAtomic replaces path with data: a reader (or a restart after a crash) sees the old
// file or the new one, never a partial one.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, tempPrefix+filepath.Base(path)+"-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = bytes.NewReader(data).WriteTo(f); err != nil {
		return err
	}
	if err = f.Chmod(0o600); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

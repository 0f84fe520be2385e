package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Modules keeps uploaded modules as files named by the SHA-256 of their content, each written
// atomically (Blob), so a module is stored once however many scripts and versions name it. The
// caller writes a module before the state that names it, so a crash never leaves a state naming
// a missing or torn module. Contents read or written are cached.
type Modules struct {
	dir string

	mu    sync.Mutex
	cache map[string][]byte // content by sha256
}

// OpenModules keeps the modules in dir, creating it on first use and removing what a crash left
// half-written.
func OpenModules(dir string) (*Modules, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("modules directory %s: %w", dir, err)
	}
	RemoveTemps(dir)
	return &Modules{dir: dir, cache: map[string][]byte{}}, nil
}

// Put stores content and returns its sha256 (hex).
func (m *Modules) Put(content []byte) (string, error) {
	sum := sha256.Sum256(content)
	sha := hex.EncodeToString(sum[:])
	m.mu.Lock()
	_, cached := m.cache[sha]
	m.mu.Unlock()
	if cached {
		return sha, nil
	}
	path := filepath.Join(m.dir, sha)
	if _, err := os.Stat(path); err != nil {
		if err := WriteFile(path, content); err != nil {
			return "", fmt.Errorf("writing module: %w", err)
		}
	}
	m.mu.Lock()
	m.cache[sha] = content
	m.mu.Unlock()
	return sha, nil
}

// Get returns a module's content, checked against its hash.
func (m *Modules) Get(sha string) ([]byte, error) {
	m.mu.Lock()
	b, ok := m.cache[sha]
	m.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := os.ReadFile(filepath.Join(m.dir, sha))
	if err != nil {
		return nil, fmt.Errorf("module %s: %w", sha, err)
	}
	sum := sha256.Sum256(b)
	if hex.EncodeToString(sum[:]) != sha {
		return nil, fmt.Errorf("module %s: content does not match its hash", sha)
	}
	m.mu.Lock()
	m.cache[sha] = b
	m.mu.Unlock()
	return b, nil
}

// Keep removes the modules keep does not name (left by replaced scripts, or by uploads refused
// after their modules were written).
func (m *Modules) Keep(keep map[string]bool) error {
	entries, err := os.ReadDir(m.dir)
	if err != nil {
		return fmt.Errorf("listing modules: %w", err)
	}
	var errs []error
	for _, e := range entries {
		if keep[e.Name()] {
			continue
		}
		if err := os.Remove(filepath.Join(m.dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
		m.mu.Lock()
		delete(m.cache, e.Name())
		m.mu.Unlock()
	}
	return errors.Join(errs...)
}

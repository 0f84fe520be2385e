package account

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/lumier-dev/lumier/local/rules"
	"github.com/lumier-dev/lumier/local/storage"
)

// The state directory:
//
//	state.db          the account, KV, Queues, the R2 index and the D1 registry (local/storage)
//	modules/<sha256>  module contents, content-addressed
//	r2/, d1/, assets/ R2 object bodies, D1 databases, static assets
//	workerd/          workerd's config and Durable Object storage (owned by local/workerd)
//	lock              held while a server uses the directory
//
// Modules are written atomically (storage.Modules) before the state that names them, so a crash
// at any point leaves the old state or the new one, never a state naming a missing or torn
// module.
const (
	ModulesDir = "modules"
	workerdDir = "workerd"
	lockFile   = "lock"
)

// Store keeps the state directory.
type Store struct {
	Dir     string
	DB      *storage.DB
	modules *storage.Modules
	unlock  func() error

	// encoded is each script's record as last saved, with its encoding. A saved record is not
	// changed (a change copies a record before changing it: State.Own), so the same record has
	// the same encoding, and a save encodes only the records that changed. Guarded by emu.
	emu     sync.Mutex
	encoded map[string]savedRecord
	// settings is the settings document as last saved, with what it was made from. Guarded by emu.
	settings settingsCache
}

// settingsCache is the settings document as last encoded, with a copy of the Durable Object
// namespaces it holds (the part that grows with the scripts) and the encoding of the rest: a save
// that changes neither (a workers.dev call, say) does not encode the namespaces again. Comparing
// is a fraction of encoding.
type settingsCache struct {
	namespaces []rules.Namespace
	rest       []byte
	doc        []byte
}

// encode returns s's settings document: the last one again when neither the namespaces nor the
// rest changed, else a new encoding.
func (c *settingsCache) encode(s *State) ([]byte, error) {
	rest, err := json.Marshal(settingsDoc{State: s, Namespaces: json.RawMessage("null")})
	if err != nil {
		return nil, err
	}
	if c.doc != nil && bytes.Equal(rest, c.rest) && slices.Equal(c.namespaces, s.Namespaces) {
		return c.doc, nil
	}
	namespaces, err := json.Marshal(s.Namespaces)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(settingsDoc{State: s, Namespaces: namespaces})
	if err != nil {
		return nil, err
	}
	*c = settingsCache{namespaces: slices.Clone(s.Namespaces), rest: rest, doc: doc}
	return doc, nil
}

// settingsDoc is how the account's settings are encoded: State's fields but its scripts and its
// ports, which are saved one by one, with the namespaces as given (these fields, being less
// nested than State's of the same names, are the ones encoded; nil ones are left out).
type settingsDoc struct {
	*State
	Scripts    json.RawMessage `json:"scripts,omitempty"`
	Namespaces json.RawMessage `json:"namespaces"`
	Ports      json.RawMessage `json:"ports,omitempty"`
}

// savedRecord is a script's record and its encoding as saved.
type savedRecord struct {
	rec *Script
	doc []byte
}

// OpenStore prepares dir, checks that it is writable, takes its lock and opens its database.
func OpenStore(dir string) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("state directory %s: %w", dir, err)
	}
	if err := os.MkdirAll(filepath.Join(abs, ModulesDir), 0o700); err != nil {
		return nil, fmt.Errorf("state directory %s cannot be created: %w", abs, err)
	}
	probe, err := os.CreateTemp(abs, storage.TempPrefix+"probe-")
	if err != nil {
		return nil, fmt.Errorf("state directory %s is not writable: %w", abs, err)
	}
	probe.Close()
	os.Remove(probe.Name())

	unlock, err := storage.Lock(filepath.Join(abs, lockFile))
	if err != nil {
		return nil, fmt.Errorf("state directory %s: %w", abs, err)
	}
	storage.RemoveTemps(abs)
	modules, err := storage.OpenModules(filepath.Join(abs, ModulesDir))
	if err != nil {
		return nil, fmt.Errorf("state directory %s: %w", abs, errors.Join(err, unlock()))
	}
	db, err := storage.Open(abs)
	if err != nil {
		return nil, fmt.Errorf("state directory %s: %w", abs, errors.Join(err, unlock()))
	}
	return &Store{Dir: abs, DB: db, modules: modules, unlock: unlock}, nil
}

// Close closes the database and releases the directory's lock.
func (st *Store) Close() error {
	if st.unlock == nil {
		return nil
	}
	err := st.DB.Close()
	err = errors.Join(err, st.unlock())
	st.unlock = nil
	return err
}

// WorkerdDir is the directory handed to the workerd supervisor.
func (st *Store) WorkerdDir() string { return filepath.Join(st.Dir, workerdDir) }

// HasState says whether the directory already holds an account.
func (st *Store) HasState() (bool, error) {
	_, ok, err := st.DB.Account().Load()
	return ok, err
}

// Load reads the account; none stored yet is an empty account.
func (st *Store) Load() (*State, error) {
	doc, ok, err := st.DB.Account().Load()
	if err != nil {
		return nil, err
	}
	if !ok {
		return NewState(), nil
	}
	s := NewState()
	if err := json.Unmarshal(doc.Settings, s); err != nil {
		return nil, fmt.Errorf("the account in %s is corrupt: %w", st.Dir, err)
	}
	if s.Version != stateVersion {
		return nil, fmt.Errorf("the account in %s has format version %d; this lumier reads version %d", st.Dir, s.Version, stateVersion)
	}
	if len(doc.Ports) > 0 {
		s.Ports = doc.Ports
	}
	s.Scripts = make(map[string]*Script, len(doc.Scripts))
	for name, b := range doc.Scripts {
		var rec Script
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, fmt.Errorf("script %s in %s is corrupt: %w", name, st.Dir, err)
		}
		s.Scripts[name] = &rec
	}
	s.recordPorts()
	for _, rec := range s.Scripts {
		for _, m := range rec.Modules {
			if _, err := st.Module(m.SHA256); err != nil {
				return nil, fmt.Errorf("script %s: %w", rec.Name, err)
			}
		}
	}
	return s, nil
}

// Save writes the account: its settings and the scripts that changed, in one transaction.
func (st *Store) Save(s *State) error {
	st.emu.Lock()
	defer st.emu.Unlock()
	doc := storage.AccountState{Scripts: make(map[string][]byte, len(s.Scripts))}
	encoded := make(map[string]savedRecord, len(s.Scripts))
	for name, rec := range s.Scripts {
		if e, ok := st.encoded[name]; ok && e.rec == rec {
			if VerifySharing && string(mustJSON(rec)) != string(e.doc) {
				SharingViolations.Add(1) // changed after its save
			}
			doc.Scripts[name], encoded[name] = e.doc, e
			continue
		}
		b, err := json.Marshal(rec)
		if err != nil {
			return fmt.Errorf("encoding script %s: %w", name, err)
		}
		doc.Scripts[name], encoded[name] = b, savedRecord{rec: rec, doc: b}
	}
	settings, err := st.settings.encode(s)
	if err != nil {
		return fmt.Errorf("encoding state: %w", err)
	}
	doc.Settings, doc.Ports = settings, s.Ports
	if err := st.DB.Account().Save(doc); err != nil {
		return fmt.Errorf("writing state: %w", err)
	}
	st.encoded = encoded
	return nil
}

// changedAfterSave tells Save that script's saved record was changed in place since.
func (st *Store) changedAfterSave(script string) {
	st.emu.Lock()
	defer st.emu.Unlock()
	delete(st.encoded, script)
}

// PutModule stores content and returns its sha256.
func (st *Store) PutModule(content []byte) (string, error) { return st.modules.Put(content) }

// Module returns a module's content, checked against its hash.
func (st *Store) Module(sha string) ([]byte, error) { return st.modules.Get(sha) }

// GC removes module files that s does not name (left by replaced scripts or by uploads that were
// rejected after their modules were written).
func (st *Store) GC(s *State) error {
	keep := make(map[string]bool, len(s.Scripts))
	for _, rec := range s.Scripts {
		for m := range rec.moduleRefs() {
			keep[m.SHA256] = true
		}
	}
	return st.modules.Keep(keep)
}

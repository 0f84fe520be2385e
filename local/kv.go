package local

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// kvDir holds the KV namespaces under the state directory: namespaces.json (ids and titles)
// and one <id>.json per namespace with its keys. Each file is replaced atomically on every
// write, so a restart finds the namespaces and their keys as the last answered request left them.
const kvDir = "kv"

// kvStore is the account's Workers KV: namespaces and their keys. Both the API (api_kv.go) and
// workerd's kvNamespace bindings (kv_backend.go) use it.
type kvStore struct {
	dir string

	mu         sync.Mutex
	namespaces []kvNamespaceRecord
	data       map[string]map[string]kvEntry // namespace id -> key -> entry
	now        func() time.Time
}

// kvNamespaceRecord is one namespace as the API reports it.
type kvNamespaceRecord struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// kvEntry is one stored key.
type kvEntry struct {
	Value []byte `json:"value"`
	// Metadata is the JSON a writer attached, or nil.
	Metadata json.RawMessage `json:"metadata,omitempty"`
	// Expiration is the Unix time (seconds) the key expires at; 0 is never.
	Expiration int64 `json:"expiration,omitempty"`
}

// errKVNamespaceMissing and errKVTitleTaken are the store's refusals; the API maps them to
// Cloudflare's codes.
var (
	errKVNamespaceMissing = errors.New("namespace not found")
	errKVTitleTaken       = errors.New("a namespace with this account ID and title already exists")
)

// openKV loads the KV files under stateDir, creating the directory on first use.
func openKV(stateDir string) (*kvStore, error) {
	dir := filepath.Join(stateDir, kvDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("KV directory %s: %w", dir, err)
	}
	kv := &kvStore{dir: dir, data: map[string]map[string]kvEntry{}, now: time.Now}
	if err := readJSONFile(filepath.Join(dir, "namespaces.json"), &kv.namespaces); err != nil {
		return nil, fmt.Errorf("reading KV namespaces: %w", err)
	}
	for _, ns := range kv.namespaces {
		entries := map[string]kvEntry{}
		if err := readJSONFile(kv.dataFile(ns.ID), &entries); err != nil {
			return nil, fmt.Errorf("reading KV namespace %s: %w", ns.ID, err)
		}
		kv.data[ns.ID] = entries
	}
	return kv, nil
}

func (kv *kvStore) dataFile(id string) string { return filepath.Join(kv.dir, id+".json") }

func (kv *kvStore) saveNamespaces() error {
	return writeJSONFile(filepath.Join(kv.dir, "namespaces.json"), kv.namespaces)
}

func (kv *kvStore) saveData(id string) error {
	return writeJSONFile(kv.dataFile(id), kv.data[id])
}

// list returns the namespaces sorted by title, as Cloudflare orders them by default.
func (kv *kvStore) list() []kvNamespaceRecord {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	out := slices.Clone(kv.namespaces)
	slices.SortFunc(out, func(a, b kvNamespaceRecord) int { return strings.Compare(a.Title, b.Title) })
	return out
}

func (kv *kvStore) indexOf(id string) int {
	return slices.IndexFunc(kv.namespaces, func(n kvNamespaceRecord) bool { return n.ID == id })
}

func (kv *kvStore) get(id string) (kvNamespaceRecord, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	i := kv.indexOf(id)
	if i < 0 {
		return kvNamespaceRecord{}, errKVNamespaceMissing
	}
	return kv.namespaces[i], nil
}

func (kv *kvStore) titleTaken(title, except string) bool {
	return slices.ContainsFunc(kv.namespaces, func(n kvNamespaceRecord) bool { return n.Title == title && n.ID != except })
}

func (kv *kvStore) create(title string) (kvNamespaceRecord, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if kv.titleTaken(title, "") {
		return kvNamespaceRecord{}, errKVTitleTaken
	}
	ns := kvNamespaceRecord{ID: newNamespaceID(), Title: title}
	kv.namespaces = append(kv.namespaces, ns)
	kv.data[ns.ID] = map[string]kvEntry{}
	if err := kv.saveData(ns.ID); err != nil {
		kv.namespaces = kv.namespaces[:len(kv.namespaces)-1]
		return kvNamespaceRecord{}, err
	}
	if err := kv.saveNamespaces(); err != nil {
		kv.namespaces = kv.namespaces[:len(kv.namespaces)-1]
		return kvNamespaceRecord{}, err
	}
	return ns, nil
}

func (kv *kvStore) rename(id, title string) (kvNamespaceRecord, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	i := kv.indexOf(id)
	if i < 0 {
		return kvNamespaceRecord{}, errKVNamespaceMissing
	}
	if kv.titleTaken(title, id) {
		return kvNamespaceRecord{}, errKVTitleTaken
	}
	old := kv.namespaces[i].Title
	kv.namespaces[i].Title = title
	if err := kv.saveNamespaces(); err != nil {
		kv.namespaces[i].Title = old
		return kvNamespaceRecord{}, err
	}
	return kv.namespaces[i], nil
}

// remove deletes a namespace and all its keys.
func (kv *kvStore) remove(id string) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	i := kv.indexOf(id)
	if i < 0 {
		return errKVNamespaceMissing
	}
	kept := slices.Delete(slices.Clone(kv.namespaces), i, i+1)
	prev := kv.namespaces
	kv.namespaces = kept
	if err := kv.saveNamespaces(); err != nil {
		kv.namespaces = prev
		return err
	}
	delete(kv.data, id)
	_ = os.Remove(kv.dataFile(id)) // unreachable once the list is written; a leftover file is harmless
	return nil
}

// live returns the namespace's unexpired entries; the caller holds mu.
func (kv *kvStore) live(id string) (map[string]kvEntry, error) {
	entries, ok := kv.data[id]
	if !ok {
		return nil, errKVNamespaceMissing
	}
	now := kv.now().Unix()
	for k, e := range entries {
		if e.Expiration != 0 && e.Expiration <= now {
			delete(entries, k)
		}
	}
	return entries, nil
}

func (kv *kvStore) put(id, key string, e kvEntry) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	entries, err := kv.live(id)
	if err != nil {
		return err
	}
	prev, had := entries[key]
	entries[key] = e
	if err := kv.saveData(id); err != nil {
		if had {
			entries[key] = prev
		} else {
			delete(entries, key)
		}
		return err
	}
	return nil
}

func (kv *kvStore) read(id, key string) (kvEntry, bool, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	entries, err := kv.live(id)
	if err != nil {
		return kvEntry{}, false, err
	}
	e, ok := entries[key]
	return e, ok, nil
}

func (kv *kvStore) del(id, key string) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	entries, err := kv.live(id)
	if err != nil {
		return err
	}
	prev, had := entries[key]
	if !had {
		return nil
	}
	delete(entries, key)
	if err := kv.saveData(id); err != nil {
		entries[key] = prev
		return err
	}
	return nil
}

// kvKey is one listed key.
type kvKey struct {
	Name       string          `json:"name"`
	Expiration int64           `json:"expiration,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
}

// keys lists up to limit keys with prefix in byte order after cursor (the last key of the
// previous page); next is the cursor of the following page, "" at the end.
func (kv *kvStore) keys(id, prefix, cursor string, limit int) (out []kvKey, next string, err error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	entries, err := kv.live(id)
	if err != nil {
		return nil, "", err
	}
	names := make([]string, 0, len(entries))
	for k := range entries {
		if strings.HasPrefix(k, prefix) && k > cursor {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	if len(names) > limit {
		names, next = names[:limit], names[limit-1]
	}
	for _, k := range names {
		e := entries[k]
		out = append(out, kvKey{Name: k, Expiration: e.Expiration, Metadata: e.Metadata})
	}
	return out, next, nil
}

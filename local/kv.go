package local

import (
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/lumier-dev/lumier/local/storage"
)

// kvStore is the account's Workers KV: namespaces and their keys, kept in the state
// directory's database (storage.KV), one row per key, so a restart finds the namespaces and
// their keys as the last answered request left them. Both the API (api_kv.go) and workerd's
// kvNamespace bindings (kv_backend.go) use it. The namespaces are also kept in memory (few,
// read on every binding check); the keys are not.
type kvStore struct {
	db  *storage.KV
	now func() time.Time

	mu         sync.Mutex
	namespaces []kvNamespaceRecord // sorted by title, as Cloudflare lists them
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
	errKVNamespaceMissing = storage.ErrKVNamespaceMissing
	errKVTitleTaken       = storage.ErrKVTitleTaken
)

// openKV reads the KV namespaces of db and drops the keys that expired while it was closed.
func openKV(db *storage.DB) (*kvStore, error) {
	kv := &kvStore{db: db.KV(), now: time.Now}
	if err := kv.db.PurgeExpired(kv.now()); err != nil {
		return nil, err
	}
	if err := kv.reload(); err != nil {
		return nil, err
	}
	return kv, nil
}

// reload reads the namespaces; the caller holds mu, or has the store to itself.
func (kv *kvStore) reload() error {
	list, err := kv.db.Namespaces()
	if err != nil {
		return err
	}
	kv.namespaces = make([]kvNamespaceRecord, 0, len(list))
	for _, ns := range list {
		kv.namespaces = append(kv.namespaces, kvNamespaceRecord(ns))
	}
	return nil
}

// list returns the namespaces sorted by title, as Cloudflare orders them by default.
func (kv *kvStore) list() []kvNamespaceRecord {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	return slices.Clone(kv.namespaces)
}

func (kv *kvStore) get(id string) (kvNamespaceRecord, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	i := slices.IndexFunc(kv.namespaces, func(n kvNamespaceRecord) bool { return n.ID == id })
	if i < 0 {
		return kvNamespaceRecord{}, errKVNamespaceMissing
	}
	return kv.namespaces[i], nil
}

func (kv *kvStore) create(title string) (kvNamespaceRecord, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	ns := kvNamespaceRecord{ID: newNamespaceID(), Title: title}
	if err := kv.db.CreateNamespace(storage.KVNamespace(ns)); err != nil {
		return kvNamespaceRecord{}, err
	}
	return ns, kv.reload()
}

func (kv *kvStore) rename(id, title string) (kvNamespaceRecord, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if err := kv.db.RenameNamespace(id, title); err != nil {
		return kvNamespaceRecord{}, err
	}
	return kvNamespaceRecord{ID: id, Title: title}, kv.reload()
}

// remove deletes a namespace and all its keys.
func (kv *kvStore) remove(id string) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if err := kv.db.DeleteNamespace(id); err != nil {
		return err
	}
	return kv.reload()
}

func (kv *kvStore) put(id, key string, e kvEntry) error {
	return kv.db.Put(id, key, storage.KVEntry(e))
}

func (kv *kvStore) read(id, key string) (kvEntry, bool, error) {
	e, ok, err := kv.db.Get(id, key, kv.now())
	return kvEntry(e), ok, err
}

func (kv *kvStore) del(id, key string) error {
	return kv.db.Delete(id, key)
}

// kvKey is one listed key.
type kvKey struct {
	Name       string          `json:"name"`
	Expiration int64           `json:"expiration,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
}

// keys lists up to limit keys with prefix in byte order after cursor (the last key of the
// previous page); next is the cursor of the following page, "" at the end.
func (kv *kvStore) keys(id, prefix, cursor string, limit int) ([]kvKey, string, error) {
	keys, next, err := kv.db.Keys(id, prefix, cursor, limit, kv.now())
	out := make([]kvKey, 0, len(keys))
	for _, k := range keys {
		out = append(out, kvKey(k))
	}
	return out, next, err
}

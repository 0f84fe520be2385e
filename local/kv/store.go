// Package kv is the local Cloudflare's Workers KV: the namespaces and keys of the account
// (Store, on the state directory's database), the API that manages them (API) and the service
// workerd's kvNamespace bindings call (Store.ServeBinding).
package kv

import (
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/lumier-dev/lumier/local/ids"
	"github.com/lumier-dev/lumier/local/storage"
)

// Store is the account's Workers KV: namespaces and their keys, kept in the state
// directory's database (storage.KV), one row per key, so a restart finds the namespaces and
// their keys as the last answered request left them. Both the API (api.go) and workerd's
// kvNamespace bindings (binding.go) use it. The namespaces are also kept in memory (few,
// read on every binding check); the keys are not.
type Store struct {
	db  *storage.KV
	now func() time.Time

	mu         sync.Mutex
	namespaces []Namespace // sorted by title, as Cloudflare lists them
}

// Namespace is one namespace as the API reports it.
type Namespace struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Entry is one stored key.
type Entry struct {
	Value []byte `json:"value"`
	// Metadata is the JSON a writer attached, or nil.
	Metadata json.RawMessage `json:"metadata,omitempty"`
	// Expiration is the Unix time (seconds) the key expires at; 0 is never.
	Expiration int64 `json:"expiration,omitempty"`
}

// errNamespaceMissing and errTitleTaken are the store's refusals; the API maps them to
// Cloudflare's codes.
var (
	errNamespaceMissing = storage.ErrKVNamespaceMissing
	errTitleTaken       = storage.ErrKVTitleTaken
)

// Open reads the KV namespaces of db and drops the keys that expired while it was closed.
func Open(db *storage.DB) (*Store, error) {
	kv := &Store{db: db.KV(), now: time.Now}
	if err := kv.db.PurgeExpired(kv.now()); err != nil {
		return nil, err
	}
	if err := kv.reload(); err != nil {
		return nil, err
	}
	return kv, nil
}

// reload reads the namespaces; the caller holds mu, or has the store to itself.
func (kv *Store) reload() error {
	list, err := kv.db.Namespaces()
	if err != nil {
		return err
	}
	kv.namespaces = make([]Namespace, 0, len(list))
	for _, ns := range list {
		kv.namespaces = append(kv.namespaces, Namespace(ns))
	}
	return nil
}

// list returns the namespaces sorted by title, as Cloudflare orders them by default.
func (kv *Store) list() []Namespace {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	return slices.Clone(kv.namespaces)
}

func (kv *Store) Get(id string) (Namespace, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	i := slices.IndexFunc(kv.namespaces, func(n Namespace) bool { return n.ID == id })
	if i < 0 {
		return Namespace{}, errNamespaceMissing
	}
	return kv.namespaces[i], nil
}

func (kv *Store) create(title string) (Namespace, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	ns := Namespace{ID: ids.New(), Title: title}
	if err := kv.db.CreateNamespace(storage.KVNamespace(ns)); err != nil {
		return Namespace{}, err
	}
	return ns, kv.reload()
}

func (kv *Store) rename(id, title string) (Namespace, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if err := kv.db.RenameNamespace(id, title); err != nil {
		return Namespace{}, err
	}
	return Namespace{ID: id, Title: title}, kv.reload()
}

// remove deletes a namespace and all its keys.
func (kv *Store) remove(id string) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if err := kv.db.DeleteNamespace(id); err != nil {
		return err
	}
	return kv.reload()
}

func (kv *Store) put(id, key string, e Entry) error {
	return kv.db.Put(id, key, storage.KVEntry(e))
}

func (kv *Store) read(id, key string) (Entry, bool, error) {
	e, ok, err := kv.db.Get(id, key, kv.now())
	return Entry(e), ok, err
}

func (kv *Store) del(id, key string) error {
	return kv.db.Delete(id, key)
}

// Key is one listed key.
type Key struct {
	Name       string          `json:"name"`
	Expiration int64           `json:"expiration,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
}

// keys lists up to limit keys with prefix in byte order after cursor (the last key of the
// previous page); next is the cursor of the following page, "" at the end.
func (kv *Store) keys(id, prefix, cursor string, limit int) ([]Key, string, error) {
	keys, next, err := kv.db.Keys(id, prefix, cursor, limit, kv.now())
	out := make([]Key, 0, len(keys))
	for _, k := range keys {
		out = append(out, Key(k))
	}
	return out, next, err
}

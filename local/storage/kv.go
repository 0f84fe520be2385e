package storage

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// KV keeps Workers KV: namespaces and their keys. An entry is one row, so a put or a get costs
// the same whatever the number of keys in the namespace.
type KV struct {
	db *DB
}

// KVNamespace is one namespace.
type KVNamespace struct {
	ID    string
	Title string
}

// KVEntry is one key's value.
type KVEntry struct {
	Value []byte
	// Metadata is the JSON a writer attached, or nil.
	Metadata json.RawMessage
	// Expiration is the Unix time (seconds) the key expires at; 0 is never.
	Expiration int64
}

// KVKey is one listed key.
type KVKey struct {
	Name       string
	Expiration int64
	Metadata   json.RawMessage
}

// KV's refusals.
var (
	ErrKVNamespaceMissing = errors.New("namespace not found")
	ErrKVTitleTaken       = errors.New("a namespace with this account ID and title already exists")
)

// Namespaces returns every namespace, sorted by title.
func (kv *KV) Namespaces() ([]KVNamespace, error) {
	return collect(kv.db.sql, "KV namespaces", "SELECT id, title FROM kv_namespaces ORDER BY title", nil,
		func(rows *sql.Rows, ns *KVNamespace) error { return rows.Scan(&ns.ID, &ns.Title) })
}

// CreateNamespace adds ns; a title another namespace has is ErrKVTitleTaken.
func (kv *KV) CreateNamespace(ns KVNamespace) error {
	_, err := kv.db.sql.ExecContext(ctx, "INSERT INTO kv_namespaces (id, title) VALUES (?, ?)", ns.ID, ns.Title)
	if isUnique(err) {
		return ErrKVTitleTaken
	}
	if err != nil {
		return fmt.Errorf("creating KV namespace %q: %w", ns.Title, err)
	}
	return nil
}

// RenameNamespace gives namespace id a new title.
func (kv *KV) RenameNamespace(id, title string) error {
	res, err := kv.db.sql.ExecContext(ctx, "UPDATE kv_namespaces SET title = ? WHERE id = ?", title, id)
	if isUnique(err) {
		return ErrKVTitleTaken
	}
	if err != nil {
		return fmt.Errorf("renaming KV namespace %s: %w", id, err)
	}
	return mustChange(res, ErrKVNamespaceMissing)
}

// DeleteNamespace removes namespace id and all its keys.
func (kv *KV) DeleteNamespace(id string) error {
	res, err := kv.db.sql.ExecContext(ctx, "DELETE FROM kv_namespaces WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("deleting KV namespace %s: %w", id, err)
	}
	return mustChange(res, ErrKVNamespaceMissing)
}

// Put stores e as key of namespace id, replacing what was there.
func (kv *KV) Put(id, key string, e KVEntry) error {
	_, err := kv.db.sql.ExecContext(ctx, "INSERT INTO kv_entries (namespace, key, value, metadata, expiration) "+
		"VALUES (?, ?, ?, ?, ?) ON CONFLICT (namespace, key) DO UPDATE SET "+
		"value = excluded.value, metadata = excluded.metadata, expiration = excluded.expiration",
		id, key, nonNil(e.Value), nullable(e.Metadata), e.Expiration)
	if isForeignKey(err) {
		return ErrKVNamespaceMissing
	}
	if err != nil {
		return fmt.Errorf("writing KV key %q: %w", key, err)
	}
	return nil
}

// Get reads key of namespace id as of now: ok is false for a key that is missing or expired.
func (kv *KV) Get(id, key string, now time.Time) (e KVEntry, ok bool, err error) {
	var meta []byte
	err = kv.db.sql.QueryRowContext(ctx, "SELECT value, metadata, expiration FROM kv_entries "+
		"WHERE namespace = ? AND key = ? AND (expiration = 0 OR expiration > ?)", id, key, now.Unix()).
		Scan(&e.Value, &meta, &e.Expiration)
	if errors.Is(err, sql.ErrNoRows) {
		return KVEntry{}, false, kv.namespaceExists(id)
	}
	if err != nil {
		return KVEntry{}, false, fmt.Errorf("reading KV key %q: %w", key, err)
	}
	if meta != nil {
		e.Metadata = meta
	}
	e.Value = nonNil(e.Value) // SQLite hands back an empty blob as nil
	return e, true, nil
}

// Delete removes key of namespace id; a missing key is not an error.
func (kv *KV) Delete(id, key string) error {
	res, err := kv.db.sql.ExecContext(ctx, "DELETE FROM kv_entries WHERE namespace = ? AND key = ?", id, key)
	if err != nil {
		return fmt.Errorf("deleting KV key %q: %w", key, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return kv.namespaceExists(id)
	}
	return nil
}

// Keys lists up to limit unexpired keys of namespace id with prefix, in byte order, after
// cursor (the last key of the previous page); next is the cursor of the following page, ""
// at the end.
func (kv *KV) Keys(id, prefix, cursor string, limit int, now time.Time) (out []KVKey, next string, err error) {
	if err := kv.namespaceExists(id); err != nil {
		return nil, "", err
	}
	from := max(prefix, cursor)
	rows, err := kv.db.sql.QueryContext(ctx, "SELECT key, expiration, metadata FROM kv_entries "+
		"WHERE namespace = ? AND key >= ? AND key > ? AND (expiration = 0 OR expiration > ?) ORDER BY key",
		id, from, cursor, now.Unix())
	if err != nil {
		return nil, "", fmt.Errorf("listing KV keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k KVKey
		var meta []byte
		if err := rows.Scan(&k.Name, &k.Expiration, &meta); err != nil {
			return nil, "", fmt.Errorf("listing KV keys: %w", err)
		}
		if !strings.HasPrefix(k.Name, prefix) {
			break // past the keys with prefix: the rest sort after them
		}
		if len(out) == limit {
			return out, out[limit-1].Name, nil
		}
		if meta != nil {
			k.Metadata = meta
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("listing KV keys: %w", err)
	}
	return out, "", nil
}

// PurgeExpired deletes the keys expired at now.
func (kv *KV) PurgeExpired(now time.Time) error {
	if _, err := kv.db.sql.ExecContext(ctx, "DELETE FROM kv_entries WHERE expiration != 0 AND expiration <= ?", now.Unix()); err != nil {
		return fmt.Errorf("deleting expired KV keys: %w", err)
	}
	return nil
}

func (kv *KV) namespaceExists(id string) error {
	var one int
	err := kv.db.sql.QueryRowContext(ctx, "SELECT 1 FROM kv_namespaces WHERE id = ?", id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrKVNamespaceMissing
	}
	if err != nil {
		return fmt.Errorf("reading KV namespace %s: %w", id, err)
	}
	return nil
}

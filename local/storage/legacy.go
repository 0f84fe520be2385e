package storage

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// The state directory's format 1 kept everything in JSON files, each rewritten whole on every
// change:
//
//	state.json                  the account: {"version": 1, "scripts": {name: script}, ...}
//	kv/namespaces.json          [{"id", "title"}]
//	kv/<id>.json                {key: {"value": base64, "metadata", "expiration"}}
//	queues/queues.json          [{"queue_id", "queue_name", ...}]
//	queues/<id>.json            [{"id", "body": base64, "content_type", "timestamp", "not_before", "attempts"}]
//	r2/buckets.json             [{"name", ...}]
//	r2/<bucket>/index.json      {key: {...}}; the bodies, r2/<bucket>/blobs/<version>, stay where they are
//	d1/databases.json           [{"uuid", "name", "created_at"}]
//
// A database set up in a directory holding them imports them (importLegacy) in the transaction
// that creates its tables; then they move, with their paths, under ImportedDir, which a user may
// delete once satisfied that nothing was lost. Scripts and queue and bucket records are stored
// as the documents the files held: the caller's types read both.
const ImportedDir = "imported-json"

// legacyVersion is the only version of state.json there is.
const legacyVersion = 1

// importLegacy writes the JSON files of format 1 under dir, if any, into the new tables of tx.
func importLegacy(dir string, tx *sql.Tx) error {
	for _, step := range []func(string, querier) error{importAccount, importKV, importQueues, importR2, importD1} {
		if err := step(dir, tx); err != nil {
			return fmt.Errorf("importing the JSON state of %s: %w", dir, err)
		}
	}
	return nil
}

// readLegacy decodes the JSON file at path into v; ok is false when there is no such file.
func readLegacy(path string, v any) (ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("%s is corrupt: %w", path, err)
	}
	return true, nil
}

func importAccount(dir string, q querier) error {
	var doc map[string]json.RawMessage
	path := filepath.Join(dir, "state.json")
	ok, err := readLegacy(path, &doc)
	if err != nil || !ok {
		return err
	}
	var version int
	if err := json.Unmarshal(doc["version"], &version); err != nil || version != legacyVersion {
		return fmt.Errorf("%s has format version %s; this lumier reads version %d", path, doc["version"], legacyVersion)
	}
	var scripts map[string]json.RawMessage
	if s := doc["scripts"]; s != nil {
		if err := json.Unmarshal(s, &scripts); err != nil {
			return fmt.Errorf("%s: scripts: %w", path, err)
		}
	}
	delete(doc, "scripts")
	settings, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if _, err := q.ExecContext(ctx, "INSERT INTO account_settings (id, doc) VALUES (1, ?)", settings); err != nil {
		return fmt.Errorf("writing the account: %w", err)
	}
	for name, s := range scripts {
		if _, err := q.ExecContext(ctx, "INSERT INTO account_scripts (name, doc) VALUES (?, ?)", name, compact(s)); err != nil {
			return fmt.Errorf("writing script %s: %w", name, err)
		}
	}
	return nil
}

func importKV(dir string, q querier) error {
	var namespaces []KVNamespace
	if ok, err := readLegacy(filepath.Join(dir, "kv", "namespaces.json"), &namespaces); err != nil || !ok {
		return err
	}
	for _, ns := range namespaces {
		if _, err := q.ExecContext(ctx, "INSERT INTO kv_namespaces (id, title) VALUES (?, ?)", ns.ID, ns.Title); err != nil {
			return fmt.Errorf("writing KV namespace %q: %w", ns.Title, err)
		}
		var entries map[string]struct {
			Value      []byte          `json:"value"`
			Metadata   json.RawMessage `json:"metadata"`
			Expiration int64           `json:"expiration"`
		}
		if _, err := readLegacy(filepath.Join(dir, "kv", ns.ID+".json"), &entries); err != nil {
			return err
		}
		for key, e := range entries {
			if _, err := q.ExecContext(ctx, "INSERT INTO kv_entries (namespace, key, value, metadata, expiration) VALUES (?, ?, ?, ?, ?)",
				ns.ID, key, nonNil(e.Value), nullable(e.Metadata), e.Expiration); err != nil {
				return fmt.Errorf("writing KV key %q: %w", key, err)
			}
		}
	}
	return nil
}

func importQueues(dir string, q querier) error {
	var queues []json.RawMessage
	if ok, err := readLegacy(filepath.Join(dir, "queues", "queues.json"), &queues); err != nil || !ok {
		return err
	}
	for _, doc := range queues {
		var id struct {
			ID   string `json:"queue_id"`
			Name string `json:"queue_name"`
		}
		if err := json.Unmarshal(doc, &id); err != nil {
			return fmt.Errorf("queues.json: %w", err)
		}
		if err := putQueues(q, []QueueRecord{{ID: id.ID, Name: id.Name, Doc: compact(doc)}}); err != nil {
			return err
		}
		var msgs []struct {
			ID          string `json:"id"`
			Body        []byte `json:"body"`
			ContentType string `json:"content_type"`
			Timestamp   int64  `json:"timestamp"`
			NotBefore   int64  `json:"not_before"`
			Attempts    int    `json:"attempts"`
		}
		if _, err := readLegacy(filepath.Join(dir, "queues", id.ID+".json"), &msgs); err != nil {
			return err
		}
		out := make([]QueueMessage, 0, len(msgs))
		for _, m := range msgs {
			out = append(out, QueueMessage(m))
		}
		if err := appendMessages(q, id.ID, out); err != nil {
			return err
		}
	}
	return nil
}

func importR2(dir string, q querier) error {
	var buckets []json.RawMessage
	if ok, err := readLegacy(filepath.Join(dir, "r2", "buckets.json"), &buckets); err != nil || !ok {
		return err
	}
	for _, doc := range buckets {
		var b struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(doc, &b); err != nil {
			return fmt.Errorf("buckets.json: %w", err)
		}
		if err := createBucket(q, R2Bucket{Name: b.Name, Doc: compact(doc)}); err != nil {
			return err
		}
		var objects map[string]json.RawMessage
		if _, err := readLegacy(filepath.Join(dir, "r2", b.Name, "index.json"), &objects); err != nil {
			return err
		}
		for key, o := range objects {
			if err := putObject(q, b.Name, key, compact(o)); err != nil {
				return err
			}
		}
	}
	return nil
}

func importD1(dir string, q querier) error {
	var dbs []struct {
		UUID      string `json:"uuid"`
		Name      string `json:"name"`
		CreatedAt string `json:"created_at"`
	}
	if ok, err := readLegacy(filepath.Join(dir, "d1", "databases.json"), &dbs); err != nil || !ok {
		return err
	}
	for _, d := range dbs {
		if _, err := q.ExecContext(ctx, "INSERT INTO d1_databases (uuid, name, created_at) VALUES (?, ?, ?)", d.UUID, d.Name, d.CreatedAt); err != nil {
			return fmt.Errorf("writing D1 database %q: %w", d.Name, err)
		}
	}
	return nil
}

// compact is doc without the indentation the files had (valid JSON, as decoded already).
func compact(doc json.RawMessage) []byte {
	var b bytes.Buffer
	if err := json.Compact(&b, doc); err != nil {
		return doc
	}
	return b.Bytes()
}

// legacyFiles lists the JSON files of format 1 under dir, relative to it.
func legacyFiles(dir string) []string {
	var out []string
	for _, pattern := range []string{"state.json", "kv/*.json", "queues/*.json", "r2/buckets.json", "r2/*/index.json", "d1/databases.json"} {
		matches, _ := filepath.Glob(filepath.Join(dir, filepath.FromSlash(pattern)))
		for _, m := range matches {
			rel, _ := filepath.Rel(dir, m)
			out = append(out, rel)
		}
	}
	slices.Sort(out)
	return out
}

// moveLegacyAside moves the JSON files of format 1, imported by now, under ImportedDir: a start
// that crashed between the import and the move finishes the move, and never imports them twice.
func moveLegacyAside(dir string) error {
	files := legacyFiles(dir)
	if len(files) == 0 {
		return nil
	}
	aside := filepath.Join(dir, ImportedDir)
	for _, rel := range files {
		to := filepath.Join(aside, rel)
		if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
			return fmt.Errorf("moving the imported %s aside: %w", rel, err)
		}
		if err := os.Rename(filepath.Join(dir, rel), to); err != nil {
			return fmt.Errorf("moving the imported %s aside: %w", rel, err)
		}
	}
	for _, sub := range []string{"kv", "queues"} {
		_ = os.Remove(filepath.Join(dir, sub)) // only when empty: nothing else lived there
	}
	return SyncDir(dir)
}

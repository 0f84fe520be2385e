// Package storage is the local Cloudflare's storage engine: one SQLite database per state
// directory (state.db, in WAL mode) for the account and the records of KV, Queues, R2 and D1;
// plain files, written atomically, for blobs (R2 object bodies, modules); and the directory's
// lock.
//
// One database rather than one per concern: a change that spans concerns (a first start that
// imports the JSON files of format 1, a queue settlement that moves messages to a dead-letter
// queue) is one transaction, there is one schema version to check, and the writes are small, so
// SQLite's single writer is no bottleneck. D1 databases are not in it: each is the user's own
// SQLite file, with the layout D1 gives it.
//
// Each concern has a small type (Account, KV, Queues, R2, D1Registry) reached from DB, and
// Modules keeps uploaded modules as files. They cache nothing but what makes a write cheap
// (Account remembers what it last saved) or a read safe to repeat (Modules' checked contents),
// so their callers choose what to keep in memory.
package storage

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite", pure Go
)

// File is the database's name in the state directory.
const File = "state.db"

// schemaVersion is the database's format (PRAGMA user_version); 0 is a database not yet set up.
// A database of an older format is brought up to it by upgrades, in the transaction that opens it.
const schemaVersion = 2

// schema creates the tables of format 1; upgrades take them to schemaVersion. KV entries and
// queue messages are rowid tables, as values of up to 25 MiB should be (WITHOUT ROWID suits small
// rows only); keys compare as bytes (SQLite's BINARY collation), Cloudflare's KV and R2 order.
const schema = `
CREATE TABLE account_settings (id INTEGER PRIMARY KEY CHECK (id = 1), doc BLOB NOT NULL);
CREATE TABLE account_scripts (name TEXT PRIMARY KEY, doc BLOB NOT NULL);
CREATE TABLE kv_namespaces (id TEXT PRIMARY KEY, title TEXT NOT NULL UNIQUE);
CREATE TABLE kv_entries (
	namespace TEXT NOT NULL REFERENCES kv_namespaces(id) ON DELETE CASCADE,
	key TEXT NOT NULL,
	value BLOB NOT NULL,
	metadata BLOB,
	expiration INTEGER NOT NULL DEFAULT 0,
	UNIQUE (namespace, key)
);
CREATE TABLE queues (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc BLOB NOT NULL);
CREATE TABLE queue_messages (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	queue TEXT NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
	id TEXT NOT NULL,
	body BLOB NOT NULL,
	content_type TEXT NOT NULL,
	timestamp INTEGER NOT NULL,
	not_before INTEGER NOT NULL DEFAULT 0,
	attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX queue_messages_by_queue ON queue_messages (queue, seq);
CREATE TABLE r2_buckets (name TEXT PRIMARY KEY, doc BLOB NOT NULL);
CREATE TABLE r2_objects (
	bucket TEXT NOT NULL REFERENCES r2_buckets(name) ON DELETE CASCADE,
	key TEXT NOT NULL,
	doc BLOB NOT NULL,
	PRIMARY KEY (bucket, key)
);
CREATE TABLE d1_databases (uuid TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);
`

// upgrades[v] takes a database of format v+1 to format v+2.
var upgrades = []string{
	// Format 2: the ports leave the settings document ("ports": {name: port}) for a row each.
	// CAST: SQLite reads a BLOB given to its JSON functions as its binary JSON, not as text.
	`CREATE TABLE account_ports (name TEXT PRIMARY KEY, port INTEGER NOT NULL);
INSERT INTO account_ports (name, port)
	SELECT p.key, p.value FROM account_settings, json_each(CAST(account_settings.doc AS TEXT), '$.ports') AS p;
UPDATE account_settings SET doc = CAST(json_remove(CAST(doc AS TEXT), '$.ports') AS BLOB);`,
}

// DB is a state directory's database. Its methods are safe for concurrent use.
type DB struct {
	path    string
	sql     *sql.DB
	account *Account
}

// querier is what the concerns run statements on: the database, or a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Open opens (creating on first use) the database of the state directory dir, which the caller
// has locked. A directory holding the JSON files of format 1 is imported in the transaction
// that sets the database up; the files are then moved aside to ImportedDir (see legacy.go).
func Open(dir string) (*DB, error) {
	path := filepath.Join(dir, File)
	// synchronous(FULL) syncs the WAL at every commit: an acknowledged write survives a power
	// cut, as the fsynced JSON files did. _txlock=immediate takes the write lock at BEGIN, so
	// two writers wait for each other (busy_timeout) instead of failing to upgrade a read lock.
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)" +
		"&_pragma=busy_timeout(10000)&_pragma=cache_size(-16384)&_txlock=immediate"
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	db := &DB{path: path, sql: sqldb}
	db.account = &Account{db: db}
	if err := db.setUp(dir); err != nil {
		sqldb.Close()
		return nil, err
	}
	if err := moveLegacyAside(dir); err != nil {
		sqldb.Close()
		return nil, err
	}
	return db, nil
}

// setUp creates the schema of a new database, importing the JSON files of format 1 if dir
// holds them, and upgrades an older format, all in one transaction: a crash leaves the database
// as it was and the files in place.
func (db *DB) setUp(dir string) error {
	return db.update(func(tx *sql.Tx) error {
		var version int
		if err := tx.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
			return fmt.Errorf("reading the format of %s: %w", db.path, err)
		}
		switch {
		case version == schemaVersion:
			return nil
		case version > schemaVersion:
			return fmt.Errorf("%s has format %d; this lumier reads format %d: upgrade lumier", db.path, version, schemaVersion)
		case version == 0:
			if _, err := tx.Exec(schema); err != nil {
				return fmt.Errorf("creating the tables of %s: %w", db.path, err)
			}
			if err := importLegacy(dir, tx); err != nil {
				return err
			}
			version = 1
		}
		for ; version < schemaVersion; version++ {
			if _, err := tx.Exec(upgrades[version-1]); err != nil {
				return fmt.Errorf("upgrading %s from format %d: %w", db.path, version, err)
			}
		}
		if _, err := tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
			return fmt.Errorf("setting the format of %s: %w", db.path, err)
		}
		return nil
	})
}

// Close closes the database; the WAL is checkpointed into the file. Closing a closed DB does
// nothing.
func (db *DB) Close() error {
	if err := db.sql.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", db.path, err)
	}
	return nil
}

// Check runs SQLite's integrity check and returns an error naming what it found.
func (db *DB) Check() error {
	var res string
	if err := db.sql.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil {
		return fmt.Errorf("checking %s: %w", db.path, err)
	}
	if res != "ok" {
		return fmt.Errorf("%s is damaged: %s", db.path, res)
	}
	return nil
}

// Account is the account's state.
func (db *DB) Account() *Account { return db.account }

// KV is Workers KV.
func (db *DB) KV() *KV { return &KV{db: db} }

// Queues is Queues: the queues and their undelivered messages.
func (db *DB) Queues() *Queues { return &Queues{db: db} }

// R2 is R2's buckets and object index.
func (db *DB) R2() *R2 { return &R2{db: db} }

// D1 is the registry of D1 databases.
func (db *DB) D1() *D1Registry { return &D1Registry{db: db} }

// update runs fn in a write transaction, committed when fn returns nil.
func (db *DB) update(fn func(tx *sql.Tx) error) (err error) {
	tx, err := db.sql.Begin()
	if err != nil {
		return fmt.Errorf("beginning a write to %s: %w", db.path, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("committing a write to %s: %w", db.path, err)
	}
	return nil
}

// ctx is the context of the store's statements: they are local and short, and the callers
// (the server's handlers and loops) hold no deadline that should cut a write in half.
var ctx = context.Background()

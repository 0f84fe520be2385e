// Package d1 is the local Cloudflare's D1: the database registry on the state directory's
// database and each database as its own SQLite file (Store), the API that manages and queries
// them (API) and the service workerd's D1 bindings call (Store.ServeBinding).
package d1

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite", pure Go

	"github.com/lumier-dev/lumier/internal/sqlsplit"
	"github.com/lumier-dev/lumier/local/ids"
	"github.com/lumier-dev/lumier/local/storage"
)

// d1Dir holds the D1 databases under the state directory, one <uuid>.sqlite file per database,
// which SQLite keeps consistent itself; their list (ids, names, creation times) is in the state
// directory's database (storage.D1Registry). A restart finds both as the last answered request
// left them.
const d1Dir = "d1"

// d1QueryTimeout bounds one query or batch, API or binding.
const d1QueryTimeout = 30 * time.Second

// Store is the account's D1 databases. The API (api.go) and workerd's D1 bindings
// (binding.go) both use it.
type Store struct {
	dir string
	reg *storage.D1Registry

	mu  sync.Mutex
	dbs []d1DatabaseRecord
	// open holds a handle per database, opened on first use; one connection each, so a batch's
	// transaction and the statements of other callers never interleave.
	open map[string]*sql.DB
}

// d1DatabaseRecord is one database as the store keeps it.
type d1DatabaseRecord struct {
	UUID      string    `json:"uuid"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// d1Statement is one SQL text with its positional parameters (JSON values: numbers, strings,
// null, and arrays of byte numbers for blobs, as workerd's D1 binding sends them).
type d1Statement struct {
	SQL    string `json:"sql"`
	Params []any  `json:"params"`
}

// d1Result is what one statement produced.
type d1Result struct {
	Columns []string
	Rows    [][]any
	Meta    d1Meta
}

// d1Meta is D1's per-statement meta block. rows_read and rows_written are the rows returned and
// changed (SQLite does not count the rows a statement scanned).
type d1Meta struct {
	Duration    float64 `json:"duration"`
	Changes     int64   `json:"changes"`
	LastRowID   int64   `json:"last_row_id"`
	ChangedDB   bool    `json:"changed_db"`
	SizeAfter   int64   `json:"size_after"`
	RowsRead    int64   `json:"rows_read"`
	RowsWritten int64   `json:"rows_written"`
}

// d1SQLError is a statement SQLite refused: Index is its place among the statements run.
type d1SQLError struct {
	Index int
	SQL   string
	Err   error
}

func (e *d1SQLError) Error() string { return e.Err.Error() }
func (e *d1SQLError) Unwrap() error { return e.Err }

// The store's refusals; the API maps them to Cloudflare's codes.
var (
	errD1Missing   = storage.ErrD1Missing
	errD1NameTaken = storage.ErrD1NameTaken
)

// errNoStatements is D1's answer to a query with no SQL in it, in D1's own words (capital and
// full stop included), which clients may match.
var errNoStatements = errors.New("No SQL statements detected.") //nolint:staticcheck // ST1005: D1's message, word for word

// Open reads the D1 list of db; the databases are under stateDir, created on first use.
func Open(stateDir string, db *storage.DB) (*Store, error) {
	dir := filepath.Join(stateDir, d1Dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("D1 directory %s: %w", dir, err)
	}
	d := &Store{dir: dir, reg: db.D1(), open: map[string]*sql.DB{}}
	list, err := d.reg.List()
	if err != nil {
		return nil, err
	}
	for _, r := range list {
		d.dbs = append(d.dbs, d1DatabaseRecord(r))
	}
	return d, nil
}

func (d *Store) dbFile(uuid string) string { return filepath.Join(d.dir, uuid+".sqlite") }

// close closes every open database.
func (d *Store) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	for id, db := range d.open {
		if err := db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing D1 database %s: %w", id, err))
		}
		delete(d.open, id)
	}
	return errors.Join(errs...)
}

func (d *Store) indexOf(uuid string) int {
	return slices.IndexFunc(d.dbs, func(r d1DatabaseRecord) bool { return r.UUID == uuid })
}

// list returns the databases whose name contains name ("" for all), newest first as
// Cloudflare lists them.
func (d *Store) list(name string) []d1DatabaseRecord {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []d1DatabaseRecord
	for _, r := range d.dbs {
		if strings.Contains(r.Name, name) {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b d1DatabaseRecord) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out
}

func (d *Store) Get(uuid string) (d1DatabaseRecord, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := d.indexOf(uuid)
	if i < 0 {
		return d1DatabaseRecord{}, errD1Missing
	}
	return d.dbs[i], nil
}

// create adds an empty database named name.
func (d *Store) create(name string) (d1DatabaseRecord, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if slices.ContainsFunc(d.dbs, func(r d1DatabaseRecord) bool { return r.Name == name }) {
		return d1DatabaseRecord{}, errD1NameTaken
	}
	rec := d1DatabaseRecord{UUID: ids.UUID(), Name: name, CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	if err := d.reg.Create(storage.D1Database(rec)); err != nil {
		return d1DatabaseRecord{}, err
	}
	d.dbs = append(d.dbs, rec)
	return rec, nil
}

// remove deletes a database and its file.
func (d *Store) remove(uuid string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := d.indexOf(uuid)
	if i < 0 {
		return errD1Missing
	}
	if err := d.reg.Delete(uuid); err != nil {
		return err
	}
	d.dbs = slices.Delete(slices.Clone(d.dbs), i, i+1)
	if db := d.open[uuid]; db != nil {
		_ = db.Close()
		delete(d.open, uuid)
	}
	// Unreachable once the record is gone; a leftover file is harmless.
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		_ = os.Remove(d.dbFile(uuid) + suffix)
	}
	return nil
}

// handle returns the open database uuid, opening it on first use.
func (d *Store) handle(uuid string) (*sql.DB, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.indexOf(uuid) < 0 {
		return nil, errD1Missing
	}
	if db := d.open[uuid]; db != nil {
		return db, nil
	}
	// D1 enforces foreign keys; the busy timeout only matters to another process reading the file.
	db, err := sql.Open("sqlite", "file:"+d.dbFile(uuid)+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, fmt.Errorf("opening D1 database %s: %w", uuid, err)
	}
	db.SetMaxOpenConns(1)
	d.open[uuid] = db
	return db, nil
}

// info reads a database's size in bytes and number of tables (the user's, not SQLite's or D1's).
func (d *Store) info(ctx context.Context, uuid string) (size int64, tables int, err error) {
	db, err := d.handle(uuid)
	if err != nil {
		return 0, 0, err
	}
	if err := db.QueryRowContext(ctx, "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()").Scan(&size); err != nil {
		return 0, 0, fmt.Errorf("reading the size of D1 database %s: %w", uuid, err)
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT GLOB 'sqlite_*' AND name NOT GLOB '_cf_*'").Scan(&tables); err != nil {
		return 0, 0, fmt.Errorf("counting the tables of D1 database %s: %w", uuid, err)
	}
	return size, tables, nil
}

// run executes statements on database uuid in order. Each statement's text may hold several
// statements (split like D1 does), each with its own result. With atomic, all run in one
// transaction that a failure rolls back (a batch, or one API query); otherwise each commits on
// its own and a failure stops the run, keeping what ran before (exec). A statement SQLite
// refuses is a *d1SQLError; the results before it are returned with it.
func (d *Store) run(ctx context.Context, uuid string, stmts []d1Statement, atomic bool) ([]d1Result, error) {
	db, err := d.handle(uuid)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, d1QueryTimeout)
	defer cancel()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("D1 database %s: %w", uuid, err)
	}
	defer conn.Close()
	var flat []d1Statement
	for _, s := range stmts {
		parts := sqlsplit.Split(s.SQL)
		if len(parts) > 1 && len(s.Params) > 0 {
			return nil, &d1SQLError{Index: len(flat), SQL: s.SQL, Err: errors.New("parameters bind to one statement, and this text holds several")}
		}
		if len(parts) == 0 {
			return nil, &d1SQLError{Index: len(flat), SQL: s.SQL, Err: errNoStatements}
		}
		for _, p := range parts {
			flat = append(flat, d1Statement{SQL: p, Params: s.Params})
		}
	}
	if atomic {
		if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			return nil, fmt.Errorf("D1 database %s: beginning a transaction: %w", uuid, err)
		}
	}
	var out []d1Result
	for i, s := range flat {
		res, err := runOne(ctx, conn, s)
		if err != nil {
			if atomic {
				_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
				out = nil
			}
			return out, &d1SQLError{Index: i, SQL: s.SQL, Err: err}
		}
		out = append(out, res)
	}
	if atomic {
		if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
			_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
			return nil, fmt.Errorf("D1 database %s: committing: %w", uuid, err)
		}
	}
	var size int64
	if err := conn.QueryRowContext(ctx, "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()").Scan(&size); err == nil {
		for i := range out {
			out[i].Meta.SizeAfter = size
		}
	}
	return out, nil
}

// runOne runs one statement and reads its rows and counters.
func runOne(ctx context.Context, conn *sql.Conn, s d1Statement) (d1Result, error) {
	start := time.Now()
	args := make([]any, len(s.Params))
	for i, p := range s.Params {
		v, err := d1Arg(p)
		if err != nil {
			return d1Result{}, fmt.Errorf("parameter %d: %w", i+1, err)
		}
		args[i] = v
	}
	var before int64
	if err := conn.QueryRowContext(ctx, "SELECT total_changes()").Scan(&before); err != nil {
		return d1Result{}, err
	}
	cols, rows, err := queryStored(ctx, conn, s.SQL, args)
	if err != nil {
		return d1Result{}, err
	}
	for _, cells := range rows {
		for i, c := range cells {
			cells[i] = d1Value(c)
		}
	}
	res := d1Result{Columns: cols, Rows: rows}
	var after, lastID int64
	if err := conn.QueryRowContext(ctx, "SELECT total_changes(), last_insert_rowid()").Scan(&after, &lastID); err != nil {
		return d1Result{}, err
	}
	res.Meta = d1Meta{
		Duration:    float64(time.Since(start).Microseconds()) / 1000,
		Changes:     after - before,
		LastRowID:   lastID,
		ChangedDB:   after != before,
		RowsRead:    int64(len(res.Rows)),
		RowsWritten: after - before,
	}
	return res, nil
}

// d1Arg turns one JSON parameter into a SQLite value: whole numbers are integers, an array of
// byte numbers is a blob, booleans are 0 and 1.
func d1Arg(p any) (any, error) {
	switch v := p.(type) {
	case nil, string, int64:
		return v, nil
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v), nil
		}
		return v, nil
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n, nil
		}
		return v.Float64()
	case bool:
		if v {
			return int64(1), nil
		}
		return int64(0), nil
	case []any:
		b := make([]byte, len(v))
		for i, e := range v {
			n, ok := e.(float64)
			if !ok {
				if jn, isNum := e.(json.Number); isNum {
					n, _ = jn.Float64()
					ok = true
				}
			}
			if !ok || n < 0 || n > 255 || n != math.Trunc(n) {
				return nil, fmt.Errorf("a blob is an array of byte numbers (0-255); element %d is %v", i, e)
			}
			b[i] = byte(n)
		}
		return b, nil
	}
	return nil, fmt.Errorf("type %T is not supported (numbers, strings, null and byte arrays are)", p)
}

// d1Value is one cell as D1 answers it: blobs as arrays of byte numbers.
func d1Value(v any) any {
	if b, ok := v.([]byte); ok {
		out := make([]int, len(b))
		for i, c := range b {
			out[i] = int(c)
		}
		return out
	}
	return v
}

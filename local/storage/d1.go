package storage

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// D1Registry keeps the list of D1 databases (ids, names, creation times). The databases
// themselves are SQLite files of their own, with the layout D1 gives them, not tables here.
type D1Registry struct {
	db *DB
}

// D1Database is one database's record.
type D1Database struct {
	UUID      string
	Name      string
	CreatedAt time.Time
}

// ErrD1NameTaken is a database created under a name another has.
var ErrD1NameTaken = errors.New("a database with that name already exists")

// ErrD1Missing is a database that does not exist.
var ErrD1Missing = errors.New("database not found")

// List returns every database, in the order they were created.
func (r *D1Registry) List() ([]D1Database, error) {
	return collect(r.db.sql, "D1 databases", "SELECT uuid, name, created_at FROM d1_databases ORDER BY rowid", nil,
		func(rows *sql.Rows, d *D1Database) error {
			var created string
			if err := rows.Scan(&d.UUID, &d.Name, &created); err != nil {
				return err
			}
			var err error
			if d.CreatedAt, err = time.Parse(time.RFC3339Nano, created); err != nil {
				return fmt.Errorf("D1 database %s: creation time %q: %w", d.UUID, created, err)
			}
			return nil
		})
}

// Create adds d; a name another database has is ErrD1NameTaken.
func (r *D1Registry) Create(d D1Database) error {
	return createD1(r.db.sql, d)
}

func createD1(q querier, d D1Database) error {
	_, err := q.ExecContext(ctx, "INSERT INTO d1_databases (uuid, name, created_at) VALUES (?, ?, ?)",
		d.UUID, d.Name, d.CreatedAt.UTC().Format(time.RFC3339Nano))
	if isUnique(err) {
		return ErrD1NameTaken
	}
	if err != nil {
		return fmt.Errorf("creating D1 database %q: %w", d.Name, err)
	}
	return nil
}

// Delete removes database uuid's record.
func (r *D1Registry) Delete(uuid string) error {
	res, err := r.db.sql.ExecContext(ctx, "DELETE FROM d1_databases WHERE uuid = ?", uuid)
	if err != nil {
		return fmt.Errorf("deleting D1 database %s: %w", uuid, err)
	}
	return mustChange(res, ErrD1Missing)
}

package storage

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"sync"
)

// AccountState is the account as stored: Settings is one JSON document (everything but the
// scripts: subdomain, Durable Object namespaces, schedules, ports) and Scripts one JSON
// document per script, by name. The documents' content is the caller's.
type AccountState struct {
	Settings []byte
	Scripts  map[string][]byte
}

// Account keeps the account's state. It remembers the documents it last read or wrote, so that
// a save writes only the scripts that changed: an upload costs the same however many scripts
// the account holds.
type Account struct {
	db *DB

	mu    sync.Mutex
	saved *AccountState // nil until the first Load or Save
}

// Load reads the account; ok is false when none was ever saved.
func (a *Account) Load() (st AccountState, ok bool, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	st.Scripts = map[string][]byte{}
	err = a.db.sql.QueryRowContext(ctx, "SELECT doc FROM account_settings WHERE id = 1").Scan(&st.Settings)
	if errors.Is(err, sql.ErrNoRows) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("reading the account: %w", err)
	}
	rows, err := a.db.sql.QueryContext(ctx, "SELECT name, doc FROM account_scripts")
	if err != nil {
		return st, false, fmt.Errorf("reading the account's scripts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var doc []byte
		if err := rows.Scan(&name, &doc); err != nil {
			return st, false, fmt.Errorf("reading the account's scripts: %w", err)
		}
		st.Scripts[name] = doc
	}
	if err := rows.Err(); err != nil {
		return st, false, fmt.Errorf("reading the account's scripts: %w", err)
	}
	a.saved = cloneState(st)
	return st, true, nil
}

// Save replaces the account with next in one transaction: the settings, the scripts whose
// document changed, and the removal of the scripts next no longer holds.
func (a *Account) Save(next AccountState) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	prev := a.saved
	err := a.db.update(func(tx *sql.Tx) error {
		if prev == nil || !bytes.Equal(prev.Settings, next.Settings) {
			if _, err := tx.ExecContext(ctx, "INSERT INTO account_settings (id, doc) VALUES (1, ?) "+
				"ON CONFLICT (id) DO UPDATE SET doc = excluded.doc", next.Settings); err != nil {
				return fmt.Errorf("writing the account: %w", err)
			}
		}
		if prev == nil {
			// Nothing known of what is stored: replace every script.
			if _, err := tx.ExecContext(ctx, "DELETE FROM account_scripts"); err != nil {
				return fmt.Errorf("writing the account's scripts: %w", err)
			}
		}
		for name, doc := range next.Scripts {
			if prev != nil && bytes.Equal(prev.Scripts[name], doc) {
				continue
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO account_scripts (name, doc) VALUES (?, ?) "+
				"ON CONFLICT (name) DO UPDATE SET doc = excluded.doc", name, doc); err != nil {
				return fmt.Errorf("writing script %s: %w", name, err)
			}
		}
		if prev != nil {
			for name := range prev.Scripts {
				if _, kept := next.Scripts[name]; kept {
					continue
				}
				if _, err := tx.ExecContext(ctx, "DELETE FROM account_scripts WHERE name = ?", name); err != nil {
					return fmt.Errorf("removing script %s: %w", name, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	a.saved = cloneState(next)
	return nil
}

func cloneState(st AccountState) *AccountState {
	return &AccountState{Settings: bytes.Clone(st.Settings), Scripts: maps.Clone(st.Scripts)}
}

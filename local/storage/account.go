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
// scripts and the ports: subdomain, Durable Object namespaces, schedules), Scripts one JSON
// document per script, by name, and Ports one row per script name. The documents' content is the
// caller's.
type AccountState struct {
	Settings []byte
	Scripts  map[string][]byte
	// Ports is each script name's port, the deleted scripts' included. A row each, because a
	// Worker's workers.dev call opens one: kept in Settings, every such call rewrote a document
	// that grows with the account.
	Ports map[string]int
}

// Account keeps the account's state. It remembers what it last read or wrote, so that a save
// writes only the scripts and ports that changed: an upload costs the same however many scripts
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
	if st.Ports, err = a.loadPorts(); err != nil {
		return st, false, err
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
		return savePorts(tx, prev, next.Ports)
	})
	if err != nil {
		return err
	}
	a.saved = cloneState(next)
	return nil
}

// loadPorts reads the ports' rows; nil for none.
func (a *Account) loadPorts() (map[string]int, error) {
	rows, err := a.db.sql.QueryContext(ctx, "SELECT name, port FROM account_ports")
	if err != nil {
		return nil, fmt.Errorf("reading the account's ports: %w", err)
	}
	defer rows.Close()
	var ports map[string]int
	for rows.Next() {
		var name string
		var port int
		if err := rows.Scan(&name, &port); err != nil {
			return nil, fmt.Errorf("reading the account's ports: %w", err)
		}
		if ports == nil {
			ports = map[string]int{}
		}
		ports[name] = port
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the account's ports: %w", err)
	}
	return ports, nil
}

// savePorts writes the ports that differ from prev's and removes those next no longer has; with
// no prev, it replaces them all.
func savePorts(tx *sql.Tx, prev *AccountState, next map[string]int) error {
	var was map[string]int
	if prev == nil {
		if _, err := tx.ExecContext(ctx, "DELETE FROM account_ports"); err != nil {
			return fmt.Errorf("writing the account's ports: %w", err)
		}
	} else {
		was = prev.Ports
	}
	for name, port := range next {
		if old, ok := was[name]; ok && old == port {
			continue
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO account_ports (name, port) VALUES (?, ?) "+
			"ON CONFLICT (name) DO UPDATE SET port = excluded.port", name, port); err != nil {
			return fmt.Errorf("writing the port of %s: %w", name, err)
		}
	}
	for name := range was {
		if _, kept := next[name]; kept {
			continue
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM account_ports WHERE name = ?", name); err != nil {
			return fmt.Errorf("removing the port of %s: %w", name, err)
		}
	}
	return nil
}

func cloneState(st AccountState) *AccountState {
	return &AccountState{Settings: bytes.Clone(st.Settings), Scripts: maps.Clone(st.Scripts), Ports: maps.Clone(st.Ports)}
}

// Package storagetest opens state directories' databases for tests.
package storagetest

import (
	"testing"

	"github.com/lumier-dev/lumier/local/storage"
)

// Open opens the storage database of dir, closed when the test ends (a second Close is
// harmless, so a test may close it early to reopen the directory).
func Open(t testing.TB, dir string) *storage.DB {
	t.Helper()
	db, err := storage.Open(dir)
	if err != nil {
		t.Fatalf("opening the database of %s: %v", dir, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

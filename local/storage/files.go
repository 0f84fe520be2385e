package storage

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// TempPrefix starts the name of every file being written; a crash can leave such files behind,
// and RemoveTemps deletes them.
const TempPrefix = ".tmp-"

// Blob is a file being written: its bytes go to a temp file in the target's directory, and
// Commit puts it in place atomically, so a reader, or a start after a crash, sees the old file
// or the new one, never a part of one.
type Blob struct {
	*os.File
}

// CreateBlob starts a blob in dir; name only makes the temp file recognisable.
func CreateBlob(dir, name string) (*Blob, error) {
	f, err := os.CreateTemp(dir, TempPrefix+name+"-")
	if err != nil {
		return nil, fmt.Errorf("creating a file in %s: %w", dir, err)
	}
	return &Blob{File: f}, nil
}

// Commit syncs the blob and renames it to path (in the directory it was created in), then
// syncs the directory so that the rename survives a power cut.
func (b *Blob) Commit(path string) error {
	err := b.Chmod(0o600)
	if err == nil {
		err = b.Sync()
	}
	if cerr := b.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(b.Name(), path)
	}
	if err == nil {
		err = SyncDir(filepath.Dir(path))
	}
	if err != nil {
		os.Remove(b.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// Abort closes and removes a blob that will not be committed.
func (b *Blob) Abort() {
	b.Close()
	os.Remove(b.Name())
}

// WriteFile replaces path with data atomically (a Blob).
func WriteFile(path string, data []byte) error {
	b, err := CreateBlob(filepath.Dir(path), filepath.Base(path))
	if err != nil {
		return err
	}
	if _, err := bytes.NewReader(data).WriteTo(b); err != nil {
		b.Abort()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return b.Commit(path)
}

// SyncDir makes the renames in dir durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	return nil
}

// RemoveTemps deletes the temp files a crash left in dir.
func RemoveTemps(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), TempPrefix) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

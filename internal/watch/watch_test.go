package watch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestWaitReportsEditedAddedAndRemovedFiles(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	entry := filepath.Join(src, "index.ts")
	gone := filepath.Join(src, "old.ts")
	for _, f := range []string{entry, gone} {
		if err := os.WriteFile(f, []byte("export default {}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	paths := []string{src}
	since := Snapshot(paths)
	if len(since) != 2 {
		t.Fatalf("snapshot of %s has %d files, want 2: %v", src, len(since), since)
	}

	if err := os.WriteFile(entry, []byte("export default { fetch() {} }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	added := filepath.Join(src, "new.ts")
	if err := os.WriteFile(added, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // hang guard
	defer cancel()
	changed, settled, err := Wait(ctx, paths, since, 10*time.Millisecond)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	want := []string{entry, added, gone}
	slices.Sort(want)
	if !slices.Equal(changed, want) {
		t.Fatalf("changed = %v, want %v", changed, want)
	}
	if d := Diff(settled, Snapshot(paths)); len(d) != 0 {
		t.Fatalf("the settled snapshot differs from the files: %v", d)
	}
}

func TestWaitEndsWithItsContext(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Wait(ctx, []string{dir}, Snapshot([]string{dir}), time.Millisecond); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait on a cancelled context: %v, want context.Canceled", err)
	}
}

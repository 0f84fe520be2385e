// Package watch notices when files change, by polling their sizes and modification times: no
// inotify limits, the same behaviour on every platform and file system, and a save that replaces
// the file (write to a temporary name, then rename) is seen like any other.
package watch

import (
	"context"
	"io/fs"
	"path/filepath"
	"slices"
	"time"
)

// Stamp is what a poll compares: a file whose size or modification time differs has changed.
type Stamp struct {
	Size    int64
	ModTime time.Time
}

// Snapshot stamps every file among paths; a directory stands for every file under it. A path
// that does not exist is left out, so its creation is a change too.
func Snapshot(paths []string) map[string]Stamp {
	snap := map[string]Stamp{}
	for _, p := range paths {
		_ = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil // unreadable or gone: absent from the snapshot
			}
			if info, err := d.Info(); err == nil {
				snap[path] = Stamp{Size: info.Size(), ModTime: info.ModTime()}
			}
			return nil
		})
	}
	return snap
}

// Diff lists, sorted, the files that were added, removed or changed from a to b.
func Diff(a, b map[string]Stamp) []string {
	var changed []string
	for p, s := range b {
		if old, ok := a[p]; !ok || old.Size != s.Size || !old.ModTime.Equal(s.ModTime) {
			changed = append(changed, p)
		}
	}
	for p := range a {
		if _, ok := b[p]; !ok {
			changed = append(changed, p)
		}
	}
	slices.Sort(changed)
	return changed
}

// Wait polls paths every interval from the snapshot since, and returns the files that changed
// once a change is seen and the files then stay the same for one more interval (an editor's
// save can be several writes), with the snapshot it settled on. It returns ctx's error when ctx
// ends first.
func Wait(ctx context.Context, paths []string, since map[string]Stamp, interval time.Duration) ([]string, map[string]Stamp, error) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var changed []string
	last := since
	for {
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-tick.C:
		}
		now := Snapshot(paths)
		step := Diff(last, now)
		if len(step) == 0 && len(changed) > 0 {
			return changed, now, nil
		}
		for _, p := range step {
			if !slices.Contains(changed, p) {
				changed = append(changed, p)
			}
		}
		slices.Sort(changed)
		last = now
	}
}

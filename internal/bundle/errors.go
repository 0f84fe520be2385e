package bundle

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// Error is a failed build: every esbuild error, already formatted. It is one error value so a
// user fixing a file sees all problems at once instead of one per `pulumi up`.
type Error struct {
	// Entry is the absolute entry path that was bundled.
	Entry string
	// Messages are esbuild's errors, each `file:line:col: ERROR: text` (file relative to the
	// project root, line and column 1-based), followed by indented notes if esbuild gave any.
	Messages []string
}

// Error lists every message after the entry, one per line.
func (e *Error) Error() string {
	if len(e.Messages) == 1 {
		return fmt.Sprintf("bundling %s: %s", e.Entry, e.Messages[0])
	}
	return fmt.Sprintf("bundling %s: %d errors:\n%s", e.Entry, len(e.Messages), strings.Join(e.Messages, "\n"))
}

// formatMessages renders esbuild messages in the `file:line:col: ERROR: text` form editors and
// terminals make clickable.
// File names are made relative to dir (they come relative to root).
func formatMessages(msgs []api.Message, root, dir string) []string {
	out := make([]string, 0, len(msgs))
	for _, m := range msgs {
		var b strings.Builder
		b.WriteString(location(m.Location, root, dir))
		b.WriteString("ERROR: ")
		if m.PluginName != "" {
			fmt.Fprintf(&b, "[plugin %s] ", m.PluginName)
		}
		b.WriteString(m.Text)
		for _, n := range m.Notes {
			b.WriteString("\n    note: ")
			b.WriteString(location(n.Location, root, dir))
			b.WriteString(n.Text)
		}
		out = append(out, b.String())
	}
	return out
}

// location is `file:line:col: ` or "" when esbuild has no location (e.g. an unresolvable
// entry), with file relative to dir. esbuild's columns are 0-based; editors and Go tools count
// from 1, so add one.
func location(l *api.Location, root, dir string) string {
	if l == nil || l.File == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d:%d: ", displayPath(l.File, root, dir), l.Line, l.Column+1)
}

// displayPath turns a path relative to root (as esbuild gives it) into one relative to dir, or
// the absolute path when that is shorter (a file far outside dir).
func displayPath(file, root, dir string) string {
	if filepath.IsAbs(file) || root == dir {
		return file
	}
	abs := filepath.Join(root, file)
	rel, err := filepath.Rel(dir, abs)
	if err != nil || len(rel) > len(abs) {
		return abs
	}
	return rel
}

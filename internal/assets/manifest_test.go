package assets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// write creates files (path -> content) under a new directory.
func write(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var paid = Limits{MaxFiles: MaxFilesPaid, MaxFileSize: MaxFileSize, Plan: "paid"}

func TestHashKnownAnswers(t *testing.T) {
	// BLAKE3's published test vectors: "" and "abc". Empty content has empty base64 text, so the
	// hashed input is the extension alone.
	if got := Hash(nil, ""); got != "af1349b9f5f9a1a6a0404dea36dcc949" {
		t.Errorf("Hash(empty, \"\") = %s, want BLAKE3(\"\")[:32]", got)
	}
	if got := Hash(nil, ".abc"); got != "6437b3ac38465133ffb63b75273a8db5" {
		t.Errorf("Hash(empty, .abc) = %s, want BLAKE3(\"abc\")[:32]", got)
	}
	// "hi" is "aGk=" in base64: hashing the base64 text plus the extension.
	if Hash([]byte("hi"), "txt") != Hash(nil, "aGk=txt") {
		t.Error("Hash must hash the base64 text followed by the extension")
	}
	if Hash([]byte("x"), "txt") == Hash([]byte("x"), "html") {
		t.Error("the same bytes under two extensions must hash apart")
	}
}

func TestScanManifest(t *testing.T) {
	dir := write(t, map[string]string{"index.html": "<h1>hi</h1>", "css/site.css": "body{}", "a b.txt": "x"})
	m, err := Scan(dir, paid)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, f.Path)
	}
	if got := strings.Join(paths, ","); got != "/a b.txt,/css/site.css,/index.html" {
		t.Fatalf("paths %s", got)
	}
	e := m.Entries()["/index.html"]
	if e.Size != 11 || e.Hash != Hash([]byte("<h1>hi</h1>"), ".html") {
		t.Errorf("entry %+v", e)
	}
	if ct := m.Files[1].ContentType; !strings.HasPrefix(ct, "text/css") {
		t.Errorf("css content type %q", ct)
	}
	if f, ok := m.ByHash(e.Hash); !ok || f.Path != "/index.html" {
		t.Errorf("ByHash: %+v %v", f, ok)
	}
	if b, err := m.Files[2].Read(); err != nil || string(b) != "<h1>hi</h1>" {
		t.Errorf("Read: %q %v", b, err)
	}
}

func TestDigestFollowsContentNotLocation(t *testing.T) {
	a, _ := Scan(write(t, map[string]string{"index.html": "one"}), paid)
	b, _ := Scan(write(t, map[string]string{"index.html": "one"}), paid)
	c, _ := Scan(write(t, map[string]string{"index.html": "two"}), paid)
	d, _ := Scan(write(t, map[string]string{"other.html": "one"}), paid)
	if a.Digest() != b.Digest() {
		t.Error("same files in two directories must have one digest")
	}
	if a.Digest() == c.Digest() || a.Digest() == d.Digest() {
		t.Error("a changed content or path must change the digest")
	}
}

func TestScanRefusals(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "public")
	if _, err := Scan(missing, paid); err == nil || !strings.Contains(err.Error(), missing+" does not exist") {
		t.Errorf("missing directory: %v", err)
	}
	file := write(t, map[string]string{"f": "x"})
	if _, err := Scan(filepath.Join(file, "f"), paid); err == nil || !strings.Contains(err.Error(), "is a file, not a directory") {
		t.Errorf("a file: %v", err)
	}
	many := write(t, map[string]string{"a": "1", "b": "2", "c": "3"})
	_, err := Scan(many, Limits{MaxFiles: 2, MaxFileSize: MaxFileSize, Plan: "free"})
	if err == nil || !strings.Contains(err.Error(), "holds 3 files, over Cloudflare's limit of 2 files per Worker version on the Workers free plan") {
		t.Errorf("too many files: %v", err)
	}
	big := write(t, map[string]string{"small.txt": "x", "img/huge.bin": strings.Repeat("x", 2<<20)})
	_, err = Scan(big, Limits{MaxFiles: 10, MaxFileSize: 1 << 20})
	if err == nil || !strings.Contains(err.Error(), "asset img/huge.bin (") || !strings.Contains(err.Error(), "is 2.0 MiB, over Cloudflare's limit of 1 MiB per asset file") {
		t.Errorf("a file too large: %v", err)
	}
}

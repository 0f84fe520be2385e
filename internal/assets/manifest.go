// Package assets reads a Worker's static assets directory into the manifest Cloudflare's assets
// upload session takes ({"/path": {hash, size}}), with the content hashes wrangler computes, and
// checks it against Cloudflare's limits (docs/cloudflare-api.md, "Static assets").
package assets

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"lukechampine.com/blake3"
)

// Cloudflare's limits on static assets (docs/cloudflare-api.md, "Static assets").
const (
	// MaxFileSize is the size limit of one asset file, on every plan.
	MaxFileSize = 25 << 20
	// MaxFilesFree and MaxFilesPaid are the most files one Worker version may have.
	MaxFilesFree = 20_000
	MaxFilesPaid = 100_000
)

// Limits are the limits Scan enforces.
type Limits struct {
	// MaxFiles is the most files the directory may hold.
	MaxFiles int
	// MaxFileSize is the largest file allowed, in bytes.
	MaxFileSize int64
	// Plan names the Workers plan MaxFiles belongs to, for the error message.
	Plan string
}

// File is one asset of a manifest.
type File struct {
	// Path is the URL path the file is served at: "/" and its path in the directory, with '/'.
	Path string
	// Hash is the content hash Cloudflare keys the file by (see Hash).
	Hash string
	// Size is the file's size in bytes.
	Size int64
	// ContentType is what the file is served as, from its extension.
	ContentType string
	// abs is where the file is on disk.
	abs string
}

// Entry is one value of the manifest Cloudflare's upload session takes.
type Entry struct {
	Hash string `json:"hash"`
	Size int64  `json:"size"`
}

// Manifest is a scanned assets directory, its files sorted by path.
type Manifest struct {
	// Dir is the directory, absolute.
	Dir   string
	Files []File
	// byHash indexes Files by content hash (the first file of each), so that answering
	// Cloudflare's requests for thousands of files stays linear.
	byHash map[string]int
}

// Hash is the content hash of an asset, as wrangler computes it: BLAKE3 of the file's base64
// text followed by its extension (without the dot), hex, first 32 characters. The extension is
// part of it because the content type is: the same bytes as .txt and .html are two assets.
func Hash(content []byte, ext string) string {
	h := blake3.New(32, nil)
	enc := base64.NewEncoder(base64.StdEncoding, h)
	_, _ = enc.Write(content) // a hash does not fail to write
	_ = enc.Close()
	_, _ = io.WriteString(h, strings.TrimPrefix(ext, "."))
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// ContentType is the type an asset is served as: by extension, octet-stream when unknown.
func ContentType(name string) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// Scan reads dir (absolute, or relative to the working directory) into a manifest, refusing a
// missing directory and one over limits, naming the offending file. It counts and sizes the
// files before hashing any, so a directory over the limits is refused quickly.
func Scan(dir string, limits Limits) (*Manifest, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("assets directory %q: %w", dir, err)
	}
	info, err := os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("assets directory %s does not exist: create it, or set assets.directory to the directory "+
			"holding the static files (relative to the Pulumi project)", abs)
	}
	if err != nil {
		return nil, fmt.Errorf("assets directory %s: %w", abs, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("assets directory %s is a file, not a directory: set assets.directory to the directory "+
			"holding the static files", abs)
	}
	files, err := list(abs)
	if err != nil {
		return nil, err
	}
	if limits.MaxFiles > 0 && len(files) > limits.MaxFiles {
		return nil, fmt.Errorf("assets directory %s holds %d files, over Cloudflare's limit of %d files per Worker "+
			"version on the Workers %s plan: leave out files the site does not serve", abs, len(files), limits.MaxFiles, limits.Plan)
	}
	for _, f := range files {
		if limits.MaxFileSize > 0 && f.Size > limits.MaxFileSize {
			return nil, fmt.Errorf("asset %s (%s) is %.1f MiB, over Cloudflare's limit of %d MiB per asset file: "+
				"split it, or keep it in R2 instead", strings.TrimPrefix(f.Path, "/"), f.abs, float64(f.Size)/(1<<20), limits.MaxFileSize>>20)
		}
	}
	for i := range files {
		content, err := os.ReadFile(files[i].abs)
		if err != nil {
			return nil, fmt.Errorf("reading asset %s: %w", files[i].abs, err)
		}
		files[i].Hash = Hash(content, path.Ext(files[i].Path))
		files[i].Size = int64(len(content))
	}
	byHash := make(map[string]int, len(files))
	for i, f := range files {
		if _, seen := byHash[f.Hash]; !seen {
			byHash[f.Hash] = i
		}
	}
	return &Manifest{Dir: abs, Files: files, byHash: byHash}, nil
}

// list walks dir for regular files (following links to files), sorted by path.
func list(dir string) ([]File, error) {
	var files []File
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("reading assets directory: %w", err)
		}
		if d.IsDir() {
			return nil
		}
		info, err := os.Stat(p) // follows a link
		if err != nil {
			return fmt.Errorf("reading asset %s: %w", p, err)
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		urlPath := "/" + filepath.ToSlash(rel)
		files = append(files, File{Path: urlPath, Size: info.Size(), ContentType: ContentType(urlPath), abs: p})
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return files, nil
}

// Entries is the manifest as the upload session takes it.
func (m *Manifest) Entries() map[string]Entry {
	out := make(map[string]Entry, len(m.Files))
	for _, f := range m.Files {
		out[f.Path] = Entry{Hash: f.Hash, Size: f.Size}
	}
	return out
}

// Digest identifies the manifest: the same paths with the same contents give the same digest,
// wherever the directory is. A preview compares digests to tell whether the assets changed.
func (m *Manifest) Digest() string {
	h := sha256.New()
	for _, f := range m.Files {
		fmt.Fprintf(h, "%s\x00%s\x00%d\n", f.Path, f.Hash, f.Size)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ByHash returns a file with the given hash (the same content may sit at several paths;
// Cloudflare asks for it once).
func (m *Manifest) ByHash(hash string) (File, bool) {
	i, ok := m.byHash[hash]
	if !ok {
		return File{}, false
	}
	return m.Files[i], true
}

// Read returns the content of f.
func (f File) Read() ([]byte, error) {
	b, err := os.ReadFile(f.abs)
	if err != nil {
		return nil, fmt.Errorf("reading asset %s: %w", f.abs, err)
	}
	return b, nil
}

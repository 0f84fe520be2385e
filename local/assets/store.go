// Package assets is the local Cloudflare's static assets: the upload API (upload sessions and
// their files), the store of files and manifests in the state directory, and their serving, in
// front of a script's port and to its ASSETS binding.
package assets

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/lumier-dev/lumier/local/storage"
)

// assetsDir holds the static assets under the state directory: files/<hash> (the content, stored
// once whatever the number of scripts and paths that use it), files/<hash>.type (its content
// type) and manifests/<id>.json (one per uploaded manifest, named by the digest of its JSON).
// Every file is written atomically, so assets survive restarts; scripts refer to a manifest id.
const assetsDir = "assets"

// assetSessionTTL is how long an upload session's tokens are valid: Cloudflare's JWTs last an
// hour (docs/cloudflare-api.md, "Static assets").
const assetSessionTTL = time.Hour

// maxAssetSessions bounds the sessions kept in memory; the oldest go first.
const maxAssetSessions = 1000

// assetBucketSize is how many hashes one bucket of an upload session holds: one upload request.
const assetBucketSize = 10

// assetHashPattern is the form of a manifest hash: 32 hex digits (wrangler's), which also keeps
// it safe as a file name.
var assetHashPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// assetEntry is one file of a manifest.
type assetEntry struct {
	Hash string `json:"hash"`
	Size int64  `json:"size"`
}

// assetManifest maps URL paths ("/index.html") to files.
type assetManifest map[string]assetEntry

// assetSession is one upload session: the manifest, the hashes still to come, and the token
// that completes it.
type assetSession struct {
	script     string
	manifest   assetManifest
	hashes     map[string]bool // every hash of manifest
	missing    map[string]bool
	completion string
	created    time.Time
}

// Store keeps the account's asset files and manifests, and the open upload sessions.
type Store struct {
	dir    string
	now    func() time.Time
	logger *slog.Logger // hears of assets that cannot be served

	mu          sync.Mutex
	sessions    map[string]*assetSession // by session token
	completions map[string]*assetSession // by completion token
	manifests   map[string]assetManifest // loaded manifests by id
}

// errAssetToken is an upload or a script upload with a token no session issued, or an expired one.
var errAssetToken = errors.New("the assets upload token is unknown or expired")

// Open opens the assets directory of the state directory stateDir, creating it if needed.
func Open(stateDir string, logger *slog.Logger) (*Store, error) {
	dir := filepath.Join(stateDir, assetsDir)
	for _, sub := range []string{"files", "manifests"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, fmt.Errorf("assets directory %s: %w", dir, err)
		}
	}
	return &Store{dir: dir, now: time.Now, logger: logger, sessions: map[string]*assetSession{},
		completions: map[string]*assetSession{}, manifests: map[string]assetManifest{}}, nil
}

func (a *Store) filePath(hash string) string { return filepath.Join(a.dir, "files", hash) }

// has reports whether the content of hash is stored.
func (a *Store) has(hash string) bool {
	_, err := os.Stat(a.filePath(hash))
	return err == nil
}

// newToken is an opaque upload token. Cloudflare's are JWTs; clients only pass them back.
func newToken(kind string) string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("local: no randomness: %v", err))
	}
	return "lumier-assets-" + kind + "." + hex.EncodeToString(b)
}

// startSession registers a manifest and returns the session token and the buckets of hashes not
// stored yet. With nothing missing the token is already the completion token.
func (a *Store) startSession(script string, m assetManifest) (string, [][]string) {
	all, missing := map[string]bool{}, map[string]bool{}
	for _, e := range m {
		all[e.Hash] = true
		if !a.has(e.Hash) {
			missing[e.Hash] = true
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.expire()
	token := newToken("session")
	sess := &assetSession{script: script, manifest: m, hashes: all, missing: missing, created: a.now()}
	a.sessions[token] = sess
	if len(missing) == 0 {
		sess.completion = token
		a.completions[token] = sess
		return token, [][]string{}
	}
	hashes := make([]string, 0, len(missing))
	for h := range missing {
		hashes = append(hashes, h)
	}
	slices.Sort(hashes)
	var buckets [][]string
	for len(hashes) > 0 {
		n := min(assetBucketSize, len(hashes))
		buckets = append(buckets, hashes[:n])
		hashes = hashes[n:]
	}
	return token, buckets
}

// expire drops sessions older than assetSessionTTL, and the oldest beyond maxAssetSessions.
// a.mu is held.
func (a *Store) expire() {
	for token, s := range a.sessions {
		if a.now().Sub(s.created) > assetSessionTTL {
			delete(a.sessions, token)
			delete(a.completions, s.completion)
		}
	}
	for len(a.sessions) >= maxAssetSessions {
		var oldest string
		for token, s := range a.sessions {
			if oldest == "" || s.created.Before(a.sessions[oldest].created) {
				oldest = token
			}
		}
		delete(a.completions, a.sessions[oldest].completion)
		delete(a.sessions, oldest)
	}
}

// session returns the live session of token.
func (a *Store) session(token string) (*assetSession, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sessions[token]
	if !ok || a.now().Sub(s.created) > assetSessionTTL {
		return nil, errAssetToken
	}
	return s, nil
}

// put stores one uploaded file of session token; it returns the completion token once the
// session has every file, "" before. A hash the manifest does not name is refused.
func (a *Store) put(token, hash, contentType string, content []byte) (string, error) {
	s, err := a.session(token)
	if err != nil {
		return "", err
	}
	if !s.hashes[hash] {
		return "", fmt.Errorf("file %s is not in the session's manifest", hash)
	}
	if err := storage.WriteFile(a.filePath(hash), content); err != nil {
		return "", fmt.Errorf("storing asset %s: %w", hash, err)
	}
	if err := storage.WriteFile(a.filePath(hash)+".type", []byte(contentType)); err != nil {
		return "", fmt.Errorf("storing asset %s: %w", hash, err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(s.missing, hash)
	if len(s.missing) == 0 && s.completion == "" {
		s.completion = newToken("completion")
		a.completions[s.completion] = s
	}
	if len(s.missing) == 0 {
		return s.completion, nil
	}
	return "", nil
}

// redeem turns a completion token into a stored manifest's id, for a script upload of script.
func (a *Store) redeem(token, script string) (string, error) {
	a.mu.Lock()
	s, ok := a.completions[token]
	a.mu.Unlock()
	if !ok || a.now().Sub(s.created) > assetSessionTTL {
		return "", errAssetToken
	}
	if s.script != script {
		return "", fmt.Errorf("the assets upload token was issued for script %q, not %q", s.script, script)
	}
	for path, e := range s.manifest {
		if !a.has(e.Hash) {
			return "", fmt.Errorf("asset %s (%s) was never uploaded", path, e.Hash)
		}
	}
	b, err := json.Marshal(s.manifest) // map keys are sorted: one manifest, one id
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	id := hex.EncodeToString(sum[:16])
	if err := storage.WriteFile(filepath.Join(a.dir, "manifests", id+".json"), b); err != nil {
		return "", fmt.Errorf("storing the assets manifest: %w", err)
	}
	a.mu.Lock()
	a.manifests[id] = s.manifest
	a.mu.Unlock()
	return id, nil
}

// manifest loads manifest id.
func (a *Store) manifest(id string) (assetManifest, error) {
	a.mu.Lock()
	m, ok := a.manifests[id]
	a.mu.Unlock()
	if ok {
		return m, nil
	}
	if !assetHashPattern.MatchString(id) {
		return nil, fmt.Errorf("assets manifest id %q is malformed", id)
	}
	b, err := os.ReadFile(filepath.Join(a.dir, "manifests", id+".json"))
	if err != nil {
		return nil, fmt.Errorf("reading assets manifest %s: %w", id, err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("reading assets manifest %s: %w", id, err)
	}
	a.mu.Lock()
	a.manifests[id] = m
	a.mu.Unlock()
	return m, nil
}

// open returns the path and content type of a stored file.
func (a *Store) open(hash string) (string, string) {
	ct, err := os.ReadFile(a.filePath(hash) + ".type")
	if err != nil || len(ct) == 0 {
		ct = []byte("application/octet-stream")
	}
	return a.filePath(hash), string(ct)
}

// Package r2 is the local Cloudflare's R2: buckets and the object index on the state
// directory's database, object bodies as files (Store), the API that manages them (API) and the
// service workerd's r2Bucket bindings call (Store.ServeBinding).
package r2

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lumier-dev/lumier/local/storage"
)

// r2Dir holds the R2 object bodies under the state directory: r2/<bucket>/blobs/<version>.
// The buckets and the index of their objects (each object's metadata, naming its blob) are in
// the state directory's database (storage.R2). A put writes the blob first and then the index
// row, so a restart finds each object as the last answered request left it; a blob no index
// row names is unreachable.
const r2Dir = "r2"

// Store is the account's R2: buckets and their objects. The API (api.go) and workerd's
// r2Bucket bindings (binding.go) share it. The buckets are also kept in memory (few, read on
// every binding check); the objects are not.
type Store struct {
	dir string
	db  *storage.R2

	mu      sync.Mutex
	buckets []r2BucketRecord // sorted by name
	now     func() time.Time
}

// r2BucketRecord is one bucket as the API reports it (cloudflare-go's r2.Bucket).
type r2BucketRecord struct {
	Name         string `json:"name"`
	CreationDate string `json:"creation_date"`
	Location     string `json:"location,omitempty"`
	StorageClass string `json:"storage_class"`
	Jurisdiction string `json:"jurisdiction"`
}

// r2Object is one stored object's metadata; its bytes are in blobs/<Version>.
type r2Object struct {
	Key     string `json:"key"`
	Version string `json:"version"`
	Size    int64  `json:"size"`
	// ETag is the hex MD5 of the bytes (R2's etag for a single-part upload).
	ETag string `json:"etag"`
	// Uploaded is the upload time in Unix milliseconds.
	Uploaded     int64             `json:"uploaded"`
	HTTPMetadata r2HTTPMetadata    `json:"http_metadata"`
	Custom       map[string]string `json:"custom_metadata,omitempty"`
	StorageClass string            `json:"storage_class"`
}

// r2HTTPMetadata is the HTTP headers stored with an object (R2's httpMetadata). CacheExpiry is
// Unix milliseconds, 0 when unset.
type r2HTTPMetadata struct {
	ContentType        string `json:"contentType,omitempty"`
	ContentLanguage    string `json:"contentLanguage,omitempty"`
	ContentDisposition string `json:"contentDisposition,omitempty"`
	ContentEncoding    string `json:"contentEncoding,omitempty"`
	CacheControl       string `json:"cacheControl,omitempty"`
	CacheExpiry        int64  `json:"cacheExpiry,omitempty"`
}

// The store's refusals; the API and the backend map them to Cloudflare's codes.
var (
	errR2BucketMissing  = storage.ErrR2BucketMissing
	errR2BucketTaken    = storage.ErrR2BucketTaken
	errR2BucketNotEmpty = storage.ErrR2BucketNotEmpty
	errR2ObjectMissing  = errors.New("the specified key does not exist")
	errR2Precondition   = errors.New("at least one of the pre-conditions you specified did not hold")
	errR2TooLarge       = errors.New("your proposed upload exceeds the maximum allowed object size")
)

// validBucketName is R2's rule (docs/cloudflare-api.md, R2): 3 to 63 characters, lowercase
// letters, digits and '-', starting and ending with a letter or digit.
var validBucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

// maxR2ObjectBytes is R2's limit on one single-part upload (5 GiB less 5 MiB).
const maxR2ObjectBytes = 5<<30 - 5<<20

// maxR2KeyBytes is R2's limit on an object key.
const maxR2KeyBytes = 1024

// Open reads the R2 buckets of db; their blobs are under stateDir.
func Open(stateDir string, db *storage.DB) (*Store, error) {
	dir := filepath.Join(stateDir, r2Dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("R2 directory %s: %w", dir, err)
	}
	st := &Store{dir: dir, db: db.R2(), now: time.Now}
	if err := st.reload(); err != nil {
		return nil, err
	}
	for _, b := range st.buckets {
		storage.RemoveTemps(st.blobDir(b.Name))
	}
	return st, nil
}

// reload reads the buckets; the caller holds mu, or has the store to itself.
func (st *Store) reload() error {
	list, err := st.db.Buckets()
	if err != nil {
		return err
	}
	st.buckets = make([]r2BucketRecord, 0, len(list))
	for _, b := range list {
		var rec r2BucketRecord
		if err := json.Unmarshal(b.Doc, &rec); err != nil {
			return fmt.Errorf("R2 bucket %s is corrupt: %w", b.Name, err)
		}
		rec.Name = b.Name
		st.buckets = append(st.buckets, rec)
	}
	return nil
}

func (st *Store) bucketDir(name string) string     { return filepath.Join(st.dir, name) }
func (st *Store) blobDir(name string) string       { return filepath.Join(st.dir, name, "blobs") }
func (st *Store) blob(name, version string) string { return filepath.Join(st.blobDir(name), version) }

func (st *Store) indexOf(name string) int {
	return slices.IndexFunc(st.buckets, func(b r2BucketRecord) bool { return b.Name == name })
}

// list returns the buckets sorted by name, Cloudflare's default order.
func (st *Store) list() []r2BucketRecord {
	st.mu.Lock()
	defer st.mu.Unlock()
	return slices.Clone(st.buckets)
}

func (st *Store) Get(name string) (r2BucketRecord, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	i := st.indexOf(name)
	if i < 0 {
		return r2BucketRecord{}, errR2BucketMissing
	}
	return st.buckets[i], nil
}

func bucketRow(b r2BucketRecord) (storage.R2Bucket, error) {
	doc, err := json.Marshal(b)
	if err != nil {
		return storage.R2Bucket{}, fmt.Errorf("encoding R2 bucket %s: %w", b.Name, err)
	}
	return storage.R2Bucket{Name: b.Name, Doc: doc}, nil
}

// create adds an empty bucket. Its blob directory is emptied first: a leftover of a deleted
// bucket of the same name is never read back.
func (st *Store) create(b r2BucketRecord) (r2BucketRecord, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.indexOf(b.Name) >= 0 {
		return r2BucketRecord{}, errR2BucketTaken
	}
	if b.StorageClass == "" {
		b.StorageClass = "Standard"
	}
	if b.Jurisdiction == "" {
		b.Jurisdiction = "default"
	}
	b.CreationDate = st.now().UTC().Format(time.RFC3339Nano)
	if err := os.RemoveAll(st.bucketDir(b.Name)); err != nil {
		return r2BucketRecord{}, fmt.Errorf("clearing R2 directory of %s: %w", b.Name, err)
	}
	if err := os.MkdirAll(st.blobDir(b.Name), 0o700); err != nil {
		return r2BucketRecord{}, fmt.Errorf("R2 directory of %s: %w", b.Name, err)
	}
	row, err := bucketRow(b)
	if err != nil {
		return r2BucketRecord{}, err
	}
	if err := st.db.CreateBucket(row); err != nil {
		return r2BucketRecord{}, err
	}
	return b, st.reload()
}

// setStorageClass changes the default storage class of new objects.
func (st *Store) setStorageClass(name, class string) (r2BucketRecord, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	i := st.indexOf(name)
	if i < 0 {
		return r2BucketRecord{}, errR2BucketMissing
	}
	b := st.buckets[i]
	b.StorageClass = class
	row, err := bucketRow(b)
	if err != nil {
		return r2BucketRecord{}, err
	}
	if err := st.db.UpdateBucket(row); err != nil {
		return r2BucketRecord{}, err
	}
	st.buckets[i] = b
	return b, nil
}

// remove deletes an empty bucket; one holding objects is refused, as R2 refuses it.
func (st *Store) remove(name string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := st.db.DeleteBucket(name); err != nil {
		return err
	}
	_ = os.RemoveAll(st.bucketDir(name)) // unreachable once the row is gone; leftovers are harmless
	return st.reload()
}

// object reads key's index row; the caller holds mu.
func (st *Store) object(bucket, key string) (r2Object, bool, error) {
	doc, ok, err := st.db.Object(bucket, key)
	if err != nil || !ok {
		return r2Object{}, false, err
	}
	var o r2Object
	if err := json.Unmarshal(doc, &o); err != nil {
		return r2Object{}, false, fmt.Errorf("R2 object %q is corrupt: %w", key, err)
	}
	return o, true, nil
}

// r2Conditions are a write's or read's preconditions (R2's onlyIf); empty fields do not apply.
type r2Conditions struct {
	ETagMatches      []string // "*" matches any existing object
	ETagDoesNotMatch []string
	UploadedBefore   int64 // Unix ms, 0 = unset
	UploadedAfter    int64
}

// holds reports whether o (nil when absent) satisfies c.
func (c r2Conditions) holds(o *r2Object) bool {
	if len(c.ETagMatches) > 0 && (o == nil || !etagIn(o.ETag, c.ETagMatches)) {
		return false
	}
	if len(c.ETagDoesNotMatch) > 0 && o != nil && etagIn(o.ETag, c.ETagDoesNotMatch) {
		return false
	}
	if c.UploadedBefore != 0 && o != nil && o.Uploaded >= c.UploadedBefore {
		return false
	}
	if c.UploadedAfter != 0 && o != nil && o.Uploaded <= c.UploadedAfter {
		return false
	}
	return true
}

func etagIn(etag string, list []string) bool {
	return slices.ContainsFunc(list, func(e string) bool { return e == "*" || e == etag })
}

// r2Put is one object to store.
type r2Put struct {
	Key          string
	HTTPMetadata r2HTTPMetadata
	Custom       map[string]string
	StorageClass string
	OnlyIf       r2Conditions
	// MD5 is the checksum the writer sent, nil when none: a mismatch refuses the put.
	MD5 []byte
}

// errR2BadDigest is a put whose bytes do not match the MD5 the writer sent.
var errR2BadDigest = errors.New("the MD5 checksum you specified did not match what we received")

// put streams body into the bucket as p.Key, replacing any object of that key once the
// preconditions hold. It returns the stored object; on errR2Precondition, the existing one.
func (st *Store) put(bucket string, p r2Put, body io.Reader) (r2Object, error) {
	if _, err := st.Get(bucket); err != nil {
		return r2Object{}, err
	}
	version := newR2Version()
	tmp, err := storage.CreateBlob(st.blobDir(bucket), version)
	if err != nil {
		return r2Object{}, fmt.Errorf("storing object %q: %w", p.Key, err)
	}
	defer tmp.Abort() // a no-op once committed
	h := md5.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(body, maxR2ObjectBytes+1))
	if err != nil {
		return r2Object{}, fmt.Errorf("storing object %q: %w", p.Key, err)
	}
	if n > maxR2ObjectBytes {
		return r2Object{}, errR2TooLarge
	}
	sum := h.Sum(nil)
	if p.MD5 != nil && !slices.Equal(p.MD5, sum) {
		return r2Object{}, errR2BadDigest
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	i := st.indexOf(bucket)
	if i < 0 {
		return r2Object{}, errR2BucketMissing
	}
	prev, had, err := st.object(bucket, p.Key)
	if err != nil {
		return r2Object{}, err
	}
	var prevp *r2Object
	if had {
		prevp = &prev
	}
	if !p.OnlyIf.holds(prevp) {
		return prev, errR2Precondition
	}
	class := p.StorageClass
	if class == "" {
		class = st.buckets[i].StorageClass
	}
	o := r2Object{Key: p.Key, Version: version, Size: n, ETag: hex.EncodeToString(sum),
		Uploaded: st.now().UnixMilli(), HTTPMetadata: p.HTTPMetadata, Custom: p.Custom, StorageClass: class}
	doc, err := json.Marshal(o)
	if err != nil {
		return r2Object{}, fmt.Errorf("encoding object %q: %w", p.Key, err)
	}
	if err := tmp.Commit(st.blob(bucket, version)); err != nil {
		return r2Object{}, fmt.Errorf("storing object %q: %w", p.Key, err)
	}
	if err := st.db.PutObject(bucket, p.Key, doc); err != nil {
		os.Remove(st.blob(bucket, version))
		return r2Object{}, err
	}
	if had {
		os.Remove(st.blob(bucket, prev.Version))
	}
	return o, nil
}

// head returns an object's metadata.
func (st *Store) head(bucket, key string) (r2Object, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.indexOf(bucket) < 0 {
		return r2Object{}, errR2BucketMissing
	}
	o, ok, err := st.object(bucket, key)
	if err != nil {
		return r2Object{}, err
	}
	if !ok {
		return r2Object{}, errR2ObjectMissing
	}
	return o, nil
}

// open returns an object's metadata and its bytes, which the caller closes. A put that
// replaces the object meanwhile removes the blob's name, not the open file.
func (st *Store) open(bucket, key string) (r2Object, *os.File, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.indexOf(bucket) < 0 {
		return r2Object{}, nil, errR2BucketMissing
	}
	o, ok, err := st.object(bucket, key)
	if err != nil {
		return r2Object{}, nil, err
	}
	if !ok {
		return r2Object{}, nil, errR2ObjectMissing
	}
	f, err := os.Open(st.blob(bucket, o.Version))
	if err != nil {
		return r2Object{}, nil, fmt.Errorf("reading object %q: %w", key, err)
	}
	return o, f, nil
}

// del deletes keys (missing ones are not an error, as in R2).
func (st *Store) del(bucket string, keys ...string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.indexOf(bucket) < 0 {
		return errR2BucketMissing
	}
	removed, err := st.db.DeleteObjects(bucket, keys)
	if err != nil {
		return err
	}
	for k, doc := range removed {
		var o r2Object
		if err := json.Unmarshal(doc, &o); err != nil {
			return fmt.Errorf("R2 object %q is corrupt: %w", k, err)
		}
		os.Remove(st.blob(bucket, o.Version)) // unreachable once the row is gone
	}
	return nil
}

// r2ListOptions select a page of objects.
type r2ListOptions struct {
	Prefix, Delimiter string
	// After is the key to list after: the cursor of the previous page, or startAfter.
	After string
	Limit int
}

// r2Listing is one page: objects and, with a delimiter, the common prefixes rolled up.
type r2Listing struct {
	Objects           []r2Object
	DelimitedPrefixes []string
	Truncated         bool
	// Cursor is the last key (or rolled-up prefix's last key) of the page when truncated.
	Cursor string
}

// listObjects lists objects with o.Prefix in key order after o.After. With a delimiter, keys
// sharing the part up to the delimiter after the prefix are one entry (a delimited prefix),
// counted once towards the limit, as R2 counts them.
func (st *Store) listObjects(bucket string, o r2ListOptions) (r2Listing, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.indexOf(bucket) < 0 {
		return r2Listing{}, errR2BucketMissing
	}
	var out r2Listing
	var err error
	seen := map[string]bool{}
	entries := 0
	last := ""
	walkErr := st.db.Objects(bucket, o.Prefix, func(k string, doc []byte) bool {
		if !strings.HasPrefix(k, o.Prefix) {
			return false // past the keys with the prefix: the rest sort after them
		}
		if k <= o.After {
			return true
		}
		prefix := ""
		if o.Delimiter != "" {
			if j := strings.Index(k[len(o.Prefix):], o.Delimiter); j >= 0 {
				prefix = k[:len(o.Prefix)+j+len(o.Delimiter)]
			}
		}
		if prefix != "" && seen[prefix] {
			last = k
			return true
		}
		if entries == o.Limit {
			out.Truncated = true
			return false
		}
		entries++
		last = k
		if prefix != "" {
			seen[prefix] = true
			out.DelimitedPrefixes = append(out.DelimitedPrefixes, prefix)
			return true
		}
		var obj r2Object
		if err = json.Unmarshal(doc, &obj); err != nil {
			err = fmt.Errorf("R2 object %q is corrupt: %w", k, err)
			return false
		}
		out.Objects = append(out.Objects, obj)
		return true
	})
	if walkErr != nil {
		return r2Listing{}, walkErr
	}
	if err != nil {
		return r2Listing{}, err
	}
	if out.Truncated {
		out.Cursor = last
	}
	return out, nil
}

// newR2Version is a random object version id (32 hex digits).
func newR2Version() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("local: no randomness: %v", err)) // crypto/rand does not fail on supported systems
	}
	return hex.EncodeToString(b)
}

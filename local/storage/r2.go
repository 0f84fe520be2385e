package storage

import (
	"database/sql"
	"errors"
	"fmt"
)

// R2 keeps R2's buckets and the index of their objects: each bucket and each object is a row
// holding the caller's JSON document (settings, metadata), so a put or a delete writes one row
// whatever the size of the bucket. Object bodies are files (Blob), named by the documents.
type R2 struct {
	db *DB
}

// R2Bucket is one bucket: its name and the caller's document.
type R2Bucket struct {
	Name string
	Doc  []byte
}

// R2's refusals.
var (
	ErrR2BucketMissing  = errors.New("the specified bucket does not exist")
	ErrR2BucketTaken    = errors.New("the bucket you tried to create already exists, and you own it")
	ErrR2BucketNotEmpty = errors.New("the bucket you tried to delete is not empty")
)

// Buckets returns every bucket, sorted by name.
func (r *R2) Buckets() ([]R2Bucket, error) {
	return collect(r.db.sql, "R2 buckets", "SELECT name, doc FROM r2_buckets ORDER BY name", nil,
		func(rows *sql.Rows, b *R2Bucket) error { return rows.Scan(&b.Name, &b.Doc) })
}

// CreateBucket adds b; a name another bucket has is ErrR2BucketTaken.
func (r *R2) CreateBucket(b R2Bucket) error {
	return createBucket(r.db.sql, b)
}

func createBucket(q querier, b R2Bucket) error {
	_, err := q.ExecContext(ctx, "INSERT INTO r2_buckets (name, doc) VALUES (?, ?)", b.Name, b.Doc)
	if isUnique(err) {
		return ErrR2BucketTaken
	}
	if err != nil {
		return fmt.Errorf("creating R2 bucket %s: %w", b.Name, err)
	}
	return nil
}

// UpdateBucket replaces bucket b.Name's document.
func (r *R2) UpdateBucket(b R2Bucket) error {
	res, err := r.db.sql.ExecContext(ctx, "UPDATE r2_buckets SET doc = ? WHERE name = ?", b.Doc, b.Name)
	if err != nil {
		return fmt.Errorf("writing R2 bucket %s: %w", b.Name, err)
	}
	return mustChange(res, ErrR2BucketMissing)
}

// DeleteBucket removes an empty bucket; one holding objects is ErrR2BucketNotEmpty.
func (r *R2) DeleteBucket(name string) error {
	return r.db.update(func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM r2_objects WHERE bucket = ? LIMIT 1", name).Scan(&one)
		if err == nil {
			return ErrR2BucketNotEmpty
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("reading R2 bucket %s: %w", name, err)
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM r2_buckets WHERE name = ?", name)
		if err != nil {
			return fmt.Errorf("deleting R2 bucket %s: %w", name, err)
		}
		return mustChange(res, ErrR2BucketMissing)
	})
}

// Object returns the document of key in bucket; ok is false when there is none.
func (r *R2) Object(bucket, key string) (doc []byte, ok bool, err error) {
	err = r.db.sql.QueryRowContext(ctx, "SELECT doc FROM r2_objects WHERE bucket = ? AND key = ?", bucket, key).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading R2 object %q: %w", key, err)
	}
	return doc, true, nil
}

// PutObject stores doc as key's document in bucket, replacing any.
func (r *R2) PutObject(bucket, key string, doc []byte) error {
	return putObject(r.db.sql, bucket, key, doc)
}

func putObject(q querier, bucket, key string, doc []byte) error {
	_, err := q.ExecContext(ctx, "INSERT INTO r2_objects (bucket, key, doc) VALUES (?, ?, ?) "+
		"ON CONFLICT (bucket, key) DO UPDATE SET doc = excluded.doc", bucket, key, doc)
	if isForeignKey(err) {
		return ErrR2BucketMissing
	}
	if err != nil {
		return fmt.Errorf("writing R2 object %q: %w", key, err)
	}
	return nil
}

// DeleteObjects removes keys from bucket in one transaction and returns the documents of the
// ones that were there (missing keys are not an error, as in R2).
func (r *R2) DeleteObjects(bucket string, keys []string) (removed map[string][]byte, err error) {
	removed = map[string][]byte{}
	err = r.db.update(func(tx *sql.Tx) error {
		for _, k := range keys {
			var doc []byte
			err := tx.QueryRowContext(ctx, "DELETE FROM r2_objects WHERE bucket = ? AND key = ? RETURNING doc", bucket, k).Scan(&doc)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return fmt.Errorf("deleting R2 object %q: %w", k, err)
			}
			removed[k] = doc
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return removed, nil
}

// Objects calls fn with bucket's objects in key order from the first key at or after from,
// until fn returns false.
func (r *R2) Objects(bucket, from string, fn func(key string, doc []byte) bool) error {
	rows, err := r.db.sql.QueryContext(ctx, "SELECT key, doc FROM r2_objects WHERE bucket = ? AND key >= ? ORDER BY key", bucket, from)
	if err != nil {
		return fmt.Errorf("listing R2 bucket %s: %w", bucket, err)
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var doc []byte
		if err := rows.Scan(&key, &doc); err != nil {
			return fmt.Errorf("listing R2 bucket %s: %w", bucket, err)
		}
		if !fn(key, doc) {
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("listing R2 bucket %s: %w", bucket, err)
	}
	return nil
}

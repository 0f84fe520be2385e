package storage

import (
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// BenchmarkKV measures one KV put (of an existing key, so the namespace keeps its size) and one
// get in a namespace already holding 10, 10,000 and 100,000 keys, then prints the table of the
// three. Each put is a committed transaction, synced to disk.
func BenchmarkKV(b *testing.B) {
	sizes := []int{10, 10_000, 100_000}
	put, get := map[int]time.Duration{}, map[int]time.Duration{}
	value := []byte(`{"user":"someone","visits":12345,"theme":"dark","note":"a value of about a hundred bytes......"}`)
	for _, n := range sizes {
		db, err := Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		if err := fillKV(db, "ns", n, value); err != nil {
			b.Fatal(err)
		}
		kv := db.KV()
		b.Run(fmt.Sprintf("put/keys=%d", n), func(b *testing.B) {
			for i := range b.N {
				// A value of its own: SQLite skips writing a row that does not change.
				v := append(strconv.AppendInt(nil, int64(i), 10), value...)
				if err := kv.Put("ns", "key-"+strconv.Itoa(i*7919%n), KVEntry{Value: v}); err != nil {
					b.Fatal(err)
				}
			}
			put[n] = b.Elapsed() / time.Duration(b.N)
		})
		b.Run(fmt.Sprintf("get/keys=%d", n), func(b *testing.B) {
			now := time.Now()
			for i := range b.N {
				if _, ok, err := kv.Get("ns", "key-"+strconv.Itoa(i*7919%n), now); err != nil || !ok {
					b.Fatal(ok, err)
				}
			}
			get[n] = b.Elapsed() / time.Duration(b.N)
		})
		db.Close()
	}
	fmt.Fprintln(os.Stdout, "\n| keys in the namespace | put | get |\n|---|---|---|")
	for _, n := range sizes {
		fmt.Fprintf(os.Stdout, "| %d | %s | %s |\n", n, put[n].Round(time.Microsecond), get[n].Round(time.Microsecond))
	}
}

// fillKV creates namespace id holding n keys, key-0 to key-<n-1>, in one transaction.
func fillKV(db *DB, id string, n int, value []byte) error {
	if err := db.KV().CreateNamespace(KVNamespace{ID: id, Title: id}); err != nil {
		return err
	}
	return db.update(func(tx *sql.Tx) error {
		for i := range n {
			if _, err := tx.Exec("INSERT INTO kv_entries (namespace, key, value) VALUES (?, ?, ?)", id, "key-"+strconv.Itoa(i), value); err != nil {
				return err
			}
		}
		return nil
	})
}

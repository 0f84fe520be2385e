package storage

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/lumier-dev/lumier/internal/killtest"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(killDirEnv); dir != "" {
		err := kvWriter(dir)
		fmt.Fprintln(os.Stderr, "KV writer:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// killDirEnv makes the test binary a KV writer (TestMain runs kvWriter) instead of running tests.
const killDirEnv = "LUMIER_TEST_STORAGE_KILL_DIR"

// killNamespace is the namespace the writer fills.
const killNamespace = "0123456789abcdef0123456789abcdef"

// kvWriter is the child process of TestKVSurvivesKill: it puts keys k1, k2, ... into a KV
// namespace of the database in dir until it is killed, logging each put's start and
// acknowledgement (killtest.Events).
func kvWriter(dir string) error {
	events, err := killtest.OpenEvents(dir)
	if err != nil {
		return err
	}
	db, err := Open(dir)
	if err != nil {
		return err
	}
	if err := db.KV().CreateNamespace(KVNamespace{ID: killNamespace, Title: "kill"}); err != nil {
		return err
	}
	for n := 1; ; n++ {
		if err := events.Begin(n); err != nil {
			return err
		}
		if err := db.KV().Put(killNamespace, "k"+strconv.Itoa(n), KVEntry{Value: killValue(n)}); err != nil {
			return err
		}
		if err := events.Done(n); err != nil {
			return err
		}
	}
}

// killValue is key n's value: big enough that a put spans several pages of the WAL.
func killValue(n int) []byte {
	return append([]byte(strconv.Itoa(n)+":"), bytes.Repeat([]byte{byte(n)}, 64<<10)...)
}

package requestlog

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The log rotates at its size bound, keeping keep older files.
func TestRequestLogRotates(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, nil)
	require.NoError(t, err)
	defer l.Close()
	rec := Record{Method: "GET", Path: "/" + strings.Repeat("p", 1000), Status: 200}
	line, _ := json.Marshal(rec)
	n := 3*maxSize/(len(line)+1) + 10
	for i := 0; i < n; i++ {
		l.write(rec)
	}
	for _, name := range []string{File, File + ".1", File + ".2"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err, name)
		assert.LessOrEqual(t, fi.Size(), int64(maxSize), name)
	}
	_, err = os.Stat(filepath.Join(dir, File+".3"))
	assert.True(t, os.IsNotExist(err), "at most %d old files", keep)
}

package provider

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

// Emptying a bucket stops with an error when a delete succeeds but the object stays listed,
// instead of listing and deleting forever.
func TestEmptyR2BucketStopsWhenDeletesDoNotTake(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/objects") {
			_, _ = w.Write([]byte(`{"success":true,"errors":[],"messages":[],"result":[{"key":"stuck/key"}],` +
				`"result_info":{"cursor":"","is_truncated":false,"per_page":1000}}`))
			return
		}
		_, _ = w.Write([]byte(`{"success":true,"errors":[],"messages":[],"result":{}}`))
	}))
	defer srv.Close()
	c := cfapi.New(srv.URL, "token", "0123456789abcdef0123456789abcdef")
	err := emptyR2Bucket(context.Background(), c, "files")
	require.ErrorContains(t, err, `emptying R2 bucket "files" before deleting it (deleteData): object "stuck/key" is still listed after its delete succeeded`)
}

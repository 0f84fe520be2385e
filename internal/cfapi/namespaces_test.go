package cfapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v4/durable_objects"
	"github.com/cloudflare/cloudflare-go/v4/packages/pagination"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResultInfoLastPage(t *testing.T) {
	cases := []struct {
		name           string
		info           resultInfo
		page, n, total int
		want           bool
	}{
		{"no result_info: server does not page", resultInfo{}, 1, 5000, 5000, true},
		{"empty page", resultInfo{present: true, TotalPages: 3}, 2, 0, 1000, true},
		{"total_pages not reached", resultInfo{present: true, TotalPages: 3}, 2, 1000, 2000, false},
		{"total_pages reached", resultInfo{present: true, TotalPages: 3}, 3, 5, 2005, true},
		{"total_count not reached", resultInfo{present: true, TotalCount: 1500}, 1, 1000, 1000, false},
		{"total_count reached", resultInfo{present: true, TotalCount: 1500}, 2, 500, 1500, true},
		{"full page, no totals", resultInfo{present: true, PerPage: 20}, 1, 20, 20, false},
		{"short page, no totals", resultInfo{present: true, PerPage: 20}, 2, 3, 23, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, c.info.last(c.page, c.n, c.total), "last page")
		})
	}
}

// TestNamespacePageKeepsResultInfo pins what Namespaces' paging relies on: cloudflare-go's single
// page type keeps result_info among its extra fields and decodes use_sqlite.
func TestNamespacePageKeepsResultInfo(t *testing.T) {
	var page pagination.SinglePage[durable_objects.Namespace]
	require.NoError(t, json.Unmarshal([]byte(`{"success":true,"errors":[],"messages":[],
		"result":[{"id":"ns1","name":"api_Counter","script":"api","class":"Counter","use_sqlite":true}],
		"result_info":{"page":1,"per_page":1000,"count":1,"total_count":1}}`), &page))
	assert.Equal(t, 1, len(page.Result), "items")
	n := page.Result[0]
	assert.Equal(t, []any{"ns1", "api_Counter", "api", "Counter", true}, []any{n.ID, n.Name, n.Script, n.Class, n.UseSqlite}, "namespace")

	f, ok := page.JSON.ExtraFields["result_info"]
	if !ok {
		t.Fatal("result_info not kept")
	}
	var info resultInfo
	require.NoError(t, json.Unmarshal([]byte(f.Raw()), &info))
	assert.Equal(t, 1, info.TotalCount, "total_count")
	assert.Equal(t, 1000, info.PerPage, "per_page")
}

// TestNamespacesShareAReadStartedAfterThem: calls made while a read of the namespace list is in
// progress do not take that read's answer (it began before them: a Worker uploaded meanwhile
// would be missing) but share the next one, one request for all of them.
func TestNamespacesShareAReadStartedAfterThem(t *testing.T) {
	var requests atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(requests.Add(1))
		if n == 1 {
			<-release
		}
		// The n-th request answers n namespaces: a caller can tell which read answered it.
		items := make([]string, n)
		for i := range items {
			items[i] = fmt.Sprintf(`{"id":"ns%d","name":"s_C%d","script":"s","class":"C%d","use_sqlite":true}`, i+1, i+1, i+1)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"success":true,"errors":[],"messages":[],"result":[%s],"result_info":{"page":1,"per_page":1000,"count":%d,"total_count":%d,"total_pages":1}}`,
			strings.Join(items, ","), n, n)
	}))
	defer srv.Close()
	c := New(srv.URL, "token", fixtureAccount)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	first := make(chan []Namespace, 1)
	go func() {
		nss, err := c.DurableObjects.Namespaces(ctx)
		assert.NoError(t, err)
		first <- nss
	}()
	for requests.Load() == 0 { // the first read is at the server
		time.Sleep(time.Millisecond)
	}

	const later = 5
	var wg sync.WaitGroup
	got := make([][]Namespace, later)
	for i := range later {
		wg.Go(func() {
			nss, err := c.DurableObjects.Namespaces(ctx)
			assert.NoError(t, err)
			got[i] = nss
		})
	}
	reads := &c.DurableObjects.namespaces
	for { // every later call has joined the read that has not started
		reads.mu.Lock()
		joined := reads.next != nil && reads.next.calls == later
		reads.mu.Unlock()
		if joined {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the %d later calls never all waited for one read", later)
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()

	require.Len(t, <-first, 1, "the first call: the first read")
	for i, nss := range got {
		assert.Len(t, nss, 2, "later call %d: answered by the read that started after it", i)
	}
	assert.Equal(t, int32(2), requests.Load(), "requests: the first read, then one for the %d later calls", later)
}

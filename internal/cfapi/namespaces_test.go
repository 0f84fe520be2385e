package cfapi

import (
	"encoding/json"
	"testing"

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

package local

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/durable_objects"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/lumier-dev/lumier/internal/shapetest"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/scripts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Namespaces are listed like Cloudflare lists them: "<script>_<class>", the storage kind, and a
// result_info block.
func TestNamespacesList(t *testing.T) {
	s := sharedServer(t)
	mustUpload(t, s, "ns-list", meta(map[string]any{"migrations": migrations("", "v1",
		step("new_classes", []string{"Kv"}), step("new_sqlite_classes", []string{"Sql"}))}), doSrc("Kv", "Sql"))

	var page struct {
		Result     []scripts.NamespaceJSON `json:"result"`
		ResultInfo envelope.ResultInfo     `json:"result_info"`
	}
	err := newClient(s).Get(ctxT(t), "accounts/"+s.AccountID()+"/workers/durable_objects/namespaces", nil, &page)
	require.NoError(t, err)
	assert.Equal(t, len(page.Result), page.ResultInfo.Count)
	mine := map[string]durable_objects.Namespace{}
	for _, n := range allNamespaces(t, s) {
		if n.Script == "ns-list" {
			mine[n.Class] = n
		}
	}
	require.Len(t, mine, 2)
	assert.Equal(t, "ns-list_Kv", mine["Kv"].Name)
	assert.False(t, mine["Kv"].UseSqlite)
	assert.True(t, mine["Sql"].UseSqlite)
	assert.NotEqual(t, mine["Kv"].ID, mine["Sql"].ID)
	assert.JSONEq(t, `{"id":"`+mine["Sql"].ID+`","name":"ns-list_Sql","script":"ns-list","class":"Sql","use_sqlite":true}`,
		mine["Sql"].JSON.RawJSON())
}

// A script's settings show each of its Durable Object bindings with the id of the namespace it
// reaches (workers/script-settings-durable-object), the id the namespace list gives that class.
func TestSettingsCarryNamespaceIDs(t *testing.T) {
	s := sharedServer(t)
	mustUpload(t, s, "ns-settings", withBindings(meta(map[string]any{"migrations": migrations("", "v1",
		step("new_sqlite_classes", []string{"Counter"}))}),
		map[string]any{"type": "durable_object_namespace", "name": "COUNTER", "class_name": "Counter"}), doSrc("Counter"))

	r := raw(t, s, "GET", "/accounts/"+s.AccountID()+"/workers/scripts/ns-settings/settings", s.Token(), "", nil)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	shapetest.Check(t, "workers", "script-settings-durable-object", r.Body)
	var read struct {
		Bindings []struct {
			ClassName   string `json:"class_name"`
			NamespaceID string `json:"namespace_id"`
		} `json:"bindings"`
	}
	require.NoError(t, json.Unmarshal(r.Result, &read))
	require.Len(t, read.Bindings, 1)

	listed := ""
	for _, n := range allNamespaces(t, s) {
		if n.Script == "ns-settings" && n.Class == "Counter" {
			listed = n.ID
		}
	}
	require.NotEmpty(t, listed)
	assert.Equal(t, listed, read.Bindings[0].NamespaceID)
}

// allNamespaces reads every page of the account's Durable Object namespaces through
// cloudflare-go, which types this list as a single page: a shared server holds every test's,
// more than a page.
func allNamespaces(t *testing.T, s *Server) []durable_objects.Namespace {
	t.Helper()
	var all []durable_objects.Namespace
	for page := 1; ; page++ {
		got, err := newClient(s).DurableObjects.Namespaces.List(ctxT(t),
			durable_objects.NamespaceListParams{AccountID: cloudflare.F(s.AccountID())}, option.WithQuery("page", fmt.Sprint(page)))
		require.NoError(t, err)
		if len(got.Result) == 0 {
			return all
		}
		all = append(all, got.Result...)
	}
}

package cfapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/shapetest"
)

// The client decodes Cloudflare's answers as Cloudflare's sources give them
// (testdata/cloudflare), not only as the local Cloudflare sends them.

const fixtureAccount = "0123456789abcdef0123456789abcdef"

// fixtureClient is a client of a server answering each "METHOD path" with the fixture
// "family/endpoint"; any other request fails the test.
func fixtureClient(t *testing.T, routes map[string]string) *Client {
	t.Helper()
	bodies := map[string][]byte{}
	for route, fixture := range routes {
		family, endpoint, _ := strings.Cut(fixture, "/")
		bodies[route], _ = shapetest.Fixture(t, family, endpoint)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := bodies[r.Method+" "+r.URL.Path]
		if !ok {
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
			http.Error(w, "unexpected", http.StatusTeapot)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return New(srv.URL, "token", fixtureAccount)
}

func TestFixtureReferences(t *testing.T) {
	c := fixtureClient(t, map[string]string{
		"GET /accounts/" + fixtureAccount + "/workers/scripts/counter-host/references": "workers/script-references",
	})
	refs, err := c.DurableObjects.References(context.Background(), "counter-host")
	require.NoError(t, err)
	assert.Equal(t, []Reference{{
		Script: "counter-client", Binding: "COUNTER", Environment: "production",
		NamespaceID: "5fd1cafff895419c8bcc647fc64ab8f0", NamespaceName: "counter-host_Counter",
	}}, refs)
}

// An object key's "/" stay path separators and every segment is escaped, so keys with slashes
// and special characters reach the object they name.
func TestR2ObjectKeyPath(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.EscapedPath())
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"success":true,"errors":[],"messages":[],"result":{}}`))
	}))
	defer srv.Close()
	c := New(srv.URL, "token", fixtureAccount)
	require.NoError(t, c.R2.DeleteObject(context.Background(), "files", "dir/sub/a b?#%.txt"))
	require.NoError(t, c.R2.PutObject(context.Background(), "files", "dir/é+1", "text/plain", []byte("x")))
	base := "/accounts/" + fixtureAccount + "/r2/buckets/files/objects/"
	assert.Equal(t, []string{
		"DELETE " + base + "dir/sub/a%20b%3F%23%25.txt",
		"PUT " + base + "dir/%C3%A9+1",
	}, got)
}

func TestFixtureQueueList(t *testing.T) {
	c := fixtureClient(t, map[string]string{"GET /accounts/" + fixtureAccount + "/queues": "queues/queue-list"})
	qs, err := c.Queues.List(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []Queue{{ID: "9f1c3a8b2d4e4f6a8b0c1d2e3f4a5b6c", Name: "jobs"}}, qs)
}

func TestFixtureNamespaceList(t *testing.T) {
	c := fixtureClient(t, map[string]string{
		"GET /accounts/" + fixtureAccount + "/workers/durable_objects/namespaces": "durable-objects/namespace-list",
	})
	nss, err := c.DurableObjects.Namespaces(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []Namespace{{ID: "5fd1cafff895419c8bcc647fc64ab8f0", Name: "counter-host_Counter", Script: "counter-host",
		Class: "Counter", SQLite: true}}, nss)
}

// The client reads every page of a paged list, whatever page size the server chose: the item
// sought is on the last page.
func TestListsReadEveryPage(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		list        string
		first, last string // one item of page 1 and of page 2, with ids "a" and "b"
		read        func(c *Client) (any, error)
		want        any
	}{{
		list: "queues", first: `{"queue_id":"a","queue_name":"first"}`, last: `{"queue_id":"b","queue_name":"last"}`,
		read: func(c *Client) (any, error) { return c.Queues.List(ctx) },
		want: []Queue{{ID: "a", Name: "first"}, {ID: "b", Name: "last"}},
	}, {
		list: "KV namespaces", first: `{"id":"a","title":"first"}`, last: `{"id":"b","title":"last"}`,
		read: func(c *Client) (any, error) { return c.KV.NamespaceByTitle(ctx, "last") },
		want: KVNamespace{ID: "b", Title: "last"},
	}, {
		list: "D1 databases", first: `{"uuid":"a","name":"first"}`, last: `{"uuid":"b","name":"last"}`,
		read: func(c *Client) (any, error) { return c.D1.DatabaseByName(ctx, "last") },
		want: D1Database{ID: "b", Name: "last"},
	}, {
		list: "Durable Object namespaces", first: `{"id":"a","name":"first"}`, last: `{"id":"b","name":"last"}`,
		read: func(c *Client) (any, error) { return c.DurableObjects.Namespaces(ctx) },
		want: []Namespace{{ID: "a", Name: "first"}, {ID: "b", Name: "last"}},
	}} {
		t.Run(tc.list, func(t *testing.T) {
			var pages []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				page := r.URL.Query().Get("page")
				pages = append(pages, page)
				item := tc.last
				if page == "1" {
					item = tc.first
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"success":true,"errors":[],"messages":[],"result":[` + item + `],` +
					`"result_info":{"page":` + page + `,"per_page":1,"count":1,"total_count":2,"total_pages":2}}`))
			}))
			defer srv.Close()
			got, err := tc.read(New(srv.URL, "token", fixtureAccount))
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, []string{"1", "2"}, pages)
		})
	}
}

// A list that changes while its pages are read is read again: here "a" is deleted after page 1
// was read, "c" moves to page 1, and page 2 would have shown nothing of it.
func TestListChangedBetweenPagesIsReadAgain(t *testing.T) {
	items := []string{"a", "b", "c"}
	var pages []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page := r.URL.Query().Get("page")
		pages = append(pages, page)
		from := 0
		if page == "2" {
			from = 2
		}
		var result []string
		for _, id := range items[min(from, len(items)):min(from+2, len(items))] {
			result = append(result, `{"id":"`+id+`","name":"`+id+`"}`)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"success":true,"errors":[],"messages":[],"result":[` + strings.Join(result, ",") + `],` +
			`"result_info":{"page":` + page + `,"per_page":2,"count":` + strconv.Itoa(len(result)) +
			`,"total_count":` + strconv.Itoa(len(items)) + `,"total_pages":` + strconv.Itoa((len(items)+1)/2) + `}}`))
		if len(pages) == 1 {
			items = items[1:] // deleted once page 1 was read
		}
	}))
	defer srv.Close()
	got, err := New(srv.URL, "token", fixtureAccount).DurableObjects.Namespaces(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []Namespace{{ID: "b", Name: "b"}, {ID: "c", Name: "c"}}, got)
	assert.Equal(t, []string{"1", "2", "1"}, pages)
}

// An account's workers.dev subdomain reads as Cloudflare sends it; an account without one
// answers 10007 (workers/subdomain-none), which the client reports as ErrNoSubdomain.
func TestFixtureSubdomain(t *testing.T) {
	c := fixtureClient(t, map[string]string{
		"GET /accounts/" + fixtureAccount + "/workers/subdomain": "workers/subdomain-get",
	})
	sub, err := c.Scripts.Subdomain(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "example-team", sub)

	none, _ := shapetest.Fixture(t, "workers", "subdomain-none")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write(none)
	}))
	t.Cleanup(srv.Close)
	_, err = New(srv.URL, "token", fixtureAccount).Scripts.Subdomain(context.Background())
	require.ErrorIs(t, err, ErrNoSubdomain)
	assert.EqualError(t, err, "reading workers.dev subdomain: the account has no workers.dev subdomain registered")
}

// The deployment serving is read from Cloudflare's answer, annotations and source included
// (workers/deployment-list).
func TestFixtureDeployment(t *testing.T) {
	c := fixtureClient(t, map[string]string{
		"GET /accounts/" + fixtureAccount + "/workers/scripts/counter/deployments": "workers/deployment-list",
	})
	got, err := c.Scripts.Deployment(context.Background(), "counter")
	require.NoError(t, err)
	assert.Equal(t, []VersionShare{{VersionID: "10000000-0000-0000-0000-000000000000", Percentage: 100}}, got)
}

// A D1 query's rows read as Cloudflare sends them, date text included (d1/database-query).
func TestFixtureD1Query(t *testing.T) {
	const db = "6b4ee4a4-5d4b-4a7c-9f1e-2b3c4d5e6f70"
	c := fixtureClient(t, map[string]string{"POST /accounts/" + fixtureAccount + "/d1/database/" + db + "/query": "d1/database-query"})
	rows, err := c.D1.Query(context.Background(), db, "SELECT id, at FROM events")
	require.NoError(t, err)
	assert.Equal(t, []D1Rows{{{"id": float64(1), "at": "2020-01-01 10:00:00"}}}, rows)
}

// A script's settings read as Cloudflare sends them: a secret is its name and type, no text
// (workers/script-settings).
func TestFixtureSettings(t *testing.T) {
	c := fixtureClient(t, map[string]string{
		"GET /accounts/" + fixtureAccount + "/workers/scripts/counter/settings": "workers/script-settings",
	})
	got, err := c.Scripts.Settings(context.Background(), "counter")
	require.NoError(t, err)
	assert.Equal(t, []Binding{{Type: BindingSecretText, Name: "API_KEY"}}, got.Bindings)
	assert.Equal(t, "2025-01-01", got.CompatibilityDate)
	assert.Equal(t, []string{"nodejs_compat"}, got.CompatibilityFlags)
}

// A Durable Object binding in a script's settings carries its namespace's id
// (workers/script-settings-durable-object): what a new Worker reads its classes' ids from.
func TestFixtureSettingsDurableObject(t *testing.T) {
	c := fixtureClient(t, map[string]string{
		"GET /accounts/" + fixtureAccount + "/workers/scripts/counter/settings": "workers/script-settings-durable-object",
	})
	got, err := c.Scripts.Settings(context.Background(), "counter")
	require.NoError(t, err)
	assert.Equal(t, []Binding{{Type: BindingDurableObject, Name: "COUNTER", ClassName: "Counter",
		NamespaceID: "0f2ac74b498b48028cb68387c421e279"}}, got.Bindings)
}

func TestFixtureWorkflow(t *testing.T) {
	path := "/accounts/" + fixtureAccount + "/workflows/orders-dev-order"
	c := fixtureClient(t, map[string]string{"GET " + path: "workflows/workflow-get", "PUT " + path: "workflows/workflow-put"})
	w, err := c.Workflows.Get(context.Background(), "orders-dev-order")
	require.NoError(t, err)
	assert.Equal(t, "orders-dev-api", w.ScriptName)
	assert.Equal(t, "OrderWorkflow", w.ClassName)
	assert.Equal(t, 2, w.Unfinished(), "one running, one waiting")
	assert.Equal(t, 2, w.Instances["complete"])
	require.NoError(t, c.Workflows.Put(context.Background(), "orders-dev-order", "orders-dev-api", "OrderWorkflow"))
}

func TestFixtureWorkflowNotFound(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := shapetest.Fixture(t, "workflows", "workflow-not-found")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	c := New(srv.URL, "token", fixtureAccount)
	_, err := c.Workflows.Get(context.Background(), "gone")
	assert.True(t, IsNotFound(err), "10200 reads as not found: %v", err)
	assert.NoError(t, c.Workflows.Delete(context.Background(), "gone"), "deleting a workflow already gone is done")
}

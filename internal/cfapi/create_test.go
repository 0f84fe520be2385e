package cfapi_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/local"
	"github.com/lumier-dev/lumier/local/fault"
)

// faultyCloud is a local Cloudflare with fault rules, and a client of it whose notices are kept.
type faultyCloud struct {
	srv     *local.Server
	faults  *fault.Set
	c       *cfapi.Client
	mu      sync.Mutex
	notices []string
}

func startFaultyCloud(t *testing.T) *faultyCloud {
	t.Helper()
	faults, err := fault.NewSet()
	require.NoError(t, err)
	srv, err := local.New(local.Options{Addr: "127.0.0.1:0", StateDir: t.TempDir(), Faults: faults})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, srv.Start(ctx))
	t.Cleanup(func() { _ = srv.Close() })
	f := &faultyCloud{srv: srv, faults: faults, c: cfapi.NewWithTimeout(srv.URL(), srv.Token(), srv.AccountID(), 30*time.Second)}
	f.c.SetNotice(func(_ context.Context, msg string) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.notices = append(f.notices, msg)
	})
	return f
}

// drop makes the next request of method on path act and then lose its answer.
func (f *faultyCloud) drop(t *testing.T, method, path string) {
	t.Helper()
	require.NoError(t, f.faults.Add(fault.Rule{Method: method, Path: path, Drop: true, Times: 1}))
}

func (f *faultyCloud) said() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.notices...)
}

// TestCreateByNameSurvivesALostAnswer: each create by name whose connection drops after the
// create landed is sent again; the second request is refused as a duplicate, and the client
// returns the object the first one created (one object, the same id a read gives), saying so.
// An object that existed before the create is never taken: without a lost attempt, the duplicate
// is the error it always was.
func TestCreateByNameSurvivesALostAnswer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var queueID string // the queue a consumer is created on (its setup makes it)
	for _, tc := range []struct {
		kind, path, name string
		setup            func(t *testing.T, c *cfapi.Client)
		create           func(c *cfapi.Client, name string) (id string, err error)
		count            func(t *testing.T, c *cfapi.Client, name string) int
		takenCode        int
	}{{
		kind: "KV namespace", path: "/accounts/*/storage/kv/namespaces", name: "app-dev-cache", takenCode: 10014,
		create: func(c *cfapi.Client, name string) (string, error) {
			ns, err := c.KV.CreateNamespace(ctx, name)
			return ns.ID, err
		},
		count: func(t *testing.T, c *cfapi.Client, name string) int {
			ns, err := c.KV.NamespaceByTitle(ctx, name)
			require.NoError(t, err)
			got, err := c.KV.NamespaceByID(ctx, ns.ID)
			require.NoError(t, err)
			assert.Equal(t, ns, got)
			return 1
		},
	}, {
		kind: "D1 database", path: "/accounts/*/d1/database", name: "app-dev-db", takenCode: 7502,
		create: func(c *cfapi.Client, name string) (string, error) {
			db, err := c.D1.CreateDatabase(ctx, name)
			return db.ID, err
		},
		count: func(t *testing.T, c *cfapi.Client, name string) int {
			db, err := c.D1.DatabaseByName(ctx, name)
			require.NoError(t, err)
			assert.Equal(t, name, db.Name)
			return 1
		},
	}, {
		kind: "R2 bucket", path: "/accounts/*/r2/buckets", name: "app-dev-files", takenCode: 10004,
		create: func(c *cfapi.Client, name string) (string, error) {
			b, err := c.R2.CreateBucket(ctx, name, "", "")
			return b.Name, err
		},
		count: func(t *testing.T, c *cfapi.Client, name string) int {
			_, err := c.R2.BucketByName(ctx, name)
			require.NoError(t, err)
			return 1
		},
	}, {
		kind: "queue", path: "/accounts/*/queues", name: "app-dev-jobs", takenCode: 11009,
		create: func(c *cfapi.Client, name string) (string, error) {
			q, err := c.Queues.Create(ctx, name)
			return q.ID, err
		},
		count: func(t *testing.T, c *cfapi.Client, name string) int {
			qs, err := c.Queues.List(ctx, name)
			require.NoError(t, err)
			return len(qs)
		},
	}, {
		// A queue has one Worker consumer: the script's consumer is found among the queue's.
		kind: "queue consumer", path: "/accounts/*/queues/*/consumers", name: "app-dev-worker", takenCode: 11004,
		setup: func(t *testing.T, c *cfapi.Client) {
			q, err := c.Queues.Create(ctx, "app-dev-jobs")
			require.NoError(t, err)
			queueID = q.ID
			require.NoError(t, c.Scripts.Upload(ctx, "app-dev-worker", cfapi.Metadata{MainModule: "index.js", CompatibilityDate: "2025-11-17"},
				[]cfapi.Module{{Name: "index.js", Content: []byte(`export default { async queue() {} };`)}}))
		},
		create: func(c *cfapi.Client, name string) (string, error) {
			con, err := c.Queues.CreateConsumer(ctx, queueID, cfapi.Consumer{Script: name, BatchSize: 10, MaxRetries: 3, MaxWaitTimeMs: 5000})
			return con.ID, err
		},
		count: func(t *testing.T, c *cfapi.Client, name string) int {
			cons, err := c.Queues.Consumers(ctx, queueID)
			require.NoError(t, err)
			for _, con := range cons {
				assert.Equal(t, name, con.Script)
				assert.Equal(t, 10, con.BatchSize, "the consumer the lost create made, with its settings")
			}
			return len(cons)
		},
	}} {
		t.Run(tc.kind, func(t *testing.T) {
			f := startFaultyCloud(t)
			if tc.setup != nil {
				tc.setup(t, f.c)
			}
			f.drop(t, "POST", tc.path)
			id, err := tc.create(f.c, tc.name)
			require.NoError(t, err, "a create whose answer was lost is sent again and finds its object")
			require.NotEmpty(t, id)
			calls := f.srv.Calls()
			assert.Equal(t, 1, calls[local.CallDropped], "the first create landed and lost its answer: %v", calls)
			assert.Equal(t, 1, tc.count(t, f.c, tc.name), "one %s, no duplicate", tc.kind)
			require.Len(t, f.said(), 1)
			assert.Equal(t, tc.kind+` "`+tc.name+`": the connection dropped after the create request went out, and `+
				`sending it again found the `+tc.kind+` created by that request: lumier uses it`, f.said()[0])

			// The object exists now: a create with no lost attempt must not take it.
			_, err = tc.create(f.c, tc.name)
			apiErr, ok := cfapi.AsAPIError(err)
			require.True(t, ok, "an existing %s is refused, not adopted: %v", tc.kind, err)
			assert.Equal(t, tc.takenCode, apiErr.Code)
			assert.Len(t, f.said(), 1, "nothing adopted")
		})
	}
}

// TestUploadWithMigrationSurvivesALostAnswer: an upload carrying a Durable Object migration that
// landed but lost its answer is sent again; that second attempt's old_tag no longer matches
// (10079), since the first moved the tag. The script is at the migration's new tag, so the client
// sends the upload once more without the migration: the upload succeeds, the migration ran once.
// A 10079 with no lost attempt is returned as it came.
func TestUploadWithMigrationSurvivesALostAnswer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f := startFaultyCloud(t)
	md := cfapi.Metadata{MainModule: "index.js", CompatibilityDate: "2025-11-17",
		Migrations: &cfapi.Migration{NewTag: "v1", Steps: []cfapi.MigrationStep{{NewSqliteClasses: []string{"Counter"}}}}}
	code := []cfapi.Module{{Name: "index.js", Content: []byte(`import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {}
export default { async fetch() { return new Response("ok"); } };`)}}

	f.drop(t, "PUT", "/accounts/*/workers/scripts/api")
	require.NoError(t, f.c.Scripts.Upload(ctx, "api", md, code))
	s, err := f.c.Scripts.Get(ctx, "api")
	require.NoError(t, err)
	assert.Equal(t, "v1", s.MigrationTag)
	assert.Equal(t, 3, f.srv.Calls()[local.CallUpload], "the lost upload, its repeat refused with 10079, and the upload without the migration")
	require.Len(t, f.said(), 1)
	assert.Equal(t, `script "api": the connection dropped after the upload went out, and the script is at its new `+
		`migration tag "v1", so that upload applied the Durable Object migration: lumier sent the upload again without it`,
		f.said()[0])

	err = f.c.Scripts.Upload(ctx, "api", md, code)
	apiErr, ok := cfapi.AsAPIError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, 10079, apiErr.Code, "a stale old_tag with no lost attempt is the user's to see")
	assert.Len(t, f.said(), 1)
}

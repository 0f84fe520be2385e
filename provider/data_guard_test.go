package provider

import (
	"context"
	"strings"
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/local"
)

var guardURN = presource.NewURN("dev", "shop", "lumier:index:App", "lumier:index:DataGuard", "shop")

// guardData is one guarded entry as a property value.
func guardData(kind, name, title, id string) property.Value {
	return obj("kind", kind, "name", name, "title", title, "id", id)
}

// guardInputs is a DataGuard's inputs for app "shop".
func guardInputs(removal string, entries ...property.Value) property.Map {
	resources := map[string]property.Value{}
	for _, e := range entries {
		m := e.AsMap()
		resources[guardKey(m.Get("kind").AsString(), m.Get("name").AsString())] = e
	}
	return property.NewMap(map[string]property.Value{
		"app": property.New("shop"), "removal": property.New(removal), "resources": property.New(resources),
	})
}

// seededData creates, on srv, a KV namespace holding keys, an empty R2 bucket, a D1 database
// whose table holds rows and a queue holding one message, and returns their guard entries.
func seededData(t *testing.T, srv *local.Server) (kv, r2, d1, queue property.Value) {
	t.Helper()
	ctx := context.Background()
	api := cfapi.New(srv.URL(), testToken, testAccount)
	ns, err := api.KV.CreateNamespace(ctx, "shop-dev-cache")
	require.NoError(t, err)
	for _, k := range []string{"a", "b", "c", "d"} {
		require.NoError(t, api.KV.PutValue(ctx, ns.ID, k, "v"))
	}
	_, err = api.R2.CreateBucket(ctx, "shop-dev-files", "", "")
	require.NoError(t, err)
	db, err := api.D1.CreateDatabase(ctx, "shop-dev-db")
	require.NoError(t, err)
	_, err = api.D1.Query(ctx, db.ID, "CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ada')")
	require.NoError(t, err)
	q, err := api.Queues.Create(ctx, "shop-dev-jobs")
	require.NoError(t, err)
	require.NoError(t, api.Queues.SendMessage(ctx, q.ID, "job"))
	return guardData(kvKindType, "cache", "shop-dev-cache", testAccount+"/"+ns.ID),
		guardData(r2KindType, "files", "shop-dev-files", testAccount+"/shop-dev-files"),
		guardData(d1KindType, "db", "shop-dev-db", testAccount+"/"+db.ID),
		guardData(queueKindType, "jobs", "shop-dev-jobs", testAccount+"/"+q.ID)
}

// TestDataGuardRefusesRemovingDataUnderRetain: under removal "retain", a preview that drops the
// KV namespace, D1 database and queue that hold data fails naming each, what it holds and how to
// go on; the empty R2 bucket passes without a word in the error.
func TestDataGuardRefusesRemovingDataUnderRetain(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	kv, r2, d1, queue := seededData(t, srv)

	_, err := s.Diff(p.DiffRequest{ID: "guard", Urn: guardURN,
		State: guardInputs(RemovalRetain, kv, r2, d1, queue), Inputs: guardInputs(RemovalRetain)})
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, `app "shop": KV namespace "cache" ("shop-dev-cache" on Cloudflare) is no longer declared, `+
		`and it holds keys "a", "b", "c" and more`)
	assert.Contains(t, msg, `app "shop": D1 database "db" ("shop-dev-db" on Cloudflare) is no longer declared, and it `+
		`holds rows in tables "users"`)
	assert.Contains(t, msg, `app "shop": queue "jobs" ("shop-dev-jobs" on Cloudflare) is no longer declared, and it `+
		`holds 1 undelivered message(s)`)
	assert.NotContains(t, msg, `R2 bucket "files"`, "an empty bucket leaves without a fuss")
	assert.Contains(t, msg, "retainOnDelete, so Pulumi would not delete them", "says what Pulumi would do")
	assert.Equal(t, 1, strings.Count(msg, "retainOnDelete, so Pulumi"), "explained once for all")
	assert.Contains(t, msg, "To keep one, declare it again", "says how to keep it")
	assert.Contains(t, msg, `deploy removal "remove" while it is still declared`, "says how to delete it")
	assert.Contains(t, msg, "pulumi state delete '"+string(guardURN)+"'", "says how to let it go")
}

// TestDataGuardAllowsRemovalUnderRemove: with removal "remove" in the last deploy and this one,
// dropping data resources passes the preview (the resources' Delete, with deleteData, deletes).
func TestDataGuardAllowsRemovalUnderRemove(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	kv, r2, d1, queue := seededData(t, srv)
	resp, err := s.Diff(p.DiffRequest{ID: "guard", Urn: guardURN,
		State: guardInputs(RemovalRemove, kv, r2, d1, queue), Inputs: guardInputs(RemovalRemove, r2)})
	require.NoError(t, err)
	assert.True(t, resp.HasChanges)
	assert.Equal(t, p.Update, resp.DetailedDiff["resources"].Kind)
}

// TestDataGuardUnchangedListMakesNoAPICall: a guard whose list is unchanged reports no change and
// asks Cloudflare nothing, so a no-op `up` stays free of API calls; an added entry whose id is
// not known yet (at preview) is a change, still without a call.
func TestDataGuardUnchangedListMakesNoAPICall(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	kv, r2, _, _ := seededData(t, srv)
	srv.ResetCalls()
	resp, err := s.Diff(p.DiffRequest{ID: "guard", Urn: guardURN,
		State: guardInputs(RemovalRetain, kv, r2), Inputs: guardInputs(RemovalRetain, kv, r2)})
	require.NoError(t, err)
	assert.False(t, resp.HasChanges)
	unknown := obj("kind", d1KindType, "name", "db", "title", "shop-dev-db").AsMap().
		Set("id", property.New(property.Computed))
	resp, err = s.Diff(p.DiffRequest{ID: "guard", Urn: guardURN,
		State: guardInputs(RemovalRetain, kv, r2), Inputs: guardInputs(RemovalRetain, kv, r2, property.New(unknown))})
	require.NoError(t, err)
	assert.True(t, resp.HasChanges)
	total := 0
	for _, n := range srv.Calls() {
		total += n
	}
	assert.Zero(t, total, "calls: %v", srv.Calls())
}

// TestJudgeRemoved: what the preview says for each combination of the last deploy's removal and
// this one's, for data, no data, and a resource already gone.
func TestJudgeRemoved(t *testing.T) {
	srv := startLocal(t)
	kv, r2, d1, _ := seededData(t, srv)
	c := cfapi.New(srv.URL(), testToken, testAccount)
	entry := func(v property.Value) GuardedData {
		m := v.AsMap()
		return GuardedData{Kind: m.Get("kind").AsString(), Name: m.Get("name").AsString(),
			Title: m.Get("title").AsString(), ID: m.Get("id").AsString()}
	}
	all := map[string]GuardedData{}
	for _, d := range []GuardedData{entry(kv), entry(r2), entry(d1),
		{Kind: kvKindType, Name: "gone", Title: "shop-dev-gone", ID: testAccount + "/0123456789abcdef0123456789abcdef"}} {
		all[guardKey(d.Kind, d.Name)] = d
	}
	judge := func(oldRemoval, newRemoval string) guardVerdict {
		t.Helper()
		old := DataGuardArgs{App: "shop", Removal: oldRemoval, Resources: all}
		news := DataGuardArgs{App: "shop", Removal: newRemoval}
		v, err := judgeRemoved(context.Background(), c, old, news, removedData(old, news))
		require.NoError(t, err)
		return v
	}
	refusal := func(v guardVerdict, oldRemoval, newRemoval string) string {
		t.Helper()
		err := v.refusal(DataGuardArgs{App: "shop", Removal: oldRemoval}, DataGuardArgs{App: "shop", Removal: newRemoval}, "")
		require.Error(t, err)
		return err.Error()
	}

	v := judge(RemovalRemove, RemovalRemove)
	assert.Empty(t, v.retained)
	assert.Empty(t, v.deleted)
	assert.NoError(t, v.refusal(DataGuardArgs{Removal: RemovalRemove}, DataGuardArgs{Removal: RemovalRemove}, ""))
	require.Len(t, v.warnings, 2)
	assert.Equal(t, `app "shop": KV namespace "cache" ("shop-dev-cache" on Cloudflare) is no longer declared and `+
		`removal is "remove": this deploy DELETES it and all it holds: keys "a", "b", "c" and more`, v.warnings[1],
		"in key order: d1/db before kv_namespace/cache")
	assert.Contains(t, v.warnings[0], `D1 database "db"`)
	assert.Contains(t, v.notes, `app "shop": R2 bucket "files" ("shop-dev-files" on Cloudflare) is no longer `+
		`declared and holds nothing: this deploy deletes it`)
	assert.Contains(t, v.notes, `app "shop": KV namespace "gone" ("shop-dev-gone" on Cloudflare) is no longer `+
		`declared and is already gone from Cloudflare`)

	v = judge(RemovalRemove, RemovalRetain)
	require.Len(t, v.deleted, 2, "the last deploy's options would delete the data though the app now retains")
	assert.Empty(t, v.retained)
	assert.Contains(t, refusal(v, RemovalRemove, RemovalRetain),
		`this deploy would DELETE them with their data although the app now says removal "retain"`)

	v = judge(RemovalRetain, RemovalRemove)
	require.Len(t, v.retained, 2)
	assert.Equal(t, `app "shop": KV namespace "cache" ("shop-dev-cache" on Cloudflare) is no longer declared, and it `+
		`holds keys "a", "b", "c" and more.`, v.retained[1])
	assert.Contains(t, refusal(v, RemovalRetain, RemovalRemove), `Setting removal "remove" in this same deploy does not reach them`)
	assert.Contains(t, v.notes, `app "shop": R2 bucket "files" ("shop-dev-files" on Cloudflare) is no longer `+
		`declared and holds nothing: under removal "retain" it leaves the stack and stays on Cloudflare, empty`)

	v = judge(RemovalRetain, RemovalRetain)
	require.Len(t, v.retained, 2)
	msg := refusal(v, RemovalRetain, RemovalRetain)
	assert.NotContains(t, msg, "this same deploy")
	assert.NotContains(t, msg, "pulumi state delete", "no URN, no command")
}

// TestRemovedData: entries match by kind and name; a new title is a removal only for the kinds
// a new name replaces, and an entry not known yet is no removal.
func TestRemovedData(t *testing.T) {
	byKey := func(ds ...GuardedData) map[string]GuardedData {
		m := map[string]GuardedData{}
		for _, d := range ds {
			m[guardKey(d.Kind, d.Name)] = d
		}
		return m
	}
	files := GuardedData{Kind: r2KindType, Name: "files", Title: "a-dev-files"}
	jobs := GuardedData{Kind: queueKindType, Name: "jobs", Title: "a-dev-jobs"}
	old := DataGuardArgs{Resources: byKey(
		GuardedData{Kind: kvKindType, Name: "cache", Title: "a-dev-cache"}, files,
		GuardedData{Kind: d1KindType, Name: "db", Title: "a-dev-db"}, jobs)}
	news := DataGuardArgs{Resources: byKey(
		GuardedData{Kind: kvKindType, Name: "cache", Title: "b-dev-cache"}, // renamed in place
		GuardedData{Kind: r2KindType, Name: "files", Title: "b-dev-files"}, // replaced
		GuardedData{Kind: d1KindType, Name: "db"},                          // title not known: no removal
		GuardedData{Kind: kvKindType, Name: "jobs", Title: "a-dev-jobs"},   // another kind of the same name
	)}
	gone := removedData(old, news)
	require.Len(t, gone, 2)
	assert.Equal(t, removedEntry{GuardedData: jobs}, gone[0], "in key order: queue/jobs before r2_bucket/files")
	assert.Equal(t, removedEntry{GuardedData: files, renamedTo: "b-dev-files"}, gone[1])
}

// TestDataGuardDeleteSaysWhatStays: when an app leaves the stack under removal "retain", the
// guard's Delete names each Worker (with its Durable Objects) and data resource left on
// Cloudflare and the command that deletes it; under removal "remove" it says nothing, as
// everything was deleted.
func TestDataGuardDeleteSaysWhatStays(t *testing.T) {
	args := DataGuardArgs{App: "shop", Removal: RemovalRetain,
		Workers: map[string]GuardedWorker{
			"api": {ScriptName: "shop-dev-api", DurableObjects: []string{"Counter", "Room"}},
			"web": {ScriptName: "shop-dev-web", Workflows: []string{"shop-dev-order"}},
		},
		Resources: map[string]GuardedData{
			"kv_namespace/cache": {Kind: kvKindType, Name: "cache", Title: "shop-dev-cache", ID: testAccount + "/ns1"},
			"r2_bucket/files":    {Kind: r2KindType, Name: "files", Title: "shop-dev-files", ID: testAccount + "/shop-dev-files"},
			"d1/db":              {Kind: d1KindType, Name: "db", Title: "shop-dev-db", ID: testAccount + "/db1"},
			"queue/jobs":         {Kind: queueKindType, Name: "jobs", Title: "shop-dev-jobs", ID: testAccount + "/q1"},
		}}
	assert.Equal(t, `app "shop" left the stack under removal "retain" (the default), so these stay on Cloudflare `+
		"and no `up` or `destroy` of this stack manages them any more:\n"+
		`  - Worker "api" (script "shop-dev-api"): it keeps serving, with the data of its Durable Objects "Counter", "Room"`+"\n"+
		`  - Worker "web" (script "shop-dev-web"): it keeps serving, and its workflows "shop-dev-order" with their instances`+"\n"+
		`  - D1 database "db" ("shop-dev-db" on Cloudflare), with its data`+"\n"+
		`  - KV namespace "cache" ("shop-dev-cache" on Cloudflare), with its data`+"\n"+
		`  - queue "jobs" ("shop-dev-jobs" on Cloudflare), with its data`+"\n"+
		`  - R2 bucket "files" ("shop-dev-files" on Cloudflare), with its data`+"\n"+
		"To delete them, use the Cloudflare dashboard or wrangler:\n"+
		"  wrangler delete shop-dev-api\n  wrangler delete shop-dev-web\n  wrangler d1 delete shop-dev-db\n"+
		"  wrangler kv namespace delete --namespace-id ns1\n  wrangler queues delete shop-dev-jobs\n"+
		"  wrangler r2 bucket delete shop-dev-files\n"+
		"To have `pulumi destroy` delete an app's Workers and data, set removal \"remove\" and run `pulumi up` "+
		"before `pulumi destroy`.", retainedMessage(args))

	args.Removal = RemovalRemove
	assert.Empty(t, retainedMessage(args), "under removal remove everything was deleted")
	assert.Empty(t, retainedMessage(DataGuardArgs{App: "shop", Removal: RemovalRetain}), "nothing to name")
}

// TestDataGuardWarnsOfWorkersLeaving: a Worker that leaves an app last deployed under removal
// "retain" is named at preview with what it keeps and how to delete it; under "remove" it is
// deleted, and the engine's plan says so.
func TestDataGuardWarnsOfWorkersLeaving(t *testing.T) {
	old := DataGuardArgs{App: "shop", Removal: RemovalRetain, Workers: map[string]GuardedWorker{
		"api": {ScriptName: "shop-dev-api", DurableObjects: []string{"Counter"}},
		"web": {ScriptName: "shop-dev-web"},
	}}
	news := DataGuardArgs{App: "shop", Removal: RemovalRetain, Workers: map[string]GuardedWorker{"web": old.Workers["web"]}}
	assert.Equal(t, []string{`app "shop": Worker "api" (script "shop-dev-api") is no longer declared and was deployed ` +
		`under removal "retain", so it leaves the stack and stays on Cloudflare, where no ` + "`up` or `destroy`" +
		` of this stack manages it: it keeps serving, with the data of its Durable Objects "Counter". To delete it, ` +
		"use the Cloudflare dashboard or `wrangler delete shop-dev-api`; to have a deploy delete a Worker, deploy " +
		`removal "remove" while it is still declared, then remove it.`}, workersLeaving(old, news))
	assert.Empty(t, workersLeaving(news, news), "no Worker leaves")
	old.Removal = RemovalRemove
	assert.Empty(t, workersLeaving(old, news), "under removal remove the Worker is deleted")
}

// TestGuardRecordedWithoutWorkersUpgradesWithNoChange: a guard recorded before guards listed the
// app's Workers previews no change for the list alone, and its Delete still names the Workers,
// taken from the inputs the engine recorded.
func TestGuardRecordedWithoutWorkersUpgradesWithNoChange(t *testing.T) {
	recorded := DataGuardArgs{App: "shop", Removal: RemovalRetain}
	news := DataGuardArgs{App: "shop", Removal: RemovalRetain,
		Workers: map[string]GuardedWorker{"api": {ScriptName: "shop-dev-api"}}}
	resp, err := (&DataGuard{}).Diff(context.Background(), infer.DiffRequest[DataGuardArgs, DataGuardState]{
		ID: "shop", Inputs: news, State: DataGuardState{recorded}})
	require.NoError(t, err)
	assert.False(t, resp.HasChanges, "the Workers list alone is no change for a guard recorded without one")

	resp, err = (&DataGuard{}).Diff(context.Background(), infer.DiffRequest[DataGuardArgs, DataGuardState]{
		ID: "shop", Inputs: DataGuardArgs{App: "shop", Removal: RemovalRetain}, State: DataGuardState{news}})
	require.NoError(t, err)
	assert.True(t, resp.HasChanges, "a guard that listed Workers shows the list's change")

	var got p.DeleteRequest
	prov := withGuardWorkers(p.Provider{Delete: func(_ context.Context, req p.DeleteRequest) error {
		got = req
		return nil
	}})
	workers := property.New(map[string]property.Value{"api": obj("scriptName", "shop-dev-api")})
	state := property.NewMap(map[string]property.Value{"app": property.New("shop"), "removal": property.New(RemovalRetain)})
	require.NoError(t, prov.Delete(context.Background(), p.DeleteRequest{Urn: guardURN, Properties: state,
		OldInputs: state.Set("workers", workers)}))
	assert.Equal(t, workers, got.Properties.Get("workers"), "Delete sees the Workers the inputs list")

	other := presource.NewURN("dev", "shop", "", "lumier:index:Script", "api")
	require.NoError(t, prov.Delete(context.Background(), p.DeleteRequest{Urn: other, Properties: state,
		OldInputs: state.Set("workers", workers)}))
	_, has := got.Properties.GetOk("workers")
	assert.False(t, has, "only a DataGuard's Delete is given its inputs' Workers")
}

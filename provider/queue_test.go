package provider

import (
	"context"
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

func queueURN(name string) presource.URN {
	return presource.NewURN("dev", "my-app", "", "lumier:index:Queue", name)
}

// TestQueueLifecycle: the default name, a new name as a replacement, the refusal to delete a
// queue holding messages without deleteData, the delete with it, and a refresh that notices an
// out-of-band deletion.
func TestQueueLifecycle(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	api := cfapi.New(srv.URL(), testToken, testAccount)
	ctx := context.Background()

	resp, err := s.Check(p.CheckRequest{Urn: queueURN("jobs"), Inputs: property.NewMap(nil)})
	require.NoError(t, err)
	require.Empty(t, resp.Failures)
	assert.Equal(t, "my-app-dev-jobs", resp.Inputs.Get("queueName").AsString(), "name defaults to <project>-<stack>-<name>")

	created, err := s.Create(p.CreateRequest{Urn: queueURN("jobs"), Properties: resp.Inputs})
	require.NoError(t, err)
	id := created.Properties.Get("queueId").AsString()
	assert.Equal(t, testAccount+"/"+id, created.ID)
	assert.Equal(t, "queue", created.Properties.Get("type").AsString())

	renamed := resp.Inputs.Set("queueName", property.New("my-app-dev-work"))
	diff, err := s.Diff(p.DiffRequest{ID: created.ID, Urn: queueURN("jobs"), State: created.Properties, Inputs: renamed})
	require.NoError(t, err)
	assert.Equal(t, p.UpdateReplace, diff.DetailedDiff["queueName"].Kind, "Cloudflare cannot rename a queue")

	// A message waits in the queue (sent through Cloudflare's push endpoint).
	require.NoError(t, api.Queues.SendMessage(ctx, id, "job 1"))
	err = s.Delete(p.DeleteRequest{ID: created.ID, Urn: queueURN("jobs"), Properties: created.Properties})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `refusing to delete queue "my-app-dev-jobs"`)
	assert.Contains(t, err.Error(), "1 undelivered message(s)")
	assert.Contains(t, err.Error(), "deleteData: true", "says how to allow it")
	_, err = api.Queues.ByID(ctx, id)
	require.NoError(t, err, "nothing deleted")

	require.NoError(t, s.Delete(p.DeleteRequest{ID: created.ID, Urn: queueURN("jobs"),
		Properties: created.Properties.Set("deleteData", property.New(true))}))
	_, err = api.Queues.ByID(ctx, id)
	assert.True(t, cfapi.IsNotFound(err), "deleted with deleteData: %v", err)

	read, err := s.Read(p.ReadRequest{ID: created.ID, Urn: queueURN("jobs"), Properties: created.Properties, Inputs: resp.Inputs})
	require.NoError(t, err)
	assert.Empty(t, read.ID, "a queue deleted out of band leaves the state")
}

func TestQueueEmptyDeletesWithoutDeleteData(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	resp, err := s.Check(p.CheckRequest{Urn: queueURN("jobs"), Inputs: property.NewMap(nil)})
	require.NoError(t, err)
	created, err := s.Create(p.CreateRequest{Urn: queueURN("jobs"), Properties: resp.Inputs})
	require.NoError(t, err)
	require.NoError(t, s.Delete(p.DeleteRequest{ID: created.ID, Urn: queueURN("jobs"), Properties: created.Properties}))
	_, err = cfapi.New(srv.URL(), testToken, testAccount).Queues.ByID(context.Background(), created.Properties.Get("queueId").AsString())
	assert.True(t, cfapi.IsNotFound(err), "an empty queue needs no deleteData: %v", err)
}

func TestQueueImport(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	q, err := cfapi.New(srv.URL(), testToken, testAccount).Queues.Create(context.Background(), "made-by-hand")
	require.NoError(t, err)
	read, err := s.Read(p.ReadRequest{ID: testAccount + "/" + q.ID, Urn: queueURN("hand")})
	require.NoError(t, err)
	assert.Equal(t, q.ID, read.Properties.Get("queueId").AsString())
	assert.Equal(t, "made-by-hand", read.Inputs.Get("queueName").AsString())

	_, err = s.Read(p.ReadRequest{ID: q.ID, Urn: queueURN("hand")})
	assert.ErrorContains(t, err, "<accountId>/<queueId>")
}

func TestQueueCheckRefusesABadName(t *testing.T) {
	s := newTestServer(t)
	resp, err := s.Check(p.CheckRequest{Urn: queueURN("jobs"), Inputs: property.NewMap(map[string]property.Value{
		"queueName": property.New("Jobs_Queue")})})
	require.NoError(t, err)
	assert.Equal(t, []string{`queueName: invalid queue name "Jobs_Queue": Cloudflare allows lowercase letters, digits ` +
		`and '-', starting with a letter or digit, at most 63 characters: set queueName`}, reasons(resp))
}

// TestCheckQueueBinding: a queue binding needs its queueName; with one it passes.
func TestCheckQueueBinding(t *testing.T) {
	s := newTestServer(t)
	inputs := counterInputs(t)
	q := func(fields map[string]property.Value) property.Value {
		return property.New(append(inputs["bindings"].AsArray().AsSlice(), property.New(fields)))
	}
	inputs["bindings"] = q(map[string]property.Value{"name": property.New("JOBS"), "type": property.New("queue")})
	assert.Contains(t, reasons(check(t, s, inputs, nil)), `bindings: binding "JOBS" (queue) has no queueName: set it`)

	inputs = counterInputs(t)
	inputs["bindings"] = q(map[string]property.Value{"name": property.New("JOBS"), "type": property.New("queue"),
		"queueName": property.New("my-app-dev-jobs")})
	assert.Empty(t, reasons(check(t, s, inputs, nil)))
}

package provider

import (
	"context"
	"os"
	"strings"
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

func TestSplit(t *testing.T) {
	current := []cfapi.VersionShare{{VersionID: "v2", Percentage: 30}, {VersionID: "v1", Percentage: 70}}
	assert.Equal(t, []cfapi.VersionShare{{VersionID: "v3", Percentage: 100}}, split(current, "v3", "v2", 100))
	assert.Equal(t, []cfapi.VersionShare{{VersionID: "v3", Percentage: 50}, {VersionID: "v2", Percentage: 50}},
		split(current, "v3", "v2", 50), "the version lumier deployed last keeps the rest")
	assert.Equal(t, []cfapi.VersionShare{{VersionID: "v3", Percentage: 33.33}, {VersionID: "v1", Percentage: 66.67}},
		split(current, "v3", "", 33.333), "else the one serving the most; two decimals")
	assert.Equal(t, []cfapi.VersionShare{{VersionID: "v2", Percentage: 10}, {VersionID: "v1", Percentage: 90}},
		split(current, "v2", "", 10), "a new share for a deployed version")
	assert.Equal(t, []cfapi.VersionShare{{VersionID: "v1", Percentage: 100}}, split(nil, "v1", "", 50),
		"nothing to share with")
}

func TestRolloutCheckedAtPreview(t *testing.T) {
	s := newTestServer(t)
	for _, pct := range []float64{0, -5, 100.5} {
		inputs := counterInputs(t)
		inputs["rollout"] = property.New(map[string]property.Value{"percentage": property.New(pct)})
		got := reasons(check(t, s, inputs, nil))
		require.Len(t, got, 1, "%v", pct)
		assert.Contains(t, got[0], "rollout.percentage is")
		assert.Contains(t, got[0], "more than 0 and at most 100")
	}
	inputs := counterInputs(t)
	inputs["rollout"] = property.New(map[string]property.Value{"percentage": property.New(50.0)})
	assert.Empty(t, reasons(check(t, s, inputs, nil)))
}

// TestRolloutLifecycle: a code change with rollout 50 is a new version sharing the requests with
// the previous one (the preview shows the rollout), then rollout 100 alone moves every request
// to it with one deployment and no upload; a change that needs a migration is a direct upload.
func TestRolloutLifecycle(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	api := cfapi.New(srv.URL(), testToken, testAccount)
	ctx := context.Background()
	entry := copyCounter(t)
	inputs := counterInputs(t)
	inputs["entry"] = property.New(entry)
	urn := scriptURN("api")
	in1 := checked(t, s, inputs, nil)
	created, err := s.Create(p.CreateRequest{Urn: urn, Properties: in1})
	require.NoError(t, err)
	first, err := api.Scripts.Deployment(ctx, "my-app-dev-api")
	require.NoError(t, err)
	require.Len(t, first, 1)

	src, err := os.ReadFile(entry)
	require.NoError(t, err)
	v2 := strings.Replace(string(src), "return Response.json({ count });\n  },", "return Response.json({ count, v: 2 });\n  },", 1)
	require.NoError(t, os.WriteFile(entry, []byte(v2), 0o644))
	half := counterInputs(t)
	half["entry"] = property.New(entry)
	half["rollout"] = property.New(map[string]property.Value{"percentage": property.New(50.0)})
	in2 := checked(t, s, half, inputs)
	diff, err := s.Diff(p.DiffRequest{ID: created.ID, Urn: urn, State: created.Properties, Inputs: in2, OldInputs: in1})
	require.NoError(t, err)
	assert.Contains(t, diff.DetailedDiff, "rollout", "the preview shows the rollout")
	assert.Contains(t, diff.DetailedDiff, "codeHash")
	updated, err := s.Update(p.UpdateRequest{ID: created.ID, Urn: urn, State: created.Properties, Inputs: in2, OldInputs: in1})
	require.NoError(t, err)
	version := updated.Properties.Get("versionId").AsString()
	require.NotEmpty(t, version)
	got, err := api.Scripts.Deployment(ctx, "my-app-dev-api")
	require.NoError(t, err)
	assert.ElementsMatch(t, []cfapi.VersionShare{{VersionID: version, Percentage: 50}, {VersionID: first[0].VersionID, Percentage: 50}}, got)

	full := counterInputs(t)
	full["entry"] = property.New(entry)
	full["rollout"] = property.New(map[string]property.Value{"percentage": property.New(100.0)})
	in3 := checked(t, s, full, half)
	diff, err = s.Diff(p.DiffRequest{ID: created.ID, Urn: urn, State: updated.Properties, Inputs: in3, OldInputs: in2})
	require.NoError(t, err)
	assert.Equal(t, []string{"rollout"}, keys(diff.DetailedDiff))
	srv.ResetCalls()
	done, err := s.Update(p.UpdateRequest{ID: created.ID, Urn: urn, State: updated.Properties, Inputs: in3, OldInputs: in2})
	require.NoError(t, err)
	assert.Equal(t, 1, srv.MutatingCalls(), "one deployment: %v", srv.Calls())
	assert.Equal(t, 1, srv.Calls()["deploy"], "%v", srv.Calls())
	assert.Equal(t, version, done.Properties.Get("versionId").AsString())
	got, err = api.Scripts.Deployment(ctx, "my-app-dev-api")
	require.NoError(t, err)
	assert.Equal(t, []cfapi.VersionShare{{VersionID: version, Percentage: 100}}, got)
	assert.Equal(t, `{"count":0,"v":2}`, request(t, "GET", done.Properties.Get("url").AsString()+"/"))

	// A new class needs a migration: a direct upload, whatever the rollout.
	require.NoError(t, os.WriteFile(entry, []byte(v2+"\nexport class Room extends DurableObject {}\n"), 0o644))
	withRoom := counterInputs(t)
	withRoom["entry"] = property.New(entry)
	withRoom["rollout"] = property.New(map[string]property.Value{"percentage": property.New(50.0)})
	withRoom["durableObjects"] = property.New([]property.Value{
		property.New(map[string]property.Value{"className": property.New("Counter")}),
		property.New(map[string]property.Value{"className": property.New("Room")}),
	})
	in4 := checked(t, s, withRoom, full)
	srv.ResetCalls()
	migrated, err := s.Update(p.UpdateRequest{ID: created.ID, Urn: urn, State: done.Properties, Inputs: in4, OldInputs: in3})
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Calls()["upload"], "%v", srv.Calls())
	assert.Zero(t, srv.Calls()["version_upload"], "%v", srv.Calls())
	assert.Equal(t, "v2", migrated.Properties.Get("migrationTag").AsString())
	got, err = api.Scripts.Deployment(ctx, "my-app-dev-api")
	require.NoError(t, err)
	require.Len(t, got, 1, "a direct upload serves every request")
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

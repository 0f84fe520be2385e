package provider

import (
	"context"
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/bundle"
	"github.com/lumier-dev/lumier/internal/cfapi"
)

func TestConfigureNamesMissingSettings(t *testing.T) {
	t.Setenv("CLOUDFLARE_API_TOKEN", "")
	t.Setenv("CLOUDFLARE_ACCOUNT_ID", "")
	s := newTestServer(t)
	err := s.Configure(p.ConfigureRequest{Args: property.NewMap(nil)})
	require.Error(t, err)
	for _, want := range []string{"lumier:apiToken", "CLOUDFLARE_API_TOKEN", "lumier:accountId", "CLOUDFLARE_ACCOUNT_ID"} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestConfigureFallsBackToEnvironment(t *testing.T) {
	srv := startLocal(t)
	t.Setenv("CLOUDFLARE_API_TOKEN", testToken)
	t.Setenv("CLOUDFLARE_ACCOUNT_ID", testAccount)
	t.Setenv("CLOUDFLARE_BASE_URL", srv.URL())
	s := newTestServer(t)
	require.NoError(t, s.Configure(p.ConfigureRequest{Args: property.NewMap(nil)}))
	in := checked(t, s, counterInputs(t), nil)
	_, err := s.Create(p.CreateRequest{Urn: scriptURN("api"), Properties: in})
	require.NoError(t, err)
	assert.Contains(t, srv.Scripts(), "my-app-dev-api")
}

// TestReadImportsAndSeesDrift imports a deployed script by "<accountId>/<scriptName>", then
// changes its bindings out of band: a refresh (Read) reports the change, and the next update
// puts the declared bindings back.
func TestReadImportsAndSeesDrift(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	urn := scriptURN("api")
	in := checked(t, s, counterInputs(t), nil)
	created, err := s.Create(p.CreateRequest{Urn: urn, Properties: in})
	require.NoError(t, err)

	imported, err := s.Read(p.ReadRequest{ID: testAccount + "/my-app-dev-api", Urn: urn})
	require.NoError(t, err)
	assert.Equal(t, testAccount+"/my-app-dev-api", imported.ID)
	assert.Equal(t, "my-app-dev-api", imported.Properties.Get("scriptName").AsString())
	assert.Equal(t, "v1", imported.Properties.Get("migrationTag").AsString())
	classes := imported.Properties.Get("durableObjects").AsArray()
	require.Equal(t, 1, classes.Len())
	assert.Equal(t, "Counter", classes.Get(0).AsMap().Get("className").AsString())
	bindings := imported.Properties.Get("bindings").AsArray()
	require.Equal(t, 1, bindings.Len())
	assert.Equal(t, "COUNTER", bindings.Get(0).AsMap().Get("name").AsString())

	// `pulumi import` checks what Read returned: Cloudflare keeps no sources, so there is no
	// entry, and nothing to bundle while the inputs stay as read.
	assert.True(t, imported.Inputs.Get("workersDev").AsBool(), "workers.dev as Cloudflare has it")
	resp, err := s.Check(p.CheckRequest{Urn: urn, State: imported.Inputs, Inputs: imported.Inputs})
	require.NoError(t, err)
	assert.Empty(t, reasons(resp), "the imported inputs pass the check")
	changed := imported.Inputs.Set("workersDev", property.New(false))
	resp, err = s.Check(p.CheckRequest{Urn: urn, State: imported.Inputs, Inputs: changed})
	require.NoError(t, err)
	assert.Contains(t, reasons(resp), `entry is empty: set it to the Worker's entry module, for example "src/index.ts"`,
		"a changed program needs its code")

	_, err = s.Read(p.ReadRequest{ID: "not-an-import-id", Urn: urn})
	assert.ErrorContains(t, err, "<accountId>/<scriptName>")

	// Out of band: someone adds a plain-text binding.
	api := cfapi.New(srv.URL(), testToken, testAccount)
	b, err := bundle.Bundle(bundle.Options{Entry: counterEntry(t)})
	require.NoError(t, err)
	require.NoError(t, api.Scripts.Upload(context.Background(), "my-app-dev-api", cfapi.Metadata{
		MainModule: "index.js", CompatibilityDate: DefaultCompatibilityDate, CompatibilityFlags: []string{"nodejs_compat"},
		Bindings: []cfapi.Binding{
			{Type: "durable_object_namespace", Name: "COUNTER", ClassName: "Counter"},
			{Type: "plain_text", Name: "INJECTED", Text: "x"},
		},
	}, []cfapi.Module{{Name: "index.js", Content: b.Code}}))

	refreshed, err := s.Read(p.ReadRequest{ID: created.ID, Urn: urn, Properties: created.Properties, Inputs: in})
	require.NoError(t, err)
	var injected string
	for _, b := range refreshed.Properties.Get("bindings").AsArray().All {
		if b.AsMap().Get("name").AsString() == "INJECTED" {
			injected = b.AsMap().Get("text").AsString()
		}
	}
	assert.Equal(t, "x", injected, "refresh must show the drift")

	diff, err := s.Diff(p.DiffRequest{ID: created.ID, Urn: urn, State: refreshed.Properties, Inputs: in, OldInputs: in})
	require.NoError(t, err)
	require.True(t, diff.HasChanges)
	assert.Contains(t, diff.DetailedDiff, "bindings")
	_, err = s.Update(p.UpdateRequest{ID: created.ID, Urn: urn, State: refreshed.Properties, Inputs: in, OldInputs: in})
	require.NoError(t, err)
	settings, err := api.Scripts.Settings(context.Background(), "my-app-dev-api")
	require.NoError(t, err)
	for _, b := range settings.Bindings {
		assert.NotEqual(t, "INJECTED", b.Name, "the update must heal the drift")
	}
}

func TestReadOfDeletedScriptClearsIt(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	urn := scriptURN("api")
	in := checked(t, s, counterInputs(t), nil)
	created, err := s.Create(p.CreateRequest{Urn: urn, Properties: in})
	require.NoError(t, err)
	require.NoError(t, cfapi.New(srv.URL(), testToken, testAccount).Scripts.Delete(context.Background(), "my-app-dev-api", true))
	gone, err := s.Read(p.ReadRequest{ID: created.ID, Urn: urn, Properties: created.Properties, Inputs: in})
	require.NoError(t, err)
	assert.Empty(t, gone.ID, "a script deleted out of band must leave the state")
}

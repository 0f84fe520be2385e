package provider

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/integration"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/bundle"
	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/local"
)

const (
	testToken   = "lifecycle-test-token-0123456789"
	testAccount = "0123456789abcdef0123456789abcdef"
)

// startLocal runs the local Cloudflare for one test, on loopback with a fresh state directory.
func startLocal(t *testing.T) *local.Server {
	t.Helper()
	srv, err := local.New(local.Options{Addr: "127.0.0.1:0", StateDir: t.TempDir(), Token: testToken, AccountID: testAccount})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, srv.Start(ctx))
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// configured returns a provider server configured against srv.
func configured(t *testing.T, srv *local.Server) integration.Server {
	t.Helper()
	s := newTestServer(t)
	require.NoError(t, s.Configure(p.ConfigureRequest{Args: property.NewMap(map[string]property.Value{
		"apiToken":  property.New(testToken).WithSecret(true),
		"accountId": property.New(testAccount),
		"apiUrl":    property.New(srv.URL()),
	})}))
	return s
}

// copyCounter copies the counter project so a test can edit its code.
func copyCounter(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile("../examples/counter/src/index.ts")
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "src"), 0o755))
	entry := filepath.Join(dir, "src", "index.ts")
	require.NoError(t, os.WriteFile(entry, src, 0o644))
	return entry
}

func checked(t *testing.T, s integration.Server, inputs, old map[string]property.Value) property.Map {
	t.Helper()
	resp := check(t, s, inputs, old)
	require.Empty(t, reasons(resp))
	return resp.Inputs
}

func request(t *testing.T, method, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s %s: %s", method, url, body)
	return strings.TrimSpace(string(body))
}

// A Worker hosting a class it does not bind has no binding to carry the namespace id: its id
// comes from the account's namespace list, and is the id Cloudflare lists for that class; a
// Worker binding its class gets the same id from its settings, with no list.
func TestNamespaceIDsWithoutABinding(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	api := cfapi.New(srv.URL(), testToken, testAccount)
	listed := func(script string) string {
		nss, err := api.DurableObjects.Namespaces(context.Background())
		require.NoError(t, err)
		for _, ns := range nss {
			if ns.Script == script && ns.Class == "Counter" {
				return ns.ID
			}
		}
		t.Fatalf("no namespace of class Counter for %s in %+v", script, nss)
		return ""
	}

	unbound := counterInputs(t)
	unbound["scriptName"] = property.New("my-app-dev-host")
	delete(unbound, "bindings")
	srv.ResetCalls()
	created, err := s.Create(p.CreateRequest{Urn: scriptURN("host"), Properties: checked(t, s, unbound, nil)})
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Calls()["namespaces"], "the class is not bound: its id comes from the namespace list")
	assert.Equal(t, listed("my-app-dev-host"), created.Properties.Get("namespaceIds").AsMap().Get("Counter").AsString())

	srv.ResetCalls()
	created, err = s.Create(p.CreateRequest{Urn: scriptURN("api"), Properties: checked(t, s, counterInputs(t), nil)})
	require.NoError(t, err)
	assert.Zero(t, srv.Calls()["namespaces"], "the class is bound: its id comes from the settings")
	assert.Equal(t, listed("my-app-dev-api"), created.Properties.Get("namespaceIds").AsMap().Get("Counter").AsString())
}

func TestScriptLifecycle(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	entry := copyCounter(t)
	inputs := counterInputs(t)
	inputs["entry"] = property.New(entry)
	inputs["deleteData"] = property.New(false)
	urn := scriptURN("api")

	// Create: one upload, and the counter answers.
	in := checked(t, s, inputs, nil)
	created, err := s.Create(p.CreateRequest{Urn: urn, Properties: in})
	require.NoError(t, err)
	assert.Equal(t, testAccount+"/my-app-dev-api", created.ID)
	// A new Worker's calls: its settings (not found: no foreign script to refuse, no classes to
	// migrate from), the upload, its settings again (its binding of the new class carries the
	// namespace id; no account-wide namespace list), and workers.dev on, whose answer carries the
	// URL. Once per provider process: the token check and the account's subdomain (read by
	// Check, for workersDev).
	assert.Equal(t, map[string]int{"settings": 2, "upload": 1, "set_workers_dev": 1, "verify_token": 1, "subdomain": 1},
		srv.Calls())
	url := created.Properties.Get("url").AsString()
	require.NotEmpty(t, url)
	assert.Equal(t, `{"count":1}`, request(t, http.MethodPost, url+"/"))
	assert.Equal(t, `{"count":2}`, request(t, http.MethodPost, url+"/"))
	assert.Equal(t, "v1", created.Properties.Get("migrationTag").AsString())
	assert.NotEmpty(t, created.Properties.Get("namespaceIds").AsMap().Get("Counter").AsString())

	// No change: no diff, and no mutating call reaches the API.
	srv.ResetCalls()
	in2 := checked(t, s, inputs, inputs)
	diff, err := s.Diff(p.DiffRequest{ID: created.ID, Urn: urn, State: created.Properties, Inputs: in2, OldInputs: in})
	require.NoError(t, err)
	assert.False(t, diff.HasChanges, "unchanged inputs must not diff: %v", diff.DetailedDiff)
	assert.Zero(t, srv.MutatingCalls(), "calls: %v", srv.Calls())

	// Code change without a migration: one version uploaded and deployed to every request (the
	// versions API, not a direct upload), the owner tag set through script-settings, and the
	// Durable Object keeps its data.
	src, err := os.ReadFile(entry)
	require.NoError(t, err)
	changed := strings.Replace(string(src), "return Response.json({ count });\n  },", "return Response.json({ count, v: 2 });\n  },", 1)
	require.NotEqual(t, string(src), changed)
	require.NoError(t, os.WriteFile(entry, []byte(changed), 0o644))
	in3 := checked(t, s, inputs, inputs)
	diff, err = s.Diff(p.DiffRequest{ID: created.ID, Urn: urn, State: created.Properties, Inputs: in3, OldInputs: in})
	require.NoError(t, err)
	require.True(t, diff.HasChanges)
	assert.Contains(t, diff.DetailedDiff, "codeHash")
	srv.ResetCalls()
	updated, err := s.Update(p.UpdateRequest{ID: created.ID, Urn: urn, State: created.Properties, Inputs: in3, OldInputs: in})
	require.NoError(t, err)
	calls := srv.Calls()
	assert.Zero(t, calls["upload"], "calls: %v", calls)
	assert.Equal(t, 1, calls["version_upload"], "calls: %v", calls)
	assert.Equal(t, 1, calls["deploy"], "calls: %v", calls)
	assert.Equal(t, 1, calls["edit_script_settings"], "calls: %v", calls)
	assert.Equal(t, 3, srv.MutatingCalls(), "calls: %v", calls)
	assert.NotEmpty(t, updated.Properties.Get("versionId").AsString())
	assert.Equal(t, "v1", updated.Properties.Get("migrationTag").AsString(), "no class changed, so no migration")
	assert.Equal(t, `{"count":2,"v":2}`, request(t, http.MethodGet, url+"/"))

	// Someone adds class Chat out of band (a manual deploy), moving the tag to "v4" behind
	// Pulumi's back. Then the program adds class Room: the provider must take old_tag from the
	// API, not from its state ("v1"), or Cloudflare answers 10079.
	api := cfapi.New(srv.URL(), testToken, testAccount)
	withChat := changed + "\nexport class Chat extends DurableObject {}\n"
	require.NoError(t, os.WriteFile(entry, []byte(withChat), 0o644))
	b, err := bundle.Bundle(bundle.Options{Entry: entry})
	require.NoError(t, err)
	require.NoError(t, api.Scripts.Upload(context.Background(), "my-app-dev-api", cfapi.Metadata{
		MainModule: "index.js", CompatibilityDate: DefaultCompatibilityDate, CompatibilityFlags: []string{"nodejs_compat"},
		Bindings:   []cfapi.Binding{{Type: "durable_object_namespace", Name: "COUNTER", ClassName: "Counter"}},
		Migrations: &cfapi.Migration{OldTag: "v1", NewTag: "v4", Steps: []cfapi.MigrationStep{{NewSqliteClasses: []string{"Chat"}}}},
	}, []cfapi.Module{{Name: "index.js", Content: b.Code}}))

	require.NoError(t, os.WriteFile(entry, []byte(withChat+"export class Room extends DurableObject {}\n"), 0o644))
	inputs4 := counterInputs(t)
	inputs4["entry"] = property.New(entry)
	inputs4["durableObjects"] = property.New([]property.Value{
		property.New(map[string]property.Value{"className": property.New("Counter")}),
		property.New(map[string]property.Value{"className": property.New("Chat")}),
		property.New(map[string]property.Value{"className": property.New("Room")}),
	})
	in4 := checked(t, s, inputs4, inputs)
	srv.ResetCalls()
	updated2, err := s.Update(p.UpdateRequest{ID: created.ID, Urn: urn, State: updated.Properties, Inputs: in4, OldInputs: in3})
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Calls()["upload"], "calls: %v", srv.Calls())
	assert.Equal(t, "v5", updated2.Properties.Get("migrationTag").AsString(), "one migration from the reported tag v4")
	script, err := api.Scripts.Get(context.Background(), "my-app-dev-api")
	require.NoError(t, err)
	assert.Equal(t, "v5", script.MigrationTag)
	nss, err := api.DurableObjects.Namespaces(context.Background())
	require.NoError(t, err)
	var classes []string
	for _, ns := range nss {
		if ns.Script == "my-app-dev-api" {
			classes = append(classes, ns.Class)
			assert.True(t, ns.SQLite, "%s is SQLite-backed by default", ns.Class)
		}
	}
	assert.ElementsMatch(t, []string{"Counter", "Chat", "Room"}, classes)
	assert.Equal(t, `{"count":2,"v":2}`, request(t, http.MethodGet, url+"/"), "adding classes keeps Counter's data")

	// Delete without deleteData is refused, and nothing is deleted.
	err = s.Delete(p.DeleteRequest{ID: created.ID, Urn: urn, Properties: updated2.Properties})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `refusing to delete script "my-app-dev-api"`)
	assert.Contains(t, srv.Scripts(), "my-app-dev-api")

	// With deleteData the script goes.
	props := updated2.Properties.Set("deleteData", property.New(true))
	require.NoError(t, s.Delete(p.DeleteRequest{ID: created.ID, Urn: urn, Properties: props}))
	assert.NotContains(t, srv.Scripts(), "my-app-dev-api")
}

func TestScriptSecretsStaySecret(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	inputs := counterInputs(t)
	inputs["secrets"] = property.New(map[string]property.Value{"API_KEY": property.New("s3cret-value")})
	in := checked(t, s, inputs, nil)
	assert.True(t, in.Get("secrets").Secret(), "checked inputs must mark secrets secret")

	created, err := s.Create(p.CreateRequest{Urn: scriptURN("api"), Properties: in})
	require.NoError(t, err)
	assert.True(t, created.Properties.Get("secrets").Secret(), "the state the engine receives must mark secrets secret")

	// Nothing else in the state carries the secret or the API token in plain text.
	plain := created.Properties.Delete("secrets")
	raw, err := json.Marshal(plain.AsMap())
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "s3cret-value")
	assert.NotContains(t, string(raw), testToken)
}

func TestPreviewWithUnknownInputs(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	inputs := counterInputs(t)
	inputs["bindings"] = property.New(property.Computed)
	inputs["entry"] = property.New(property.Computed)
	resp := check(t, s, inputs, nil)
	require.Empty(t, resp.Failures)
	preview, err := s.Create(p.CreateRequest{Urn: scriptURN("api"), Properties: resp.Inputs, DryRun: true})
	require.NoError(t, err)
	assert.True(t, preview.Properties.Get("url").IsComputed(), "url is unknown until the script exists")
	assert.Zero(t, srv.MutatingCalls(), "a preview must not change anything: %v", srv.Calls())
}

// TestDeleteRefusesWhileBoundElsewhere: deleting a host with force would strip another script's
// binding to its class, so the provider refuses until that binding is gone.
func TestDeleteRefusesWhileBoundElsewhere(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	host := counterInputs(t)
	host["deleteData"] = property.New(true)
	hostIn := checked(t, s, host, nil)
	created, err := s.Create(p.CreateRequest{Urn: scriptURN("api"), Properties: hostIn})
	require.NoError(t, err)

	web := counterInputs(t)
	web["scriptName"] = property.New("my-app-dev-web")
	web["durableObjects"] = property.New([]property.Value{})
	web["bindings"] = property.New([]property.Value{property.New(map[string]property.Value{
		"name": property.New("COUNTER"), "type": property.New("durable_object_namespace"),
		"className": property.New("Counter"), "scriptName": property.New("my-app-dev-api"),
	})})
	webIn := checked(t, s, web, nil)
	webCreated, err := s.Create(p.CreateRequest{Urn: scriptURN("web"), Properties: webIn})
	require.NoError(t, err)

	err = s.Delete(p.DeleteRequest{ID: created.ID, Urn: scriptURN("api"), Properties: created.Properties})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `class "Counter" of script "my-app-dev-api" is bound by script "my-app-dev-web" (binding COUNTER)`)
	assert.Contains(t, srv.Scripts(), "my-app-dev-api")

	require.NoError(t, s.Delete(p.DeleteRequest{ID: webCreated.ID, Urn: scriptURN("web"), Properties: webCreated.Properties}))
	require.NoError(t, s.Delete(p.DeleteRequest{ID: created.ID, Urn: scriptURN("api"), Properties: created.Properties}))
	assert.Empty(t, srv.Scripts())
}

// TestCreateRefusesAScriptItDidNotDeploy: a script created outside this stack is not taken over
// by a create (that would replace its code); the message says how to import it.
func TestCreateRefusesAScriptItDidNotDeploy(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	b, err := bundle.Bundle(bundle.Options{Entry: counterEntry(t)})
	require.NoError(t, err)
	api := cfapi.New(srv.URL(), testToken, testAccount)
	require.NoError(t, api.Scripts.Upload(context.Background(), "my-app-dev-api", cfapi.Metadata{
		MainModule: "index.js", CompatibilityDate: DefaultCompatibilityDate,
		Migrations: &cfapi.Migration{NewTag: "v1", Steps: []cfapi.MigrationStep{{NewSqliteClasses: []string{"Counter"}}}},
	}, []cfapi.Module{{Name: "index.js", Content: b.Code}}))

	in := checked(t, s, counterInputs(t), nil)
	_, err = s.Create(p.CreateRequest{Urn: scriptURN("api"), Properties: in})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `script "my-app-dev-api" already exists on Cloudflare and was not deployed by this stack`)
	assert.Contains(t, err.Error(), "pulumi import lumier:index:Script <resource name> "+testAccount+"/my-app-dev-api")
	settings, err := api.Scripts.Settings(context.Background(), "my-app-dev-api")
	require.NoError(t, err)
	assert.Empty(t, settings.Tags, "the foreign script is left as it was")
}

package provider

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/local"
	"github.com/lumier-dev/lumier/local/requestlog"
)

const otherAccount = "fedcba9876543210fedcba9876543210"

// providerInputs are the provider's inputs as the engine records them.
func providerInputs(kv ...string) property.Map {
	m := map[string]property.Value{
		"apiToken":  property.New(testToken).WithSecret(true),
		"accountId": property.New(testAccount),
		"apiUrl":    property.New("http://127.0.0.1:8787/client/v4"),
		"version":   property.New("0.1.0"),
	}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = property.New(kv[i+1])
	}
	return property.NewMap(m)
}

// TestSettingChangesNeverReplace: a change of any setting is an in-place update of the provider,
// never a replacement (which the engine would pass on to every Worker, namespace and database);
// the token set again as a secret is no change at all.
func TestSettingChangesNeverReplace(t *testing.T) {
	s := newTestServer(t)
	old := providerInputs()
	for _, tc := range []struct {
		key   string
		value property.Value
	}{
		{"apiUrl", property.New("http://127.0.0.1:8787/client/v4/")},
		{"apiToken", property.New("another-token").WithSecret(true)},
		{"requestTimeout", property.New("90s")},
		{"workersPlan", property.New("paid")},
		{"accountId", property.New(otherAccount)},
	} {
		resp, err := s.DiffConfig(p.DiffRequest{Urn: "urn:pulumi:dev::app::pulumi:providers:lumier::default",
			State: old, OldInputs: old, Inputs: old.Set(tc.key, tc.value)})
		require.NoError(t, err, tc.key)
		assert.True(t, resp.HasChanges, tc.key)
		assert.Equal(t, map[string]p.PropertyDiff{tc.key: {Kind: p.Update}}, resp.DetailedDiff, "%s: an update, not a replacement", tc.key)
		assert.False(t, resp.DeleteBeforeReplace, tc.key)
	}
	same := old.Set("apiToken", property.New(testToken).WithSecret(true)).Set("version", property.New("0.2.0"))
	resp, err := s.DiffConfig(p.DiffRequest{Urn: "urn:pulumi:dev::app::pulumi:providers:lumier::default",
		State: old, OldInputs: old, Inputs: same})
	require.NoError(t, err)
	assert.False(t, resp.HasChanges, "the same token set again: %v", resp.DetailedDiff)
}

// TestResourceOfAnotherAccountIsLeftAlone: after lumier:accountId changes, a namespace deployed
// in the old account is neither diffed, read, updated nor deleted through the new one; each
// refusal names the resource, both accounts and the ways out. Nothing is deleted.
func TestResourceOfAnotherAccountIsLeftAlone(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	resp, err := s.Check(p.CheckRequest{Urn: kvURN("cache"), Inputs: property.NewMap(nil)})
	require.NoError(t, err)
	created, err := s.Create(p.CreateRequest{Urn: kvURN("cache"), Properties: resp.Inputs})
	require.NoError(t, err)
	nsID := created.Properties.Get("namespaceId").AsString()

	moved, err := configureWith(t, map[string]property.Value{"accountId": property.New(otherAccount)}, srv.URL())
	require.NoError(t, err)
	want := []string{
		`lumier:index:KvNamespace "cache" (id ` + testAccount + "/" + nsID + ") lives in Cloudflare account " + testAccount +
			", but lumier:accountId (or CLOUDFLARE_ACCOUNT_ID) is now " + otherAccount + ". lumier does not move " +
			"resources between accounts, and this setting change neither changes nor deletes anything.",
		"Either set the account back: `pulumi config set lumier:accountId " + testAccount + "`",
		"`pulumi state delete '" + string(kvURN("cache")) + "'` (it stays on Cloudflare in account " + testAccount + ")",
		"then `pulumi up` creates them anew in account " + otherAccount,
		"`pulumi import lumier:index:KvNamespace cache " + otherAccount + "/" + nsID + "`",
	}
	requireAll := func(op string, err error) {
		t.Helper()
		require.Error(t, err, op)
		for _, w := range want {
			assert.Contains(t, err.Error(), w, op)
		}
		assert.NotContains(t, err.Error(), testToken, op)
	}
	_, err = moved.Diff(p.DiffRequest{ID: created.ID, Urn: kvURN("cache"), State: created.Properties, Inputs: resp.Inputs})
	requireAll("diff", err)
	_, err = moved.Read(p.ReadRequest{ID: created.ID, Urn: kvURN("cache"), Properties: created.Properties, Inputs: resp.Inputs})
	requireAll("read", err)
	_, err = moved.Update(p.UpdateRequest{ID: created.ID, Urn: kvURN("cache"), State: created.Properties, Inputs: resp.Inputs})
	requireAll("update", err)
	requireAll("delete", moved.Delete(p.DeleteRequest{ID: created.ID, Urn: kvURN("cache"), Properties: created.Properties}))

	_, err = cfapi.New(srv.URL(), testToken, testAccount).KV.NamespaceByID(context.Background(), nsID)
	require.NoError(t, err, "the namespace is still there")
	// The same provider set back to the account works as before.
	diff, err := s.Diff(p.DiffRequest{ID: created.ID, Urn: kvURN("cache"), State: created.Properties, Inputs: resp.Inputs})
	require.NoError(t, err)
	assert.False(t, diff.HasChanges)
}

// TestConfigureRefusesMalformedAccountID: an account id that is not 32 hex digits fails at
// Configure (so at preview) naming the setting it came from, instead of Cloudflare's 7003 at up.
func TestConfigureRefusesMalformedAccountID(t *testing.T) {
	for _, bad := range []string{"my-account", strings.ToUpper(testAccount), testAccount[:31], testAccount + "0"} {
		_, err := configureWith(t, map[string]property.Value{"accountId": property.New(bad)}, "http://127.0.0.1:1/client/v4")
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), `lumier:accountId "`+bad+`" is not a Cloudflare account id: that is 32 lowercase `+
			`hexadecimal digits, as the dashboard's "Copy account ID" gives it. Set it with `+
			"`pulumi config set lumier:accountId <id>` (or the CLOUDFLARE_ACCOUNT_ID environment variable)", bad)
	}
	t.Setenv("CLOUDFLARE_ACCOUNT_ID", "acc-123")
	s := newTestServer(t)
	err := s.Configure(p.ConfigureRequest{Args: property.NewMap(map[string]property.Value{
		"apiToken": property.New(testToken).WithSecret(true),
	})})
	require.ErrorContains(t, err, `CLOUDFLARE_ACCOUNT_ID "acc-123" is not a Cloudflare account id`)
}

// TestWrongTokenFailsTheFirstOperation: a token the API refuses fails the first operation on a
// resource, a preview's included, with the setting to fix and never the token; the API is asked
// once per provider process, however many resources there are.
func TestWrongTokenFailsTheFirstOperation(t *testing.T) {
	srv := startLocal(t)
	const wrong = "wrong-token-5f2a"
	s := newTestServer(t)
	require.NoError(t, s.Configure(p.ConfigureRequest{Args: property.NewMap(map[string]property.Value{
		"apiToken":  property.New(wrong).WithSecret(true),
		"accountId": property.New(testAccount),
		"apiUrl":    property.New(srv.URL()),
	})}))
	resp, err := s.Check(p.CheckRequest{Urn: kvURN("cache"), Inputs: property.NewMap(nil)})
	require.NoError(t, err)
	for range 2 {
		_, err = s.Create(p.CreateRequest{Urn: kvURN("cache"), Properties: resp.Inputs, DryRun: true})
		require.Error(t, err, "a preview with a refused token")
		assert.Contains(t, err.Error(), "lumier cannot use the Cloudflare API at "+srv.URL()+" with the configured settings: "+
			"verifying API token: cloudflare: 1000 Invalid API Token (HTTP 401): the API token was refused; check "+
			"lumier:apiToken (or CLOUDFLARE_API_TOKEN)")
		assert.Contains(t, err.Error(), "Set another with `pulumi config set --secret lumier:apiToken <token>`")
		assert.NotContains(t, err.Error(), wrong)
	}
	assert.Equal(t, 1, verifyRequests(t, srv), "verified once")

	// With the right token, the check costs one call for the whole process.
	srv.ResetCalls()
	s = configured(t, srv)
	for _, name := range []string{"a", "b", "c"} {
		_, err := s.Create(p.CreateRequest{Urn: kvURN(name), Properties: resp.Inputs, DryRun: true})
		require.NoError(t, err)
	}
	assert.Equal(t, map[string]int{local.CallVerifyToken: 1}, srv.Calls())
}

// TestWrongAPIURLFailsTheFirstOperation: an API URL where nothing listens fails the preview at
// once, naming the setting, rather than passing it and failing the up.
func TestWrongAPIURLFailsTheFirstOperation(t *testing.T) {
	s, err := configureWith(t, nil, "http://127.0.0.1:1/client/v4")
	require.NoError(t, err)
	resp, err := s.Check(p.CheckRequest{Urn: kvURN("cache"), Inputs: property.NewMap(nil)})
	require.NoError(t, err)
	_, err = s.Create(p.CreateRequest{Urn: kvURN("cache"), Properties: resp.Inputs, DryRun: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot connect to the Cloudflare API at http://127.0.0.1:1/client/v4: ")
	assert.Contains(t, err.Error(), "Check lumier:apiUrl (or CLOUDFLARE_BASE_URL)")
	assert.NotContains(t, err.Error(), "retried", "a URL that never answered is not waited for")
}

// verifyRequests counts the token verifications in the local Cloudflare's request log, refused
// ones included (its call counts leave those out).
func verifyRequests(t *testing.T, srv *local.Server) int {
	t.Helper()
	data, err := os.ReadFile(srv.RequestLogPath())
	require.NoError(t, err)
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r requestlog.Record
		require.NoError(t, json.Unmarshal([]byte(line), &r), line)
		if strings.HasSuffix(r.Path, "/user/tokens/verify") {
			n++
		}
	}
	return n
}

// TestUnsetSettingsAreNotAChange: the provider `pulumi import` records holds only the settings
// the stack sets, and the program's provider holds the others as "": that is no change, in either
// direction; a setting that is set and changes still is one.
func TestUnsetSettingsAreNotAChange(t *testing.T) {
	s := newTestServer(t)
	urn := presource.URN("urn:pulumi:dev::my-app::pulumi:providers:lumier::default")
	set := map[string]property.Value{
		"accountId": property.New(testAccount),
		"apiToken":  property.New(testToken).WithSecret(true),
	}
	imported := property.NewMap(set)
	checked, err := s.CheckConfig(p.CheckRequest{Urn: urn, Inputs: imported})
	require.NoError(t, err)
	require.Equal(t, "", checked.Inputs.Get("workersPlan").AsString(), "infer writes an unset setting as \"\"")

	for name, pair := range map[string][2]property.Map{"after an import": {imported, checked.Inputs}, "back": {checked.Inputs, imported}} {
		diff, err := s.DiffConfig(p.DiffRequest{Urn: urn, OldInputs: pair[0], State: pair[0], Inputs: pair[1]})
		require.NoError(t, err)
		assert.False(t, diff.HasChanges, "%s: %v", name, diff.DetailedDiff)
	}
	moved := checked.Inputs.Set("apiUrl", property.New("http://127.0.0.1:1/client/v4"))
	diff, err := s.DiffConfig(p.DiffRequest{Urn: urn, OldInputs: imported, State: imported, Inputs: moved})
	require.NoError(t, err)
	assert.Contains(t, diff.DetailedDiff, "apiUrl", "a setting that is set and changes is a change")
}

package provider

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/internal/shapetest"
)

// workflowsClient answers GET .../workflows/orders-dev-order with the fixture (1 running,
// 1 waiting, 2 complete), orders-dev-done with the same counts all ended, and 404 otherwise.
func workflowsClient(t *testing.T) *cfapi.Client {
	t.Helper()
	live, _ := shapetest.Fixture(t, "workflows", "workflow-get")
	done := strings.NewReplacer(`"running": 1`, `"running": 0`, `"waiting": 1`, `"waiting": 0`).Replace(string(live))
	missing, _ := shapetest.Fixture(t, "workflows", "workflow-not-found")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/workflows/orders-dev-order"):
			_, _ = w.Write(live)
		case strings.HasSuffix(r.URL.Path, "/workflows/orders-dev-done"):
			_, _ = w.Write([]byte(done))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write(missing)
		}
	}))
	t.Cleanup(srv.Close)
	return cfapi.New(srv.URL, "token", "0123456789abcdef0123456789abcdef")
}

// guardWith is a guard's inputs under removal with Worker "api" defining workflows (none: the
// Worker is not declared).
func guardWith(removal string, workflows ...string) DataGuardArgs {
	a := DataGuardArgs{App: "orders", Removal: removal, Workers: map[string]GuardedWorker{"web": {ScriptName: "orders-dev-web"}}}
	if workflows != nil {
		a.Workers["api"] = GuardedWorker{ScriptName: "orders-dev-api", Workflows: workflows}
	}
	return a
}

// TestJudgeWorkflowsLeaving: a workflow with unfinished instances that leaves the app is refused
// under removal "retain" (dropped from its Worker, or leaving with it), warned of under "remove",
// refused when its Worker last deployed "remove" leaves while the app now says "retain"; one whose
// instances all ended, or already gone, passes without a word.
func TestJudgeWorkflowsLeaving(t *testing.T) {
	c := workflowsClient(t)
	all := []string{"orders-dev-order", "orders-dev-done", "orders-dev-gone"}
	judge := func(old, news DataGuardArgs) ([]string, error) {
		return judgeWorkflowsLeaving(context.Background(), c, workflowsLeaving(old, news), appHolder(old.App), old.Removal, news.Removal)
	}

	warnings, err := judge(guardWith(RemovalRetain, all...), guardWith(RemovalRetain, []string{}...))
	require.Error(t, err)
	assert.Empty(t, warnings)
	assert.Equal(t, `app "orders": workflow "orders-dev-order" is no longer defined by Worker "api", and 2 of its instances `+
		`have not finished (1 running, 1 waiting).`, strings.Split(err.Error(), "\n")[0], "only the unfinished one is named")
	assert.Contains(t, err.Error(), `A workflow that leaves the app under removal "retain" (the default) is not deleted`)

	_, err = judge(guardWith(RemovalRetain, all...), guardWith(RemovalRetain))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `workflow "orders-dev-order" leaves with Worker "api", which is no longer declared, and 2 of its instances`)

	warnings, err = judge(guardWith(RemovalRemove, all...), guardWith(RemovalRemove))
	require.NoError(t, err)
	assert.Equal(t, []string{`app "orders": workflow "orders-dev-order" leaves with Worker "api", which is no longer declared, and 2 of its ` +
		`instances have not finished (1 running, 1 waiting): removal is "remove", so this deploy DELETES the workflow and stops them`}, warnings)

	_, err = judge(guardWith(RemovalRemove, all...), guardWith(RemovalRetain))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `so this deploy would DELETE the workflow and stop them although the app now says removal "retain"`)

	// A workflow dropped from a Worker that stays follows this deploy's removal.
	warnings, err = judge(guardWith(RemovalRetain, all...), guardWith(RemovalRemove, []string{}...))
	require.NoError(t, err)
	assert.Len(t, warnings, 1)

	warnings, err = judge(guardWith(RemovalRetain, "orders-dev-done", "orders-dev-gone"), guardWith(RemovalRetain))
	assert.NoError(t, err)
	assert.Empty(t, warnings)
	assert.Empty(t, workflowsLeaving(guardWith(RemovalRetain, all...), guardWith(RemovalRetain, all...)))
}

// TestJudgeScriptWorkflowsLeaving: a standalone script's workflow binding dropped while instances
// have not finished is refused by the App's rule in the script's words, warned of under
// deleteData: true; a script of an App is left to the App's guard.
func TestJudgeScriptWorkflowsLeaving(t *testing.T) {
	c := workflowsClient(t)
	script := func(deleteData bool, workflows ...string) ScriptArgs {
		a := ScriptArgs{ScriptName: "orders-api", DeleteData: deleteData}
		for _, w := range workflows {
			a.Bindings = append(a.Bindings, Binding{Name: strings.ToUpper(w), Type: cfapi.BindingWorkflow,
				WorkflowName: ptr(w), ClassName: ptr("OrderWorkflow")})
		}
		return a
	}
	judge := func(old, news ScriptArgs) ([]string, error) {
		return judgeWorkflowsLeaving(context.Background(), c, scriptWorkflowsLeaving(old, news),
			scriptHolder(news.ScriptName), removalOf(old.DeleteData), removalOf(news.DeleteData))
	}
	warnings, err := judge(script(false, "orders-dev-order", "orders-dev-done"), script(false))
	require.Error(t, err)
	assert.Empty(t, warnings)
	assert.Equal(t, `script "orders-api": workflow "orders-dev-order" is no longer defined by its bindings, and 2 of its `+
		`instances have not finished (1 running, 1 waiting).`, strings.Split(err.Error(), "\n")[0])
	assert.Contains(t, err.Error(), `A workflow that leaves a script whose deleteData is false (the default) is not deleted`)
	assert.Contains(t, err.Error(), `To keep it, bind it again.`)
	assert.Contains(t, err.Error(), `or deploy deleteData: true while it is still bound, then remove it`)

	warnings, err = judge(script(true, "orders-dev-order"), script(true))
	require.NoError(t, err)
	assert.Equal(t, []string{`script "orders-api": workflow "orders-dev-order" is no longer defined by its bindings, and 2 of ` +
		`its instances have not finished (1 running, 1 waiting): deleteData is true, so this deploy DELETES the workflow and stops them`}, warnings)

	assert.Empty(t, scriptWorkflowsLeaving(script(false, "orders-dev-order"), script(false, "orders-dev-order")))

	const project = "urn:pulumi:dev::orders::"
	assert.True(t, underApp(project+"lumier:index:App$lumier:index:Worker$lumier:index:Script::api"))
	assert.False(t, underApp(project+"lumier:index:Worker$lumier:index:Script::api"))
	assert.False(t, underApp(project+"lumier:index:Script::api"))
	assert.False(t, underApp(""))
}

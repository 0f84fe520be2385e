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
		return judgeWorkflowsLeaving(context.Background(), c, workflowsLeaving(old, news), old, news)
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

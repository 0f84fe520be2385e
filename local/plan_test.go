package local

import (
	"errors"
	"net/http"
	"testing"

	"github.com/lumier-dev/lumier/local/rules"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const freePlanMessage = "In order to use Durable Objects with a free plan, you must create a namespace using a `new_sqlite_classes` migration."

func TestParsePlan(t *testing.T) {
	for in, want := range map[string]Plan{"": PlanFree, "free": PlanFree, "paid": PlanPaid, "paid-kv": PlanPaidKV} {
		got, err := ParsePlan(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := ParsePlan("enterprise")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown plan "enterprise"`)
	assert.Contains(t, err.Error(), "paid-kv")
}

// The rule alone, case by case: which plans refuse which migrations.
func TestPlanCheckNewClasses(t *testing.T) {
	kvNew := &rules.Migrations{NewTag: "v1", Steps: []rules.Step{{NewClasses: []string{"Kv"}}}}
	sqlNew := &rules.Migrations{NewTag: "v1", Steps: []rules.Step{{NewSQLiteClasses: []string{"Sql"}}}}
	// A rename and a transfer of an existing KV-backed class create no new namespace.
	moves := &rules.Migrations{OldTag: "v1", NewTag: "v2", Steps: []rules.Step{
		{RenamedClasses: []rules.Rename{{From: "Kv", To: "Kv2"}}},
		{TransferredClasses: []rules.Transfer{{From: "Old", FromScript: "other", To: "Moved"}}},
	}}
	sqlOnly := []rules.Namespace{{ID: "1", Script: "a", Class: "Sql", SQLite: true}}
	withKV := append(sqlOnly, rules.Namespace{ID: "2", Script: "b", Class: "Kv", SQLite: false})

	refused := func(t *testing.T, err error) *rules.Error {
		t.Helper()
		var re *rules.Error
		require.True(t, errors.As(err, &re), "want a Cloudflare error, got %v", err)
		assert.Equal(t, 10097, re.Code)
		assert.Equal(t, http.StatusBadRequest, re.Status)
		return re
	}

	t.Run("free refuses a KV-backed class with 10097", func(t *testing.T) {
		re := refused(t, PlanFree.CheckNewClasses(withKV, kvNew))
		assert.Equal(t, freePlanMessage, re.Message)
	})
	t.Run("paid without a KV-backed namespace refuses", func(t *testing.T) {
		re := refused(t, PlanPaid.CheckNewClasses(sqlOnly, kvNew))
		assert.Contains(t, re.Message, "'Kv'")
		assert.Contains(t, re.Message, "new_sqlite_classes")
	})
	t.Run("paid with an existing KV-backed namespace accepts", func(t *testing.T) {
		assert.NoError(t, PlanPaid.CheckNewClasses(withKV, kvNew))
	})
	t.Run("paid-kv accepts", func(t *testing.T) {
		assert.NoError(t, PlanPaidKV.CheckNewClasses(nil, kvNew))
	})
	t.Run("SQLite classes, renames and transfers pass on every plan", func(t *testing.T) {
		for _, p := range []Plan{PlanFree, PlanPaid, PlanPaidKV} {
			assert.NoError(t, p.CheckNewClasses(nil, sqlNew), p)
			assert.NoError(t, p.CheckNewClasses(withKV, moves), p)
			assert.NoError(t, p.CheckNewClasses(nil, nil), p)
		}
	})
}

func TestNewRejectsUnknownPlan(t *testing.T) {
	_, err := New(Options{Addr: "127.0.0.1:0", StateDir: t.TempDir(), Plan: "gold"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown plan "gold"`)
}

// Through the API: the default plan (a new account's, free) refuses new_classes with 10097 and
// changes nothing; a paid account refuses it until it has a KV-backed namespace, which one made
// while the account allowed it (paid-kv) keeps granting.
func TestPlanThroughAPI(t *testing.T) {
	kvUpload := func(tag, class string) map[string]any {
		return meta(map[string]any{"migrations": migrations("", tag, step("new_classes", []string{class}))})
	}

	t.Run("default plan is free and refuses with 10097", func(t *testing.T) {
		s := startServer(t, t.TempDir(), Options{})
		assert.Equal(t, PlanFree, s.Plan())
		_, err := putScript(t, s, "free-kv", kvUpload("v1", "Kv"), doSrc("Kv"))
		requireCode(t, err, 10097, freePlanMessage)
		assert.NotContains(t, s.Scripts(), "free-kv", "a refused upload changes nothing")
		mustUpload(t, s, "free-sql", meta(map[string]any{"migrations": migrations("", "v1", step("new_sqlite_classes", []string{"Sql"}))}), doSrc("Sql"))
	})

	t.Run("paid refuses until the account has a KV-backed namespace", func(t *testing.T) {
		dir := t.TempDir()
		s := startServer(t, dir, Options{Plan: PlanPaid})
		_, err := putScript(t, s, "paid-kv-a", kvUpload("v1", "Kv"), doSrc("Kv"))
		requireCode(t, err, 10097, "new_sqlite_classes")
		require.NoError(t, s.Close())

		// The account gets a KV-backed namespace while it may (as before 2026-07-09) ...
		s = startServer(t, dir, Options{Plan: PlanPaidKV})
		mustUpload(t, s, "paid-kv-a", kvUpload("v1", "Kv"), doSrc("Kv"))
		require.NoError(t, s.Close())

		// ... and as a paid account it keeps the right to create more.
		s = startServer(t, dir, Options{Plan: PlanPaid})
		mustUpload(t, s, "paid-kv-b", kvUpload("v1", "Kv"), doSrc("Kv"))
	})
}

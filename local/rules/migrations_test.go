package rules

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ids() func() string {
	n := 0
	return func() string { n++; return fmt.Sprintf("id%d", n) }
}

func doBinding(name, class, script string) Binding {
	return Binding{Name: name, Type: BindingDurableObject, ClassName: class, ScriptName: script}
}

// counterAccount is an account with script "api" hosting KV class Counter (tag v1), bound by itself.
func counterAccount() Account {
	return Account{
		Scripts: map[string]Script{
			"api": {Tag: "v1", Exports: []string{"Counter", "default"}, Bindings: []Binding{doBinding("COUNTER", "Counter", "")}},
		},
		Namespaces: []Namespace{{ID: "ns-counter", Script: "api", Class: "Counter"}},
	}
}

func requireCode(t *testing.T, err error, code int) *Error {
	t.Helper()
	var e *Error
	require.True(t, errors.As(err, &e), "want *rules.Error with code %d, got %v", code, err)
	assert.Equal(t, code, e.Code, e.Message)
	return e
}

func TestCheckUploadNewScriptCreatesNamespace(t *testing.T) {
	out, err := CheckUpload(Account{Scripts: map[string]Script{}}, Upload{
		Script:     "api",
		Exports:    []string{"Counter", "default"},
		Bindings:   []Binding{doBinding("COUNTER", "Counter", "")},
		Migrations: &Migrations{NewTag: "v1", Steps: []Step{{NewSQLiteClasses: []string{"Counter"}}}},
	}, ids())
	require.NoError(t, err)
	assert.Equal(t, "v1", out.Tag)
	assert.Equal(t, []Namespace{{ID: "id1", Script: "api", Class: "Counter", SQLite: true}}, out.Namespaces)
}

func TestCheckUploadTagPrecondition(t *testing.T) {
	// Wrong old tag on a tagged script.
	e := requireCode(t, mustFail(CheckUpload(counterAccount(), Upload{
		Script: "api", Exports: []string{"Counter"},
		Migrations: &Migrations{OldTag: "v0", NewTag: "v2"},
	}, ids())), CodeTagPrecondition)
	assert.Equal(t, 412, e.Status)
	assert.Contains(t, e.Message, "got tag 'v0' when expected tag is 'v1'")

	// A script with no tag accepts no old_tag.
	_ = requireCode(t, mustFail(CheckUpload(Account{}, Upload{
		Script: "fresh", Migrations: &Migrations{OldTag: "v1", NewTag: "v2"},
	}, ids())), CodeTagPrecondition)
}

func TestCheckUploadNoMigrationsKeepsTag(t *testing.T) {
	out, err := CheckUpload(counterAccount(), Upload{
		Script: "api", Exports: []string{"Counter", "default"}, Bindings: []Binding{doBinding("COUNTER", "Counter", "")},
	}, ids())
	require.NoError(t, err)
	assert.Equal(t, "v1", out.Tag)
	assert.Equal(t, counterAccount().Namespaces, out.Namespaces)
}

func TestCheckUploadRejections(t *testing.T) {
	step := func(s Step) *Migrations { return &Migrations{OldTag: "v1", NewTag: "v2", Steps: []Step{s}} }
	two := Account{
		Scripts: map[string]Script{
			"api":   {Tag: "v1", Exports: []string{"Counter"}},
			"other": {Exports: []string{"Room"}, Bindings: []Binding{doBinding("ROOM", "Room", "")}},
		},
		Namespaces: []Namespace{{ID: "a", Script: "api", Class: "Counter"}, {ID: "b", Script: "other", Class: "Room", SQLite: true}},
	}
	cases := []struct {
		name string
		acct Account
		up   Upload
		code int
		msg  string
	}{
		{"binding to a class never migrated", counterAccount(),
			Upload{Script: "api", Exports: []string{"Counter", "Other"}, Bindings: []Binding{doBinding("X", "Other", "")}},
			CodeBinding, "not currently configured to implement Durable Objects"},
		{"bound class not exported", counterAccount(),
			Upload{Script: "api", Exports: []string{"default"}, Bindings: []Binding{doBinding("COUNTER", "Counter", "")}},
			CodeBinding, "that is not exported by the script"},
		{"cross-script binding to a missing script", counterAccount(),
			Upload{Script: "api", Exports: []string{"Counter"}, Bindings: []Binding{doBinding("X", "Room", "nope")}},
			CodeBinding, "in script 'nope' that does not exist"},
		{"existing class no longer exported", counterAccount(),
			Upload{Script: "api", Exports: []string{"default"}},
			CodeNotExported, "does not export class 'Counter'"},
		{"new class not exported", counterAccount(),
			Upload{Script: "api", Exports: []string{"Counter"}, Migrations: step(Step{NewClasses: []string{"Ghost"}})},
			CodeMigration, "new-class migration to class 'Ghost' that is not exported"},
		{"new class that already exists", counterAccount(),
			Upload{Script: "api", Exports: []string{"Counter"}, Migrations: step(Step{NewClasses: []string{"Counter"}})},
			CodeMigration, "already depended on by existing Durable Objects"},
		{"storage change KV to SQLite", counterAccount(),
			Upload{Script: "api", Exports: []string{"Counter"}, Migrations: step(Step{NewSQLiteClasses: []string{"Counter"}})},
			CodeMigration, "storage backend (key-value) cannot be changed"},
		{"rename of an unknown class", counterAccount(),
			Upload{Script: "api", Exports: []string{"Counter"}, Migrations: step(Step{RenamedClasses: []Rename{{From: "Nope", To: "X"}}})},
			CodeMigration, "rename-class migration to class 'Nope'"},
		{"rename onto an existing class", two,
			Upload{Script: "api", Exports: []string{"Counter"}, Migrations: step(Step{NewClasses: []string{"B"}, RenamedClasses: []Rename{{From: "Counter", To: "B"}}})},
			CodeMigration, "cannot be the target of more than one migration"},
		{"delete of an unknown class", counterAccount(),
			Upload{Script: "api", Exports: []string{"Counter"}, Migrations: step(Step{DeletedClasses: []string{"Nope"}})},
			CodeMigration, "delete-class migration to class 'Nope'"},
		{"delete of a class still bound", counterAccount(),
			Upload{Script: "api", Exports: []string{"Counter"}, Bindings: []Binding{doBinding("COUNTER", "Counter", "")},
				Migrations: step(Step{DeletedClasses: []string{"Counter"}})},
			CodeBinding, "without also removing the binding"},
		{"transfer of an unknown class", two,
			Upload{Script: "api", Exports: []string{"Counter", "Room"}, Migrations: step(Step{TransferredClasses: []Transfer{{From: "Nope", FromScript: "other", To: "Room"}}})},
			CodeMigration, "transfer-class migration to class 'Nope'"},
		{"transfer from an unknown script", two,
			Upload{Script: "api", Exports: []string{"Counter", "Room"}, Migrations: step(Step{TransferredClasses: []Transfer{{From: "Room", FromScript: "ghost", To: "Room"}}})},
			CodeMigration, "previous version of the script 'ghost'"},
		{"transfer of a class still bound by its source", two,
			Upload{Script: "api", Exports: []string{"Counter", "Room"}, Migrations: step(Step{TransferredClasses: []Transfer{{From: "Room", FromScript: "other", To: "Room"}}})},
			CodeBinding, "transfer-class migration to class 'Room' of script 'other'"},
		{"same class in two steps", counterAccount(),
			Upload{Script: "api", Exports: []string{"Counter", "A"}, Migrations: &Migrations{OldTag: "v1", Steps: []Step{{NewClasses: []string{"A"}}, {DeletedClasses: []string{"A"}}}}},
			CodeMigration, "class 'A' cannot be the target of more than one migration"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := requireCode(t, mustFail(CheckUpload(c.acct, c.up, ids())), c.code)
			assert.Contains(t, e.Message, c.msg)
			assert.Equal(t, 400, e.Status)
		})
	}
}

func TestCheckUploadRenameKeepsIdentity(t *testing.T) {
	out, err := CheckUpload(counterAccount(), Upload{
		Script: "api", Exports: []string{"Tally"}, Bindings: []Binding{doBinding("COUNTER", "Tally", "")},
		Migrations: &Migrations{OldTag: "v1", NewTag: "v2", Steps: []Step{{RenamedClasses: []Rename{{From: "Counter", To: "Tally"}}}}},
	}, ids())
	require.NoError(t, err)
	assert.Equal(t, []Namespace{{ID: "ns-counter", Script: "api", Class: "Tally"}}, out.Namespaces)
	assert.Empty(t, out.Dropped)
	assert.Equal(t, "v2", out.Tag)
}

func TestCheckUploadDeleteDropsNamespace(t *testing.T) {
	out, err := CheckUpload(counterAccount(), Upload{
		Script: "api", Exports: []string{"default"},
		Migrations: &Migrations{OldTag: "v1", NewTag: "v2", Steps: []Step{{DeletedClasses: []string{"Counter"}}}},
	}, ids())
	require.NoError(t, err)
	assert.Empty(t, out.Namespaces)
	assert.Equal(t, []Namespace{{ID: "ns-counter", Script: "api", Class: "Counter"}}, out.Dropped)
}

func TestCheckUploadTransferMovesIdentity(t *testing.T) {
	acct := Account{
		Scripts:    map[string]Script{"old": {Exports: []string{"Room"}}},
		Namespaces: []Namespace{{ID: "room", Script: "old", Class: "Room", SQLite: true}},
	}
	out, err := CheckUpload(acct, Upload{
		Script: "new", Exports: []string{"Chat"}, Bindings: []Binding{doBinding("CHAT", "Chat", "")},
		Migrations: &Migrations{NewTag: "v1", Steps: []Step{{TransferredClasses: []Transfer{{From: "Room", FromScript: "old", To: "Chat"}}}}},
	}, ids())
	require.NoError(t, err)
	assert.Equal(t, []Namespace{{ID: "room", Script: "new", Class: "Chat", SQLite: true}}, out.Namespaces)
}

func TestCheckUploadUnknownExportsArePermissive(t *testing.T) {
	_, err := CheckUpload(counterAccount(), Upload{Script: "api", Bindings: []Binding{doBinding("COUNTER", "Counter", "")}}, ids())
	require.NoError(t, err)
}

func mustFail(_ Outcome, err error) error { return err }

package provider

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNewKVClasses(t *testing.T) {
	no, yes := ptr(false), ptr(true)
	old := []Class{{ClassName: "Existing", SQLite: no}}
	classes := []Class{
		{ClassName: "Existing", SQLite: no},                          // already deployed: no warning
		{ClassName: "Fresh", SQLite: no},                             // new and KV-backed: warned
		{ClassName: "Default"},                                       // SQLite by default
		{ClassName: "Explicit", SQLite: yes},                         // SQLite
		{ClassName: "Renamed", SQLite: no, RenamedFrom: ptr("Gone")}, // keeps a namespace
		{ClassName: "Moved", SQLite: no, TransferredFrom: &ClassRef{ScriptName: "other", ClassName: "M"}},
	}
	assert.Equal(t, []string{"Fresh"}, newKVClasses(classes, old))
	assert.Equal(t, []string{"Existing", "Fresh"}, newKVClasses(classes[:2], nil), "nothing declared before: both are new")
}

func TestKVClassWarning(t *testing.T) {
	w := kvClassWarning("app-dev-api", "Counter")
	for _, want := range []string{`"Counter"`, `"app-dev-api"`, "sqlite: false", "free plans and on new accounts", "10097", "SQLite is the default"} {
		assert.Contains(t, w, want)
	}
}

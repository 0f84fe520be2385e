package rules

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckDelete(t *testing.T) {
	acct := Account{
		Scripts: map[string]Script{
			"host":  {Bindings: []Binding{doBinding("ROOM", "Room", "")}},
			"user":  {Bindings: []Binding{doBinding("ROOM", "Room", "host"), {Name: "V", Type: "plain_text"}}},
			"plain": {},
		},
		Namespaces: []Namespace{{ID: "r", Script: "host", Class: "Room"}},
	}

	_, err := CheckDelete(acct, "host", false)
	e := requireCode(t, err, CodeServiceBindingConflict)
	assert.Contains(t, e.Message, "user (ROOM)")

	del, err := CheckDelete(acct, "host", true)
	require.NoError(t, err)
	assert.Empty(t, del.Namespaces)
	assert.Equal(t, []Namespace{{ID: "r", Script: "host", Class: "Room"}}, del.Dropped)
	assert.Equal(t, map[string][]string{"user": {"ROOM"}}, del.Unbound)

	// Only Durable Objects, no referencing script: needs force too.
	alone := Account{Scripts: map[string]Script{"host": {}}, Namespaces: acct.Namespaces}
	_, err = CheckDelete(alone, "host", false)
	e = requireCode(t, err, CodeNotExported)
	assert.Contains(t, e.Message, "force=true")

	del, err = CheckDelete(acct, "plain", false)
	require.NoError(t, err)
	assert.Equal(t, acct.Namespaces, del.Namespaces)
	assert.Empty(t, del.Dropped)
}

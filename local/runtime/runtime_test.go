package runtime

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/rules"
)

// workerd's refusal gets Cloudflare's code for the class's case; anything else is a script that
// does not load.
func TestRuntimeRejection(t *testing.T) {
	const warning = `A DurableObjectNamespace in the config referenced the class "%s", but no such Durable Object class is exported from the worker.`
	prev := account.NewState()
	prev.Namespaces = []rules.Namespace{{ID: "old", Script: "api", Class: "Old"}}
	next := prev.Clone()
	next.Scripts["api"] = &account.Script{Name: "api", Bindings: []account.Binding{{Type: rules.BindingDurableObject, Name: "B", ClassName: "Bound"}}}
	next.Namespaces = append(next.Namespaces,
		rules.Namespace{ID: "new", Script: "api", Class: "New", SQLite: true},
		rules.Namespace{ID: "b", Script: "api", Class: "Bound"})

	code := func(msg string) (int, string) {
		var e *envelope.Error
		require.ErrorAs(t, runtimeRejection(prev, next, "api", msg), &e)
		return e.Code, e.Message
	}
	c, msg := code(fmt.Sprintf(warning, "Bound"))
	assert.Equal(t, rules.CodeBinding, c, msg)
	c, msg = code(fmt.Sprintf(warning, "Old"))
	assert.Equal(t, rules.CodeNotExported, c, msg)
	c, msg = code(fmt.Sprintf(warning, "New"))
	assert.Equal(t, rules.CodeMigration, c)
	assert.Contains(t, msg, "new-sqlite-class")
	c, msg = code("service api: Uncaught SyntaxError: Unexpected token\n  at index.js:1:2")
	assert.Equal(t, envelope.CodeValidation, c)
	assert.Equal(t, "service api: Uncaught SyntaxError: Unexpected token\n  at index.js:1:2", msg)
}

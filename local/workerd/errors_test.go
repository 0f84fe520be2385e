package workerd

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Lines as workerd 1.20261117.1 prints them (recorded from real runs).
const missingClassWarning = `workerd/server/server/worker.rs:468: warning: A DurableObjectNamespace in the config ` +
	`referenced the class "Counter", but no such Durable Object class is exported from the worker. ` +
	`Please make sure the class name matches, it is exported, and the class extends 'DurableObject'. ` +
	`Attempts to call to this Durable Object class will fail at runtime, but historically this was not a ` +
	`startup-time error. Future versions of workerd may make this a startup-time error.`

func TestSummarizeKeepsTheRealErrorOnly(t *testing.T) {
	lines := []string{
		"service api: Uncaught SyntaxError: Unexpected token 'new'",
		"  at index.js:1:33",
		missingClassWarning,
		"",
	}
	assert.Equal(t, "service api: Uncaught SyntaxError: Unexpected token 'new'\n  at index.js:1:33", summarize(lines))
}

func TestSummarizeMissingClassAlone(t *testing.T) {
	assert.True(t, hasMissingClass([]string{missingClassWarning}))
	assert.Equal(t, `A DurableObjectNamespace in the config referenced the class "Counter", but no such Durable `+
		`Object class is exported from the worker. Please make sure the class name matches, it is exported, `+
		`and the class extends 'DurableObject'.`, summarize([]string{missingClassWarning}))
}

func TestSummarizeStripsSourceLocations(t *testing.T) {
	assert.Equal(t, "something failed", summarize([]string{"workerd/server/server.c++:1234: error: something failed"}))
	assert.False(t, hasMissingClass([]string{"service api: Uncaught Error: boom"}))
}

func TestConfigErrorText(t *testing.T) {
	err := &ConfigError{Message: "service api: Uncaught Error: boom"}
	assert.Equal(t, "workerd rejected the scripts: service api: Uncaught Error: boom", err.Error())
}

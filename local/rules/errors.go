// Package rules holds Cloudflare's rules for Durable Object migrations, bindings and script
// deletion, as pure functions over the account's state. The local Cloudflare runs them before it
// touches workerd or its state directory, so a rejected request changes nothing.
//
// Codes and messages follow docs/cloudflare-api.md in this repository (collected from Cloudflare's
// documentation, SDKs, wrangler's tests and errors quoted from the live API). Where Cloudflare's
// behaviour could not be confirmed, the closest documented code is used and the comment at the
// call site says so.
package rules

import (
	"fmt"
	"net/http"
)

// Error is a rejection in Cloudflare's terms: the HTTP status, Cloudflare's error code and message.
type Error struct {
	Status  int
	Code    int
	Message string
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("%s [code: %d]", e.Message, e.Code)
}

// Cloudflare's error codes used by these rules.
const (
	// CodeBinding (10061): a Durable Object binding cannot be created or would dangle.
	CodeBinding = 10061
	// CodeNotExported (10064): an existing class is no longer exported by the script.
	CodeNotExported = 10064
	// CodeMigration (10074): a migration step is invalid (class exists, unknown, targeted twice).
	CodeMigration = 10074
	// CodeTagPrecondition (10079): old_tag does not match the script's current migration tag.
	CodeTagPrecondition = 10079
	// CodeServiceBindingConflict (10142): the script is still referenced by another script.
	CodeServiceBindingConflict = 10142
)

func badRequest(code int, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Message: fmt.Sprintf(format, args...)}
}

package account

import (
	"net/http"
	"regexp"

	"github.com/lumier-dev/lumier/local/envelope"
)

// scriptName is Cloudflare's rule for script names (docs/cloudflare-api.md): lowercase letters,
// digits, '-' and '_', not starting with '-', at most 63 characters.
var scriptName = regexp.MustCompile(`^[a-z0-9_][a-z0-9_-]*$`)

// CodeInvalidName is Cloudflare's refusal of a script name that does not match its rule.
const CodeInvalidName = 10016

// ValidScriptName refuses a script name Cloudflare does not accept, with its code and text.
func ValidScriptName(name string) *envelope.Error {
	if !scriptName.MatchString(name) || len(name) > 63 {
		// Cloudflare's code and text for an invalid name (lowercase letters, digits, "-" and "_",
		// at most 63 characters).
		return envelope.NewError(http.StatusBadRequest, CodeInvalidName, "workers.api.error.invalid_script_name")
	}
	return nil
}

package workerd

import (
	"regexp"
	"strings"
)

// ConfigError reports that workerd refused to run a set of scripts: a syntax error, a top-level
// throw, a class that is not exported, a binding to nothing. Message is workerd's own text
// (for example "service api: Uncaught SyntaxError: Unexpected token 'new'\n  at index.js:1:33"),
// trimmed of source locations and unrelated warnings, fit to show to the person who uploaded.
type ConfigError struct {
	Message string
}

// Error implements error.
func (e *ConfigError) Error() string {
	return "workerd rejected the scripts: " + e.Message
}

// sourcePrefix matches the location workerd puts before its own log lines
// ("workerd/server/server/worker.rs:468: warning: "): it is about workerd's code, not the user's.
var sourcePrefix = regexp.MustCompile(`^[\w./+-]+\.(?:c\+\+|h|rs|cc|cpp):\d+: (?:error|warning|info|debug): `)

// missingClassMarker identifies workerd's warning for a namespace whose class the Worker does not
// export. workerd still starts in that case; Cloudflare refuses the upload, so we do too.
const missingClassMarker = "no such Durable Object class is exported"

// hasMissingClass reports whether workerd warned about a namespace whose class is not exported.
func hasMissingClass(lines []string) bool {
	for _, l := range lines {
		if strings.Contains(l, missingClassMarker) {
			return true
		}
	}
	return false
}

// summarize turns workerd's stderr lines from a failed start into a message. The missing-class
// warning is kept only when nothing else was reported: workerd also prints it when a module
// failed to load (no class could be found then), where it only hides the real error.
func summarize(lines []string) string {
	var errs, warnings []string
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if strings.TrimSpace(l) == "" {
			continue
		}
		l = sourcePrefix.ReplaceAllString(l, "")
		if strings.Contains(l, missingClassMarker) {
			// Drop the history lesson that follows the actionable sentence.
			if i := strings.Index(l, " Attempts to call"); i > 0 {
				l = l[:i]
			}
			warnings = append(warnings, l)
			continue
		}
		errs = append(errs, l)
	}
	if len(errs) == 0 {
		errs = warnings
	}
	return strings.Join(errs, "\n")
}

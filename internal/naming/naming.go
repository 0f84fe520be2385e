// Package naming holds the naming rules shared by the provider and the Go helper: script names
// built from app, stage and resource names, and binding names the Worker can read.
package naming

import (
	"fmt"
	"regexp"
	"strings"
)

// Cloudflare accepts script names of lowercase letters, digits, '-' and '_' up to 63 characters.
var scriptNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// Script names are built from app, stage and resource names joined by '-', so each
// part must itself be a valid fragment: lowercase letters, digits and '-'.
var namePartPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// Binding names become properties of `env` in the Worker, so they must be JavaScript identifiers.
var bindingNamePattern = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

// ScriptName returns the script name of a Worker: "<app>-<stage>-<name>".
func ScriptName(app, stage, name string) (string, error) {
	return QualifiedName("worker", app, stage, name)
}

// QualifiedName returns the name on Cloudflare of an app's resource of the given kind ("worker",
// "queue", "R2 bucket", ...): "<app>-<stage>-<name>". Errors name the part at fault by its kind.
func QualifiedName(kind, app, stage, name string) (string, error) {
	for _, part := range []struct{ what, value string }{{"app", app}, {"stage", stage}, {kind, name}} {
		if err := ValidateNamePart(part.what, part.value); err != nil {
			return "", err
		}
	}
	full := app + "-" + stage + "-" + name
	if err := validateFullName(kind, full); err != nil {
		return "", err
	}
	return full, nil
}

// Suggest is a valid name part for what close to s (lowercased, other characters turned into '-').
func Suggest(what, s string) string { return suggestName(what, s) }

// ValidateNamePart checks one part of a qualified name (what says which: "app", "stage", ...):
// lowercase letters, digits and '-', starting and ending with a letter or digit.
func ValidateNamePart(what, value string) error {
	if value == "" {
		return fmt.Errorf("the %s name is empty: set it (lowercase letters, digits and '-'), since names on "+
			"Cloudflare are \"<app>-<stage>-<name>\"", what)
	}
	if !namePartPattern.MatchString(value) {
		return fmt.Errorf("%s name %q is not valid: use lowercase letters, digits and '-', starting and ending "+
			"with a letter or digit (for example %q)", what, value, suggestName(what, value))
	}
	return nil
}

// validateFullName checks a qualified name: a Worker's against Cloudflare's script name rule,
// others against the length every kind shares.
func validateFullName(kind, full string) error {
	if kind == "worker" {
		return ValidateScriptName(full)
	}
	if len(full) > 63 {
		return fmt.Errorf("%s name %q is %d characters long; Cloudflare allows at most 63: shorten the app, "+
			"stage or %s name", kind, full, len(full), kind)
	}
	return nil
}

// ValidateScriptName checks a script name against Cloudflare's rule.
func ValidateScriptName(script string) error {
	if !scriptNamePattern.MatchString(script) {
		if len(script) > 63 {
			return fmt.Errorf("script name %q is %d characters long; Cloudflare allows at most 63: shorten the app, "+
				"stage or worker name", script, len(script))
		}
		return fmt.Errorf("script name %q is not valid: Cloudflare accepts lowercase letters, digits, '-' and '_' "+
			"(at most 63 characters)", script)
	}
	return nil
}

// ValidateBindingName checks that a binding name is a JavaScript identifier.
func ValidateBindingName(name string) error {
	if !bindingNamePattern.MatchString(name) {
		return fmt.Errorf("binding name %q is not a valid JavaScript identifier, so the Worker could not read it as "+
			"env.%s: use letters, digits, '_' or '$', not starting with a digit (for example %q)", name, name, suggestBinding(name))
	}
	return nil
}

// suggestName turns an invalid name into a valid one, for error messages only.
func suggestName(what, s string) string {
	out := regexp.MustCompile(`[^a-z0-9-]+`).ReplaceAllString(strings.ToLower(s), "-")
	out = regexp.MustCompile(`^-+|-+$`).ReplaceAllString(out, "")
	if out == "" {
		return "my-" + strings.ToLower(what)
	}
	return out
}

func suggestBinding(s string) string {
	out := regexp.MustCompile(`[^A-Za-z0-9_$]+`).ReplaceAllString(s, "_")
	if out == "" || (out[0] >= '0' && out[0] <= '9') {
		out = "_" + out
	}
	return out
}

// Cloudflare's account ids are 32 lowercase hexadecimal digits: the API schema's identifier is at
// most 32 characters, and every id it shows, like the ids the dashboard copies, is 32 hex digits
// (docs/cloudflare-api.md, "Account ids").
var accountIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// IsAccountID reports whether id has the form of a Cloudflare account id.
func IsAccountID(id string) bool {
	return accountIDPattern.MatchString(id)
}

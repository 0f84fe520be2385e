package provider

import "fmt"

// newKVClasses lists the declared classes that the next deploy would create with key-value
// storage (sqlite: false): not declared before (old) and not a rename or a transfer, which keep
// an existing namespace. Cloudflare refuses such a class on the free plan, and on any account
// without a KV-backed namespace since 2026-07-09 (code 10097, docs/cloudflare-api.md), but the
// provider cannot know the account's plan at preview, so it warns rather than fails.
func newKVClasses(classes, old []Class) []string {
	declared := map[string]bool{}
	for _, o := range old {
		declared[o.ClassName] = true
	}
	var out []string
	for _, c := range classes {
		if c.sqlite() || declared[c.ClassName] || c.renamedFrom() != "" || c.TransferredFrom != nil {
			continue
		}
		out = append(out, c.ClassName)
	}
	return out
}

// kvClassWarning is the preview's warning for a new KV-backed class.
func kvClassWarning(script, class string) string {
	return fmt.Sprintf("Durable Object class %q of script %q declares sqlite: false, a new class with key-value storage: "+
		"Cloudflare refuses it on free plans and on new accounts (accounts without a key-value-backed Durable Object "+
		"namespace), with code 10097. SQLite is the default storage: remove `sqlite: false` unless this account "+
		"already has key-value-backed Durable Objects", class, script)
}

package rules

import (
	"slices"
	"strings"
)

// Deletion is the account after an accepted script deletion.
type Deletion struct {
	// Namespaces are all of the account's namespaces after the deletion.
	Namespaces []Namespace
	// Dropped are the deleted script's namespaces: their objects' data is gone.
	Dropped []Namespace
	// Unbound maps another script to the names of its bindings that pointed at the deleted
	// script; a forced delete removes them, as Cloudflare's force does ("associated bindings ...
	// will be deleted along with the script").
	Unbound map[string][]string
}

// CheckDelete applies Cloudflare's rules to deleting script: without force, a script that other
// scripts bind to, or that hosts Durable Objects, is kept.
func CheckDelete(acct Account, script string, force bool) (Deletion, error) {
	out := Deletion{Unbound: map[string][]string{}}
	for _, n := range acct.Namespaces {
		if n.Script == script {
			out.Dropped = append(out.Dropped, n)
		} else {
			out.Namespaces = append(out.Namespaces, n)
		}
	}

	var refs []string
	names := make([]string, 0, len(acct.Scripts))
	for name := range acct.Scripts {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if name == script {
			continue
		}
		for _, b := range acct.Scripts[name].Bindings {
			if b.Type == BindingDurableObject && b.ScriptName == script {
				out.Unbound[name] = append(out.Unbound[name], b.Name)
				refs = append(refs, name+" ("+b.Name+")")
			}
		}
	}

	if force {
		return out, nil
	}
	if len(refs) > 0 {
		// 10142 is the code Cloudflare returns when a deleted script is still referenced by
		// another script's binding (observed by API clients as "ServiceBindingConflict"); its
		// exact text is unconfirmed.
		return Deletion{}, badRequest(CodeServiceBindingConflict,
			"Cannot delete Worker '%s' because it is referenced by bindings in other Workers: %s. Remove the bindings or delete with force=true.",
			script, strings.Join(refs, ", "))
	}
	if len(out.Dropped) > 0 {
		// Cloudflare stops a delete without force when the script implements Durable Objects
		// (the API documents force as overriding "associated service binding, durable object, or
		// other binding"), but its code for that case is unconfirmed. 10064 is Cloudflare's code
		// for a script version that stops implementing a class with existing objects, which is
		// exactly what deleting the script would do.
		classes := make([]string, 0, len(out.Dropped))
		for _, n := range out.Dropped {
			classes = append(classes, "'"+n.Class+"'")
		}
		return Deletion{}, badRequest(CodeNotExported,
			"Cannot delete Worker '%s' because it implements Durable Object class %s which is depended on by existing Durable Objects. Delete with force=true to delete the objects and their data too.",
			script, strings.Join(classes, ", "))
	}
	return out, nil
}

package provider

import (
	"github.com/lumier-dev/lumier/internal/naming"

	"fmt"
	"sort"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

// checkBindings reports binding names that are not identifiers or that two bindings share.
func checkBindings(args ScriptArgs) []p.CheckFailure {
	var failures []p.CheckFailure
	seen := map[string]string{}
	add := func(property, name string) {
		if err := naming.ValidateBindingName(name); err != nil {
			failures = append(failures, p.CheckFailure{Property: property, Reason: err.Error()})
		}
		if other, dup := seen[name]; dup {
			failures = append(failures, p.CheckFailure{Property: property, Reason: fmt.Sprintf(
				"binding name %q is used twice (in %s and in %s): each env name must be unique, rename one of them",
				name, other, property)})
		}
		seen[name] = property
	}
	for _, name := range sortedKeys(args.Vars) {
		add("vars", name)
	}
	for _, name := range sortedKeys(args.Secrets) {
		add("secrets", name)
	}
	hosted := map[string]bool{}
	for _, c := range args.Classes {
		hosted[c.ClassName] = true
	}
	for _, b := range args.DurableObjectBindings {
		add("durableObjectBindings", b.Name)
		if b.ClassName == "" {
			failures = append(failures, p.CheckFailure{Property: "durableObjectBindings", Reason: fmt.Sprintf(
				"Durable Object binding %q has no className: set it to the class the namespace runs", b.Name)})
			continue
		}
		if (b.ScriptName == "" || b.ScriptName == args.ScriptName) && !hosted[b.ClassName] {
			failures = append(failures, p.CheckFailure{Property: "durableObjectBindings", Reason: fmt.Sprintf(
				"binding %q points at class %q of this Worker, but the Worker does not declare it as a Durable Object: "+
					"declare DurableObject(..., {worker, className: %q}) (or add it to classes), or set scriptName to the "+
					"Worker that hosts it", b.Name, b.ClassName, b.ClassName)})
		}
	}
	return failures
}

// checkClasses reports duplicate classes, storage flips against the previous inputs, and classes
// dropped without deleteData, all before anything is uploaded.
func checkClasses(args ScriptArgs, old []Class) []p.CheckFailure {
	var failures []p.CheckFailure
	fail := func(format string, a ...any) {
		failures = append(failures, p.CheckFailure{Property: "classes", Reason: fmt.Sprintf(format, a...)})
	}
	declared := map[string]Class{}
	renamed := map[string]bool{}
	for _, c := range args.Classes {
		if c.ClassName == "" {
			fail("a Durable Object class has no className: set it to the exported class name")
			continue
		}
		if _, dup := declared[c.ClassName]; dup {
			fail("Durable Object class %q is declared twice on script %q: declare each class once", c.ClassName, args.ScriptName)
		}
		declared[c.ClassName] = c
		if c.RenamedFrom != "" {
			renamed[c.RenamedFrom] = true
		}
	}
	for _, o := range old {
		if d, ok := declared[o.ClassName]; ok {
			if d.sqlite() != o.sqlite() {
				fail("%v", storageFlipError(args.ScriptName, o.ClassName, o.sqlite()))
			}
			continue
		}
		if renamed[o.ClassName] || args.DeleteData {
			continue
		}
		fail("%v", &DataLossError{Script: args.ScriptName, Classes: []string{o.ClassName}})
	}
	return failures
}

// apiBindings turns the inputs into Cloudflare's binding list, in a stable order.
func apiBindings(args ScriptArgs) []cfapi.Binding {
	var out []cfapi.Binding
	for _, name := range sortedKeys(args.Vars) {
		out = append(out, cfapi.Binding{Type: "plain_text", Name: name, Text: args.Vars[name]})
	}
	for _, name := range sortedKeys(args.Secrets) {
		out = append(out, cfapi.Binding{Type: "secret_text", Name: name, Text: args.Secrets[name]})
	}
	for _, b := range sortedBindings(args.DurableObjectBindings) {
		script := b.ScriptName
		if script == args.ScriptName {
			script = ""
		}
		out = append(out, cfapi.Binding{Type: "durable_object_namespace", Name: b.Name, ClassName: b.ClassName, ScriptName: script})
	}
	return out
}

// applyReadBindings replaces the bindings in args with what Cloudflare reports. Secret values are
// never returned, so a secret that still exists keeps the value Pulumi knows and a missing one
// is dropped, which the next update puts back.
func applyReadBindings(args *ScriptArgs, bindings []cfapi.Binding, script string) {
	vars := map[string]string{}
	secrets := map[string]string{}
	var dos []DurableObjectBinding
	for _, b := range bindings {
		switch b.Type {
		case "plain_text":
			vars[b.Name] = b.Text
		case "secret_text":
			if v, ok := args.Secrets[b.Name]; ok {
				secrets[b.Name] = v
			}
		case "durable_object_namespace":
			d := DurableObjectBinding{Name: b.Name, ClassName: b.ClassName, ScriptName: b.ScriptName}
			if d.ScriptName == script {
				d.ScriptName = ""
			}
			// Keep how the program spelled a same-script binding, so a refresh shows no drift.
			for _, old := range args.DurableObjectBindings {
				if old.Name == d.Name && old.ClassName == d.ClassName && (old.ScriptName == script || old.ScriptName == "") && d.ScriptName == "" {
					d.ScriptName = old.ScriptName
				}
			}
			dos = append(dos, d)
		}
	}
	args.Vars = emptyAsNil(vars, args.Vars)
	args.Secrets = emptyAsNil(secrets, args.Secrets)
	args.DurableObjectBindings = sortedBindings(dos)
	if len(args.DurableObjectBindings) == 0 {
		args.DurableObjectBindings = nil
	}
}

// readClasses keeps the declared options of classes that still exist and adds classes found only
// on Cloudflare, so drift in either direction shows in the next diff.
func readClasses(declared []Class, existing []existingClass) []Class {
	byName := map[string]Class{}
	for _, c := range declared {
		byName[c.ClassName] = c
	}
	var out []Class
	for _, e := range existing {
		sqlite := e.SQLite
		c := Class{ClassName: e.Name, SQLite: &sqlite}
		if d, ok := byName[e.Name]; ok {
			c.TransferredFrom = d.TransferredFrom
			c.RenamedFrom = d.RenamedFrom
			if d.SQLite == nil && sqlite {
				c.SQLite = nil
			}
		}
		out = append(out, c)
	}
	return out
}

// normalizeClasses is the comparable form of a class list: order and spelling of defaults do not
// matter, and rename/transfer hints only matter while the source class still exists, which the
// migration planner checks against Cloudflare.
func normalizeClasses(cs []Class) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s sqlite=%t", c.ClassName, c.sqlite()))
	}
	sort.Strings(out)
	return out
}

func sortedBindings(bs []DurableObjectBinding) []DurableObjectBinding {
	out := append([]DurableObjectBinding(nil), bs...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if len(out) == 0 {
		return nil
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// emptyAsNil returns m, or nil when m is empty and the program had not set the map at all.
func emptyAsNil(m, was map[string]string) map[string]string {
	if len(m) == 0 && was == nil {
		return nil
	}
	return m
}

func exportList(exports []string) string {
	if len(exports) == 0 {
		return "nothing"
	}
	return strings.Join(quoteAll(exports), ", ")
}

package provider

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/internal/naming"
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
	leaving := map[string]string{}
	for _, c := range args.Classes {
		hosted[c.ClassName] = true
		leaving[c.ClassName] = c.transferredTo()
	}
	for _, b := range args.DurableObjectBindings {
		add("durableObjectBindings", b.Name)
		if b.ClassName == "" {
			failures = append(failures, p.CheckFailure{Property: "durableObjectBindings", Reason: fmt.Sprintf(
				"Durable Object binding %q has no className: set it to the class the namespace runs", b.Name)})
			continue
		}
		sameScript := b.host() == "" || b.host() == args.ScriptName
		if sameScript && leaving[b.ClassName] != "" {
			failures = append(failures, p.CheckFailure{Property: "durableObjectBindings", Reason: fmt.Sprintf(
				"binding %q points at class %q, which is moving to script %q in this deploy: drop the binding now and bind "+
					"the class on %q in a later deploy", b.Name, b.ClassName, leaving[b.ClassName], leaving[b.ClassName])})
			continue
		}
		if sameScript && !hosted[b.ClassName] {
			failures = append(failures, p.CheckFailure{Property: "durableObjectBindings", Reason: fmt.Sprintf(
				"binding %q points at class %q of this Worker, but the Worker does not declare it as a Durable Object: "+
					"declare DurableObject(..., {worker, className: %q}) (or add it to classes), or set scriptName to the "+
					"Worker that hosts it", b.Name, b.ClassName, b.ClassName)})
		}
	}
	return failures
}

// inferRenames marks a class as renamed when the DurableObject of the same name had another
// className before, so changing className keeps the data instead of deleting it.
func inferRenames(classes, old []Class) {
	oldByName := map[string]Class{}
	oldClass := map[string]bool{}
	for _, o := range old {
		oldClass[o.ClassName] = true
		if o.name() != "" && o.transferredTo() == "" {
			oldByName[o.name()] = o
		}
	}
	for i, c := range classes {
		if c.name() == "" || c.renamedFrom() != "" || c.TransferredFrom != nil || oldClass[c.ClassName] {
			continue
		}
		if o, ok := oldByName[c.name()]; ok && o.ClassName != c.ClassName {
			from := o.ClassName
			classes[i].RenamedFrom = &from
		}
	}
}

// classChanges is how a Check's classes differ from the previous inputs.
type classChanges struct {
	dropped []string // no longer declared, so their data would be deleted
	renamed []string // old names of renamed classes
}

// checkClasses reports duplicate classes, storage flips against the previous inputs, and classes
// dropped without deleteData, all before anything is uploaded.
func checkClasses(args ScriptArgs, old []Class) ([]p.CheckFailure, classChanges) {
	var failures []p.CheckFailure
	var changes classChanges
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
		if from := c.renamedFrom(); from != "" {
			renamed[from] = true
			changes.renamed = append(changes.renamed, from)
		}
		if c.transferredTo() != "" && c.TransferredFrom != nil {
			fail("Durable Object class %q cannot both move in (transferredFrom) and out (transferredTo)", c.ClassName)
		}
	}
	for _, o := range old {
		if d, ok := declared[o.ClassName]; ok {
			if d.sqlite() != o.sqlite() {
				fail("%v", storageFlipError(args.ScriptName, o.ClassName, o.sqlite()))
			}
			continue
		}
		if renamed[o.ClassName] || o.transferredTo() != "" {
			continue
		}
		if !args.DeleteData {
			fail("%v", &DataLossError{Script: args.ScriptName, Classes: []string{o.ClassName}})
			continue
		}
		changes.dropped = append(changes.dropped, o.ClassName)
	}
	return failures, changes
}

// boundElsewhere reports bindings in other scripts to classes of script that this change renames
// or deletes: Cloudflare would refuse the upload, and the binding Worker would break.
func boundElsewhere(ctx context.Context, script string, classes []string) ([]p.CheckFailure, error) {
	if len(classes) == 0 {
		return nil, nil
	}
	c, err := clientFrom(ctx)
	if err != nil {
		return nil, err
	}
	scripts, err := c.Scripts(ctx)
	if err != nil {
		return nil, err
	}
	var failures []p.CheckFailure
	for _, s := range scripts {
		if s.Name == script {
			continue
		}
		settings, err := c.Settings(ctx, s.Name)
		if err != nil {
			return nil, err
		}
		for _, b := range settings.Bindings {
			if b.Type == cfapi.BindingDurableObject && b.ScriptName == script && slices.Contains(classes, b.ClassName) {
				failures = append(failures, p.CheckFailure{Property: "classes", Reason: fmt.Sprintf(
					"class %q of script %q is bound by script %q (binding %s): renaming or deleting it would break that "+
						"Worker, and Cloudflare refuses it. Remove the binding from %q and deploy first, then change the class",
					b.ClassName, script, s.Name, b.Name, s.Name)})
			}
		}
	}
	return failures, nil
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
		script := b.host()
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
			d := DurableObjectBinding{Name: b.Name, ClassName: b.ClassName}
			if b.ScriptName != "" && b.ScriptName != script {
				host := b.ScriptName
				d.ScriptName = &host
			}
			// Keep how the program spelled a same-script binding, so a refresh shows no drift.
			for _, old := range args.DurableObjectBindings {
				if old.Name == d.Name && old.ClassName == d.ClassName && d.ScriptName == nil && old.host() == script {
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
			c.TransferredFrom, c.TransferredTo = d.TransferredFrom, d.TransferredTo
			c.RenamedFrom, c.Name = d.RenamedFrom, d.Name
			if d.SQLite == nil && sqlite {
				c.SQLite = nil
			}
		}
		out = append(out, c)
	}
	return out
}

// normalizeClasses is the comparable form of a class list: order and spelling of defaults do not
// matter, rename/transfer hints only matter while the source class still exists (which the
// migration planner checks against Cloudflare), and a class on its way out is no longer hosted.
func normalizeClasses(cs []Class) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		if c.transferredTo() != "" {
			continue
		}
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

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

// checkBindings reports bindings that are malformed, whose names are not identifiers or repeat,
// or that point at a class of this Worker that it does not host (or is handing over).
func checkBindings(args ScriptArgs) []p.CheckFailure {
	var failures []p.CheckFailure
	fail := func(property, format string, a ...any) {
		failures = append(failures, p.CheckFailure{Property: property, Reason: fmt.Sprintf(format, a...)})
	}
	seen := map[string]string{}
	add := func(property, name string) {
		if err := naming.ValidateBindingName(name); err != nil {
			fail(property, "%v", err)
		}
		if other, dup := seen[name]; dup {
			fail(property, "binding name %q is used twice (in %s and in %s): each env name must be unique, rename one of them",
				name, other, property)
		}
		seen[name] = property
	}
	for _, b := range args.Bindings {
		add("bindings", b.Name)
	}
	for _, name := range sortedKeys(args.Secrets) {
		add("secrets", name)
	}
	hosted := map[string]bool{}
	leaving := map[string]string{}
	for _, c := range args.DurableObjects {
		hosted[c.ClassName] = true
		leaving[c.ClassName] = c.transferredTo()
	}
	for _, b := range args.Bindings {
		if err := b.check(); err != nil {
			fail("bindings", "binding %q %v", b.Name, err)
			continue
		}
		if b.Type != cfapi.BindingDurableObject || (b.host() != "" && b.host() != args.ScriptName) {
			continue
		}
		class := deref(b.ClassName)
		if to := leaving[class]; to != "" {
			fail("bindings", "binding %q points at class %q, which is moving to script %q in this deploy: drop the binding "+
				"now and bind the class on %q in a later deploy", b.Name, class, to, to)
			continue
		}
		if !hosted[class] {
			fail("bindings", "binding %q points at class %q of this Worker, but the Worker does not host it: declare a "+
				"Durable Object with className %q on this Worker, or set scriptName to the Worker that hosts it",
				b.Name, class, class)
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
		failures = append(failures, p.CheckFailure{Property: "durableObjects", Reason: fmt.Sprintf(format, a...)})
	}
	declared := map[string]Class{}
	renamed := map[string]bool{}
	for _, c := range args.DurableObjects {
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
	refs, err := c.DurableObjects.References(ctx, script)
	if cfapi.IsNotFound(err) {
		return nil, nil // nothing deployed yet, so nothing binds it
	}
	if err != nil {
		return nil, err
	}
	var foreign []cfapi.Reference
	for _, r := range refs {
		if r.Script != script {
			foreign = append(foreign, r)
		}
	}
	if len(foreign) == 0 {
		return nil, nil
	}
	// A reference names the namespace, not the class: the namespace list maps one to the other.
	nss, err := c.DurableObjects.Namespaces(ctx)
	if err != nil {
		return nil, err
	}
	classOf := map[string]string{}
	for _, ns := range nss {
		if ns.Script == script {
			classOf[ns.ID] = ns.Class
		}
	}
	var failures []p.CheckFailure
	for _, r := range foreign {
		class := classOf[r.NamespaceID]
		if !slices.Contains(classes, class) {
			continue
		}
		failures = append(failures, p.CheckFailure{Property: "durableObjects", Reason: fmt.Sprintf(
			"class %q of script %q is bound by script %q (binding %s): renaming or deleting it would break that "+
				"Worker, and Cloudflare refuses it. Remove the binding from %q and deploy first, then change the class",
			class, script, r.Script, r.Binding, r.Script)})
	}
	return failures, nil
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

func exportList(exports []string) string {
	if len(exports) == 0 {
		return "nothing"
	}
	return strings.Join(quoteAll(exports), ", ")
}

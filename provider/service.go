package provider

import (
	"fmt"
	"slices"
	"sync"

	p "github.com/pulumi/pulumi-go-provider"

	"github.com/lumier-dev/lumier/internal/bundle"
	"github.com/lumier-dev/lumier/internal/cfapi"
)

// stackCode is the code of the stack's Workers as this deployment knows it: the entry each
// Worker declared, and the exports each Script's Check found when bundling it. A service
// binding's entrypoint is checked against the exports of the Worker it calls.
var stackCode = struct {
	sync.Mutex
	entries map[string]ScriptArgs                   // script name -> entry and build options
	exports map[string]map[string]bundle.ExportKind // script name -> its bundle's exports
}{entries: map[string]ScriptArgs{}, exports: map[string]map[string]bundle.ExportKind{}}

// declareCode records the entry a Worker of the stack deploys as script.
func declareCode(script, entry string, build *BuildOptions) {
	stackCode.Lock()
	defer stackCode.Unlock()
	stackCode.entries[script] = ScriptArgs{ScriptName: script, Entry: entry, Build: build}
}

// recordExports records what script's bundle exports.
func recordExports(script string, kinds map[string]bundle.ExportKind) {
	stackCode.Lock()
	defer stackCode.Unlock()
	stackCode.exports[script] = kinds
}

// exportsOf returns what script exports when it is a Worker of the stack: recorded by its
// Script's Check, or else bundled from its declared entry (its Check may not have run yet).
func exportsOf(script string) (map[string]bundle.ExportKind, string, bool) {
	stackCode.Lock()
	kinds, recorded := stackCode.exports[script]
	args, declared := stackCode.entries[script]
	stackCode.Unlock()
	if !declared {
		return nil, "", false
	}
	if recorded {
		return kinds, args.Entry, true
	}
	b, err := bundleEntry(args)
	if err != nil {
		return nil, "", false // its own Check reports the entry's error
	}
	recordExports(script, b.ExportKinds)
	return b.ExportKinds, args.Entry, true
}

// checkServiceEntrypoints refuses, at preview, a service binding whose entrypoint the Worker it
// calls does not export as a class: the call would fail at run time (Cloudflare checks it only
// when the binding is used). Scripts outside the stack are left to the API.
func checkServiceEntrypoints(args ScriptArgs) []p.CheckFailure {
	var failures []p.CheckFailure
	for _, b := range args.Bindings {
		entrypoint := deref(b.Entrypoint)
		if b.Type != cfapi.BindingService || entrypoint == "" {
			continue
		}
		target := deref(b.Service)
		kinds, entry, ok := exportsOf(target)
		if !ok {
			continue
		}
		kind, exported := kinds[entrypoint]
		if exported && (kind == bundle.KindClass || kind == bundle.KindUnknown) {
			continue
		}
		what := "does not export it"
		if exported {
			what = fmt.Sprintf("exports it as a %s, not a class", kind)
		}
		names := make([]string, 0, len(kinds))
		for name := range kinds {
			names = append(names, name)
		}
		slices.Sort(names)
		failures = append(failures, p.CheckFailure{Property: "bindings", Reason: fmt.Sprintf(
			"binding %q calls entrypoint %q of script %q, but its entry %s %s (it exports %s): add `export class %s "+
				"extends WorkerEntrypoint { ... }` (from \"cloudflare:workers\") to %s, or fix entrypoint",
			b.Name, entrypoint, target, entry, what, exportList(names), entrypoint, entry)})
	}
	return failures
}

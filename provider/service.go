package provider

import (
	"fmt"
	"slices"
	"sync"

	p "github.com/pulumi/pulumi-go-provider"

	"github.com/lumier-dev/lumier/internal/bundle"
	"github.com/lumier-dev/lumier/internal/cfapi"
)

// stackCode is the code of the stack's Workers as this provider process knows it: the exports
// each Script's Check found when bundling it, and the entry each Worker component declared. A
// service binding's entrypoint is checked against the exports of the Worker it calls.
//
// The engine may run a component's Construct (Worker, App) in another process than its
// children's Check, so a Script's Check usually finds only the exports its callee's Check
// recorded: a Worker deploys after the Workers it calls, and the SDK registers it only once
// their Scripts are registered, so that callee's Check has run by then.
var stackCode = struct {
	sync.Mutex
	entries map[string]ScriptArgs    // script name -> entry and build options
	exports map[string]scriptExports // script name -> its bundle's exports
}{entries: map[string]ScriptArgs{}, exports: map[string]scriptExports{}}

// scriptExports is what a script's bundle exports, and the entry it was bundled from.
type scriptExports struct {
	entry string
	kinds map[string]bundle.ExportKind
}

// declareCode records the entry a Worker of the stack deploys as script.
func declareCode(script, entry string, build *BuildOptions) {
	stackCode.Lock()
	defer stackCode.Unlock()
	stackCode.entries[script] = ScriptArgs{ScriptName: script, Entry: entry, Build: build}
}

// recordExports records what script's bundle, from entry, exports.
func recordExports(script, entry string, kinds map[string]bundle.ExportKind) {
	stackCode.Lock()
	defer stackCode.Unlock()
	stackCode.exports[script] = scriptExports{entry: entry, kinds: kinds}
}

// exportsOf returns what script exports when it is a Worker of the stack: recorded by its
// Script's Check, or else bundled from the entry its Worker declared in this process.
func exportsOf(script string) (map[string]bundle.ExportKind, string, bool) {
	stackCode.Lock()
	recorded, isRecorded := stackCode.exports[script]
	args, declared := stackCode.entries[script]
	stackCode.Unlock()
	if isRecorded {
		return recorded.kinds, recorded.entry, true
	}
	if !declared {
		return nil, "", false
	}
	b, err := bundleEntry(args)
	if err != nil {
		return nil, "", false // its own Check reports the entry's error
	}
	recordExports(script, args.Entry, b.ExportKinds)
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

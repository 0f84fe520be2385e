package workerd

import (
	"fmt"
	"regexp"
)

// Module is one ES module of a script, as uploaded.
type Module struct {
	// Name is the module's name; other modules import it by this name.
	Name string
	// Content is the module's source code.
	Content []byte
	// SHA256 is Content's sha256 in hex when the caller knows it (the account's modules are kept
	// by it), so that fingerprinting a script, done for every script on every Apply, need not
	// hash its code again; empty means Content is hashed.
	SHA256 string
}

// Class is a Durable Object class hosted (exported and migrated) by a script.
type Class struct {
	// Name is the exported class name.
	Name string
	// SQLite selects SQLite-backed storage (ctx.storage.sql works); otherwise the class is
	// KV-backed and ctx.storage.sql throws, as on Cloudflare.
	SQLite bool
	// UniqueKey optionally names the class's storage. Empty means UniqueKey(script, Name).
	// Setting it lets a caller keep data across a class rename or transfer, the way Cloudflare
	// keeps a namespace's data: pass the old key for the new name.
	UniqueKey string
}

// Script is one uploaded Worker.
type Script struct {
	// Name is the script name; letters, digits, '-' and '_'.
	Name string
	// MainModule names the entry module; empty means the first of Modules.
	MainModule string
	// Modules are the script's ES modules.
	Modules []Module
	// CompatibilityDate is passed to workerd as is.
	CompatibilityDate string
	// CompatibilityFlags are passed to workerd as is.
	CompatibilityFlags []string
	// Bindings make up the Worker's env.
	Bindings []Binding
	// Classes are the Durable Object classes this script hosts.
	Classes []Class
	// Scheduled gives the script a companion that runs its scheduled() or queue() handler on
	// request (Supervisor.ScheduledAddr): scripts with Cron Triggers or queue consumers.
	Scheduled bool
	// Tail, if set, receives the script's tail events: console output and uncaught exceptions
	// with the event they happened in (tail.go).
	Tail *Tail
	// Workflows are the workflows whose class the script exports, each run by an engine in the
	// script's process (workflow.go).
	Workflows []Workflow
}

// scriptNamePattern is the set of names that are safe both as workerd service and socket names
// (a socket name goes into `--socket-addr name=addr`) and as directory names; Cloudflare script
// names are a subset of it.
var scriptNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// checkScriptName rejects names outside scriptNamePattern. Keeping names in that set also keeps
// them apart from our own services, whose names contain ':'.
func checkScriptName(name string) error {
	if !scriptNamePattern.MatchString(name) {
		return fmt.Errorf("invalid script name %q: use letters, digits, '-' and '_'", name)
	}
	return nil
}

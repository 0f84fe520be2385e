// Package account is the local Cloudflare's account: its state (scripts with their versions and
// deployments, Durable Object namespaces, schedules, routes, workflows), its plan, the Store that
// keeps it in the state directory, and the Ledger that serves it and commits its changes.
package account

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
	"time"

	"github.com/lumier-dev/lumier/local/rules"
	"github.com/lumier-dev/lumier/local/schedules"
	"github.com/lumier-dev/lumier/local/workflows"
	"github.com/lumier-dev/lumier/local/zones"
)

// stateVersion is the version of the state file's format.
const stateVersion = 1

// DefaultSubdomain is the account's workers.dev subdomain until someone sets another.
const DefaultSubdomain = "lumier-local"

// State is everything the local Cloudflare remembers across restarts. It is replaced, never
// changed in place: a request builds the next state from a clone and swaps it in only once
// workerd runs it and it is on disk.
type State struct {
	Version    int                `json:"version"`
	Subdomain  string             `json:"subdomain"`
	Scripts    map[string]*Script `json:"scripts"`
	Namespaces []rules.Namespace  `json:"namespaces"`
	// Schedules are the scripts' Cron Triggers by script name (local/schedules). They live
	// apart from the script records because uploads and deployments replace those.
	Schedules map[string][]schedules.Record `json:"schedules,omitempty"`
	// Ports is every script name's port, kept after the script is deleted: a port belongs to
	// one name for the life of the state directory, so an old URL never reaches another Worker
	// and a script recreated under its name answers at its old URL.
	Ports map[string]int `json:"ports,omitempty"`
	// Routes and Domains are the zones' routes and the account's custom domains (local/zones).
	Routes  []zones.Route  `json:"routes,omitempty"`
	Domains []zones.Domain `json:"domains,omitempty"`
	// Workflows is the Workflows API's registry by workflow name (local/workflows).
	Workflows map[string]*workflows.Record `json:"workflows,omitempty"`

	// owned names the records this state copied from the one it was cloned from (Own).
	owned map[string]bool
	// origin and originJSON are the state this one was cloned from and its encoding then, kept
	// only while VerifySharing is set.
	origin     *State
	originJSON []byte
}

// Script is one uploaded script.
type Script struct {
	Name               string      `json:"name"`
	Etag               string      `json:"etag"`
	CreatedOn          time.Time   `json:"created_on"`
	ModifiedOn         time.Time   `json:"modified_on"`
	MainModule         string      `json:"main_module"`
	Modules            []ModuleRef `json:"modules"`
	CompatibilityDate  string      `json:"compatibility_date"`
	CompatibilityFlags []string    `json:"compatibility_flags"`
	// Bindings are as uploaded, in the wire form (bindings.go). Secret texts are kept because
	// workerd needs them; reads leave them out.
	Bindings     []Binding `json:"bindings"`
	MigrationTag string    `json:"migration_tag"`
	// Exports are the main module's export names; null when they could not be determined.
	Exports         []string `json:"exports"`
	WorkersDev      bool     `json:"workers_dev"`
	PreviewsEnabled bool     `json:"previews_enabled"`
	// Port is the script's port on 127.0.0.1 (state.Ports), kept while workers.dev is off so
	// that turning it back on gives the same URL. 0 until first enabled.
	Port int `json:"port"`
	// Versions and Deployments are the script's history (versions.go); the fields above are
	// what its deployment's primary version runs. Settings are the script-level settings.
	Versions    []*Version    `json:"versions,omitempty"`
	Deployments []*Deployment `json:"deployments,omitempty"`
	Settings    *Settings     `json:"settings,omitempty"`
	// Assets are the script's static assets (local/assets); nil for none.
	Assets *Assets `json:"assets,omitempty"`
}

// ModuleRef names a module part and its content-addressed file.
type ModuleRef struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int    `json:"size"`
}

// NewState is an empty account: no scripts, the default workers.dev subdomain.
func NewState() *State {
	return &State{Version: stateVersion, Subdomain: DefaultSubdomain, Scripts: map[string]*Script{}}
}

// Clone copies the state, so that a request can build the next one without touching the one
// being served. The scripts' records are shared with s, not copied (copying every record made
// each change cost as much as the whole account): a change that modifies a script's record takes
// its own copy first with Own. Everything else is copied: the parts that grow with the scripts
// (namespaces, ports) are plain values, copied as they are; the rest through JSON.
func (s *State) Clone() *State {
	rest := *s
	rest.Scripts, rest.Namespaces, rest.Ports = nil, nil, nil
	rest.owned, rest.origin, rest.originJSON = nil, nil, nil
	out := NewState()
	if err := json.Unmarshal(mustJSON(&rest), out); err != nil {
		panic(fmt.Sprintf("local: state does not decode: %v", err))
	}
	out.Scripts = maps.Clone(s.Scripts)
	if out.Scripts == nil {
		out.Scripts = map[string]*Script{}
	}
	out.Namespaces = slices.Clone(s.Namespaces)
	out.Ports = maps.Clone(s.Ports)
	if VerifySharing {
		out.origin, out.originJSON = s, mustJSON(s)
	}
	return out
}

// Own returns script name's record for changing, or nil when s has none: a copy of its own the
// first time, since the record may be shared with the state s was cloned from.
func (s *State) Own(name string) *Script {
	rec, ok := s.Scripts[name]
	if !ok || s.owned[name] {
		return rec
	}
	var copied Script
	if err := json.Unmarshal(mustJSON(rec), &copied); err != nil {
		panic(fmt.Sprintf("local: script record does not decode: %v", err))
	}
	if s.owned == nil {
		s.owned = map[string]bool{}
	}
	s.owned[name] = true
	s.Scripts[name] = &copied
	return &copied
}

// VerifySharing makes Clone remember what it was cloned from, and the Ledger check, when it
// serves a state, that the state cloned from did not change meanwhile (a record changed without
// Own), and Store.Save that a saved record did not change after its save. Each violation adds
// to SharingViolations. It costs an encoding of the whole state per change: tests set it.
var VerifySharing bool

// SharingViolations counts the records found changed in place (see VerifySharing).
var SharingViolations atomic.Int64

// checkOrigin counts a violation when the state s was cloned from changed since (see
// VerifySharing), and reports whether there was one.
func (s *State) checkOrigin() bool {
	changed := s.origin != nil && string(mustJSON(s.origin)) != string(s.originJSON)
	s.origin, s.originJSON = nil, nil
	if changed {
		SharingViolations.Add(1)
	}
	return changed
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("local: state does not encode: %v", err)) // plain data: cannot happen
	}
	return b
}

// ScriptNames returns the script names in order, so that output and workerd configs are stable.
func (s *State) ScriptNames() []string {
	names := make([]string, 0, len(s.Scripts))
	for name := range s.Scripts {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// NamespacesOf returns the namespaces hosted by script.
func (s *State) NamespacesOf(script string) []rules.Namespace {
	var out []rules.Namespace
	for _, n := range s.Namespaces {
		if n.Script == script {
			out = append(out, n)
		}
	}
	return out
}

// Rules is the state as the rules package sees it.
func (s *State) Rules() rules.Account {
	acct := rules.Account{Scripts: make(map[string]rules.Script, len(s.Scripts)), Namespaces: s.Namespaces}
	for name, rec := range s.Scripts {
		acct.Scripts[name] = rules.Script{Tag: rec.MigrationTag, Bindings: rec.RuleBindings(), Exports: rec.Exports}
	}
	return acct
}

// RuleBindings are the script's bindings as the rules package sees them.
func (rec *Script) RuleBindings() []rules.Binding {
	out := make([]rules.Binding, 0, len(rec.Bindings))
	for _, b := range rec.Bindings {
		out = append(out, rules.Binding{Name: b.Name, Type: b.Type, ClassName: b.ClassName, ScriptName: b.ScriptName})
	}
	return out
}

// UsedPorts returns the ports that belong to names other than except, the deleted scripts'
// included.
func (s *State) UsedPorts(except string) map[int]bool {
	used := map[int]bool{}
	for name, port := range s.Ports {
		if name != except {
			used[port] = true
		}
	}
	for name, rec := range s.Scripts {
		if name != except && rec.Port != 0 {
			used[rec.Port] = true
		}
	}
	return used
}

// recordPorts adds to Ports the port of every script that has one: state files written before
// Ports existed know only the ports of the scripts they still hold.
func (s *State) recordPorts() {
	for name, rec := range s.Scripts {
		if _, ok := s.Ports[name]; !ok && rec.Port != 0 {
			if s.Ports == nil {
				s.Ports = map[string]int{}
			}
			s.Ports[name] = rec.Port
		}
	}
}

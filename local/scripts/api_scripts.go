package scripts

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/ids"
	"github.com/lumier-dev/lumier/local/rules"
	"github.com/lumier-dev/lumier/local/zones"
)

// ScriptJSON is a script as PUT and GET .../workers/scripts return it.
type ScriptJSON struct {
	ID                 string         `json:"id"`
	Etag               string         `json:"etag"`
	CreatedOn          time.Time      `json:"created_on"`
	ModifiedOn         time.Time      `json:"modified_on"`
	HasModules         bool           `json:"has_modules"`
	HasAssets          bool           `json:"has_assets"`
	Handlers           []string       `json:"handlers"`
	MigrationTag       string         `json:"migration_tag,omitempty"`
	CompatibilityDate  string         `json:"compatibility_date"`
	CompatibilityFlags []string       `json:"compatibility_flags"`
	UsageModel         string         `json:"usage_model"`
	Logpush            bool           `json:"logpush"`
	Placement          map[string]any `json:"placement"`
	TailConsumers      []any          `json:"tail_consumers"`
	StartupTimeMs      *int64         `json:"startup_time_ms,omitempty"`
	DeploymentID       string         `json:"deployment_id,omitempty"`
	LastDeployedFrom   string         `json:"last_deployed_from,omitempty"`
}

func scriptJSONOf(rec *account.Script) ScriptJSON {
	flags := rec.CompatibilityFlags
	if flags == nil {
		flags = []string{}
	}
	return ScriptJSON{
		ID:                 rec.Name,
		Etag:               rec.Etag,
		CreatedOn:          rec.CreatedOn,
		ModifiedOn:         rec.ModifiedOn,
		HasModules:         true,
		Handlers:           handlers(rec.Exports),
		MigrationTag:       rec.MigrationTag,
		CompatibilityDate:  rec.CompatibilityDate,
		CompatibilityFlags: flags,
		UsageModel:         "standard",
		Placement:          map[string]any{},
		TailConsumers:      []any{},
		DeploymentID:       rec.DeploymentID(),
		LastDeployedFrom:   rec.LastDeployedFrom(),
	}
}

// handleUpload is PUT /accounts/{a}/workers/scripts/{name}: validate, apply Cloudflare's rules,
// run the new set of scripts on workerd, and only then write the state. A rejection at any step
// leaves workerd serving the old scripts and the state unchanged.
func (a *API) handleUpload(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("script")
	if err := account.ValidScriptName(name); err != nil {
		envelope.WriteError(w, err)
		return
	}
	up, err := parseUpload(r, a.plan, a.rt.Kinds())
	if err == nil {
		err = a.rt.CheckBindingTargets(name, up.bindings)
	}
	var assets *account.Assets
	if err == nil {
		assets, err = a.uploadedAssets(name, up)
	}
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	exports := up.exports()

	var (
		rec     *account.Script
		startup int64
	)
	err = a.ledger.Submit(&account.Change{Script: name, Build: func(next *account.State) (*account.State, func(time.Duration), error) {
		old := next.Own(name) // RecordUpload completes its versions
		bindings := up.bindings
		if old != nil {
			bindings = keepBindings(up.bindings, old.Bindings, up.meta.KeepBindings)
		}
		rec = &account.Script{
			Name:               name,
			MainModule:         up.meta.MainModule,
			CompatibilityDate:  up.meta.CompatibilityDate,
			CompatibilityFlags: up.meta.CompatibilityFlags,
			Bindings:           bindings,
			Exports:            exports,
		}
		outcome, err := rules.CheckUpload(next.Rules(), rules.Upload{
			Script:     name,
			Bindings:   rec.RuleBindings(),
			Exports:    exports,
			Migrations: up.meta.Migrations.rules(),
		}, ids.New)
		if err == nil {
			err = a.plan.CheckNewClasses(next.Namespaces, up.meta.Migrations.rules())
		}
		if err != nil {
			return nil, nil, err
		}

		// Module files go first: they are content-addressed, so writing them changes nothing
		// that is served, and the state file written last is what makes them part of the account.
		for _, m := range up.modules {
			sha, err := a.store.PutModule(m.content)
			if err != nil {
				return nil, nil, err
			}
			rec.Modules = append(rec.Modules, account.ModuleRef{Name: m.name, SHA256: sha, Size: len(m.content)})
		}
		now := time.Now().UTC()
		rec.CreatedOn, rec.ModifiedOn = now, now
		if old != nil {
			rec.CreatedOn, rec.WorkersDev, rec.PreviewsEnabled, rec.Port = old.CreatedOn, old.WorkersDev, old.PreviewsEnabled, old.Port
		}
		rec.Assets = assets
		if up.meta.KeepAssets && old != nil && assets == nil {
			rec.Assets = old.Assets
		}
		if hasBinding(rec.Bindings, account.BindingAssets) && rec.Assets == nil {
			return nil, nil, errAssetsBindingWithoutAssets
		}
		rec.MigrationTag = outcome.Tag
		rec.Etag = etag(rec)
		account.RecordUpload(old, rec, requestSource(r), up.meta.Annotations)
		if up.meta.Tags != nil {
			settings := settingsOf(rec)
			settings.Tags = up.meta.Tags
			rec.Settings = &settings
		}
		next.Scripts[name] = rec
		next.Namespaces = outcome.Namespaces
		return next, func(reload time.Duration) {
			startup = reload.Milliseconds()
			rec.Versions[len(rec.Versions)-1].StartupTimeMs = startup
			a.rt.DropStorage(outcome.Dropped)
		}, nil
	}})
	if err != nil {
		a.logger.Info("upload rejected", "script", name, "err", err)
		envelope.WriteError(w, err)
		return
	}
	a.logger.Info("script uploaded", "script", name, "etag", rec.Etag, "tag", rec.MigrationTag, "reload_ms", startup)

	out := scriptJSONOf(rec)
	out.StartupTimeMs = &startup
	envelope.WriteResult(w, http.StatusOK, out, nil)
}

// etag hashes what the script runs: its modules and its configuration.
func etag(rec *account.Script) string {
	h := sha256.New()
	fmt.Fprintf(h, "main=%s\ndate=%s\nflags=%q\n", rec.MainModule, rec.CompatibilityDate, rec.CompatibilityFlags)
	for _, m := range rec.Modules {
		fmt.Fprintf(h, "module=%q %s\n", m.Name, m.SHA256)
	}
	for _, b := range rec.Bindings {
		wire, _ := json.Marshal(b) // plain strings: cannot fail
		fmt.Fprintf(h, "binding=%s\n", wire)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// handleListScripts is GET /accounts/{a}/workers/scripts.
func (a *API) handleListScripts(w http.ResponseWriter, r *http.Request) {
	st := a.ledger.Load()
	items := make([]ScriptJSON, 0, len(st.Scripts))
	for _, name := range st.ScriptNames() {
		items = append(items, scriptJSONOf(st.Scripts[name]))
	}
	envelope.WriteList(w, items)
}

// settingsJSON is GET .../scripts/{name}/settings.
type settingsJSON struct {
	Bindings           []any          `json:"bindings"`
	CompatibilityDate  string         `json:"compatibility_date"`
	CompatibilityFlags []string       `json:"compatibility_flags"`
	Limits             map[string]any `json:"limits"`
	Logpush            bool           `json:"logpush"`
	Observability      map[string]any `json:"observability"`
	Placement          map[string]any `json:"placement"`
	Tags               []string       `json:"tags"`
	TailConsumers      []any          `json:"tail_consumers"`
	UsageModel         string         `json:"usage_model"`
}

// handleSettings is GET .../scripts/{name}/settings. Secret texts are never returned, as on
// Cloudflare; a Durable Object binding carries its namespace's id.
func (a *API) handleSettings(w http.ResponseWriter, r *http.Request) {
	st := a.ledger.Load()
	rec, ok := st.Scripts[r.PathValue("script")]
	if !ok {
		envelope.WriteError(w, envelope.ScriptNotFound())
		return
	}
	a.writeSettings(w, st, rec)
}

// writeSettings writes rec's settings as GET .../settings returns them.
func (a *API) writeSettings(w http.ResponseWriter, st *account.State, rec *account.Script) {
	out := settingsJSON{
		CompatibilityDate:  rec.CompatibilityDate,
		CompatibilityFlags: rec.CompatibilityFlags,
		Limits:             map[string]any{"cpu_ms": 30000},
		Observability:      map[string]any{"enabled": false},
		Placement:          map[string]any{},
		Tags:               []string{},
		TailConsumers:      []any{},
		UsageModel:         "standard",
	}
	if out.CompatibilityFlags == nil {
		out.CompatibilityFlags = []string{}
	}
	fillSettings(settingsOf(rec), &out)
	out.Bindings = a.rt.ReadBindings(st, rec.Name, rec.Bindings)
	envelope.WriteResult(w, http.StatusOK, out, nil)
}

// handleDelete is DELETE .../scripts/{name}[?force=true].
func (a *API) handleDelete(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("script")
	force := r.URL.Query().Get("force") == "true"

	err := a.ledger.Submit(&account.Change{Build: func(next *account.State) (*account.State, func(time.Duration), error) {
		if _, ok := next.Scripts[name]; !ok {
			return nil, nil, envelope.ScriptNotFound()
		}
		del, err := rules.CheckDelete(next.Rules(), name, force)
		if err != nil {
			return nil, nil, err
		}
		delete(next.Scripts, name)
		delete(next.Schedules, name)
		// Cloudflare deletes a Worker's custom domains with it; routes stay, reaching no Worker.
		next.Domains = slices.DeleteFunc(next.Domains, func(d zones.Domain) bool { return d.Service == name })
		next.Namespaces = del.Namespaces
		for other, names := range del.Unbound {
			rec := next.Own(other)
			kept := rec.Bindings[:0]
			for _, b := range rec.Bindings {
				if b.Type != rules.BindingDurableObject || b.ScriptName != name {
					kept = append(kept, b)
				}
			}
			rec.Bindings = kept
			a.logger.Info("binding removed with the script it pointed at", "script", other, "bindings", names, "deleted", name)
		}
		return next, func(time.Duration) {
			a.rt.ClosePort(name)
			a.rt.DropStorage(del.Dropped)
		}, nil
	}})
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	if removed, err := a.rt.RemoveConsumersOf(name); err != nil {
		a.logger.Warn("removing the deleted script's queue consumers", "script", name, "err", err)
	} else if removed {
		a.logger.Info("queue consumers removed with their script", "script", name)
	}
	a.logger.Info("script deleted", "script", name, "force", force)
	envelope.WriteResult(w, http.StatusOK, map[string]string{"id": name}, nil)
}

package scripts

import (
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"time"

	"github.com/lumier-dev/lumier/internal/bindingkind"
	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/rules"
)

// settingsOf returns the script's settings with Cloudflare's defaults filled in.
func settingsOf(rec *account.Script) account.Settings {
	var out account.Settings
	if rec.Settings != nil {
		out = *rec.Settings
	}
	if out.Observability == nil {
		out.Observability = map[string]any{"enabled": false}
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if out.TailConsumers == nil {
		out.TailConsumers = []any{}
	}
	if out.Limits == nil {
		out.Limits = map[string]any{"cpu_ms": 30000}
	}
	if out.Placement == nil {
		out.Placement = map[string]any{}
	}
	return out
}

// fillSettings copies the settings into a GET .../settings answer.
func fillSettings(st account.Settings, out *settingsJSON) {
	out.Logpush, out.Observability, out.Tags = st.Logpush, st.Observability, st.Tags
	out.TailConsumers, out.Limits, out.Placement = st.TailConsumers, st.Limits, st.Placement
}

// scriptSettingsJSON is GET/PATCH .../script-settings.
type scriptSettingsJSON struct {
	Logpush       bool           `json:"logpush"`
	Observability map[string]any `json:"observability"`
	Tags          []string       `json:"tags"`
	TailConsumers []any          `json:"tail_consumers"`
}

func settingsJSONOf(st account.Settings) scriptSettingsJSON {
	return scriptSettingsJSON{Logpush: st.Logpush, Observability: st.Observability, Tags: st.Tags, TailConsumers: st.TailConsumers}
}

// settingsPatch is the part of a settings PATCH that does not make a new version. Absent fields
// keep their value.
type settingsPatch struct {
	Logpush       *bool           `json:"logpush"`
	Observability *map[string]any `json:"observability"`
	Tags          *[]string       `json:"tags"`
	TailConsumers *[]any          `json:"tail_consumers"`
	Limits        *map[string]any `json:"limits"`
	Placement     *map[string]any `json:"placement"`
}

func (p settingsPatch) apply(st account.Settings) account.Settings {
	if p.Logpush != nil {
		st.Logpush = *p.Logpush
	}
	if p.Observability != nil {
		st.Observability = *p.Observability
	}
	if p.Tags != nil {
		st.Tags = *p.Tags
	}
	if p.TailConsumers != nil {
		st.TailConsumers = *p.TailConsumers
	}
	if p.Limits != nil {
		st.Limits = *p.Limits
	}
	if p.Placement != nil {
		st.Placement = *p.Placement
	}
	return st
}

// handleGetScriptSettings is GET .../scripts/{name}/script-settings.
func (a *API) handleGetScriptSettings(w http.ResponseWriter, r *http.Request) {
	rec, ok := a.ledger.Load().Scripts[r.PathValue("script")]
	if !ok {
		envelope.WriteError(w, envelope.ScriptNotFound())
		return
	}
	envelope.WriteResult(w, http.StatusOK, settingsJSONOf(settingsOf(rec)), nil)
}

// handlePatchScriptSettings is PATCH .../scripts/{name}/script-settings: a JSON body of the
// fields to change. No new version, no reload: nothing here changes what workerd runs.
func (a *API) handlePatchScriptSettings(w http.ResponseWriter, r *http.Request) {
	var p settingsPatch
	if err := envelope.ReadJSON(r, &p); err != nil {
		envelope.WriteError(w, err)
		return
	}
	a.ledger.Lock()
	defer a.ledger.Unlock()
	prev := a.ledger.Load()
	if _, ok := prev.Scripts[r.PathValue("script")]; !ok {
		envelope.WriteError(w, envelope.ScriptNotFound())
		return
	}
	next := prev.Clone()
	rec := next.Own(r.PathValue("script"))
	st := p.apply(settingsOf(rec))
	rec.Settings = &st
	if err := a.store.Save(next); err != nil {
		envelope.WriteError(w, err)
		return
	}
	a.ledger.Publish(next)
	envelope.WriteResult(w, http.StatusOK, settingsJSONOf(st), nil)
}

// versionPatch is the part of a settings PATCH that changes what runs: a new version, deployed
// at 100% like on Cloudflare.
type versionPatch struct {
	settingsPatch
	CompatibilityDate  *string           `json:"compatibility_date"`
	CompatibilityFlags *[]string         `json:"compatibility_flags"`
	Bindings           []json.RawMessage `json:"bindings"`
	Migrations         json.RawMessage   `json:"migrations"`
	UsageModel         *string           `json:"usage_model"`
}

// handlePatchSettings is PATCH .../scripts/{name}/settings: a multipart body whose "settings"
// part is JSON. Script-level fields change in place; bindings and compatibility settings make a
// new version (bindings of type "inherit" keep the current binding of that name).
func (a *API) handlePatchSettings(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("script")
	raw, err := settingsPart(r)
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	var p versionPatch
	if err := json.Unmarshal(raw, &p); err != nil {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "could not read content for part settings: %v", err))
		return
	}
	if len(p.Migrations) > 0 && string(p.Migrations) != "null" {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation,
			"the local Cloudflare applies Durable Object migrations through a script upload (PUT .../workers/scripts/{name}) only"))
		return
	}

	a.ledger.Lock()
	defer a.ledger.Unlock()
	prev := a.ledger.Load()
	old, ok := prev.Scripts[name]
	if !ok {
		envelope.WriteError(w, envelope.ScriptNotFound())
		return
	}
	next := prev.Clone()
	rec := next.Own(name)
	st := p.apply(settingsOf(rec))
	rec.Settings = &st

	newVersion := p.CompatibilityDate != nil || p.CompatibilityFlags != nil || p.Bindings != nil
	if newVersion {
		rec.EnsureVersions()
		v := rec.Snapshot(time.Now().UTC(), requestSource(r))
		if p.CompatibilityDate != nil {
			v.CompatibilityDate = *p.CompatibilityDate
		}
		if p.CompatibilityFlags != nil {
			v.CompatibilityFlags = *p.CompatibilityFlags
		}
		if p.Bindings != nil {
			if v.Bindings, err = inheritBindings(p.Bindings, old.Bindings, a.rt.Kinds()); err != nil {
				envelope.WriteError(w, err)
				return
			}
		}
		if err := checkVersion(prev, name, v); err != nil {
			envelope.WriteError(w, err)
			return
		}
		rec.AddVersion(v)
		rec.DeployAll(v)
		rec.ModifiedOn = v.CreatedOn
		rec.Etag = etag(rec)
		ctx, cancel := contextFor(r)
		defer cancel()
		if err := a.rt.Apply(ctx, prev, next, name); err != nil {
			envelope.WriteError(w, err)
			return
		}
		if err := a.ledger.Commit(ctx, prev, next); err != nil {
			envelope.WriteError(w, err)
			return
		}
	} else {
		if err := a.store.Save(next); err != nil {
			envelope.WriteError(w, err)
			return
		}
		a.ledger.Publish(next)
	}
	a.writeSettings(w, next, rec)
}

// inheritBindings parses a settings PATCH's bindings. Two forms keep a current binding without
// resending its value: {"type":"inherit","name":N} keeps the binding named N (the published
// schema's inherit binding), and a binding of a type that has a value but written with only
// its type and name, as GET .../settings answers a secret, keeps the current binding of that
// name and type (wrangler's PRs #4179 and #4674: "only specifying the name and type of a
// binding instructs the patch API to copy the existing binding over"; the schema itself
// requires secret_text's text).
func inheritBindings(raw []json.RawMessage, current []account.Binding, kinds []string) ([]account.Binding, error) {
	var plain []json.RawMessage
	var inherited []account.Binding
	for _, r := range raw {
		var b account.Binding
		_ = json.Unmarshal(r, &b)
		if b.Type != "inherit" && !valueless(r, b.Type) {
			plain = append(plain, r)
			continue
		}
		i := slices.IndexFunc(current, func(c account.Binding) bool {
			return c.Name == b.Name && (b.Type == "inherit" || c.Type == b.Type)
		})
		if i < 0 {
			if b.Type == "inherit" {
				return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "binding '%s' of type inherit names no current binding", b.Name)
			}
			return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation,
				"binding '%s' of type %s has no value, and the script has no current %s binding of that name to keep", b.Name, b.Type, b.Type)
		}
		inherited = append(inherited, current[i])
	}
	out, err := parseBindings(plain, kinds)
	if err != nil {
		return nil, err
	}
	return append(out, inherited...), nil
}

// valueless reports whether a binding of a type that carries a value was written with only its
// type and name.
func valueless(raw json.RawMessage, typ string) bool {
	var fields map[string]json.RawMessage
	if k, _ := bindingkind.Lookup(typ); json.Unmarshal(raw, &fields) != nil || len(k.Needs) == 0 {
		return false
	}
	for f := range fields {
		if f != "type" && f != "name" {
			return false
		}
	}
	return true
}

// settingsPart reads the "settings" part of a multipart body (a JSON body is accepted too).
func settingsPart(r *http.Request) ([]byte, error) {
	mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err == nil && mediaType == "application/json" {
		var body struct {
			Settings json.RawMessage `json:"settings"`
		}
		if err := envelope.ReadJSON(r, &body); err != nil {
			return nil, err
		}
		return body.Settings, nil
	}
	if err != nil || mediaType != "multipart/form-data" || params["boundary"] == "" {
		return nil, envelope.NewError(http.StatusUnsupportedMediaType, envelope.CodeContentType,
			"Content-Type must be one of: application/javascript, text/javascript, multipart/form-data")
	}
	mr := multipart.NewReader(http.MaxBytesReader(nil, r.Body, 1<<20), params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "could not read content for part settings")
		}
		if err != nil {
			return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "could not parse multipart body: %v", err)
		}
		if part.FormName() == "settings" {
			b, err := io.ReadAll(part)
			if err != nil {
				return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "could not read content for part settings")
			}
			return b, nil
		}
	}
}

// ServiceRefJSON is one binding of GET .../references: the script holding it ("service"), its
// environment and the binding's name.
type ServiceRefJSON struct {
	Name        string `json:"name"`
	Service     string `json:"service"`
	Environment string `json:"environment"`
}

// DurableObjectRefJSON is a binding to one of the script's Durable Object namespaces.
type DurableObjectRefJSON struct {
	ServiceRefJSON
	NamespaceID   string `json:"durable_object_namespace_id"`
	NamespaceName string `json:"durable_object_namespace_name"`
}

// handleReferences is GET .../scripts/{name}/references: what would break if the script went.
// durable_objects lists every binding to the namespaces it implements, its own included (clients
// skip those themselves); services.incoming the other scripts' service bindings to it. The
// local Cloudflare has no dispatch namespaces, so dispatch_outbounds is always empty.
func (a *API) handleReferences(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("script")
	st := a.ledger.Load()
	if _, ok := st.Scripts[name]; !ok {
		envelope.WriteError(w, envelope.ScriptNotFound())
		return
	}
	dos := []DurableObjectRefJSON{}
	for _, n := range st.NamespacesOf(name) {
		for _, other := range st.ScriptNames() {
			for _, b := range st.Scripts[other].RuleBindings() {
				if b.Type == rules.BindingDurableObject && b.Target(other) == name && b.ClassName == n.Class {
					dos = append(dos, DurableObjectRefJSON{
						ServiceRefJSON: ServiceRefJSON{Name: b.Name, Service: other, Environment: productionEnvironment},
						NamespaceID:    n.ID, NamespaceName: n.Name(),
					})
				}
			}
		}
	}
	incoming, outgoing := []ServiceRefJSON{}, []ServiceRefJSON{}
	for _, other := range st.ScriptNames() {
		for _, b := range st.Scripts[other].Bindings {
			if b.Type != account.BindingService {
				continue
			}
			if b.Service == name {
				incoming = append(incoming, ServiceRefJSON{Name: b.Name, Service: other, Environment: productionEnvironment})
			}
			if other == name {
				outgoing = append(outgoing, ServiceRefJSON{Name: b.Name, Service: b.Service, Environment: productionEnvironment})
			}
		}
	}
	envelope.WriteResult(w, http.StatusOK, map[string]any{
		"services":           map[string]any{"incoming": incoming, "outgoing": outgoing, "pages_function": false},
		"durable_objects":    dos,
		"dispatch_outbounds": []any{},
	}, nil)
}

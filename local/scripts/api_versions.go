package scripts

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"slices"
	"time"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/identity"
	"github.com/lumier-dev/lumier/local/ids"
)

// Cloudflare's codes for the versions API (see docs/cloudflare-api.md).
const (
	// CodeVersionMigrations refuses a versions upload carrying Durable Object migrations: they
	// must go through a direct upload (a non-versioned deployment).
	CodeVersionMigrations = 10211
	// codeVersionNotFound is a version id the script does not have. Cloudflare's own code for it
	// is unconfirmed; 10021 is its validation code.
	codeVersionNotFound = envelope.CodeValidation
)

// versionJSON is one version as GET .../versions/{id} and POST .../versions return it.
type versionJSON struct {
	ID            string              `json:"id"`
	Number        int                 `json:"number"`
	Metadata      versionMetadataJSON `json:"metadata"`
	Annotations   map[string]string   `json:"annotations"`
	Resources     *versionResources   `json:"resources,omitempty"`
	StartupTimeMs *int64              `json:"startup_time_ms,omitempty"`
}

type versionMetadataJSON struct {
	AuthorEmail string    `json:"author_email"`
	AuthorID    string    `json:"author_id"`
	CreatedOn   time.Time `json:"created_on"`
	ModifiedOn  time.Time `json:"modified_on"`
	Source      string    `json:"source"`
	HasPreview  bool      `json:"hasPreview"`
}

type versionResources struct {
	Bindings      []any          `json:"bindings"`
	Script        map[string]any `json:"script"`
	ScriptRuntime map[string]any `json:"script_runtime"`
}

func (a *API) versionJSON(st *account.State, rec *account.Script, v *account.Version, full bool) versionJSON {
	out := versionJSON{
		ID: v.ID, Number: v.Number,
		Metadata: versionMetadataJSON{
			AuthorEmail: identity.Email, AuthorID: identity.UserID(a.accountID), CreatedOn: v.CreatedOn, ModifiedOn: v.CreatedOn, Source: v.Source,
		},
		Annotations: map[string]string{},
	}
	for k, val := range map[string]string{"workers/message": v.Message, "workers/tag": v.Tag, "workers/triggered_by": v.TriggeredBy} {
		if val != "" {
			out.Annotations[k] = val
		}
	}
	if !full {
		return out
	}
	flags := v.CompatibilityFlags
	if flags == nil {
		flags = []string{}
	}
	out.Resources = &versionResources{
		Bindings: a.rt.ReadBindings(st, rec.Name, v.Bindings),
		Script: map[string]any{
			"etag": etag(&account.Script{MainModule: v.MainModule, CompatibilityDate: v.CompatibilityDate,
				CompatibilityFlags: v.CompatibilityFlags, Modules: v.Modules, Bindings: v.Bindings}),
			"handlers":           handlers(v.Exports),
			"last_deployed_from": rec.LastDeployedFrom(),
		},
		ScriptRuntime: map[string]any{
			"compatibility_date":  v.CompatibilityDate,
			"compatibility_flags": flags,
			"usage_model":         "standard",
			"limits":              settingsOf(rec).Limits,
			"migration_tag":       rec.MigrationTag,
		},
	}
	startup := v.StartupTimeMs
	out.StartupTimeMs = &startup
	return out
}

// handleNewVersion is POST .../scripts/{name}/versions: a multipart upload like a direct upload,
// that makes a new immutable version without deploying it. A version cannot carry migrations
// (10211). workerd runs the version once a deployment routes traffic to it; Cloudflare also
// starts it at upload, so a version that does not start is refused later here, at its deployment.
func (a *API) handleNewVersion(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("script")
	if err := account.ValidScriptName(name); err != nil {
		envelope.WriteError(w, err)
		return
	}
	up, err := parseUpload(r, a.plan, a.rt.Kinds())
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	assets, err := a.uploadedAssets(name, up)
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	if up.meta.Migrations != nil {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, CodeVersionMigrations,
			"A version upload cannot carry Durable Object migrations: apply them with a direct upload (PUT .../workers/scripts/%s), then upload versions.", name))
		return
	}
	a.ledger.Lock()
	defer a.ledger.Unlock()
	prev := a.ledger.Load()
	if _, ok := prev.Scripts[name]; !ok {
		envelope.WriteError(w, envelope.ScriptNotFound())
		return
	}
	next := prev.Clone()
	rec := next.Own(name)
	rec.EnsureVersions()
	latest := rec.Versions[len(rec.Versions)-1]
	v := &account.Version{
		ID: ids.UUID(), CreatedOn: time.Now().UTC(), Source: requestSource(r), TriggeredBy: account.TriggeredByUpload,
		Message: up.meta.Annotations["workers/message"], Tag: up.meta.Annotations["workers/tag"],
		MainModule: up.meta.MainModule, CompatibilityDate: up.meta.CompatibilityDate, CompatibilityFlags: up.meta.CompatibilityFlags,
		Bindings: keepBindings(up.bindings, latest.Bindings, up.meta.KeepBindings),
		Exports:  up.exports(),
		Assets:   assets,
	}
	if up.meta.KeepAssets && assets == nil {
		v.Assets = latest.Assets
	}
	if hasBinding(v.Bindings, account.BindingAssets) && v.Assets == nil {
		envelope.WriteError(w, errAssetsBindingWithoutAssets)
		return
	}
	if err := checkVersion(prev, name, v); err != nil {
		envelope.WriteError(w, err)
		return
	}
	for _, m := range up.modules {
		sha, err := a.store.PutModule(m.content)
		if err != nil {
			envelope.WriteError(w, err)
			return
		}
		v.Modules = append(v.Modules, account.ModuleRef{Name: m.name, SHA256: sha, Size: len(m.content)})
	}
	rec.AddVersion(v)
	ctx, cancel := contextFor(r)
	defer cancel()
	if err := a.ledger.Commit(ctx, prev, next); err != nil {
		envelope.WriteError(w, err)
		return
	}
	a.logger.Info("version uploaded", "script", name, "version", v.ID, "number", v.Number)
	envelope.WriteResult(w, http.StatusOK, a.versionJSON(next, rec, v, true), nil)
}

// handleListVersions is GET .../scripts/{name}/versions, newest first, paged with page and
// per_page (result.items, like Cloudflare).
func (a *API) handleListVersions(w http.ResponseWriter, r *http.Request) {
	st := a.ledger.Load()
	stored, ok := st.Scripts[r.PathValue("script")]
	if !ok {
		envelope.WriteError(w, envelope.ScriptNotFound())
		return
	}
	rec := *stored // ensureVersions on a copy: reads never write
	rec.EnsureVersions()
	versions := slices.Clone(rec.Versions)
	slices.Reverse(versions)
	page, perPage := envelope.PageParams(r, 10, 100)
	from := min((page-1)*perPage, len(versions))
	to := min(from+perPage, len(versions))
	items := make([]versionJSON, 0, to-from)
	for _, v := range versions[from:to] {
		items = append(items, a.versionJSON(st, &rec, v, false))
	}
	envelope.WriteResult(w, http.StatusOK, map[string]any{"items": items}, &envelope.ResultInfo{
		Page: page, PerPage: perPage, Count: len(items), TotalCount: len(versions),
		TotalPages: (len(versions) + perPage - 1) / perPage,
	})
}

// handleGetVersion is GET .../scripts/{name}/versions/{version}.
func (a *API) handleGetVersion(w http.ResponseWriter, r *http.Request) {
	st := a.ledger.Load()
	stored, ok := st.Scripts[r.PathValue("script")]
	if !ok {
		envelope.WriteError(w, envelope.ScriptNotFound())
		return
	}
	rec := *stored
	rec.EnsureVersions()
	v := rec.FindVersion(r.PathValue("version"))
	if v == nil {
		envelope.WriteError(w, envelope.NewError(http.StatusNotFound, codeVersionNotFound, "version %s of script %s does not exist", r.PathValue("version"), rec.Name))
		return
	}
	envelope.WriteResult(w, http.StatusOK, a.versionJSON(st, &rec, v, true), nil)
}

// handlePutContent is PUT .../scripts/{name}/content: new code for the script, keeping its
// bindings and compatibility settings; a new version deployed at 100%, like on Cloudflare.
// Migrations are not part of a content upload.
func (a *API) handlePutContent(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("script")
	up, err := parseUpload(r, a.plan, a.rt.Kinds())
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	a.ledger.Lock()
	defer a.ledger.Unlock()
	prev := a.ledger.Load()
	if _, ok := prev.Scripts[name]; !ok {
		envelope.WriteError(w, envelope.ScriptNotFound())
		return
	}
	next := prev.Clone()
	rec := next.Own(name)
	rec.EnsureVersions()
	v := rec.Snapshot(time.Now().UTC(), requestSource(r))
	v.MainModule, v.Exports, v.Modules, v.TriggeredBy = up.meta.MainModule, up.exports(), nil, account.TriggeredByUpload
	if err := checkVersion(prev, name, v); err != nil {
		envelope.WriteError(w, err)
		return
	}
	for _, m := range up.modules {
		sha, err := a.store.PutModule(m.content)
		if err != nil {
			envelope.WriteError(w, err)
			return
		}
		v.Modules = append(v.Modules, account.ModuleRef{Name: m.name, SHA256: sha, Size: len(m.content)})
	}
	rec.AddVersion(v)
	rec.DeployAll(v)
	rec.ModifiedOn = v.CreatedOn
	rec.Etag = etag(rec)
	ctx, cancel := contextFor(r)
	defer cancel()
	started := time.Now()
	if err := a.rt.Apply(ctx, prev, next, name); err != nil {
		envelope.WriteError(w, err)
		return
	}
	v.StartupTimeMs = time.Since(started).Milliseconds()
	if err := a.ledger.Commit(ctx, prev, next); err != nil {
		envelope.WriteError(w, err)
		return
	}
	// The answer is the script (cloudflare-go v6 ScriptContentService.Update answers Script),
	// which has neither the upload's startup_time_ms nor a deployment id.
	out := scriptJSONOf(rec)
	out.DeploymentID = ""
	envelope.WriteResult(w, http.StatusOK, out, nil)
}

// handleGetContent is GET .../scripts/{name}/content/v2: the modules the script serves, as a
// multipart/form-data body with one part per module (named by the module, with its content
// type), and the main module's name in the cf-entrypoint header. cloudflare-go's
// Workers.Scripts.Content.Get answers the raw response; wrangler's
// fetchWorkerDefinitionFromDash reads a multipart body this way.
func (a *API) handleGetContent(w http.ResponseWriter, r *http.Request) {
	rec, ok := a.ledger.Load().Scripts[r.PathValue("script")]
	if !ok {
		envelope.WriteError(w, envelope.ScriptNotFound())
		return
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, m := range rec.Modules {
		content, err := a.store.Module(m.SHA256)
		if err != nil {
			envelope.WriteError(w, fmt.Errorf("reading module %s of script %s: %w", m.Name, rec.Name, err))
			return
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, m.Name, m.Name))
		h.Set("Content-Type", ModuleContentType)
		pw, err := mw.CreatePart(h)
		if err == nil {
			_, err = pw.Write(content)
		}
		if err != nil {
			envelope.WriteError(w, fmt.Errorf("writing module %s of script %s: %w", m.Name, rec.Name, err))
			return
		}
	}
	if err := mw.Close(); err != nil {
		envelope.WriteError(w, fmt.Errorf("writing the content of script %s: %w", rec.Name, err))
		return
	}
	w.Header().Set("Content-Type", mw.FormDataContentType())
	w.Header().Set("cf-entrypoint", rec.MainModule)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

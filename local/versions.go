package local

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/ids"
	"github.com/lumier-dev/lumier/local/rules"
	"github.com/lumier-dev/lumier/local/workerd"
)

// maxVersions bounds the versions kept per script; the oldest ones that no deployment of the
// last maxDeployments uses are dropped (Cloudflare keeps more; a local account needs a bound).
const (
	maxVersions    = 100
	maxDeployments = 20
)

// Where a version or deployment came from: Cloudflare's version metadata.source, deployment
// source and script last_deployed_from (cloudflare-go's ScriptVersionGetResponseMetadataSource
// lists "api", "wrangler", "dash", "terraform" and others). The local Cloudflare tells wrangler
// from any other client by its User-Agent, "wrangler/<version>" (workers-sdk cfetch/internal.ts);
// how Cloudflare tells them apart is unconfirmed.
const (
	sourceAPI      = "api"
	sourceWrangler = "wrangler"
)

// requestSource is the source a change made by request r is recorded under.
func requestSource(r *http.Request) string {
	if strings.HasPrefix(r.Header.Get("User-Agent"), "wrangler/") {
		return sourceWrangler
	}
	return sourceAPI
}

// What made a version or deployment: its "workers/triggered_by" annotation. Only the values
// wrangler knows are used (workers-sdk deployments.ts formatTrigger: upload, secret, rollback,
// promotion): an upload of code (direct, versions or content) is "upload", a secret change
// "secret". A deployment made through POST .../deployments and a settings change carry none,
// Cloudflare's value for them being unconfirmed.
const (
	triggeredByUpload = "upload"
	triggeredBySecret = "secret"
)

// versionRecord is one immutable version of a script: what it runs. Versions are made by every
// direct upload, content or settings change (and deployed at 100% at once), or by a versions
// upload (deployed later, through a deployment).
type versionRecord struct {
	ID                 string        `json:"id"`
	Number             int           `json:"number"`
	CreatedOn          time.Time     `json:"created_on"`
	Source             string        `json:"source"`
	Message            string        `json:"message,omitempty"`
	Tag                string        `json:"tag,omitempty"`
	TriggeredBy        string        `json:"triggered_by,omitempty"`
	MainModule         string        `json:"main_module"`
	Modules            []moduleRef   `json:"modules"`
	CompatibilityDate  string        `json:"compatibility_date"`
	CompatibilityFlags []string      `json:"compatibility_flags"`
	Bindings           []wireBinding `json:"bindings"`
	Exports            []string      `json:"exports"`
	StartupTimeMs      int64         `json:"startup_time_ms"`
	// Assets are the version's static assets (assets_serve.go); nil for none.
	Assets *assetsRecord `json:"assets,omitempty"`
}

// deploymentRecord routes a script's traffic: one version at 100%, or two versions whose
// percentages add up to 100 (a gradual rollout).
type deploymentRecord struct {
	ID          string            `json:"id"`
	CreatedOn   time.Time         `json:"created_on"`
	Source      string            `json:"source"`
	Message     string            `json:"message,omitempty"`
	TriggeredBy string            `json:"triggered_by,omitempty"`
	Versions    []deployedVersion `json:"versions"`
}

// deployedVersion is one entry of a deployment (Cloudflare's field names).
type deployedVersion struct {
	VersionID  string  `json:"version_id"`
	Percentage float64 `json:"percentage"`
}

// currentDeployment is the deployment serving the script; nil for a state written before
// versions existed.
func (rec *scriptRecord) currentDeployment() *deploymentRecord {
	if len(rec.Deployments) == 0 {
		return nil
	}
	return rec.Deployments[len(rec.Deployments)-1]
}

// lastDeployedFrom is the client that made the script's current deployment (Cloudflare's
// last_deployed_from).
func (rec *scriptRecord) lastDeployedFrom() string {
	if d := rec.currentDeployment(); d != nil && d.Source != "" {
		return d.Source
	}
	return sourceAPI
}

// version finds a version by id.
func (rec *scriptRecord) version(id string) *versionRecord {
	for _, v := range rec.Versions {
		if v.ID == id {
			return v
		}
	}
	return nil
}

// ensureVersions gives a script stored before versions existed one version and one deployment
// made from what it runs, so that every script answers the versions endpoints.
func (rec *scriptRecord) ensureVersions() {
	if len(rec.Versions) > 0 {
		return
	}
	v := rec.snapshot(rec.ModifiedOn, sourceAPI)
	v.Number, v.TriggeredBy = 1, triggeredByUpload
	rec.Versions = []*versionRecord{v}
	rec.Deployments = []*deploymentRecord{{
		ID: ids.UUID(), CreatedOn: rec.ModifiedOn, Source: sourceAPI, TriggeredBy: triggeredByUpload,
		Versions: []deployedVersion{{VersionID: v.ID, Percentage: 100}},
	}}
}

// snapshot is a new version holding what rec runs now.
func (rec *scriptRecord) snapshot(now time.Time, source string) *versionRecord {
	return &versionRecord{
		ID: ids.UUID(), CreatedOn: now, Source: source,
		MainModule: rec.MainModule, Modules: slices.Clone(rec.Modules),
		CompatibilityDate: rec.CompatibilityDate, CompatibilityFlags: slices.Clone(rec.CompatibilityFlags),
		Bindings: slices.Clone(rec.Bindings), Exports: slices.Clone(rec.Exports), Assets: rec.Assets,
	}
}

// runVersion makes rec run v: the script's served content is always its deployment's primary
// version (see primaryVersion).
func (rec *scriptRecord) runVersion(v *versionRecord) {
	rec.MainModule, rec.Modules = v.MainModule, slices.Clone(v.Modules)
	rec.CompatibilityDate, rec.CompatibilityFlags = v.CompatibilityDate, slices.Clone(v.CompatibilityFlags)
	rec.Bindings, rec.Exports = slices.Clone(v.Bindings), slices.Clone(v.Exports)
	rec.Assets = v.Assets
}

// addVersion appends v with the next number and trims old versions.
func (rec *scriptRecord) addVersion(v *versionRecord) {
	rec.ensureVersions()
	v.Number = rec.Versions[len(rec.Versions)-1].Number + 1
	rec.Versions = append(rec.Versions, v)
	rec.trim()
}

// deployAll appends a deployment of v at 100% (what a direct upload, a content, settings or
// secret change does on Cloudflare) and makes rec run it. The deployment is annotated like v.
func (rec *scriptRecord) deployAll(v *versionRecord) *deploymentRecord {
	d := &deploymentRecord{
		ID: ids.UUID(), CreatedOn: v.CreatedOn, Source: v.Source, TriggeredBy: v.TriggeredBy, Message: v.Message,
		Versions: []deployedVersion{{VersionID: v.ID, Percentage: 100}},
	}
	rec.Deployments = append(rec.Deployments, d)
	rec.runVersion(v)
	rec.trim()
	return d
}

// trim drops old deployments, then the versions that no kept deployment uses, oldest first.
func (rec *scriptRecord) trim() {
	if n := len(rec.Deployments); n > maxDeployments {
		rec.Deployments = slices.Clone(rec.Deployments[n-maxDeployments:])
	}
	used := map[string]bool{}
	for _, d := range rec.Deployments {
		for _, dv := range d.Versions {
			used[dv.VersionID] = true
		}
	}
	for len(rec.Versions) > maxVersions {
		i := slices.IndexFunc(rec.Versions, func(v *versionRecord) bool { return !used[v.ID] })
		if i < 0 {
			return
		}
		rec.Versions = slices.Delete(rec.Versions, i, i+1)
	}
}

// recordUpload is the versions side of a direct upload (PUT .../scripts/{name}): the upload is a
// new version deployed at 100%, after the versions the script already had.
// The version and its deployment carry the upload's workers/message, and the version its
// workers/tag (metadata annotations, as wrangler deploy --message and --tag send them).
func recordUpload(old, rec *scriptRecord, source string, annotations map[string]string) {
	if old != nil {
		old.ensureVersions()
		rec.Versions = slices.Clone(old.Versions)
		rec.Deployments = slices.Clone(old.Deployments)
		rec.Settings = old.Settings
	}
	v := rec.snapshot(rec.ModifiedOn, source)
	v.TriggeredBy = triggeredByUpload
	v.Message, v.Tag = annotations["workers/message"], annotations["workers/tag"]
	if len(rec.Versions) == 0 {
		v.Number = 1
		rec.Versions = []*versionRecord{v}
	} else {
		rec.addVersion(v)
	}
	rec.deployAll(v)
}

// primaryVersion is the version of a deployment that the script's own workerd service runs and
// that hosts its Durable Object classes: the one with the larger share, the newer one on a tie.
// Only one version of a Durable Object runs at a time on Cloudflare too; locally every object
// runs the primary version's code.
func (rec *scriptRecord) primaryVersion(d *deploymentRecord) string {
	best := d.Versions[0]
	for _, dv := range d.Versions[1:] {
		if dv.Percentage > best.Percentage || (dv.Percentage == best.Percentage && rec.number(dv.VersionID) > rec.number(best.VersionID)) {
			best = dv
		}
	}
	return best.VersionID
}

func (rec *scriptRecord) number(id string) int {
	if v := rec.version(id); v != nil {
		return v.Number
	}
	return 0
}

// secondaryVersion is the other version of a split deployment and its share; ok is false when
// one version takes all the traffic.
func (rec *scriptRecord) secondaryVersion() (v *versionRecord, percentage float64, ok bool) {
	d := rec.currentDeployment()
	if d == nil || len(d.Versions) < 2 {
		return nil, 0, false
	}
	primary := rec.primaryVersion(d)
	for _, dv := range d.Versions {
		if dv.VersionID != primary && dv.Percentage > 0 {
			if v := rec.version(dv.VersionID); v != nil {
				return v, dv.Percentage, true
			}
		}
	}
	return nil, 0, false
}

// rolloutService names the workerd service running a split deployment's secondary version. The
// "--V" cannot occur in a Cloudflare script name (no capitals), so it never collides with one.
func rolloutService(script, versionID string) string {
	return script + "--V" + strings.ReplaceAll(versionID, "-", "")
}

// rolloutScripts are the extra workerd services of split deployments: each secondary version
// runs beside its script and reaches the script's Durable Object classes through the primary
// (it hosts none itself), so both versions see the same objects and data.
func (s *Server) rolloutScripts(st *state) ([]workerd.Script, error) {
	var out []workerd.Script
	for _, name := range st.scriptNames() {
		rec := st.Scripts[name]
		v, _, ok := rec.secondaryVersion()
		if !ok {
			continue
		}
		ws := workerd.Script{
			Name:               rolloutService(name, v.ID),
			MainModule:         v.MainModule,
			CompatibilityDate:  v.CompatibilityDate,
			CompatibilityFlags: v.CompatibilityFlags,
			Tail:               s.tails.Tail(name),
		}
		for _, m := range v.Modules {
			content, err := s.store.module(m.SHA256)
			if err != nil {
				return nil, fmt.Errorf("script %s version %s: %w", name, v.ID, err)
			}
			ws.Modules = append(ws.Modules, workerd.Module{Name: m.Name, Content: content})
		}
		ws.Bindings = s.workerdBindings(bindingContext{st: st, script: name, service: ws.Name, assets: v.Assets, version: v}, v.Bindings)
		out = append(out, ws)
	}
	return out, nil
}

// route is where the router sends one request for script: the primary version, or with the
// secondary's probability, the secondary version of a split deployment; the chosen version's own
// static assets answer first.
func (s *Server) route(script string) routeTarget {
	rec, ok := s.st.Load().Scripts[script]
	if !ok {
		return routeTarget{}
	}
	var t routeTarget
	assets, compatDate := rec.Assets, rec.CompatibilityDate
	if v, pct, ok := rec.secondaryVersion(); ok && rand.Float64()*100 < pct {
		if t.addr, t.ok = s.runtime.Addr(rolloutService(script, v.ID)); t.ok {
			assets, compatDate = v.Assets, v.CompatibilityDate
		}
	}
	if !t.ok {
		t.addr, t.ok = s.runtime.Addr(script)
	}
	if assets != nil {
		t.front = func(w http.ResponseWriter, r *http.Request) bool {
			return s.assets.frontAssets(script, assets, compatDate, w, r)
		}
	}
	return t
}

// deploy makes d the script's deployment: rules first (each version must keep exporting the
// classes the script hosts and resolve its bindings), then workerd, then the state. The caller
// holds s.mu.
func (s *Server) deploy(ctx context.Context, name string, d *deploymentRecord) error {
	prev := s.st.Load()
	next := prev.clone()
	rec := next.Scripts[name]
	rec.ensureVersions()
	for _, dv := range d.Versions {
		v := rec.version(dv.VersionID)
		if v == nil {
			return envelope.NewError(http.StatusBadRequest, codeVersionNotFound, "version %s of script %s does not exist", dv.VersionID, name)
		}
		if err := checkVersion(prev, name, v); err != nil {
			return err
		}
	}
	rec.runVersion(rec.version(rec.primaryVersion(d)))
	rec.Deployments = append(rec.Deployments, d)
	rec.trim()
	rec.ModifiedOn = d.CreatedOn
	rec.Etag = etag(rec)
	if err := s.apply(ctx, prev, next, name); err != nil {
		return err
	}
	return s.commit(ctx, prev, next)
}

// checkVersion applies the account's rules to v as if it ran as script name: no migrations
// (versions carry none), bound classes that exist, hosted classes still exported.
func checkVersion(st *state, name string, v *versionRecord) error {
	rec := &scriptRecord{Name: name, Bindings: v.Bindings}
	_, err := rules.CheckUpload(st.account(), rules.Upload{
		Script: name, Bindings: rec.ruleBindings(), Exports: v.Exports,
	}, ids.New)
	return err
}

// moduleRefs are all the modules the script's versions name, for the store's garbage collection.
func (rec *scriptRecord) moduleRefs() []moduleRef {
	out := slices.Clone(rec.Modules)
	for _, v := range rec.Versions {
		out = append(out, v.Modules...)
	}
	return out
}

// contextFor bounds a request's workerd reload.
func contextFor(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), applyTimeout)
}

// deploymentID is the id of the script's current deployment.
func (rec *scriptRecord) deploymentID() string {
	if d := rec.currentDeployment(); d != nil {
		return d.ID
	}
	return ""
}

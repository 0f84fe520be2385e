package account

import (
	"iter"
	"slices"
	"time"

	"github.com/lumier-dev/lumier/local/ids"
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
	SourceAPI      = "api"
	SourceWrangler = "wrangler"
)

// What made a version or deployment: its "workers/triggered_by" annotation. Only the values
// wrangler knows are used (workers-sdk deployments.ts formatTrigger: upload, secret, rollback,
// promotion): an upload of code (direct, versions or content) is "upload", a secret change
// "secret". A deployment made through POST .../deployments and a settings change carry none,
// Cloudflare's value for them being unconfirmed.
const (
	TriggeredByUpload = "upload"
	TriggeredBySecret = "secret"
)

// Version is one immutable version of a script: what it runs. Versions are made by every
// direct upload, content or settings change (and deployed at 100% at once), or by a versions
// upload (deployed later, through a deployment).
type Version struct {
	ID                 string      `json:"id"`
	Number             int         `json:"number"`
	CreatedOn          time.Time   `json:"created_on"`
	Source             string      `json:"source"`
	Message            string      `json:"message,omitempty"`
	Tag                string      `json:"tag,omitempty"`
	TriggeredBy        string      `json:"triggered_by,omitempty"`
	MainModule         string      `json:"main_module"`
	Modules            []ModuleRef `json:"modules"`
	CompatibilityDate  string      `json:"compatibility_date"`
	CompatibilityFlags []string    `json:"compatibility_flags"`
	Bindings           []Binding   `json:"bindings"`
	Exports            []string    `json:"exports"`
	StartupTimeMs      int64       `json:"startup_time_ms"`
	// Assets are the version's static assets (local/assets); nil for none.
	Assets *Assets `json:"assets,omitempty"`
}

// Deployment routes a script's traffic: one version at 100%, or two versions whose
// percentages add up to 100 (a gradual rollout).
type Deployment struct {
	ID          string            `json:"id"`
	CreatedOn   time.Time         `json:"created_on"`
	Source      string            `json:"source"`
	Message     string            `json:"message,omitempty"`
	TriggeredBy string            `json:"triggered_by,omitempty"`
	Versions    []DeployedVersion `json:"versions"`
}

// DeployedVersion is one entry of a deployment (Cloudflare's field names).
type DeployedVersion struct {
	VersionID  string  `json:"version_id"`
	Percentage float64 `json:"percentage"`
}

// CurrentDeployment is the deployment serving the script; nil for a state written before
// versions existed.
func (rec *Script) CurrentDeployment() *Deployment {
	if len(rec.Deployments) == 0 {
		return nil
	}
	return rec.Deployments[len(rec.Deployments)-1]
}

// LastDeployedFrom is the client that made the script's current deployment (Cloudflare's
// last_deployed_from).
func (rec *Script) LastDeployedFrom() string {
	if d := rec.CurrentDeployment(); d != nil && d.Source != "" {
		return d.Source
	}
	return SourceAPI
}

// FindVersion finds a version by id.
func (rec *Script) FindVersion(id string) *Version {
	for _, v := range rec.Versions {
		if v.ID == id {
			return v
		}
	}
	return nil
}

// EnsureVersions gives a script stored before versions existed one version and one deployment
// made from what it runs, so that every script answers the versions endpoints.
func (rec *Script) EnsureVersions() {
	if len(rec.Versions) > 0 {
		return
	}
	v := rec.Snapshot(rec.ModifiedOn, SourceAPI)
	v.Number, v.TriggeredBy = 1, TriggeredByUpload
	rec.Versions = []*Version{v}
	rec.Deployments = []*Deployment{{
		ID: ids.UUID(), CreatedOn: rec.ModifiedOn, Source: SourceAPI, TriggeredBy: TriggeredByUpload,
		Versions: []DeployedVersion{{VersionID: v.ID, Percentage: 100}},
	}}
}

// Snapshot is a new version holding what rec runs now.
func (rec *Script) Snapshot(now time.Time, source string) *Version {
	return &Version{
		ID: ids.UUID(), CreatedOn: now, Source: source,
		MainModule: rec.MainModule, Modules: slices.Clone(rec.Modules),
		CompatibilityDate: rec.CompatibilityDate, CompatibilityFlags: slices.Clone(rec.CompatibilityFlags),
		Bindings: slices.Clone(rec.Bindings), Exports: slices.Clone(rec.Exports), Assets: rec.Assets,
	}
}

// RunVersion makes rec run v: the script's served content is always its deployment's primary
// version (see primaryVersion).
func (rec *Script) RunVersion(v *Version) {
	rec.MainModule, rec.Modules = v.MainModule, slices.Clone(v.Modules)
	rec.CompatibilityDate, rec.CompatibilityFlags = v.CompatibilityDate, slices.Clone(v.CompatibilityFlags)
	rec.Bindings, rec.Exports = slices.Clone(v.Bindings), slices.Clone(v.Exports)
	rec.Assets = v.Assets
}

// AddVersion appends v with the next number and trims old versions.
func (rec *Script) AddVersion(v *Version) {
	rec.EnsureVersions()
	v.Number = rec.Versions[len(rec.Versions)-1].Number + 1
	rec.Versions = append(rec.Versions, v)
	rec.Trim()
}

// DeployAll appends a deployment of v at 100% (what a direct upload, a content, settings or
// secret change does on Cloudflare) and makes rec run it. The deployment is annotated like v.
func (rec *Script) DeployAll(v *Version) *Deployment {
	d := &Deployment{
		ID: ids.UUID(), CreatedOn: v.CreatedOn, Source: v.Source, TriggeredBy: v.TriggeredBy, Message: v.Message,
		Versions: []DeployedVersion{{VersionID: v.ID, Percentage: 100}},
	}
	rec.Deployments = append(rec.Deployments, d)
	rec.RunVersion(v)
	rec.Trim()
	return d
}

// Trim drops old deployments, then the versions that no kept deployment uses, oldest first.
func (rec *Script) Trim() {
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
		i := slices.IndexFunc(rec.Versions, func(v *Version) bool { return !used[v.ID] })
		if i < 0 {
			return
		}
		rec.Versions = slices.Delete(rec.Versions, i, i+1)
	}
}

// RecordUpload is the versions side of a direct upload (PUT .../scripts/{name}): the upload is a
// new version deployed at 100%, after the versions the script already had.
// The version and its deployment carry the upload's workers/message, and the version its
// workers/tag (metadata annotations, as wrangler deploy --message and --tag send them).
func RecordUpload(old, rec *Script, source string, annotations map[string]string) {
	if old != nil {
		old.EnsureVersions()
		rec.Versions = slices.Clone(old.Versions)
		rec.Deployments = slices.Clone(old.Deployments)
		rec.Settings = old.Settings
	}
	v := rec.Snapshot(rec.ModifiedOn, source)
	v.TriggeredBy = TriggeredByUpload
	v.Message, v.Tag = annotations["workers/message"], annotations["workers/tag"]
	if len(rec.Versions) == 0 {
		v.Number = 1
		rec.Versions = []*Version{v}
	} else {
		rec.AddVersion(v)
	}
	rec.DeployAll(v)
}

// PrimaryVersion is the version of a deployment that the script's own workerd service runs and
// that hosts its Durable Object classes: the one with the larger share, the newer one on a tie.
// Only one version of a Durable Object runs at a time on Cloudflare too; locally every object
// runs the primary version's code.
func (rec *Script) PrimaryVersion(d *Deployment) string {
	best := d.Versions[0]
	for _, dv := range d.Versions[1:] {
		if dv.Percentage > best.Percentage || (dv.Percentage == best.Percentage && rec.number(dv.VersionID) > rec.number(best.VersionID)) {
			best = dv
		}
	}
	return best.VersionID
}

func (rec *Script) number(id string) int {
	if v := rec.FindVersion(id); v != nil {
		return v.Number
	}
	return 0
}

// SecondaryVersion is the other version of a split deployment and its share; ok is false when
// one version takes all the traffic.
func (rec *Script) SecondaryVersion() (v *Version, percentage float64, ok bool) {
	d := rec.CurrentDeployment()
	if d == nil || len(d.Versions) < 2 {
		return nil, 0, false
	}
	primary := rec.PrimaryVersion(d)
	for _, dv := range d.Versions {
		if dv.VersionID != primary && dv.Percentage > 0 {
			if v := rec.FindVersion(dv.VersionID); v != nil {
				return v, dv.Percentage, true
			}
		}
	}
	return nil, 0, false
}

// moduleRefs yields every module the script's versions name, for the store's garbage
// collection, which walks every script on every commit: yielding copies nothing.
func (rec *Script) moduleRefs() iter.Seq[ModuleRef] {
	return func(yield func(ModuleRef) bool) {
		for _, m := range rec.Modules {
			if !yield(m) {
				return
			}
		}
		for _, v := range rec.Versions {
			for _, m := range v.Modules {
				if !yield(m) {
					return
				}
			}
		}
	}
}

// DeploymentID is the id of the script's current deployment.
func (rec *Script) DeploymentID() string {
	if d := rec.CurrentDeployment(); d != nil {
		return d.ID
	}
	return ""
}

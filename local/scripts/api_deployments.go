package scripts

import (
	"net/http"
	"slices"
	"time"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/identity"
	"github.com/lumier-dev/lumier/local/ids"
)

// DeploymentJSON is one deployment as the deployments endpoints return it.
type DeploymentJSON struct {
	ID          string                    `json:"id"`
	CreatedOn   time.Time                 `json:"created_on"`
	Source      string                    `json:"source"`
	Strategy    string                    `json:"strategy"`
	AuthorEmail string                    `json:"author_email"`
	Annotations map[string]string         `json:"annotations"`
	Versions    []account.DeployedVersion `json:"versions"`
}

// strategyPercentage is the only deployment strategy Cloudflare has.
const strategyPercentage = "percentage"

func deploymentJSONOf(d *account.Deployment) DeploymentJSON {
	ann := map[string]string{}
	if d.Message != "" {
		ann["workers/message"] = d.Message
	}
	if d.TriggeredBy != "" {
		ann["workers/triggered_by"] = d.TriggeredBy
	}
	return DeploymentJSON{
		ID: d.ID, CreatedOn: d.CreatedOn, Source: d.Source, Strategy: strategyPercentage,
		AuthorEmail: identity.Email, Annotations: ann, Versions: slices.Clone(d.Versions),
	}
}

// handleListDeployments is GET .../scripts/{name}/deployments: newest first, the first one
// serving traffic.
func (a *API) handleListDeployments(w http.ResponseWriter, r *http.Request) {
	stored, ok := a.ledger.Load().Scripts[r.PathValue("script")]
	if !ok {
		envelope.WriteError(w, envelope.ScriptNotFound())
		return
	}
	rec := *stored
	rec.EnsureVersions()
	out := make([]DeploymentJSON, 0, len(rec.Deployments))
	for i := len(rec.Deployments) - 1; i >= 0; i-- {
		out = append(out, deploymentJSONOf(rec.Deployments[i]))
	}
	envelope.WriteResult(w, http.StatusOK, map[string]any{"deployments": out}, nil)
}

// handleNewDeployment is POST .../scripts/{name}/deployments {"strategy":"percentage",
// "versions":[{"version_id","percentage"}],"annotations":{"workers/message"}}: one version at
// 100%, or two whose percentages add up to 100. The router then splits the script's requests
// between them (local/runtime/versions.go).
func (a *API) handleNewDeployment(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Strategy    string                    `json:"strategy"`
		Versions    []account.DeployedVersion `json:"versions"`
		Annotations map[string]string         `json:"annotations"`
	}
	if err := envelope.ReadJSON(r, &body); err != nil {
		envelope.WriteError(w, err)
		return
	}
	if err := checkDeployment(body.Strategy, body.Versions); err != nil {
		envelope.WriteError(w, err)
		return
	}
	name := r.PathValue("script")
	a.ledger.Lock()
	defer a.ledger.Unlock()
	if _, ok := a.ledger.Load().Scripts[name]; !ok {
		envelope.WriteError(w, envelope.ScriptNotFound())
		return
	}
	d := &account.Deployment{
		ID: ids.UUID(), CreatedOn: time.Now().UTC(), Source: requestSource(r),
		Message: body.Annotations["workers/message"], Versions: body.Versions,
	}
	ctx, cancel := contextFor(r)
	defer cancel()
	if err := a.deploy(ctx, name, d); err != nil {
		envelope.WriteError(w, err)
		return
	}
	a.logger.Info("deployment created", "script", name, "deployment", d.ID, "versions", d.Versions)
	envelope.WriteResult(w, http.StatusOK, deploymentJSONOf(d), nil)
}

// checkDeployment applies Cloudflare's shape rules to a deployment: the percentage strategy, one
// or two distinct versions, percentages in (0, 100] adding up to 100.
func checkDeployment(strategy string, versions []account.DeployedVersion) error {
	if strategy != strategyPercentage {
		return envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "strategy %q is not supported: use %q", strategy, strategyPercentage)
	}
	if len(versions) == 0 || len(versions) > 2 {
		return envelope.NewError(http.StatusBadRequest, envelope.CodeValidation,
			"a deployment routes traffic to one or two versions, got %d", len(versions))
	}
	total := 0.0
	for i, v := range versions {
		if v.VersionID == "" {
			return envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "versions[%d].version_id is required", i)
		}
		if v.Percentage <= 0 || v.Percentage > 100 {
			return envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "versions[%d].percentage must be in (0, 100], got %v", i, v.Percentage)
		}
		total += v.Percentage
	}
	if len(versions) == 2 && versions[0].VersionID == versions[1].VersionID {
		return envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "version %s is listed twice", versions[0].VersionID)
	}
	if total < 99.99 || total > 100.01 {
		return envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "the versions' percentages must add up to 100, got %v", total)
	}
	return nil
}

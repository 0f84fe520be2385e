// Package scripts is the Workers scripts API of the local Cloudflare: scripts (upload, list, settings,
// delete), their versions, deployments, script settings, secrets and content, the Durable Object
// namespaces and the services view. It reads and changes the account through local/account,
// and reaches the runtime (workerd, the binding kinds, static assets, queue consumers) through
// the small Runtime interface the server implements.
package scripts

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/rules"
)

// Kinds of API call counted by the server's call counters (local.Server.Calls).
const (
	CallUpload      = "upload"       // PUT .../workers/scripts/{name}
	CallListScripts = "list_scripts" // GET .../workers/scripts
	CallSettings    = "settings"     // GET .../workers/scripts/{name}/settings
	CallDelete      = "delete"       // DELETE .../workers/scripts/{name}
	CallNamespaces  = "namespaces"   // GET .../workers/durable_objects/namespaces
	// The endpoints other Cloudflare clients use.
	CallService            = "service"              // GET .../workers/services/{name}
	CallVersionUpload      = "version_upload"       // POST .../scripts/{name}/versions
	CallVersions           = "versions"             // GET .../scripts/{name}/versions[/{id}]
	CallDeployments        = "deployments"          // GET .../scripts/{name}/deployments
	CallDeploy             = "deploy"               // POST .../scripts/{name}/deployments
	CallScriptSettings     = "script_settings"      // GET .../scripts/{name}/script-settings
	CallEditScriptSettings = "edit_script_settings" // PATCH .../scripts/{name}/script-settings
	CallEditSettings       = "edit_settings"        // PATCH .../scripts/{name}/settings
	CallReferences         = "references"           // GET .../scripts/{name}/references
	CallContent            = "content"              // PUT .../scripts/{name}/content
	CallGetContent         = "get_content"          // GET .../scripts/{name}/content/v2
	CallSecrets            = "secrets"              // GET .../scripts/{name}/secrets[/{secret}]
	CallEditSecrets        = "edit_secrets"         // PUT, DELETE .../secrets[/{secret}], PATCH .../secrets-bulk
)

// Runtime is what the Workers API needs of the server that runs the scripts.
type Runtime interface {
	// Apply has the runtime run next in place of prev (account.Apply).
	Apply(ctx context.Context, prev, next *account.State, uploaded string) error
	// Kinds are the binding types the runtime runs, sorted.
	Kinds() []string
	// CheckBindingTargets refuses an upload of script whose bindings name resources the account
	// lacks.
	CheckBindingTargets(script string, bindings []account.Binding) error
	// ReadBindings is bindings of script as Cloudflare reads them back (secret texts left out).
	ReadBindings(st *account.State, script string, bindings []account.Binding) []any
	// RedeemAssets resolves an upload's assets.jwt to the manifest it completed.
	RedeemAssets(script, jwt string, cfg account.AssetsConfig) (*account.Assets, error)
	// DropStorage deletes the data of Durable Object namespaces that a migration or a forced
	// delete ended.
	DropStorage(dropped []rules.Namespace)
	// ClosePort stops serving a deleted script's port.
	ClosePort(script string)
	// RemoveConsumersOf removes a deleted script's queue consumers; true when it had some.
	RemoveConsumersOf(script string) (bool, error)
}

// API is the Workers API over one account.
type API struct {
	accountID string
	plan      account.Plan
	ledger    *account.Ledger
	store     *account.Store
	rt        Runtime
	logger    *slog.Logger
}

// NewAPI serves the Workers API of account accountID, on plan plan, kept by ledger and store.
func NewAPI(accountID string, plan account.Plan, ledger *account.Ledger, store *account.Store, rt Runtime, logger *slog.Logger) *API {
	return &API{accountID: accountID, plan: plan, ledger: ledger, store: store, rt: rt, logger: logger}
}

// uploadedAssets resolves a script upload's assets.jwt to the manifest it completed; nil when the
// upload has no assets.
func (a *API) uploadedAssets(script string, up *upload) (*account.Assets, error) {
	if up.meta.Assets == nil {
		return nil, nil
	}
	return a.rt.RedeemAssets(script, up.meta.Assets.JWT, up.meta.Assets.Config)
}

// Routes registers the Workers API's endpoints through handle, which puts each behind the
// checks every endpoint shares. Beyond the ones the provider calls are the endpoints other
// Cloudflare clients (SDKs, deploy tools) use: services, versions, deployments, settings,
// references, content and secrets (see docs/cloudflare-api.md).
func (a *API) Routes(handle func(pattern, kind string, h http.HandlerFunc)) {
	const (
		scripts  = "/accounts/{account}/workers/scripts"
		script   = scripts + "/{script}"
		services = "/accounts/{account}/workers/services/{script}"
	)
	handle("PUT "+script, CallUpload, a.handleUpload)
	handle("GET "+scripts, CallListScripts, a.handleListScripts)
	handle("GET "+script+"/settings", CallSettings, a.handleSettings)
	handle("DELETE "+script, CallDelete, a.handleDelete)
	handle("GET /accounts/{account}/workers/durable_objects/namespaces", CallNamespaces, a.handleNamespaces)
	handle("GET "+services, CallService, a.handleGetService)
	handle("DELETE "+services, CallDelete, a.handleDelete)
	handle("POST "+script+"/versions", CallVersionUpload, a.handleNewVersion)
	handle("GET "+script+"/versions", CallVersions, a.handleListVersions)
	handle("GET "+script+"/versions/{version}", CallVersions, a.handleGetVersion)
	handle("GET "+script+"/deployments", CallDeployments, a.handleListDeployments)
	handle("POST "+script+"/deployments", CallDeploy, a.handleNewDeployment)
	handle("GET "+script+"/script-settings", CallScriptSettings, a.handleGetScriptSettings)
	handle("PATCH "+script+"/script-settings", CallEditScriptSettings, a.handlePatchScriptSettings)
	handle("PATCH "+script+"/settings", CallEditSettings, a.handlePatchSettings)
	handle("GET "+script+"/references", CallReferences, a.handleReferences)
	handle("PUT "+script+"/content", CallContent, a.handlePutContent)
	handle("GET "+script+"/content/v2", CallGetContent, a.handleGetContent)
	handle("GET "+services+"/environments/"+productionEnvironment+"/content/v2", CallGetContent, a.handleGetContent)
	handle("GET "+script+"/secrets", CallSecrets, a.handleListSecrets)
	handle("GET "+script+"/secrets/{secret}", CallSecrets, a.handleGetSecret)
	handle("PUT "+script+"/secrets", CallEditSecrets, a.handlePutSecret)
	handle("DELETE "+script+"/secrets/{secret}", CallEditSecrets, a.handleDeleteSecret)
	handle("PATCH "+script+"/secrets-bulk", CallEditSecrets, a.handlePatchSecrets)
}

package local

import (
	"maps"
	"sync"
)

// Kinds of API call counted by Server.Calls.
const (
	CallUpload          = "upload"           // PUT .../workers/scripts/{name}
	CallListScripts     = "list_scripts"     // GET .../workers/scripts
	CallSettings        = "settings"         // GET .../workers/scripts/{name}/settings
	CallDelete          = "delete"           // DELETE .../workers/scripts/{name}
	CallNamespaces      = "namespaces"       // GET .../workers/durable_objects/namespaces
	CallSubdomain       = "subdomain"        // GET .../workers/subdomain
	CallSetSubdomain    = "set_subdomain"    // PUT .../workers/subdomain
	CallScriptSubdomain = "script_subdomain" // GET .../workers/scripts/{name}/subdomain
	CallSetWorkersDev   = "set_workers_dev"  // POST or DELETE .../workers/scripts/{name}/subdomain
	CallVerifyToken     = "verify_token"     // GET /user/tokens/verify, GET /accounts/{a}/tokens/verify
	CallSchedules       = "schedules"        // GET .../workers/scripts/{name}/schedules
	CallSetSchedules    = "set_schedules"    // PUT .../workers/scripts/{name}/schedules
	CallFireScheduled   = "fire_scheduled"   // POST /__lumier/scripts/{name}/scheduled (ours)
	// The endpoints other Cloudflare clients use (api_routes.go).
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
	CallIdentity           = "identity"             // GET /user, /accounts, /accounts/{a}, /memberships
	// Static assets (api_assets.go). CallAssetFile counts files received, one per file of an
	// upload, so tests can see what a deploy sent.
	CallAssetsSession = "assets_session" // POST .../scripts/{name}/assets-upload-session
	CallAssetsUpload  = "assets_upload"  // POST .../workers/assets/upload
	CallAssetFile     = "asset_file"     // one file received by an assets upload
	// CallFaulted counts requests a fault rule failed before they reached their endpoint; they
	// are not counted under their own kind.
	CallFaulted = "faulted"
	// CallDropped counts requests a "drop" fault served without an answer; they are counted under
	// their own kind too, since they reached their endpoint.
	CallDropped = "dropped"

	CallZones       = "zones"        // GET /zones, GET /zones/{id}
	CallRoutes      = "routes"       // GET /zones/{id}/workers/routes
	CallEditRoutes  = "edit_routes"  // POST or DELETE /zones/{id}/workers/routes[/{id}]
	CallDomains     = "domains"      // GET .../workers/domains
	CallEditDomains = "edit_domains" // PUT or DELETE .../workers/domains[/{id}]
)

// mutatingCalls are the kinds that change the account.
var mutatingCalls = map[string]bool{
	CallUpload: true, CallDelete: true, CallSetSchedules: true, CallSetSubdomain: true, CallSetWorkersDev: true,
	CallVersionUpload: true, CallDeploy: true, CallEditScriptSettings: true, CallEditSettings: true, CallContent: true,
	CallEditSecrets:      true,
	CallKVEditNamespaces: true, CallKVEditValues: true, CallAssetsUpload: true,
	CallEditQueues: true, CallEditConsumers: true, CallQueueMessages: true,
	CallD1EditDatabases: true, CallD1Query: true, CallEditRoutes: true, CallEditDomains: true,
	CallEditWorkflows: true,
}

// calls counts API calls by kind.
type calls struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *calls) add(kind string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[kind]++
}

func (c *calls) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := maps.Clone(c.n)
	if out == nil {
		out = map[string]int{}
	}
	return out
}

func (c *calls) mutating() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	total := 0
	for kind, n := range c.n {
		if mutatingCalls[kind] {
			total += n
		}
	}
	return total
}

func (c *calls) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n = nil
}

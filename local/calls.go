package local

import (
	"github.com/lumier-dev/lumier/local/assets"
	"github.com/lumier-dev/lumier/local/d1"
	"github.com/lumier-dev/lumier/local/identity"
	"github.com/lumier-dev/lumier/local/kv"
	"github.com/lumier-dev/lumier/local/queues"
	"github.com/lumier-dev/lumier/local/r2"
	"github.com/lumier-dev/lumier/local/schedules"
	"github.com/lumier-dev/lumier/local/scripts"
	"github.com/lumier-dev/lumier/local/subdomain"
	"github.com/lumier-dev/lumier/local/workflows"
	"github.com/lumier-dev/lumier/local/zones"
)

// Kinds of API call counted by Server.Calls.
const (
	CallUpload          = scripts.CallUpload            // PUT .../workers/scripts/{name}
	CallListScripts     = scripts.CallListScripts       // GET .../workers/scripts
	CallSettings        = scripts.CallSettings          // GET .../workers/scripts/{name}/settings
	CallDelete          = scripts.CallDelete            // DELETE .../workers/scripts/{name}
	CallNamespaces      = scripts.CallNamespaces        // GET .../workers/durable_objects/namespaces
	CallSubdomain       = subdomain.CallSubdomain       // GET .../workers/subdomain
	CallSetSubdomain    = subdomain.CallSetSubdomain    // PUT .../workers/subdomain
	CallScriptSubdomain = subdomain.CallScriptSubdomain // GET .../workers/scripts/{name}/subdomain
	CallSetWorkersDev   = subdomain.CallSetWorkersDev   // POST or DELETE .../workers/scripts/{name}/subdomain
	CallVerifyToken     = identity.CallVerifyToken      // GET /user/tokens/verify, GET /accounts/{a}/tokens/verify
	CallSchedules       = schedules.CallSchedules       // GET .../workers/scripts/{name}/schedules
	CallSetSchedules    = schedules.CallSetSchedules    // PUT .../workers/scripts/{name}/schedules
	CallFireScheduled   = schedules.CallFireScheduled   // POST /__lumier/scripts/{name}/scheduled (ours)
	CallDeliverMessages = "deliver_messages"            // POST /__lumier/queues/{name}/deliver (ours)
	// The endpoints other Cloudflare clients use (local/workers).
	CallService            = scripts.CallService            // GET .../workers/services/{name}
	CallVersionUpload      = scripts.CallVersionUpload      // POST .../scripts/{name}/versions
	CallVersions           = scripts.CallVersions           // GET .../scripts/{name}/versions[/{id}]
	CallDeployments        = scripts.CallDeployments        // GET .../scripts/{name}/deployments
	CallDeploy             = scripts.CallDeploy             // POST .../scripts/{name}/deployments
	CallScriptSettings     = scripts.CallScriptSettings     // GET .../scripts/{name}/script-settings
	CallEditScriptSettings = scripts.CallEditScriptSettings // PATCH .../scripts/{name}/script-settings
	CallEditSettings       = scripts.CallEditSettings       // PATCH .../scripts/{name}/settings
	CallReferences         = scripts.CallReferences         // GET .../scripts/{name}/references
	CallContent            = scripts.CallContent            // PUT .../scripts/{name}/content
	CallGetContent         = scripts.CallGetContent         // GET .../scripts/{name}/content/v2
	CallSecrets            = scripts.CallSecrets            // GET .../scripts/{name}/secrets[/{secret}]
	CallEditSecrets        = scripts.CallEditSecrets        // PUT, DELETE .../secrets[/{secret}], PATCH .../secrets-bulk
	CallIdentity           = identity.CallIdentity          // GET /user, /accounts, /accounts/{a}, /memberships
	// Static assets (local/assets). CallAssetFile counts files received, one per file of an
	// upload, so tests can see what a deploy sent.
	CallAssetsSession = assets.CallSession // POST .../scripts/{name}/assets-upload-session
	CallAssetsUpload  = assets.CallUpload  // POST .../workers/assets/upload
	CallAssetFile     = assets.CallFile    // one file received by an assets upload
	// CallFaulted counts requests a fault rule failed before they reached their endpoint; they
	// are not counted under their own kind.
	CallFaulted = "faulted"
	// CallDropped counts requests a "drop" fault served without an answer; they are counted under
	// their own kind too, since they reached their endpoint.
	CallDropped = "dropped"

	CallZones       = zones.CallZones       // GET /zones, GET /zones/{id}
	CallRoutes      = zones.CallRoutes      // GET /zones/{id}/workers/routes
	CallEditRoutes  = zones.CallEditRoutes  // POST or DELETE /zones/{id}/workers/routes[/{id}]
	CallDomains     = zones.CallDomains     // GET .../workers/domains
	CallEditDomains = zones.CallEditDomains // PUT or DELETE .../workers/domains[/{id}]
)

// mutatingCalls are the kinds that change the account.
var mutatingCalls = map[string]bool{
	CallUpload: true, CallDelete: true, CallSetSchedules: true, CallSetSubdomain: true, CallSetWorkersDev: true,
	CallVersionUpload: true, CallDeploy: true, CallEditScriptSettings: true, CallEditSettings: true, CallContent: true,
	CallEditSecrets:       true,
	kv.CallEditNamespaces: true, kv.CallEditValues: true, CallAssetsUpload: true,
	queues.CallEditQueues: true, queues.CallEditConsumers: true, queues.CallQueueMessages: true,
	d1.CallEditDatabases: true, d1.CallQuery: true, CallEditRoutes: true, CallEditDomains: true,
	r2.CallEditBuckets: true, r2.CallEditObjects: true,
	workflows.CallEditWorkflows: true,
}

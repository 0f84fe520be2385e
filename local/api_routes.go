package local

import "net/http"

// apiRoutes registers the endpoints beyond the ones the provider calls, so that other Cloudflare
// clients (SDKs, deploy tools) work too: services, versions, deployments, settings, references,
// content and identity (see docs/cloudflare-api.md).
func (s *Server) apiRoutes(mux *http.ServeMux) {
	const (
		script   = "/accounts/{account}/workers/scripts/{script}"
		services = "/accounts/{account}/workers/services/{script}"
	)
	s.handle(mux, "GET "+services, CallService, s.handleGetService)
	s.handle(mux, "DELETE "+services, CallDelete, s.handleDelete)
	s.handle(mux, "POST "+script+"/versions", CallVersionUpload, s.handleNewVersion)
	s.handle(mux, "GET "+script+"/versions", CallVersions, s.handleListVersions)
	s.handle(mux, "GET "+script+"/versions/{version}", CallVersions, s.handleGetVersion)
	s.handle(mux, "GET "+script+"/deployments", CallDeployments, s.handleListDeployments)
	s.handle(mux, "POST "+script+"/deployments", CallDeploy, s.handleNewDeployment)
	s.handle(mux, "GET "+script+"/script-settings", CallScriptSettings, s.handleGetScriptSettings)
	s.handle(mux, "PATCH "+script+"/script-settings", CallEditScriptSettings, s.handlePatchScriptSettings)
	s.handle(mux, "PATCH "+script+"/settings", CallEditSettings, s.handlePatchSettings)
	s.handle(mux, "GET "+script+"/references", CallReferences, s.handleReferences)
	s.handle(mux, "PUT "+script+"/content", CallContent, s.handlePutContent)
	s.handle(mux, "GET "+script+"/content/v2", CallGetContent, s.handleGetContent)
	s.handle(mux, "GET "+services+"/environments/"+productionEnvironment+"/content/v2", CallGetContent, s.handleGetContent)
	s.handle(mux, "GET "+script+"/secrets", CallSecrets, s.handleListSecrets)
	s.handle(mux, "GET "+script+"/secrets/{secret}", CallSecrets, s.handleGetSecret)
	s.handle(mux, "PUT "+script+"/secrets", CallEditSecrets, s.handlePutSecret)
	s.handle(mux, "DELETE "+script+"/secrets/{secret}", CallEditSecrets, s.handleDeleteSecret)
	s.handle(mux, "PATCH "+script+"/secrets-bulk", CallEditSecrets, s.handlePatchSecrets)
}

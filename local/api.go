package local

import (
	"net/http"
	"strings"
)

// routes is the API: each endpoint with the kind its calls are counted under.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	const scripts = "/accounts/{account}/workers/scripts"
	s.handle(mux, "PUT "+scripts+"/{script}", CallUpload, s.handleUpload)
	s.handle(mux, "GET "+scripts, CallListScripts, s.handleListScripts)
	s.handle(mux, "GET "+scripts+"/{script}/settings", CallSettings, s.handleSettings)
	s.handle(mux, "DELETE "+scripts+"/{script}", CallDelete, s.handleDelete)
	s.handle(mux, "GET /accounts/{account}/workers/durable_objects/namespaces", CallNamespaces, s.handleNamespaces)
	s.handle(mux, "GET /accounts/{account}/workers/subdomain", CallSubdomain, s.handleSubdomain)
	s.handle(mux, "PUT /accounts/{account}/workers/subdomain", CallSetSubdomain, s.handleSetSubdomain)
	s.handle(mux, "GET "+scripts+"/{script}/subdomain", CallScriptSubdomain, s.handleScriptSubdomain)
	s.handle(mux, "POST "+scripts+"/{script}/subdomain", CallSetWorkersDev, s.handleSetWorkersDev)
	s.handle(mux, "DELETE "+scripts+"/{script}/subdomain", CallSetWorkersDev, s.handleDisableWorkersDev)
	s.handle(mux, "GET /user/tokens/verify", CallVerifyToken, s.handleVerifyToken)
	s.apiRoutes(mux)
	s.scheduleRoutes(mux)
	s.kvRoutes(mux)
	s.assetRoutes(mux)
	s.queueRoutes(mux)
	s.d1Routes(mux)
	s.r2Routes(mux)
	s.zoneRoutes(mux)
	s.tailRoutes(mux)
	s.workflowRoutes(mux)
	s.analyticsRoutes(mux)
	// Credentials first, whatever the path: an unknown path with a wrong token is an
	// authentication error on Cloudflare, never "no route".
	mux.HandleFunc(apiPrefix+"/", func(w http.ResponseWriter, r *http.Request) {
		if err := s.authenticate(r, false); err != nil {
			writeError(w, err)
			return
		}
		writeError(w, newAPIError(http.StatusNotFound, codeNoRoute, "No route for that URI"))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, newAPIError(http.StatusNotFound, codeNoRoute, "No route for that URI"))
	})
	return s.serveZones(s.logRequests(mux))
}

// handle registers an endpoint behind the checks every endpoint shares, in Cloudflare's order:
// credentials, then (ours) fault injection, then the account in the path.
func (s *Server) handle(mux *http.ServeMux, pattern, kind string, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	mux.HandleFunc(method+" "+apiPrefix+path, func(w http.ResponseWriter, r *http.Request) {
		if err := s.authenticate(r, kind == CallVerifyToken); err != nil {
			writeError(w, err)
			return
		}
		drop, err := s.inject(r.Context(), r, strings.TrimPrefix(r.URL.Path, apiPrefix))
		if err != nil {
			s.calls.add(CallFaulted)
			writeError(w, err, apiMessage{Code: 0, Message: "fault injected by lumier local (" + FaultsEnv + ")"})
			return
		}
		if account := r.PathValue("account"); strings.Contains(path, "{account}") && account != s.opts.AccountID {
			writeError(w, s.wrongAccount(r, account))
			return
		}
		s.calls.add(kind)
		if drop {
			s.calls.add(CallDropped)
			dropAfter(w, r, h)
			return
		}
		h(w, r)
	})
}

// wrongAccount is Cloudflare's answer for an account id in the path that is not ours: a
// malformed id cannot be routed at all; a well-formed one is an account the token cannot access.
func (s *Server) wrongAccount(r *http.Request, account string) *apiError {
	if !accountIDPattern.MatchString(account) {
		return newAPIError(http.StatusNotFound, codeBadIdentifier,
			"Could not route to %s, perhaps your object identifier is invalid?", r.URL.Path)
	}
	return newAPIError(http.StatusForbidden, codeAuthentication, "Authentication error")
}

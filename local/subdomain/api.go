// Package subdomain serves the workers.dev endpoints: the account's subdomain and each script's
// workers.dev route, which locally is the script's own port on 127.0.0.1 (over an Account the
// server implements).
package subdomain

import (
	"net/http"
	"regexp"

	"github.com/lumier-dev/lumier/local/envelope"
)

// Kinds of workers.dev API call counted by the server's call counters.
const (
	CallSubdomain       = "subdomain"        // GET .../workers/subdomain
	CallSetSubdomain    = "set_subdomain"    // PUT .../workers/subdomain
	CallScriptSubdomain = "script_subdomain" // GET .../workers/scripts/{name}/subdomain
	CallSetWorkersDev   = "set_workers_dev"  // POST or DELETE .../workers/scripts/{name}/subdomain
)

// Account is the account as the workers.dev endpoints see it; the server implements it.
type Account interface {
	// Subdomain is the account's workers.dev subdomain; "" when none is registered.
	Subdomain() string
	// SetSubdomain records the account's subdomain, under the account's lock.
	SetSubdomain(sub string) error
	// WorkersDev is script's workers.dev route: whether it and its previews are on, and where
	// the script answers when on; false when the account has no such script.
	WorkersDev(script string) (enabled, previews bool, url string, ok bool)
	// SetWorkersDev turns script's route on or off, and is where the script answers when on.
	SetWorkersDev(script string, enabled, previews bool) (url string, err error)
}

// API serves the workers.dev endpoints of an Account.
type API struct {
	account Account
}

// NewAPI serves account's workers.dev endpoints.
func NewAPI(account Account) *API { return &API{account: account} }

// Routes registers the API's endpoints with handle, which puts each behind the checks every
// endpoint shares and counts its calls under kind.
func (a *API) Routes(handle func(pattern, kind string, h http.HandlerFunc)) {
	const scripts = "/accounts/{account}/workers/scripts"
	handle("GET /accounts/{account}/workers/subdomain", CallSubdomain, a.handleSubdomain)
	handle("PUT /accounts/{account}/workers/subdomain", CallSetSubdomain, a.handleSetSubdomain)
	handle("GET "+scripts+"/{script}/subdomain", CallScriptSubdomain, a.handleScriptSubdomain)
	handle("POST "+scripts+"/{script}/subdomain", CallSetWorkersDev, a.handleSetWorkersDev)
	handle("DELETE "+scripts+"/{script}/subdomain", CallSetWorkersDev, a.handleDisableWorkersDev)
}

// subdomainPattern is what a workers.dev subdomain can be: one DNS label.
var subdomainPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// handleSubdomain is GET /accounts/{a}/workers/subdomain. An account that has not registered
// a subdomain yet (Options.NoSubdomain) answers code 10007, which is how wrangler recognises
// it (packages/wrangler/src/routes.ts, getWorkersDevSubdomain); the message is unconfirmed.
func (a *API) handleSubdomain(w http.ResponseWriter, r *http.Request) {
	sub := a.account.Subdomain()
	if sub == "" {
		envelope.WriteError(w, envelope.NewError(http.StatusNotFound, envelope.CodeScriptNotFound, "This account has no workers.dev subdomain registered yet."))
		return
	}
	envelope.WriteResult(w, http.StatusOK, map[string]string{"subdomain": sub}, nil)
}

// handleSetSubdomain is PUT /accounts/{a}/workers/subdomain {"subdomain": "..."}. Locally the
// name only shows up in reads (scripts answer on ports), but it is kept like Cloudflare keeps it.
func (a *API) handleSetSubdomain(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Subdomain string `json:"subdomain"`
	}
	if err := envelope.ReadJSON(r, &body); err != nil {
		envelope.WriteError(w, err)
		return
	}
	if !subdomainPattern.MatchString(body.Subdomain) {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "invalid subdomain %q: use lowercase letters, digits and -", body.Subdomain))
		return
	}
	if err := a.account.SetSubdomain(body.Subdomain); err != nil {
		envelope.WriteError(w, err)
		return
	}
	envelope.WriteResult(w, http.StatusOK, map[string]string{"subdomain": body.Subdomain}, nil)
}

// workersDevJSON is the result of the script subdomain endpoints. URL is the local extension
// (see docs/architecture.md): where the script answers, since *.workers.dev does not exist here.
type workersDevJSON struct {
	Enabled         bool   `json:"enabled"`
	PreviewsEnabled bool   `json:"previews_enabled"`
	URL             string `json:"url,omitempty"`
}

// handleScriptSubdomain is GET .../scripts/{name}/subdomain.
func (a *API) handleScriptSubdomain(w http.ResponseWriter, r *http.Request) {
	enabled, previews, url, ok := a.account.WorkersDev(r.PathValue("script"))
	if !ok {
		envelope.WriteError(w, envelope.ScriptNotFound())
		return
	}
	envelope.WriteResult(w, http.StatusOK, workersDevJSON{Enabled: enabled, PreviewsEnabled: previews, URL: url}, nil)
}

// handleSetWorkersDev is POST .../scripts/{name}/subdomain {"enabled", "previews_enabled"}.
func (a *API) handleSetWorkersDev(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Enabled         *bool `json:"enabled"`
		PreviewsEnabled *bool `json:"previews_enabled"`
	}
	if err := envelope.ReadJSON(r, &body); err != nil {
		envelope.WriteError(w, err)
		return
	}
	if body.Enabled == nil {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "enabled is required"))
		return
	}
	previews := *body.Enabled
	if body.PreviewsEnabled != nil {
		previews = *body.PreviewsEnabled
	}
	a.setWorkersDev(w, r, *body.Enabled, previews)
}

// handleDisableWorkersDev is DELETE .../scripts/{name}/subdomain.
func (a *API) handleDisableWorkersDev(w http.ResponseWriter, r *http.Request) {
	a.setWorkersDev(w, r, false, false)
}

// setWorkersDev turns the script's route on or off and answers as the GET does.
func (a *API) setWorkersDev(w http.ResponseWriter, r *http.Request, enabled, previews bool) {
	url, err := a.account.SetWorkersDev(r.PathValue("script"), enabled, previews)
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	// The same extension as the GET's: a client turning the route on needs no second call to
	// learn where the script answers.
	envelope.WriteResult(w, http.StatusOK, workersDevJSON{Enabled: enabled, PreviewsEnabled: previews, URL: url}, nil)
}

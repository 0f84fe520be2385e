package local

import (
	"net/http"
	"regexp"

	"github.com/lumier-dev/lumier/local/envelope"
)

// subdomainPattern is what a workers.dev subdomain can be: one DNS label.
var subdomainPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// handleSubdomain is GET /accounts/{a}/workers/subdomain. An account that has not registered
// a subdomain yet (Options.NoSubdomain) answers code 10007, which is how wrangler recognises
// it (packages/wrangler/src/routes.ts, getWorkersDevSubdomain); the message is unconfirmed.
func (s *Server) handleSubdomain(w http.ResponseWriter, r *http.Request) {
	sub := s.st.Load().Subdomain
	if sub == "" {
		envelope.WriteError(w, envelope.NewError(http.StatusNotFound, envelope.CodeScriptNotFound, "This account has no workers.dev subdomain registered yet."))
		return
	}
	envelope.WriteResult(w, http.StatusOK, map[string]string{"subdomain": sub}, nil)
}

// handleSetSubdomain is PUT /accounts/{a}/workers/subdomain {"subdomain": "..."}. Locally the
// name only shows up in reads (scripts answer on ports), but it is kept like Cloudflare keeps it.
func (s *Server) handleSetSubdomain(w http.ResponseWriter, r *http.Request) {
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
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.st.Load()
	next := prev.clone()
	next.Subdomain = body.Subdomain
	if err := s.store.save(next); err != nil {
		envelope.WriteError(w, err)
		return
	}
	s.st.Store(next)
	envelope.WriteResult(w, http.StatusOK, map[string]string{"subdomain": next.Subdomain}, nil)
}

// workersDevJSON is the result of the script subdomain endpoints. URL is the local extension
// (see docs/architecture.md): where the script answers, since *.workers.dev does not exist here.
type workersDevJSON struct {
	Enabled         bool   `json:"enabled"`
	PreviewsEnabled bool   `json:"previews_enabled"`
	URL             string `json:"url,omitempty"`
}

// handleScriptSubdomain is GET .../scripts/{name}/subdomain.
func (s *Server) handleScriptSubdomain(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("script")
	rec, ok := s.st.Load().Scripts[name]
	if !ok {
		envelope.WriteError(w, envelope.ScriptNotFound())
		return
	}
	out := workersDevJSON{Enabled: rec.WorkersDev, PreviewsEnabled: rec.PreviewsEnabled}
	if rec.WorkersDev {
		out.URL, _ = s.ScriptURL(name)
	}
	envelope.WriteResult(w, http.StatusOK, out, nil)
}

// handleSetWorkersDev is POST .../scripts/{name}/subdomain {"enabled", "previews_enabled"}.
func (s *Server) handleSetWorkersDev(w http.ResponseWriter, r *http.Request) {
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
	s.setWorkersDev(w, r.PathValue("script"), *body.Enabled, previews)
}

// handleDisableWorkersDev is DELETE .../scripts/{name}/subdomain.
func (s *Server) handleDisableWorkersDev(w http.ResponseWriter, r *http.Request) {
	s.setWorkersDev(w, r.PathValue("script"), false, false)
}

// setWorkersDev turns a script's port on or off. The port number stays recorded while off, so
// turning workers.dev back on gives the same URL.
func (s *Server) setWorkersDev(w http.ResponseWriter, name string, enabled, previews bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.st.Load()
	if _, ok := prev.Scripts[name]; !ok {
		envelope.WriteError(w, envelope.ScriptNotFound())
		return
	}
	next := prev.clone()
	rec := next.Scripts[name]
	rec.WorkersDev, rec.PreviewsEnabled = enabled, previews
	if enabled {
		if _, err := s.openPort(next, name); err != nil {
			envelope.WriteError(w, err)
			return
		}
	}
	if err := s.store.save(next); err != nil {
		if enabled && !prev.Scripts[name].WorkersDev {
			s.router.close(name)
		}
		envelope.WriteError(w, err)
		return
	}
	s.st.Store(next)
	if !enabled {
		s.router.close(name)
	}
	out := workersDevJSON{Enabled: enabled, PreviewsEnabled: previews}
	if enabled {
		// The same extension as the GET's: a client turning the route on needs no second call to
		// learn where the script answers.
		out.URL, _ = s.ScriptURL(name)
	}
	envelope.WriteResult(w, http.StatusOK, out, nil)
}

package local

import (
	"net/http"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/analytics"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/workerd"
)

// CallReadAnalytics counts reads of a dataset's data points (ours, not Cloudflare's).
const CallReadAnalytics = analytics.CallReadAnalytics

// analyticsBindingKind is the analytics_engine binding: a service on the analytics sink
// (local/analytics), started by the first such binding.
var analyticsBindingKind = bindingKind{
	runtime: func(s *Server, bc bindingContext, b account.Binding) (workerd.Binding, bool) {
		binding, err := s.analytics.Binding(bc.script, b.Name, b.Dataset)
		if err != nil {
			s.logger.Error("analytics_engine binding left out of the env", "script", bc.script, "binding", b.Name, "err", err)
			return workerd.Binding{}, false
		}
		return binding, true
	},
}

// analyticsRoutes registers the read of a dataset's data points, outside the v4 API but
// authenticated like it.
func (s *Server) analyticsRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+analytics.ReadPath, func(w http.ResponseWriter, r *http.Request) {
		if err := s.authenticate(r, false); err != nil {
			envelope.WriteError(w, err)
			return
		}
		s.calls.Add(CallReadAnalytics)
		s.analytics.ServeRead(w, r)
	})
}

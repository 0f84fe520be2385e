package local

import (
	"net/http"

	"github.com/lumier-dev/lumier/local/analytics"
	"github.com/lumier-dev/lumier/local/envelope"
)

// CallReadAnalytics counts reads of a dataset's data points (ours, not Cloudflare's).
const CallReadAnalytics = analytics.CallReadAnalytics

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

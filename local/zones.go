package local

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/lumier-dev/lumier/internal/routepattern"
)

// DefaultZone is the zone every local account has, so that routes and custom domains work
// without set-up; Options.Zones adds more.
const DefaultZone = "example.com"

// zoneNamePattern is what a zone name can be here: a domain of two labels or more.
var zoneNamePattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// zone is one zone of the account. Zones come from the options, not the state: the id is
// derived from the name, so a route recorded under a zone id finds it again after a restart.
type zone struct {
	ID   string
	Name string
}

// zoneID is the id of zone name: 32 hex digits like Cloudflare's, the same on every start.
func zoneID(name string) string {
	sum := sha256.Sum256([]byte("zone:" + name))
	return hex.EncodeToString(sum[:16])
}

// checkZones validates the extra zone names of the options.
func checkZones(names []string) error {
	for _, n := range names {
		if !zoneNamePattern.MatchString(n) {
			return fmt.Errorf("zone %q: want a domain name such as %q", n, "example.org")
		}
	}
	return nil
}

// zones are the account's zones, the default one first.
func (s *Server) zones() []zone {
	names := append([]string{DefaultZone}, s.opts.Zones...)
	var out []zone
	for _, n := range names {
		if !slices.ContainsFunc(out, func(z zone) bool { return z.Name == n }) {
			out = append(out, zone{ID: zoneID(n), Name: n})
		}
	}
	return out
}

// Zones lists the names of the account's zones: requests for them reach Workers by Host.
func (s *Server) Zones() []string {
	zs := s.zones()
	names := make([]string, len(zs))
	for i, z := range zs {
		names[i] = z.Name
	}
	return names
}

func (s *Server) zoneByID(id string) (zone, bool) {
	for _, z := range s.zones() {
		if z.ID == id {
			return z, true
		}
	}
	return zone{}, false
}

// zoneOfHost is the zone host belongs to: the zone itself or a subdomain of it.
func (s *Server) zoneOfHost(host string) (zone, bool) {
	best := zone{}
	for _, z := range s.zones() {
		if routepattern.InZone(host, z.Name) && len(z.Name) > len(best.Name) {
			best = z
		}
	}
	return best, best.Name != ""
}

// routeRecord is one route of a zone.
type routeRecord struct {
	ID      string `json:"id"`
	ZoneID  string `json:"zone_id"`
	Pattern string `json:"pattern"`
	Script  string `json:"script"`
}

// domainRecord is one custom domain.
type domainRecord struct {
	ID       string `json:"id"`
	ZoneID   string `json:"zone_id"`
	Hostname string `json:"hostname"`
	Service  string `json:"service"`
}

// zoneTarget is the script a request for host and target (path and query) reaches on the
// account's zones: the most specific matching route first (a Worker on a route runs in front of
// the hostname's origin), then the hostname's custom domain. A route without a script, or no
// match, reaches no Worker.
func zoneTarget(st *state, scheme, host, target string) (script string, ok bool) {
	var best []int
	matched := false
	for _, r := range st.Routes {
		rp, err := routepattern.Parse(r.Pattern)
		if err != nil || !rp.Matches(scheme, host, target) {
			continue
		}
		if spec := rp.Specificity(); !matched || slices.Compare(spec, best) > 0 {
			best, script, matched = spec, r.Script, true
		}
	}
	if matched && script != "" {
		return script, true
	}
	for _, d := range st.Domains {
		if d.Hostname == host {
			return d.Service, true
		}
	}
	return "", false
}

// serveZones sends a request whose Host belongs to one of the account's zones to the Worker its
// routes and custom domains select, and any other request to api. This is how the zones are
// reached locally: `curl -H 'Host: api.example.com' http://127.0.0.1:<api port>/`.
func (s *Server) serveZones(api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.ToLower(host)
		if _, ok := s.zoneOfHost(host); !ok {
			api.ServeHTTP(w, r)
			return
		}
		scheme := "https" // Cloudflare serves zones over HTTPS; a scheme-less pattern matches both
		if p := r.Header.Get("X-Forwarded-Proto"); p == "http" {
			scheme = p
		}
		script, ok := zoneTarget(s.st.Load(), scheme, host, r.URL.RequestURI())
		if !ok {
			http.Error(w, "lumier local: no route or custom domain of zone matches "+host+r.URL.Path+
				" (routes and custom domains are set on a Worker with routes and domains)", http.StatusNotFound)
			return
		}
		s.router.handler(script).ServeHTTP(w, r)
	})
}

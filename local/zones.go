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
		if (host == z.Name || strings.HasSuffix(host, "."+z.Name)) && len(z.Name) > len(best.Name) {
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

// routePattern is a route pattern taken apart (docs/cloudflare-api.md, "Routes and custom
// domains"): an optional scheme, a host that may start with "*" (the host and its subdomains) or
// "*." (subdomains only), and a path that may end with "*" (any suffix, query included).
type routePattern struct {
	scheme     string
	host       string // without its leading wildcard
	hostWild   bool   // "*" before host
	subOnly    bool   // "*." before host: subdomains only
	path       string // without its trailing wildcard; "/" when the pattern has none
	pathSuffix bool   // "*" after path
}

// parsePattern takes a route pattern apart, or says why Cloudflare refuses it.
func parsePattern(p string) (routePattern, error) {
	var rp routePattern
	rest := p
	if scheme, after, ok := strings.Cut(rest, "://"); ok {
		if scheme != "http" && scheme != "https" {
			return rp, fmt.Errorf("route pattern %q: the scheme may only be http:// or https://", p)
		}
		rp.scheme, rest = scheme, after
	}
	host, path, hasPath := strings.Cut(rest, "/")
	rp.path = "/" + path
	if !hasPath {
		rp.path = "/"
	}
	if strings.Contains(rp.path, "?") {
		return rp, fmt.Errorf("route pattern %q: a route pattern may not hold a query", p)
	}
	if strings.HasSuffix(rp.path, "*") {
		rp.path, rp.pathSuffix = strings.TrimSuffix(rp.path, "*"), true
	}
	if strings.Contains(rp.path, "*") {
		return rp, fmt.Errorf("route pattern %q: a wildcard may only end the path", p)
	}
	switch {
	case strings.HasPrefix(host, "*."):
		rp.host, rp.hostWild, rp.subOnly = host[2:], true, true
	case strings.HasPrefix(host, "*"):
		rp.host, rp.hostWild = host[1:], true
	default:
		rp.host = host
	}
	if strings.Contains(rp.host, "*") {
		return rp, fmt.Errorf("route pattern %q: a wildcard may only start the host", p)
	}
	return rp, nil
}

// matches reports whether the pattern matches a request for host and target (path and query).
func (rp routePattern) matches(scheme, host, target string) bool {
	if rp.scheme != "" && rp.scheme != scheme {
		return false
	}
	switch {
	case rp.subOnly:
		if !strings.HasSuffix(host, "."+rp.host) {
			return false
		}
	case rp.hostWild:
		if !strings.HasSuffix(host, rp.host) {
			return false
		}
	case host != rp.host:
		return false
	}
	if rp.pathSuffix {
		return strings.HasPrefix(target, rp.path)
	}
	return target == rp.path
}

// specificity orders patterns matching one request: an exact host before a wildcard one, then
// the longer host, then the longer path, then an exact path before a path prefix, then a pattern
// with a scheme. Cloudflare documents that "the most specific pattern wins" with examples
// (docs/cloudflare-api.md); this order is our reading of them.
func (rp routePattern) specificity() []int {
	return []int{b2i(!rp.hostWild), len(rp.host), len(rp.path), b2i(!rp.pathSuffix), b2i(rp.scheme != "")}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// zoneTarget is the script a request for host and target (path and query) reaches on the
// account's zones: the most specific matching route first (a Worker on a route runs in front of
// the hostname's origin), then the hostname's custom domain. A route without a script, or no
// match, reaches no Worker.
func zoneTarget(st *state, scheme, host, target string) (script string, ok bool) {
	var best []int
	matched := false
	for _, r := range st.Routes {
		rp, err := parsePattern(r.Pattern)
		if err != nil || !rp.matches(scheme, host, target) {
			continue
		}
		if spec := rp.specificity(); !matched || slices.Compare(spec, best) > 0 {
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

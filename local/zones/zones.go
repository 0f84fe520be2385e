// Package zones is the local Cloudflare's zones, their Workers routes and the account's custom
// domains: the zones of the options (Set), which script a request for a zone reaches (Target),
// and the API that lists zones and manages routes and domains (API), kept in the account state
// through a zones.Account.
package zones

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"

	"github.com/lumier-dev/lumier/internal/routepattern"
)

// Default is the zone every local account has, so that routes and custom domains work without
// set-up; the server's options add more.
const Default = "example.com"

// zoneNamePattern is what a zone name can be here: a domain of two labels or more.
var zoneNamePattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// Zone is one zone of the account. Zones come from the options, not the state: the id is
// derived from the name, so a route recorded under a zone id finds it again after a restart.
type Zone struct {
	ID   string
	Name string
}

// ID is the id of zone name: 32 hex digits like Cloudflare's, the same on every start.
func ID(name string) string {
	sum := sha256.Sum256([]byte("zone:" + name))
	return hex.EncodeToString(sum[:16])
}

// Check validates the extra zone names of the options.
func Check(names []string) error {
	for _, n := range names {
		if !zoneNamePattern.MatchString(n) {
			return fmt.Errorf("zone %q: want a domain name such as %q", n, "example.org")
		}
	}
	return nil
}

// Set is the account's zones, the default one first.
type Set []Zone

// NewSet is Default and the zones named extra, each once.
func NewSet(extra []string) Set {
	var out Set
	for _, n := range append([]string{Default}, extra...) {
		if !slices.ContainsFunc(out, func(z Zone) bool { return z.Name == n }) {
			out = append(out, Zone{ID: ID(n), Name: n})
		}
	}
	return out
}

// Names lists the zones' names: requests for them reach Workers by Host.
func (zs Set) Names() []string {
	names := make([]string, len(zs))
	for i, z := range zs {
		names[i] = z.Name
	}
	return names
}

// ByID is the zone of id.
func (zs Set) ByID(id string) (Zone, bool) {
	for _, z := range zs {
		if z.ID == id {
			return z, true
		}
	}
	return Zone{}, false
}

// OfHost is the zone host belongs to: the zone itself or a subdomain of it.
func (zs Set) OfHost(host string) (Zone, bool) {
	best := Zone{}
	for _, z := range zs {
		if routepattern.InZone(host, z.Name) && len(z.Name) > len(best.Name) {
			best = z
		}
	}
	return best, best.Name != ""
}

// Route is one route of a zone, as the account state keeps it.
type Route struct {
	ID      string `json:"id"`
	ZoneID  string `json:"zone_id"`
	Pattern string `json:"pattern"`
	Script  string `json:"script"`
}

// Domain is one custom domain, as the account state keeps it.
type Domain struct {
	ID       string `json:"id"`
	ZoneID   string `json:"zone_id"`
	Hostname string `json:"hostname"`
	Service  string `json:"service"`
}

// Target is the script a request for host and target (path and query) reaches on the
// account's zones: the most specific matching route first (a Worker on a route runs in front of
// the hostname's origin), then the hostname's custom domain. A route without a script, or no
// match, reaches no Worker.
func Target(routes []Route, domains []Domain, scheme, host, target string) (script string, ok bool) {
	var best []int
	matched := false
	for _, r := range routes {
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
	for _, d := range domains {
		if d.Hostname == host {
			return d.Service, true
		}
	}
	return "", false
}

package local

import (
	"net/http"
	"slices"
	"time"

	"github.com/lumier-dev/lumier/internal/routepattern"
)

// Cloudflare's codes for route and custom domain failures are not published; these are ours
// (docs/cloudflare-api.md, "Routes and custom domains": unconfirmed).
const (
	codeRouteInvalid   = 10022  // unconfirmed: a pattern Cloudflare refuses
	codeRouteTaken     = 10020  // unconfirmed: the zone has a route with that pattern already
	codeRouteNotFound  = 10023  // unconfirmed
	codeDomainInvalid  = 100116 // unconfirmed: a hostname outside the zone, or with a path or wildcard
	codeDomainTaken    = 100117 // unconfirmed: the hostname is another script's custom domain
	codeDomainNotFound = 100118 // unconfirmed
)

// zoneRoutes registers the zones, zone routes and custom domains endpoints (zones.go).
func (s *Server) zoneRoutes(mux *http.ServeMux) {
	const routes = "/zones/{zone}/workers/routes"
	const domains = "/accounts/{account}/workers/domains"
	s.handle(mux, "GET /zones", CallZones, s.handleListZones)
	s.handle(mux, "GET /zones/{zone}", CallZones, s.handleGetZone)
	s.handle(mux, "GET "+routes, CallRoutes, s.handleListRoutes)
	s.handle(mux, "POST "+routes, CallEditRoutes, s.handleCreateRoute)
	s.handle(mux, "DELETE "+routes+"/{route}", CallEditRoutes, s.handleDeleteRoute)
	s.handle(mux, "GET "+domains, CallDomains, s.handleListDomains)
	s.handle(mux, "PUT "+domains, CallEditDomains, s.handleAttachDomain)
	s.handle(mux, "DELETE "+domains+"/{domain}", CallEditDomains, s.handleDetachDomain)
}

// zoneJSON is a zone as GET /zones answers it (cloudflare-go's zones.Zone; fixture
// zones/zone-list). Locally a zone is always active, on the free plan, created at the Unix epoch.
type zoneJSON struct {
	ID                  string         `json:"id"`
	Account             map[string]any `json:"account"`
	ActivatedOn         time.Time      `json:"activated_on"`
	CreatedOn           time.Time      `json:"created_on"`
	DevelopmentMode     int            `json:"development_mode"`
	Meta                map[string]any `json:"meta"`
	ModifiedOn          time.Time      `json:"modified_on"`
	Name                string         `json:"name"`
	NameServers         []string       `json:"name_servers"`
	OriginalDNSHost     *string        `json:"original_dnshost"`
	OriginalNameServers []string       `json:"original_name_servers"`
	OriginalRegistrar   *string        `json:"original_registrar"`
	Owner               map[string]any `json:"owner"`
	Plan                map[string]any `json:"plan"`
	Paused              bool           `json:"paused"`
	Permissions         []string       `json:"permissions"`
	Status              string         `json:"status"`
	Type                string         `json:"type"`
}

func (s *Server) zoneJSON(z zone) zoneJSON {
	epoch := time.Unix(0, 0).UTC()
	return zoneJSON{
		ID: z.ID, Name: z.Name, ActivatedOn: epoch, CreatedOn: epoch, ModifiedOn: epoch,
		Account:     map[string]any{"id": s.opts.AccountID, "name": "lumier local"},
		Meta:        map[string]any{"cdn_only": false, "custom_certificate_quota": 0, "dns_only": false, "foundation_dns": false, "page_rule_quota": 3, "phishing_detected": false, "step": 2},
		NameServers: []string{"ns1.lumier.local", "ns2.lumier.local"},
		Owner:       map[string]any{"id": nil, "name": "lumier local", "type": "organization"},
		Plan: map[string]any{"id": "free", "can_subscribe": false, "currency": "USD", "externally_managed": false,
			"frequency": "", "is_subscribed": true, "legacy_discount": false, "legacy_id": "free", "name": "Free Website", "price": 0},
		Permissions: []string{"#worker:edit"},
		Status:      "active",
		Type:        "full",
	}
}

// handleListZones is GET /zones, filtered by name and account.id, paged (at most 50 a page).
func (s *Server) handleListZones(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var out []zoneJSON
	if acct := q.Get("account.id"); acct == "" || acct == s.opts.AccountID {
		for _, z := range s.zones() {
			if name := q.Get("name"); name == "" || name == z.Name {
				out = append(out, s.zoneJSON(z))
			}
		}
	}
	page, perPage := pageParams(r, listPerPage, 50)
	from := min((page-1)*perPage, len(out))
	to := min(from+perPage, len(out))
	items := append([]zoneJSON{}, out[from:to]...)
	writeResult(w, http.StatusOK, items, &resultInfo{Page: page, PerPage: perPage, Count: len(items),
		TotalCount: len(out), TotalPages: (len(out) + perPage - 1) / perPage})
}

// zoneOf reads the zone in the request's path, or writes Cloudflare's answer for an unknown id.
func (s *Server) zoneOf(w http.ResponseWriter, r *http.Request) (zone, bool) {
	z, ok := s.zoneByID(r.PathValue("zone"))
	if !ok {
		writeError(w, newAPIError(http.StatusNotFound, codeBadIdentifier,
			"Could not route to %s, perhaps your object identifier is invalid?", r.URL.Path))
	}
	return z, ok
}

// handleGetZone is GET /zones/{zone}.
func (s *Server) handleGetZone(w http.ResponseWriter, r *http.Request) {
	if z, ok := s.zoneOf(w, r); ok {
		writeResult(w, http.StatusOK, s.zoneJSON(z), nil)
	}
}

// routeJSON is a route as the routes endpoints answer it (fixture workers/route-list).
type routeJSON struct {
	ID      string `json:"id"`
	Pattern string `json:"pattern"`
	Script  string `json:"script"`
}

// handleListRoutes is GET /zones/{zone}/workers/routes: one page, as cloudflare-go reads it.
func (s *Server) handleListRoutes(w http.ResponseWriter, r *http.Request) {
	z, ok := s.zoneOf(w, r)
	if !ok {
		return
	}
	out := []routeJSON{}
	for _, rt := range s.st.Load().Routes {
		if rt.ZoneID == z.ID {
			out = append(out, routeJSON{ID: rt.ID, Pattern: rt.Pattern, Script: rt.Script})
		}
	}
	writeResult(w, http.StatusOK, out, nil)
}

// handleCreateRoute is POST /zones/{zone}/workers/routes {"pattern", "script"}.
func (s *Server) handleCreateRoute(w http.ResponseWriter, r *http.Request) {
	z, ok := s.zoneOf(w, r)
	if !ok {
		return
	}
	var body routeJSON
	if err := readJSON(r, &body); err != nil {
		writeError(w, err)
		return
	}
	rp, err := routepattern.Parse(body.Pattern)
	if err != nil {
		writeError(w, newAPIError(http.StatusBadRequest, codeRouteInvalid, "%s", err.Error()))
		return
	}
	if !routepattern.InZone(rp.Host, z.Name) && !(rp.HostWild && rp.Host == "") {
		writeError(w, newAPIError(http.StatusBadRequest, codeRouteInvalid,
			"route pattern %q is not in zone %s", body.Pattern, z.Name))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.st.Load()
	if _, ok := prev.Scripts[body.Script]; body.Script != "" && !ok {
		writeError(w, scriptNotFound())
		return
	}
	for _, rt := range prev.Routes {
		if rt.ZoneID == z.ID && rt.Pattern == body.Pattern {
			writeError(w, newAPIError(http.StatusConflict, codeRouteTaken,
				"route pattern %q already exists in zone %s (script %q)", body.Pattern, z.Name, rt.Script))
			return
		}
	}
	next := prev.clone()
	rec := routeRecord{ID: newNamespaceID(), ZoneID: z.ID, Pattern: body.Pattern, Script: body.Script}
	next.Routes = append(next.Routes, rec)
	if err := s.store.save(next); err != nil {
		writeError(w, err)
		return
	}
	s.st.Store(next)
	writeResult(w, http.StatusOK, routeJSON{ID: rec.ID, Pattern: rec.Pattern, Script: rec.Script}, nil)
}

// handleDeleteRoute is DELETE /zones/{zone}/workers/routes/{route}; it answers {"id"}.
func (s *Server) handleDeleteRoute(w http.ResponseWriter, r *http.Request) {
	z, ok := s.zoneOf(w, r)
	if !ok {
		return
	}
	id := r.PathValue("route")
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.st.Load()
	i := slices.IndexFunc(prev.Routes, func(rt routeRecord) bool { return rt.ZoneID == z.ID && rt.ID == id })
	if i < 0 {
		writeError(w, newAPIError(http.StatusNotFound, codeRouteNotFound, "route %s not found in zone %s", id, z.Name))
		return
	}
	next := prev.clone()
	next.Routes = slices.Delete(next.Routes, i, i+1)
	if err := s.store.save(next); err != nil {
		writeError(w, err)
		return
	}
	s.st.Store(next)
	writeResult(w, http.StatusOK, map[string]string{"id": id}, nil)
}

// domainJSON is a custom domain as the domains endpoints answer it (fixture workers/domain-list).
type domainJSON struct {
	ID          string `json:"id"`
	Environment string `json:"environment"`
	Hostname    string `json:"hostname"`
	Service     string `json:"service"`
	ZoneID      string `json:"zone_id"`
	ZoneName    string `json:"zone_name"`
}

func (s *Server) domainJSON(d domainRecord) domainJSON {
	z, _ := s.zoneByID(d.ZoneID)
	return domainJSON{ID: d.ID, Environment: "production", Hostname: d.Hostname, Service: d.Service, ZoneID: d.ZoneID, ZoneName: z.Name}
}

// handleListDomains is GET /accounts/{a}/workers/domains, filtered by service, hostname,
// zone_id, zone_name and environment.
func (s *Server) handleListDomains(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	out := []domainJSON{}
	for _, d := range s.st.Load().Domains {
		j := s.domainJSON(d)
		if (q.Get("service") == "" || q.Get("service") == j.Service) && (q.Get("hostname") == "" || q.Get("hostname") == j.Hostname) &&
			(q.Get("zone_id") == "" || q.Get("zone_id") == j.ZoneID) && (q.Get("zone_name") == "" || q.Get("zone_name") == j.ZoneName) &&
			(q.Get("environment") == "" || q.Get("environment") == j.Environment) {
			out = append(out, j)
		}
	}
	writeResult(w, http.StatusOK, out, nil)
}

// handleAttachDomain is PUT /accounts/{a}/workers/domains {"hostname", "service",
// "environment", "zone_id" or "zone_name"}: the hostname runs the script. A hostname another
// script holds is refused.
func (s *Server) handleAttachDomain(w http.ResponseWriter, r *http.Request) {
	var body domainJSON
	if err := readJSON(r, &body); err != nil {
		writeError(w, err)
		return
	}
	var z zone
	var found bool
	if body.ZoneID != "" {
		z, found = s.zoneByID(body.ZoneID)
	} else {
		z, found = s.zoneOfHost(body.ZoneName)
		found = found && z.Name == body.ZoneName
	}
	switch {
	case !found:
		writeError(w, newAPIError(http.StatusBadRequest, codeDomainInvalid, "zone %q not found in the account", body.ZoneID+body.ZoneName))
		return
	case routepattern.CheckHostname(body.Hostname) != nil:
		writeError(w, newAPIError(http.StatusBadRequest, codeDomainInvalid, "%s", routepattern.CheckHostname(body.Hostname)))
		return
	case !routepattern.InZone(body.Hostname, z.Name):
		writeError(w, newAPIError(http.StatusBadRequest, codeDomainInvalid, "hostname %q is not in zone %s", body.Hostname, z.Name))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.st.Load()
	if _, ok := prev.Scripts[body.Service]; !ok {
		writeError(w, scriptNotFound())
		return
	}
	next := prev.clone()
	i := slices.IndexFunc(next.Domains, func(d domainRecord) bool { return d.Hostname == body.Hostname })
	switch {
	case i >= 0 && next.Domains[i].Service != body.Service:
		writeError(w, newAPIError(http.StatusConflict, codeDomainTaken,
			"hostname %s is already a custom domain of script %q", body.Hostname, next.Domains[i].Service))
		return
	case i < 0:
		next.Domains = append(next.Domains, domainRecord{ID: newNamespaceID(), ZoneID: z.ID, Hostname: body.Hostname, Service: body.Service})
		i = len(next.Domains) - 1
		if err := s.store.save(next); err != nil {
			writeError(w, err)
			return
		}
		s.st.Store(next)
	}
	writeResult(w, http.StatusOK, s.domainJSON(next.Domains[i]), nil)
}

// handleDetachDomain is DELETE /accounts/{a}/workers/domains/{domain}.
func (s *Server) handleDetachDomain(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("domain")
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.st.Load()
	i := slices.IndexFunc(prev.Domains, func(d domainRecord) bool { return d.ID == id })
	if i < 0 {
		writeError(w, newAPIError(http.StatusNotFound, codeDomainNotFound, "custom domain %s not found", id))
		return
	}
	next := prev.clone()
	next.Domains = slices.Delete(next.Domains, i, i+1)
	if err := s.store.save(next); err != nil {
		writeError(w, err)
		return
	}
	s.st.Store(next)
	writeResult(w, http.StatusOK, nil, nil)
}

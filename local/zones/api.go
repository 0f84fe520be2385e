package zones

import (
	"net/http"
	"slices"
	"time"

	"github.com/lumier-dev/lumier/internal/routepattern"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/ids"
)

// Cloudflare's codes for route and custom domain failures are not published; these are ours
// (docs/cloudflare-api.md, "Routes and custom domains": unconfirmed).
const (
	CodeRouteInvalid   = 10022  // unconfirmed: a pattern Cloudflare refuses
	CodeRouteTaken     = 10020  // unconfirmed: the zone has a route with that pattern already
	CodeRouteNotFound  = 10023  // unconfirmed
	CodeDomainInvalid  = 100116 // unconfirmed: a hostname outside the zone, or with a path or wildcard
	CodeDomainTaken    = 100117 // unconfirmed: the hostname is another script's custom domain
	CodeDomainNotFound = 100118 // unconfirmed
)

// Kinds of zone, route and custom domain call, as the server counts them.
const (
	CallZones       = "zones"        // GET /zones, GET /zones/{id}
	CallRoutes      = "routes"       // GET /zones/{id}/workers/routes
	CallEditRoutes  = "edit_routes"  // POST or DELETE /zones/{id}/workers/routes[/{id}]
	CallDomains     = "domains"      // GET .../workers/domains
	CallEditDomains = "edit_domains" // PUT or DELETE .../workers/domains[/{id}]
)

// Account is what the zones API needs of the account, which keeps the routes and custom
// domains in its state.
type Account interface {
	// Records are the account's routes and custom domains now.
	Records() ([]Route, []Domain)
	// Change runs change under the account's lock with copies of its routes and domains and a
	// test of whether a script exists. When change reports changed, the account keeps the routes
	// and domains it returns; Change returns change's error, or the error of keeping them.
	Change(change func(hasScript func(name string) bool, routes []Route, domains []Domain) ([]Route, []Domain, bool, error)) error
}

// API serves the zones, zone routes and custom domains endpoints.
type API struct {
	accountID string
	zones     Set
	account   Account
}

// NewAPI serves the zones of account accountID, whose routes and domains account keeps.
func NewAPI(accountID string, zones Set, account Account) *API {
	return &API{accountID: accountID, zones: zones, account: account}
}

// Routes registers the API's endpoints with handle, which puts each behind the checks every
// endpoint shares and counts its calls under kind.
func (a *API) Routes(handle func(pattern, kind string, h http.HandlerFunc)) {
	const routes = "/zones/{zone}/workers/routes"
	const domains = "/accounts/{account}/workers/domains"
	handle("GET /zones", CallZones, a.handleListZones)
	handle("GET /zones/{zone}", CallZones, a.handleGetZone)
	handle("GET "+routes, CallRoutes, a.handleListRoutes)
	handle("POST "+routes, CallEditRoutes, a.handleCreateRoute)
	handle("DELETE "+routes+"/{route}", CallEditRoutes, a.handleDeleteRoute)
	handle("GET "+domains, CallDomains, a.handleListDomains)
	handle("PUT "+domains, CallEditDomains, a.handleAttachDomain)
	handle("DELETE "+domains+"/{domain}", CallEditDomains, a.handleDetachDomain)
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

func (a *API) zoneJSON(z Zone) zoneJSON {
	epoch := time.Unix(0, 0).UTC()
	return zoneJSON{
		ID: z.ID, Name: z.Name, ActivatedOn: epoch, CreatedOn: epoch, ModifiedOn: epoch,
		Account:     map[string]any{"id": a.accountID, "name": "lumier local"},
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
func (a *API) handleListZones(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var out []zoneJSON
	if acct := q.Get("account.id"); acct == "" || acct == a.accountID {
		for _, z := range a.zones {
			if name := q.Get("name"); name == "" || name == z.Name {
				out = append(out, a.zoneJSON(z))
			}
		}
	}
	page, perPage := envelope.PageParams(r, envelope.ListPerPage, 50)
	from := min((page-1)*perPage, len(out))
	to := min(from+perPage, len(out))
	items := append([]zoneJSON{}, out[from:to]...)
	envelope.WriteResult(w, http.StatusOK, items, &envelope.ResultInfo{Page: page, PerPage: perPage, Count: len(items),
		TotalCount: len(out), TotalPages: (len(out) + perPage - 1) / perPage})
}

// zoneOf reads the zone in the request's path, or writes Cloudflare's answer for an unknown id.
func (a *API) zoneOf(w http.ResponseWriter, r *http.Request) (Zone, bool) {
	z, ok := a.zones.ByID(r.PathValue("zone"))
	if !ok {
		envelope.WriteError(w, envelope.NewError(http.StatusNotFound, envelope.CodeBadIdentifier,
			"Could not route to %s, perhaps your object identifier is invalid?", r.URL.Path))
	}
	return z, ok
}

// handleGetZone is GET /zones/{zone}.
func (a *API) handleGetZone(w http.ResponseWriter, r *http.Request) {
	if z, ok := a.zoneOf(w, r); ok {
		envelope.WriteResult(w, http.StatusOK, a.zoneJSON(z), nil)
	}
}

// routeJSON is a route as the routes endpoints answer it (fixture workers/route-list).
type routeJSON struct {
	ID      string `json:"id"`
	Pattern string `json:"pattern"`
	Script  string `json:"script"`
}

// handleListRoutes is GET /zones/{zone}/workers/routes: one page, as cloudflare-go reads it.
func (a *API) handleListRoutes(w http.ResponseWriter, r *http.Request) {
	z, ok := a.zoneOf(w, r)
	if !ok {
		return
	}
	out := []routeJSON{}
	routes, _ := a.account.Records()
	for _, rt := range routes {
		if rt.ZoneID == z.ID {
			out = append(out, routeJSON{ID: rt.ID, Pattern: rt.Pattern, Script: rt.Script})
		}
	}
	envelope.WriteResult(w, http.StatusOK, out, nil)
}

// handleCreateRoute is POST /zones/{zone}/workers/routes {"pattern", "script"}.
func (a *API) handleCreateRoute(w http.ResponseWriter, r *http.Request) {
	z, ok := a.zoneOf(w, r)
	if !ok {
		return
	}
	var body routeJSON
	if err := envelope.ReadJSON(r, &body); err != nil {
		envelope.WriteError(w, err)
		return
	}
	rp, err := routepattern.Parse(body.Pattern)
	if err != nil {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, CodeRouteInvalid, "%s", err.Error()))
		return
	}
	if !routepattern.InZone(rp.Host, z.Name) && (!rp.HostWild || rp.Host != "") {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, CodeRouteInvalid,
			"route pattern %q is not in zone %s", body.Pattern, z.Name))
		return
	}
	var rec Route
	err = a.account.Change(func(hasScript func(string) bool, routes []Route, domains []Domain) ([]Route, []Domain, bool, error) {
		if body.Script != "" && !hasScript(body.Script) {
			return nil, nil, false, envelope.ScriptNotFound()
		}
		for _, rt := range routes {
			if rt.ZoneID == z.ID && rt.Pattern == body.Pattern {
				return nil, nil, false, envelope.NewError(http.StatusConflict, CodeRouteTaken,
					"route pattern %q already exists in zone %s (script %q)", body.Pattern, z.Name, rt.Script)
			}
		}
		rec = Route{ID: ids.New(), ZoneID: z.ID, Pattern: body.Pattern, Script: body.Script}
		return append(routes, rec), domains, true, nil
	})
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	envelope.WriteResult(w, http.StatusOK, routeJSON{ID: rec.ID, Pattern: rec.Pattern, Script: rec.Script}, nil)
}

// handleDeleteRoute is DELETE /zones/{zone}/workers/routes/{route}; it answers {"id"}.
func (a *API) handleDeleteRoute(w http.ResponseWriter, r *http.Request) {
	z, ok := a.zoneOf(w, r)
	if !ok {
		return
	}
	id := r.PathValue("route")
	err := a.account.Change(func(_ func(string) bool, routes []Route, domains []Domain) ([]Route, []Domain, bool, error) {
		i := slices.IndexFunc(routes, func(rt Route) bool { return rt.ZoneID == z.ID && rt.ID == id })
		if i < 0 {
			return nil, nil, false, envelope.NewError(http.StatusNotFound, CodeRouteNotFound, "route %s not found in zone %s", id, z.Name)
		}
		return slices.Delete(routes, i, i+1), domains, true, nil
	})
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	envelope.WriteResult(w, http.StatusOK, map[string]string{"id": id}, nil)
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

func (a *API) domainJSON(d Domain) domainJSON {
	z, _ := a.zones.ByID(d.ZoneID)
	return domainJSON{ID: d.ID, Environment: "production", Hostname: d.Hostname, Service: d.Service, ZoneID: d.ZoneID, ZoneName: z.Name}
}

// handleListDomains is GET /accounts/{a}/workers/domains, filtered by service, hostname,
// zone_id, zone_name and environment.
func (a *API) handleListDomains(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	out := []domainJSON{}
	_, domains := a.account.Records()
	for _, d := range domains {
		j := a.domainJSON(d)
		if (q.Get("service") == "" || q.Get("service") == j.Service) && (q.Get("hostname") == "" || q.Get("hostname") == j.Hostname) &&
			(q.Get("zone_id") == "" || q.Get("zone_id") == j.ZoneID) && (q.Get("zone_name") == "" || q.Get("zone_name") == j.ZoneName) &&
			(q.Get("environment") == "" || q.Get("environment") == j.Environment) {
			out = append(out, j)
		}
	}
	envelope.WriteResult(w, http.StatusOK, out, nil)
}

// handleAttachDomain is PUT /accounts/{a}/workers/domains {"hostname", "service",
// "environment", "zone_id" or "zone_name"}: the hostname runs the script. A hostname another
// script holds is refused.
func (a *API) handleAttachDomain(w http.ResponseWriter, r *http.Request) {
	var body domainJSON
	if err := envelope.ReadJSON(r, &body); err != nil {
		envelope.WriteError(w, err)
		return
	}
	var z Zone
	var found bool
	if body.ZoneID != "" {
		z, found = a.zones.ByID(body.ZoneID)
	} else {
		z, found = a.zones.OfHost(body.ZoneName)
		found = found && z.Name == body.ZoneName
	}
	switch {
	case !found:
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, CodeDomainInvalid, "zone %q not found in the account", body.ZoneID+body.ZoneName))
		return
	case routepattern.CheckHostname(body.Hostname) != nil:
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, CodeDomainInvalid, "%s", routepattern.CheckHostname(body.Hostname)))
		return
	case !routepattern.InZone(body.Hostname, z.Name):
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, CodeDomainInvalid, "hostname %q is not in zone %s", body.Hostname, z.Name))
		return
	}
	var attached Domain
	err := a.account.Change(func(hasScript func(string) bool, routes []Route, domains []Domain) ([]Route, []Domain, bool, error) {
		if !hasScript(body.Service) {
			return nil, nil, false, envelope.ScriptNotFound()
		}
		i := slices.IndexFunc(domains, func(d Domain) bool { return d.Hostname == body.Hostname })
		switch {
		case i >= 0 && domains[i].Service != body.Service:
			return nil, nil, false, envelope.NewError(http.StatusConflict, CodeDomainTaken,
				"hostname %s is already a custom domain of script %q", body.Hostname, domains[i].Service)
		case i >= 0:
			attached = domains[i]
			return routes, domains, false, nil
		}
		attached = Domain{ID: ids.New(), ZoneID: z.ID, Hostname: body.Hostname, Service: body.Service}
		return routes, append(domains, attached), true, nil
	})
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	envelope.WriteResult(w, http.StatusOK, a.domainJSON(attached), nil)
}

// handleDetachDomain is DELETE /accounts/{a}/workers/domains/{domain}.
func (a *API) handleDetachDomain(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("domain")
	err := a.account.Change(func(_ func(string) bool, routes []Route, domains []Domain) ([]Route, []Domain, bool, error) {
		i := slices.IndexFunc(domains, func(d Domain) bool { return d.ID == id })
		if i < 0 {
			return nil, nil, false, envelope.NewError(http.StatusNotFound, CodeDomainNotFound, "custom domain %s not found", id)
		}
		return routes, slices.Delete(domains, i, i+1), true, nil
	})
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	envelope.WriteResult(w, http.StatusOK, nil, nil)
}

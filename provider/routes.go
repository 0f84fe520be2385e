package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/internal/routepattern"
)

// Routes and custom domains of a Worker: set through Cloudflare's zone routes and Workers custom
// domains APIs after the upload, only when they change, and removed before the script.

// routesDoc and domainsDoc document the options wherever they appear.
const (
	routesDoc = "Routes: URL patterns in the account's zones whose requests run this Worker, for example " +
		"[\"example.com/api/*\"], or objects {pattern, zoneName} / {pattern, zoneId} naming the zone. The zone of a " +
		"bare pattern is looked up from its host. A wildcard may start the host and end the path; the most specific " +
		"pattern wins. Refused at preview when Cloudflare would refuse the pattern, the account has no such zone, or " +
		"another script holds the pattern."
	domainsDoc = "Custom domains: hostnames such as \"api.example.com\" in the account's zones, every path of which " +
		"runs this Worker (Cloudflare creates the DNS record and certificate). Refused at preview when another " +
		"script holds the hostname."
)

// Route is one route of a Worker.
type Route struct {
	Pattern  string  `pulumi:"pattern"`
	ZoneName *string `pulumi:"zoneName,optional"`
	ZoneID   *string `pulumi:"zoneId,optional"`
}

// Annotate documents Route.
func (r *Route) Annotate(a infer.Annotator) {
	a.SetToken("index", "Route")
	a.Describe(r, "A route: requests matching the URL pattern in a zone of the account run the Worker.")
	a.Describe(&r.Pattern, "URL pattern, for example \"example.com/api/*\" or \"*.example.com/*\".")
	a.Describe(&r.ZoneName, "Zone of the pattern, by name; looked up from the pattern's host when neither zone option is set.")
	a.Describe(&r.ZoneID, "Zone of the pattern, by id.")
}

// routeKey is how a route is compared and recorded: its pattern and the zone it names, if any.
func (r Route) key() string {
	return r.Pattern + "|" + deref(r.ZoneName) + "|" + deref(r.ZoneID)
}

// routesFrom reads a routes option as the Worker component and the App take it: each element a
// pattern string or an object {pattern, zoneName?, zoneId?}.
func routesFrom(worker string, v []any) ([]Route, error) {
	var out []Route
	for i, e := range v {
		switch e := e.(type) {
		case string:
			out = append(out, Route{Pattern: e})
		case map[string]any:
			pattern, _ := e["pattern"].(string)
			if pattern == "" {
				return nil, fmt.Errorf("worker %q routes[%d] has no pattern: write {pattern: \"example.com/*\", zoneName: "+
					"\"example.com\"} or the pattern alone", worker, i)
			}
			r := Route{Pattern: pattern}
			if s, ok := e["zoneName"].(string); ok && s != "" {
				r.ZoneName = &s
			}
			if s, ok := e["zoneId"].(string); ok && s != "" {
				r.ZoneID = &s
			}
			out = append(out, r)
		default:
			return nil, fmt.Errorf("worker %q routes[%d] is a %s: write a pattern such as \"example.com/api/*\" or "+
				"{pattern, zoneName}", worker, i, describeValue(e))
		}
	}
	return out, nil
}

// routesInput is routes as the Script resource takes them.
func routesInput(rs []Route) []any {
	out := make([]any, len(rs))
	for i, r := range rs {
		m := map[string]any{"pattern": r.Pattern}
		if r.ZoneName != nil {
			m["zoneName"] = *r.ZoneName
		}
		if r.ZoneID != nil {
			m["zoneId"] = *r.ZoneID
		}
		out[i] = m
	}
	return out
}

// routingChanged reports whether the routes or custom domains differ as sets, or a refresh found
// some of them gone (not in the recorded ids).
func routingChanged(old ScriptState, news ScriptArgs) bool {
	if !slices.Equal(routeKeys(old.Routes), routeKeys(news.Routes)) || cronsChanged(old.Domains, news.Domains) {
		return true
	}
	for _, r := range news.Routes {
		if _, ok := old.RouteIDs[r.Pattern]; !ok {
			return true
		}
	}
	for _, d := range news.Domains {
		if _, ok := old.DomainIDs[d]; !ok {
			return true
		}
	}
	return false
}

func routeKeys(rs []Route) []string {
	keys := make([]string, len(rs))
	for i, r := range rs {
		keys[i] = r.key()
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// checkRouting refuses, at preview, routes and custom domains Cloudflare would refuse: a pattern
// or hostname against its rules, a zone the account lacks, a pattern or hostname another script
// holds. Only what changed since the previous inputs is looked up on the API.
func checkRouting(ctx context.Context, args ScriptArgs, prev *ScriptArgs) []p.CheckFailure {
	var failures []p.CheckFailure
	seen := map[string]bool{}
	for _, r := range args.Routes {
		if _, err := routepattern.Parse(r.Pattern); err != nil {
			failures = append(failures, p.CheckFailure{Property: "routes", Reason: err.Error()})
		} else if seen[r.Pattern] {
			failures = append(failures, p.CheckFailure{Property: "routes", Reason: fmt.Sprintf("route %q is listed twice", r.Pattern)})
		}
		seen[r.Pattern] = true
	}
	for _, d := range args.Domains {
		if err := routepattern.CheckHostname(d); err != nil {
			failures = append(failures, p.CheckFailure{Property: "domains", Reason: err.Error()})
		}
	}
	if len(failures) > 0 || len(args.Routes)+len(args.Domains) == 0 {
		return failures
	}
	if prev != nil && prev.ScriptName == args.ScriptName && slices.Equal(routeKeys(prev.Routes), routeKeys(args.Routes)) &&
		!cronsChanged(prev.Domains, args.Domains) { // cronsChanged compares two lists as sets
		return nil
	}
	c, err := clientFrom(ctx)
	if err != nil {
		return []p.CheckFailure{{Property: "routes", Reason: err.Error()}}
	}
	zones := zoneCache{}
	for _, r := range args.Routes {
		z, err := zones.ofRoute(ctx, c, r)
		if err == nil {
			err = routeFree(ctx, c, z, r.Pattern, args.ScriptName)
		}
		if err != nil {
			failures = append(failures, p.CheckFailure{Property: "routes", Reason: err.Error()})
		}
	}
	for _, d := range args.Domains {
		_, err := zones.ofHost(ctx, c, d)
		if err == nil {
			err = domainFree(ctx, c, d, args.ScriptName)
		}
		if err != nil {
			failures = append(failures, p.CheckFailure{Property: "domains", Reason: err.Error()})
		}
	}
	return failures
}

// routeFree refuses a pattern that another script holds in zone z.
func routeFree(ctx context.Context, c *cfapi.Client, z cfapi.Zone, pattern, script string) error {
	routes, err := c.Routes.List(ctx, z.ID)
	if err != nil {
		return err
	}
	for _, r := range routes {
		if r.Pattern == pattern && r.Script != script {
			holder := fmt.Sprintf("script %q", r.Script)
			if r.Script == "" {
				holder = "a route that runs no Worker"
			}
			return fmt.Errorf("route %q of zone %s is already held by %s: Cloudflare keeps one route per pattern. "+
				"Remove it from that Worker first, or choose another pattern", pattern, z.Name, holder)
		}
	}
	return nil
}

// domainFree refuses a hostname that is another script's custom domain.
func domainFree(ctx context.Context, c *cfapi.Client, hostname, script string) error {
	domains, err := c.Routes.Domains(ctx, cfapi.DomainFilter{Hostname: hostname})
	if err != nil {
		return err
	}
	for _, d := range domains {
		if d.Hostname == hostname && d.Service != script {
			return fmt.Errorf("custom domain %s is already held by script %q: a hostname runs one Worker. Remove it "+
				"from that Worker first, or choose another hostname", hostname, d.Service)
		}
	}
	return nil
}

// zoneCache looks zones up once per name or id in one check or deploy.
type zoneCache map[string]cfapi.Zone

// ofRoute is the zone of route r: the one it names, or the one its pattern's host is in.
func (zc zoneCache) ofRoute(ctx context.Context, c *cfapi.Client, r Route) (cfapi.Zone, error) {
	switch {
	case r.ZoneID != nil:
		return zc.lookup(ctx, c, "id:"+*r.ZoneID, func() (cfapi.Zone, bool, error) { return c.Zones.ByID(ctx, *r.ZoneID) },
			func() string { return fmt.Sprintf("zone id %s of route %q", *r.ZoneID, r.Pattern) })
	case r.ZoneName != nil:
		return zc.lookup(ctx, c, *r.ZoneName, func() (cfapi.Zone, bool, error) { return c.Zones.ByName(ctx, *r.ZoneName) },
			func() string { return fmt.Sprintf("zone %s of route %q", *r.ZoneName, r.Pattern) })
	}
	rp, _ := routepattern.Parse(r.Pattern)
	if rp.Host == "" {
		return cfapi.Zone{}, fmt.Errorf("route %q names no host, so its zone cannot be found: write it as {pattern, zoneName}", r.Pattern)
	}
	return zc.ofHost(ctx, c, rp.Host)
}

// ofHost is the zone host is in: the host itself, or the nearest parent domain that is a zone of
// the account, as wrangler looks it up (one name at a time).
func (zc zoneCache) ofHost(ctx context.Context, c *cfapi.Client, host string) (cfapi.Zone, error) {
	labels := strings.Split(strings.TrimPrefix(host, "."), ".")
	var tried []string
	for i := 0; i < len(labels)-1; i++ {
		name := strings.Join(labels[i:], ".")
		tried = append(tried, name)
		z, found, err := zc.find(ctx, c, name)
		if err != nil {
			return cfapi.Zone{}, err
		}
		if found {
			return z, nil
		}
	}
	return cfapi.Zone{}, fmt.Errorf("%s is in no zone of account %s (looked up %s): add the zone to the account on "+
		"Cloudflare, or fix the hostname", host, infer.GetConfig[Config](ctx).AccountID, strings.Join(tried, ", "))
}

func (zc zoneCache) find(ctx context.Context, c *cfapi.Client, name string) (cfapi.Zone, bool, error) {
	if z, ok := zc[name]; ok {
		return z, z.ID != "", nil
	}
	z, found, err := c.Zones.ByName(ctx, name)
	if err != nil {
		return cfapi.Zone{}, false, err
	}
	zc[name] = z
	return z, found, nil
}

func (zc zoneCache) lookup(ctx context.Context, c *cfapi.Client, key string, get func() (cfapi.Zone, bool, error),
	what func() string) (cfapi.Zone, error) {
	if z, ok := zc[key]; ok && z.ID != "" {
		return z, nil
	}
	z, found, err := get()
	if err != nil {
		return cfapi.Zone{}, err
	}
	if !found {
		return cfapi.Zone{}, fmt.Errorf("%s is not a zone of account %s: add the zone to the account on Cloudflare, or "+
			"fix the route", what(), infer.GetConfig[Config](ctx).AccountID)
	}
	zc[key] = z
	return z, nil
}

// syncRouting makes the script's routes and custom domains those of state's inputs: removes the
// recorded ones no longer wanted, creates the new ones, and records their ids in state.
func syncRouting(ctx context.Context, c *cfapi.Client, state *ScriptState, old ScriptState) error {
	name := state.ScriptName
	wantRoutes := map[string]Route{}
	for _, r := range state.Routes {
		wantRoutes[r.Pattern] = r
	}
	oldByPattern := map[string]Route{}
	for _, r := range old.Routes {
		oldByPattern[r.Pattern] = r
	}
	ids := map[string]string{}
	for _, pattern := range sortedKeys(old.RouteIDs) {
		id := old.RouteIDs[pattern]
		if r, ok := wantRoutes[pattern]; ok && r.key() == oldByPattern[pattern].key() {
			ids[pattern] = id
			continue
		}
		zone, route, _ := strings.Cut(id, "/")
		if err := c.Routes.Delete(ctx, zone, route); err != nil {
			return err
		}
	}
	zones := zoneCache{}
	for _, r := range state.Routes {
		if _, ok := ids[r.Pattern]; ok {
			continue
		}
		z, err := zones.ofRoute(ctx, c, r)
		if err != nil {
			return err
		}
		created, err := c.Routes.Create(ctx, z.ID, r.Pattern, name)
		if err != nil {
			return err
		}
		ids[r.Pattern] = z.ID + "/" + created.ID
	}
	state.RouteIDs = ids

	domainIDs := map[string]string{}
	for _, host := range sortedKeys(old.DomainIDs) {
		if slices.Contains(state.Domains, host) {
			domainIDs[host] = old.DomainIDs[host]
			continue
		}
		if err := c.Routes.DetachDomain(ctx, old.DomainIDs[host]); err != nil {
			return err
		}
	}
	for _, host := range state.Domains {
		if _, ok := domainIDs[host]; ok {
			continue
		}
		z, err := zones.ofHost(ctx, c, host)
		if err != nil {
			return err
		}
		d, err := c.Routes.AttachDomain(ctx, z.ID, host, name)
		if err != nil {
			return err
		}
		domainIDs[host] = d.ID
	}
	state.DomainIDs = domainIDs
	state.URLs = urlsOf(*state)
	return nil
}

// readRouting refreshes the recorded routes and custom domains from Cloudflare: one gone, or now
// another script's, leaves the state (the next update sets it again).
func readRouting(ctx context.Context, c *cfapi.Client, state *ScriptState) error {
	byZone := map[string][]cfapi.Route{}
	routes := state.Routes[:0:0]
	ids := map[string]string{}
	for _, r := range state.Routes {
		id, ok := state.RouteIDs[r.Pattern]
		if !ok {
			continue
		}
		zone, route, _ := strings.Cut(id, "/")
		list, read := byZone[zone]
		if !read {
			var err error
			if list, err = c.Routes.List(ctx, zone); err != nil {
				return err
			}
			byZone[zone] = list
		}
		if slices.ContainsFunc(list, func(x cfapi.Route) bool {
			return x.ID == route && x.Pattern == r.Pattern && x.Script == state.ScriptName
		}) {
			routes, ids[r.Pattern] = append(routes, r), id
		}
	}
	domains, err := c.Routes.Domains(ctx, cfapi.DomainFilter{Service: state.ScriptName})
	if err != nil {
		return err
	}
	state.Domains, state.DomainIDs = nil, map[string]string{}
	for _, d := range domains {
		if d.Service == state.ScriptName {
			state.Domains = append(state.Domains, d.Hostname)
			state.DomainIDs[d.Hostname] = d.ID
		}
	}
	slices.Sort(state.Domains)
	if len(routes) == 0 {
		routes = nil
	}
	state.Routes, state.RouteIDs = routes, ids
	state.URLs = urlsOf(*state)
	return nil
}

// readImportedRoutes sets state's routes to those of every zone of the account that run the
// script: an imported script has no recorded routes, so their zones are unknown.
func readImportedRoutes(ctx context.Context, c *cfapi.Client, state *ScriptState) error {
	zones, err := c.Zones.List(ctx)
	if err != nil {
		return err
	}
	var routes []Route
	ids := map[string]string{}
	for _, z := range zones {
		list, err := c.Routes.List(ctx, z.ID)
		if err != nil {
			return err
		}
		for _, r := range list {
			if r.Script == state.ScriptName {
				routes, ids[r.Pattern] = append(routes, Route{Pattern: r.Pattern}), z.ID+"/"+r.ID
			}
		}
	}
	slices.SortFunc(routes, func(a, b Route) int { return strings.Compare(a.Pattern, b.Pattern) })
	state.Routes, state.RouteIDs = routes, ids
	state.URLs = urlsOf(*state)
	return nil
}

// removeRouting removes the script's recorded routes and custom domains, before the script goes.
func removeRouting(ctx context.Context, c *cfapi.Client, state ScriptState) error {
	for _, pattern := range sortedKeys(state.RouteIDs) {
		zone, route, _ := strings.Cut(state.RouteIDs[pattern], "/")
		if err := c.Routes.Delete(ctx, zone, route); err != nil {
			return err
		}
	}
	for _, host := range sortedKeys(state.DomainIDs) {
		if err := c.Routes.DetachDomain(ctx, state.DomainIDs[host]); err != nil {
			return err
		}
	}
	return nil
}

// urlsOf lists the URLs the Worker can be called at: its workers.dev URL, "https://<hostname>/"
// for each custom domain, then each route's URL (routepattern.Pattern.URL: the pattern without its
// trailing wildcard, https unless it names http; a route whose host has a wildcard names no URL).
func urlsOf(s ScriptState) []string {
	urls := []string{}
	add := func(u string) {
		if !slices.Contains(urls, u) {
			urls = append(urls, u)
		}
	}
	if s.URL != "" {
		add(s.URL)
	}
	for _, d := range s.Domains {
		add("https://" + d + "/")
	}
	for _, r := range s.Routes {
		if rp, err := routepattern.Parse(r.Pattern); err == nil {
			if u, ok := rp.URL(); ok {
				add(u)
			}
		}
	}
	return urls
}

// routingInputs adds a Worker's routes and custom domains to its Script's inputs.
func routingInputs(worker string, args WorkerArgs, inputs pulumi.Map) error {
	if len(args.Routes) > 0 {
		rs, err := routesFrom(worker, args.Routes)
		if err != nil {
			return err
		}
		inputs["routes"] = pulumi.Any(routesInput(rs))
	}
	if len(args.Domains) > 0 {
		inputs["domains"] = pulumi.ToStringArray(args.Domains)
	}
	return nil
}

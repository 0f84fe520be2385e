package cfapi

import (
	"context"
	"fmt"
	"net/http"
	"regexp"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/cloudflare/cloudflare-go/v4/zones"
)

// ZoneService is the zones family of calls (cloudflare-go's client.Zones): finding the account's
// zones, which routes and custom domains belong to.
type ZoneService struct{ c *Client }

// Zones, zone routes and Workers custom domains (docs/cloudflare-api.md, "Routes and custom
// domains"): a route sends the requests matching a URL pattern in a zone to a script, a custom
// domain sends every request for one hostname to it.

// Zone is one zone of the account.
type Zone struct {
	ID   string
	Name string
}

// Route is one route of a zone.
type Route struct {
	// ID is the route id, unique in its zone.
	ID string
	// Pattern is the URL pattern it matches, for example "example.com/api/*".
	Pattern string
	// Script is the script it runs; "" for a route that runs none.
	Script string
}

// Domain is one custom domain of the account.
type Domain struct {
	ID       string
	Hostname string
	// Service is the script the hostname runs.
	Service  string
	ZoneID   string
	ZoneName string
}

// validID is the form of zone, route and domain ids, which cloudflare-go formats into request
// paths unescaped: checked first so that a bad id cannot address another endpoint.
var validID = regexp.MustCompile(`^[0-9a-zA-Z_-]{1,64}$`)

// gone reports an answer that the zone, route or domain addressed does not exist: Cloudflare's
// codes for those are not published, so any 404 counts (docs/cloudflare-api.md).
func gone(err error) bool {
	apiErr, ok := AsAPIError(err)
	return IsNotFound(err) || ok && apiErr.Status == http.StatusNotFound
}

func checkID(what, id string) error {
	if !validID.MatchString(id) {
		return fmt.Errorf("invalid %s id %q: Cloudflare ids are letters and digits", what, id)
	}
	return nil
}

// ByName returns the account's zone named name (GET /zones?name=&account.id=, paged), or
// found false when the account has none by that name.
func (s *ZoneService) ByName(ctx context.Context, name string) (zone Zone, found bool, err error) {
	all, err := s.listNamed(ctx, name)
	if err != nil {
		return Zone{}, false, fmt.Errorf("looking up zone %q: %w", name, err)
	}
	for _, z := range all {
		if z.Name == name {
			return z, true, nil
		}
	}
	return Zone{}, false, nil
}

// List lists every zone of the account (GET /zones?account.id=, paged).
func (s *ZoneService) List(ctx context.Context) ([]Zone, error) {
	all, err := s.listNamed(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("listing the account's zones: %w", err)
	}
	return all, nil
}

// listNamed lists the account's zones, those named name when it is not empty.
func (s *ZoneService) listNamed(ctx context.Context, name string) ([]Zone, error) {
	if err := s.c.precheck(ctx); err != nil {
		return nil, err
	}
	return listPages(s.c, func(page int, opts ...option.RequestOption) ([]Zone, resultInfo, error) {
		params := zones.ZoneListParams{
			Account: cloudflare.F(zones.ZoneListParamsAccount{ID: cloudflare.F(s.c.accountID)}),
			Page:    cloudflare.F(float64(page)),
			PerPage: cloudflare.F(float64(50)), // the zones list allows at most 50 a page
		}
		if name != "" {
			params.Name = cloudflare.F(name)
		}
		res, err := s.c.cf.Zones.List(ctx, params, opts...)
		if err != nil {
			return nil, resultInfo{}, err
		}
		out := make([]Zone, 0, len(res.Result))
		for _, z := range res.Result {
			out = append(out, Zone{ID: z.ID, Name: z.Name})
		}
		return out, resultInfo{present: true, PerPage: int(res.ResultInfo.PerPage)}, nil
	})
}

// ByID returns zone id (GET /zones/{id}), or found false when the account has no such zone.
func (s *ZoneService) ByID(ctx context.Context, id string) (zone Zone, found bool, err error) {
	if err := checkID("zone", id); err != nil {
		return Zone{}, false, err
	}
	if err := s.c.precheck(ctx); err != nil {
		return Zone{}, false, fmt.Errorf("reading zone %s: %w", id, err)
	}
	err = s.c.call(func(opts ...option.RequestOption) error {
		res, err := s.c.cf.Zones.Get(ctx, zones.ZoneGetParams{ZoneID: cloudflare.F(id)}, opts...)
		if res != nil {
			zone = Zone{ID: res.ID, Name: res.Name}
		}
		return err
	})
	if gone(err) {
		return Zone{}, false, nil
	}
	if err != nil {
		return Zone{}, false, fmt.Errorf("reading zone %s: %w", id, err)
	}
	return zone, true, nil
}

// Routes lists the routes of zone zoneID (GET /zones/{zone_id}/workers/routes).
func (c *Client) Routes(ctx context.Context, zoneID string) ([]Route, error) {
	if err := checkID("zone", zoneID); err != nil {
		return nil, err
	}
	var out []Route
	err := c.call(func(opts ...option.RequestOption) error {
		res, err := c.cf.Workers.Routes.List(ctx, workers.RouteListParams{ZoneID: cloudflare.F(zoneID)}, opts...)
		if res != nil {
			for _, r := range res.Result {
				out = append(out, Route{ID: r.ID, Pattern: r.Pattern, Script: r.Script})
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listing the routes of zone %s: %w", zoneID, err)
	}
	return out, nil
}

// CreateRoute routes pattern in zone zoneID to script (POST /zones/{zone_id}/workers/routes).
func (c *Client) CreateRoute(ctx context.Context, zoneID, pattern, script string) (Route, error) {
	if err := checkID("zone", zoneID); err != nil {
		return Route{}, err
	}
	if err := c.precheckScript(ctx, script); err != nil {
		return Route{}, fmt.Errorf("creating route %q: %w", pattern, err)
	}
	var out Route
	err := c.call(func(opts ...option.RequestOption) error {
		res, err := c.cf.Workers.Routes.New(ctx, workers.RouteNewParams{
			ZoneID:  cloudflare.F(zoneID),
			Pattern: cloudflare.F(pattern),
			Script:  cloudflare.F(script),
		}, opts...)
		if res != nil {
			out = Route{ID: res.ID, Pattern: res.Pattern, Script: res.Script}
		}
		return err
	})
	if err != nil {
		return Route{}, fmt.Errorf("routing %q to script %q: %w", pattern, script, err)
	}
	if out.Pattern == "" {
		out.Pattern, out.Script = pattern, script
	}
	return out, nil
}

// DeleteRoute deletes route id of zone zoneID; a route already gone is not an error.
func (c *Client) DeleteRoute(ctx context.Context, zoneID, id string) error {
	if err := checkID("zone", zoneID); err != nil {
		return err
	}
	if err := checkID("route", id); err != nil {
		return err
	}
	// Deleting a route twice leaves it deleted.
	err := c.callRepeatable(func(opts ...option.RequestOption) error {
		_, err := c.cf.Workers.Routes.Delete(ctx, id, workers.RouteDeleteParams{ZoneID: cloudflare.F(zoneID)}, opts...)
		return err
	})
	if err != nil && !gone(err) {
		return fmt.Errorf("deleting route %s of zone %s: %w", id, zoneID, err)
	}
	return nil
}

// DomainFilter selects custom domains by script (service) or hostname; empty fields match all.
type DomainFilter struct {
	Service  string
	Hostname string
}

// Domains lists the account's custom domains (GET /accounts/{account_id}/workers/domains).
func (c *Client) Domains(ctx context.Context, filter DomainFilter) ([]Domain, error) {
	if err := c.precheck(ctx); err != nil {
		return nil, fmt.Errorf("listing custom domains: %w", err)
	}
	params := workers.DomainListParams{AccountID: cloudflare.F(c.accountID)}
	if filter.Service != "" {
		params.Service = cloudflare.F(filter.Service)
	}
	if filter.Hostname != "" {
		params.Hostname = cloudflare.F(filter.Hostname)
	}
	var out []Domain
	err := c.call(func(opts ...option.RequestOption) error {
		res, err := c.cf.Workers.Domains.List(ctx, params, opts...)
		if res != nil {
			for _, d := range res.Result {
				out = append(out, Domain{ID: d.ID, Hostname: d.Hostname, Service: d.Service, ZoneID: d.ZoneID, ZoneName: d.ZoneName})
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listing custom domains: %w", err)
	}
	return out, nil
}

// AttachDomain makes hostname of zone zoneID a custom domain of script's production environment
// (PUT /accounts/{account_id}/workers/domains). Attaching the same hostname to the same script
// again changes nothing.
func (c *Client) AttachDomain(ctx context.Context, zoneID, hostname, script string) (Domain, error) {
	if err := checkID("zone", zoneID); err != nil {
		return Domain{}, err
	}
	if err := c.precheckScript(ctx, script); err != nil {
		return Domain{}, fmt.Errorf("attaching custom domain %q: %w", hostname, err)
	}
	var out Domain
	err := c.callRepeatable(func(opts ...option.RequestOption) error {
		res, err := c.cf.Workers.Domains.Update(ctx, workers.DomainUpdateParams{
			AccountID:   cloudflare.F(c.accountID),
			Environment: cloudflare.F("production"),
			Hostname:    cloudflare.F(hostname),
			Service:     cloudflare.F(script),
			ZoneID:      cloudflare.F(zoneID),
		}, opts...)
		if res != nil {
			out = Domain{ID: res.ID, Hostname: res.Hostname, Service: res.Service, ZoneID: res.ZoneID, ZoneName: res.ZoneName}
		}
		return err
	})
	if err != nil {
		return Domain{}, fmt.Errorf("attaching custom domain %q to script %q: %w", hostname, script, err)
	}
	return out, nil
}

// DetachDomain removes custom domain id; one already gone is not an error.
func (c *Client) DetachDomain(ctx context.Context, id string) error {
	if err := checkID("custom domain", id); err != nil {
		return err
	}
	if err := c.precheck(ctx); err != nil {
		return fmt.Errorf("detaching custom domain %s: %w", id, err)
	}
	err := c.callRepeatable(func(opts ...option.RequestOption) error {
		return c.cf.Workers.Domains.Delete(ctx, id, workers.DomainDeleteParams{AccountID: cloudflare.F(c.accountID)}, opts...)
	})
	if err != nil && !gone(err) {
		return fmt.Errorf("detaching custom domain %s: %w", id, err)
	}
	return nil
}

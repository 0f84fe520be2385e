package cfapi

import (
	"context"
	"fmt"
	"net/http"
	"regexp"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/cloudflare/cloudflare-go/v4/workers"
)

// RouteService puts Workers on hostnames (docs/cloudflare-api.md, "Routes and custom domains"):
// a route (cloudflare-go's client.Workers.Routes) sends the requests matching a URL pattern in a
// zone to a script, a custom domain (client.Workers.Domains) sends every request for one hostname
// to it.
type RouteService struct{ c *Client }

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

// List lists the routes of zone zoneID (GET /zones/{zone_id}/workers/routes).
func (s *RouteService) List(ctx context.Context, zoneID string) ([]Route, error) {
	if err := checkID("zone", zoneID); err != nil {
		return nil, err
	}
	var out []Route
	err := s.c.call(func(opts ...option.RequestOption) error {
		res, err := s.c.cf.Workers.Routes.List(ctx, workers.RouteListParams{ZoneID: cloudflare.F(zoneID)}, opts...)
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

// Create routes pattern in zone zoneID to script (POST /zones/{zone_id}/workers/routes).
func (s *RouteService) Create(ctx context.Context, zoneID, pattern, script string) (Route, error) {
	if err := checkID("zone", zoneID); err != nil {
		return Route{}, err
	}
	if err := s.c.precheckScript(ctx, script); err != nil {
		return Route{}, fmt.Errorf("creating route %q: %w", pattern, err)
	}
	var out Route
	err := s.c.call(func(opts ...option.RequestOption) error {
		res, err := s.c.cf.Workers.Routes.New(ctx, workers.RouteNewParams{
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

// Delete deletes route id of zone zoneID; a route already gone is not an error.
func (s *RouteService) Delete(ctx context.Context, zoneID, id string) error {
	if err := checkID("zone", zoneID); err != nil {
		return err
	}
	if err := checkID("route", id); err != nil {
		return err
	}
	// Deleting a route twice leaves it deleted.
	err := s.c.callRepeatable(func(opts ...option.RequestOption) error {
		_, err := s.c.cf.Workers.Routes.Delete(ctx, id, workers.RouteDeleteParams{ZoneID: cloudflare.F(zoneID)}, opts...)
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
func (s *RouteService) Domains(ctx context.Context, filter DomainFilter) ([]Domain, error) {
	if err := s.c.precheck(ctx); err != nil {
		return nil, fmt.Errorf("listing custom domains: %w", err)
	}
	params := workers.DomainListParams{AccountID: cloudflare.F(s.c.accountID)}
	if filter.Service != "" {
		params.Service = cloudflare.F(filter.Service)
	}
	if filter.Hostname != "" {
		params.Hostname = cloudflare.F(filter.Hostname)
	}
	var out []Domain
	err := s.c.call(func(opts ...option.RequestOption) error {
		res, err := s.c.cf.Workers.Domains.List(ctx, params, opts...)
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
func (s *RouteService) AttachDomain(ctx context.Context, zoneID, hostname, script string) (Domain, error) {
	if err := checkID("zone", zoneID); err != nil {
		return Domain{}, err
	}
	if err := s.c.precheckScript(ctx, script); err != nil {
		return Domain{}, fmt.Errorf("attaching custom domain %q: %w", hostname, err)
	}
	var out Domain
	err := s.c.callRepeatable(func(opts ...option.RequestOption) error {
		res, err := s.c.cf.Workers.Domains.Update(ctx, workers.DomainUpdateParams{
			AccountID:   cloudflare.F(s.c.accountID),
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
func (s *RouteService) DetachDomain(ctx context.Context, id string) error {
	if err := checkID("custom domain", id); err != nil {
		return err
	}
	if err := s.c.precheck(ctx); err != nil {
		return fmt.Errorf("detaching custom domain %s: %w", id, err)
	}
	err := s.c.callRepeatable(func(opts ...option.RequestOption) error {
		return s.c.cf.Workers.Domains.Delete(ctx, id, workers.DomainDeleteParams{AccountID: cloudflare.F(s.c.accountID)}, opts...)
	})
	if err != nil && !gone(err) {
		return fmt.Errorf("detaching custom domain %s: %w", id, err)
	}
	return nil
}

package cfapi

import (
	"context"
	"fmt"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/cloudflare/cloudflare-go/v4/zones"
)

// ZoneService is the zones family of calls (cloudflare-go's client.Zones): finding the account's
// zones, which routes and custom domains belong to.
type ZoneService struct{ c *Client }

// Zone is one zone of the account.
type Zone struct {
	ID   string
	Name string
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

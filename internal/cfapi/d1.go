package cfapi

import (
	"context"
	"fmt"
	"regexp"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/d1"
	"github.com/cloudflare/cloudflare-go/v4/option"
)

// D1Service is the D1 family of calls (cloudflare-go's client.D1): databases and the queries run
// on them.
type D1Service struct{ c *Client }

// D1Database is one D1 database of the account.
type D1Database struct {
	// ID is the database's UUID, what a d1 binding names.
	ID string
	// Name is the database's name, unique in the account.
	Name string
	// NumTables is how many tables it holds (Get only; 0 from a create).
	NumTables int
	// FileSize is its size in bytes (Get only).
	FileSize int64
}

// D1Rows is what one statement of a query returned: its rows, column name -> value.
type D1Rows []map[string]any

// CreateDatabase creates an empty database named name. Cloudflare refuses a name the account
// already uses (7502).
func (s *D1Service) CreateDatabase(ctx context.Context, name string) (D1Database, error) {
	if err := s.c.precheck(ctx); err != nil {
		return D1Database{}, fmt.Errorf("creating D1 database %q: %w", name, err)
	}
	var out D1Database
	err := s.c.createByName(ctx, "D1 database", name, codeD1NameTaken, func(opts ...option.RequestOption) error {
		res, err := s.c.cf.D1.Database.New(ctx, d1.DatabaseNewParams{AccountID: cloudflare.F(s.c.accountID), Name: cloudflare.F(name)}, opts...)
		if res != nil {
			out = d1Database(res)
		}
		return err
	}, func() (err error) {
		out, err = s.DatabaseByName(ctx, name)
		return err
	})
	if err != nil {
		return D1Database{}, fmt.Errorf("creating D1 database %q: %w", name, err)
	}
	return out, nil
}

// DatabaseByName finds the database named name with the list's name filter (every page of
// it); IsNotFound(err) when the account has none.
func (s *D1Service) DatabaseByName(ctx context.Context, name string) (D1Database, error) {
	if err := s.c.precheck(ctx); err != nil {
		return D1Database{}, fmt.Errorf("finding D1 database %q: %w", name, err)
	}
	items, err := listPages(s.c, func(page int, opts ...option.RequestOption) ([]d1.DatabaseListResponse, resultInfo, error) {
		res, err := s.c.cf.D1.Database.List(ctx, d1.DatabaseListParams{AccountID: cloudflare.F(s.c.accountID),
			Name: cloudflare.F(name), Page: cloudflare.F(float64(page)), PerPage: cloudflare.F(float64(perPage))}, opts...)
		if err != nil {
			return nil, resultInfo{}, err
		}
		info, err := parseResultInfo(res.JSON.ResultInfo)
		return res.Result, info, err
	})
	if err != nil {
		return D1Database{}, fmt.Errorf("finding D1 database %q: %w", name, err)
	}
	for _, db := range items {
		if db.Name == name {
			return D1Database{ID: db.UUID, Name: db.Name}, nil
		}
	}
	return D1Database{}, fmt.Errorf("finding D1 database %q: %w", name, ErrNotFound)
}

// DatabaseByID reads one database; IsNotFound(err) when the account has none with that id.
func (s *D1Service) DatabaseByID(ctx context.Context, id string) (D1Database, error) {
	if err := s.precheckID(ctx, id); err != nil {
		return D1Database{}, fmt.Errorf("reading D1 database %q: %w", id, err)
	}
	var out D1Database
	err := s.c.call(func(opts ...option.RequestOption) error {
		res, err := s.c.cf.D1.Database.Get(ctx, id, d1.DatabaseGetParams{AccountID: cloudflare.F(s.c.accountID)}, opts...)
		if res != nil {
			out = d1Database(res)
		}
		return err
	})
	if err != nil {
		return D1Database{}, fmt.Errorf("reading D1 database %q: %w", id, err)
	}
	return out, nil
}

// DeleteDatabase deletes a database and all its data.
func (s *D1Service) DeleteDatabase(ctx context.Context, id string) error {
	if err := s.precheckID(ctx, id); err != nil {
		return fmt.Errorf("deleting D1 database %q: %w", id, err)
	}
	err := s.c.call(func(opts ...option.RequestOption) error {
		_, err := s.c.cf.D1.Database.Delete(ctx, id, d1.DatabaseDeleteParams{AccountID: cloudflare.F(s.c.accountID)}, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("deleting D1 database %q: %w", id, err)
	}
	return nil
}

// Query runs sql on database id: one statement with params, or several joined by semicolons
// (no params), which Cloudflare runs as one transaction. It returns each statement's rows. A
// statement SQLite refuses is an *APIError (code 7500) and nothing of sql is kept.
func (s *D1Service) Query(ctx context.Context, id, sql string, params ...string) ([]D1Rows, error) {
	if err := s.precheckID(ctx, id); err != nil {
		return nil, fmt.Errorf("querying D1 database %q: %w", id, err)
	}
	var out []D1Rows
	err := s.c.call(func(opts ...option.RequestOption) error {
		q := d1.DatabaseQueryParams{AccountID: cloudflare.F(s.c.accountID), Sql: cloudflare.F(sql)}
		if len(params) > 0 {
			q.Params = cloudflare.F(params)
		}
		res, err := s.c.cf.D1.Database.Query(ctx, id, q, opts...)
		if err != nil {
			return err
		}
		for _, r := range res.Result {
			rows := make(D1Rows, 0, len(r.Results))
			for _, row := range r.Results {
				if m, ok := row.(map[string]any); ok {
					rows = append(rows, m)
				}
			}
			out = append(out, rows)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("querying D1 database %q: %w", id, err)
	}
	return out, nil
}

func d1Database(res *d1.D1) D1Database {
	return D1Database{ID: res.UUID, Name: res.Name, NumTables: int(res.NumTables), FileSize: int64(res.FileSize)}
}

// d1ID is the form of D1 database ids (a UUID); checked because ids go into request paths.
var d1ID = regexp.MustCompile(`^[0-9a-fA-F-]{32,36}$`)

// precheckID is precheck plus a database id that cannot address another endpoint.
func (s *D1Service) precheckID(ctx context.Context, id string) error {
	if !d1ID.MatchString(id) {
		return fmt.Errorf("invalid D1 database id %q: expected the UUID Cloudflare returns", id)
	}
	return s.c.precheck(ctx)
}

package cfapi

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/durable_objects"
	"github.com/cloudflare/cloudflare-go/v4/option"
)

// Namespace is one Durable Object namespace of the account: the storage of one class of one
// script.
type Namespace struct {
	// ID is the namespace id.
	ID string
	// Name is Cloudflare's "<script>_<class>".
	Name string
	// Script is the script hosting the class.
	Script string
	// Class is the Durable Object class name.
	Class string
	// SQLite is true for SQLite-backed storage (new_sqlite_classes), false for KV-backed.
	SQLite bool
}

// namespacesPerPage is the API's maximum page size, to list most accounts in one request.
const namespacesPerPage = 1000

// maxNamespacePages bounds the loop against a server that ignores `page`.
const maxNamespacePages = 100

// Namespaces lists every Durable Object namespace of the account, following pages.
//
// The API pages this list (page, per_page, result_info), but cloudflare-go v4.6.0 models it
// as a single page, so the typed call is repeated with explicit page parameters.
func (c *Client) Namespaces(ctx context.Context) ([]Namespace, error) {
	if err := c.precheck(ctx); err != nil {
		return nil, fmt.Errorf("listing Durable Object namespaces: %w", err)
	}
	var all []Namespace
	for page := 1; ; page++ {
		if page > maxNamespacePages {
			return nil, fmt.Errorf("listing Durable Object namespaces: more than %d pages", maxNamespacePages)
		}
		items, info, err := c.namespacePage(ctx, page)
		if err != nil {
			return nil, fmt.Errorf("listing Durable Object namespaces (page %d): %w", page, err)
		}
		for _, n := range items {
			all = append(all, Namespace{ID: n.ID, Name: n.Name, Script: n.Script, Class: n.Class, SQLite: n.UseSqlite})
		}
		if info.last(page, len(items), len(all)) {
			return all, nil
		}
	}
}

// resultInfo is the list envelope's result_info; fields a server leaves out stay zero.
type resultInfo struct {
	present    bool
	PerPage    int `json:"per_page"`
	TotalPages int `json:"total_pages"`
	TotalCount int `json:"total_count"`
}

// last reports whether page (holding n items, total so far) is the final page.
func (r resultInfo) last(page, n, total int) bool {
	perPage := r.PerPage
	if perPage <= 0 {
		perPage = namespacesPerPage
	}
	switch {
	case !r.present, n == 0: // a server that does not page sends everything at once
		return true
	case r.TotalPages > 0:
		return page >= r.TotalPages
	case r.TotalCount > 0:
		return total >= r.TotalCount
	default:
		return n < perPage
	}
}

func (c *Client) namespacePage(ctx context.Context, page int) ([]durable_objects.Namespace, resultInfo, error) {
	var info resultInfo
	var items []durable_objects.Namespace
	err := c.call(func(opts ...option.RequestOption) error {
		opts = append(opts,
			option.WithQuery("page", strconv.Itoa(page)),
			option.WithQuery("per_page", strconv.Itoa(namespacesPerPage)))
		res, err := c.cf.DurableObjects.Namespaces.List(ctx, durable_objects.NamespaceListParams{
			AccountID: cloudflare.F(c.accountID),
		}, opts...)
		if err != nil {
			return err
		}
		items = res.Result
		if f, ok := res.JSON.ExtraFields["result_info"]; ok && !f.IsNull() {
			if err := json.Unmarshal([]byte(f.Raw()), &info); err != nil {
				return fmt.Errorf("decoding result_info %s: %w", f.Raw(), err)
			}
			info.present = true
		}
		return nil
	})
	return items, info, err
}

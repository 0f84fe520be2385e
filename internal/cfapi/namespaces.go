package cfapi

import (
	"context"
	"fmt"

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

// Namespaces lists every Durable Object namespace of the account, following pages.
//
// The API pages this list (page, per_page, result_info), but cloudflare-go v4.6.0 models it
// as a single page, so the typed call is repeated with explicit page parameters.
func (c *Client) Namespaces(ctx context.Context) ([]Namespace, error) {
	if err := c.precheck(ctx); err != nil {
		return nil, fmt.Errorf("listing Durable Object namespaces: %w", err)
	}
	items, err := listPages(c, func(page int, opts ...option.RequestOption) ([]durable_objects.Namespace, resultInfo, error) {
		res, err := c.cf.DurableObjects.Namespaces.List(ctx, durable_objects.NamespaceListParams{
			AccountID: cloudflare.F(c.accountID),
		}, append(opts, pageQuery(page)...)...)
		if err != nil {
			return nil, resultInfo{}, err
		}
		info, err := readResultInfo(res.JSON.ExtraFields)
		return res.Result, info, err
	})
	if err != nil {
		return nil, fmt.Errorf("listing Durable Object namespaces: %w", err)
	}
	all := make([]Namespace, 0, len(items))
	for _, n := range items {
		all = append(all, Namespace{ID: n.ID, Name: n.Name, Script: n.Script, Class: n.Class, SQLite: n.UseSqlite})
	}
	return all, nil
}

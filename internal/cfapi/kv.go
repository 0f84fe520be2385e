package cfapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/url"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/kv"
	"github.com/cloudflare/cloudflare-go/v4/option"
)

// KVNamespace is one Workers KV namespace of the account.
type KVNamespace struct {
	// ID is the namespace id, what a kv_namespace binding names.
	ID string
	// Title is the namespace's human-readable name, unique in the account.
	Title string
}

// CreateKVNamespace creates a namespace titled title. Cloudflare refuses a title the account
// already uses (10014).
func (c *Client) CreateKVNamespace(ctx context.Context, title string) (KVNamespace, error) {
	if err := c.precheck(ctx); err != nil {
		return KVNamespace{}, fmt.Errorf("creating KV namespace %q: %w", title, err)
	}
	var out KVNamespace
	err := c.createByName(ctx, "KV namespace", title, codeKVTitleTaken, func(opts ...option.RequestOption) error {
		res, err := c.cf.KV.Namespaces.New(ctx, kv.NamespaceNewParams{
			AccountID: cloudflare.F(c.accountID),
			Title:     cloudflare.F(title),
		}, opts...)
		if res != nil {
			out = KVNamespace{ID: res.ID, Title: res.Title}
		}
		return err
	}, func() (err error) {
		out, err = c.KVNamespaceByTitle(ctx, title)
		return err
	})
	if err != nil {
		return KVNamespace{}, fmt.Errorf("creating KV namespace %q: %w", title, err)
	}
	return out, nil
}

// KVNamespaceByID reads one namespace; IsNotFound(err) when the account has none with that id.
func (c *Client) KVNamespaceByID(ctx context.Context, id string) (KVNamespace, error) {
	if err := c.precheckID(ctx, id); err != nil {
		return KVNamespace{}, fmt.Errorf("reading KV namespace %q: %w", id, err)
	}
	var out KVNamespace
	err := c.call(func(opts ...option.RequestOption) error {
		res, err := c.cf.KV.Namespaces.Get(ctx, id, kv.NamespaceGetParams{AccountID: cloudflare.F(c.accountID)}, opts...)
		if res != nil {
			out = KVNamespace{ID: res.ID, Title: res.Title}
		}
		return err
	})
	if err != nil {
		return KVNamespace{}, fmt.Errorf("reading KV namespace %q: %w", id, err)
	}
	return out, nil
}

// KVNamespaceByTitle finds the namespace titled title in the account's list (every page of it);
// IsNotFound(err) when there is none.
func (c *Client) KVNamespaceByTitle(ctx context.Context, title string) (KVNamespace, error) {
	if err := c.precheck(ctx); err != nil {
		return KVNamespace{}, fmt.Errorf("finding KV namespace %q: %w", title, err)
	}
	items, err := listPages(c, func(page int, opts ...option.RequestOption) ([]kv.Namespace, resultInfo, error) {
		res, err := c.cf.KV.Namespaces.List(ctx, kv.NamespaceListParams{AccountID: cloudflare.F(c.accountID),
			Page: cloudflare.F(float64(page)), PerPage: cloudflare.F(float64(perPage))}, opts...)
		if err != nil {
			return nil, resultInfo{}, err
		}
		info, err := parseResultInfo(res.JSON.ResultInfo)
		return res.Result, info, err
	})
	if err != nil {
		return KVNamespace{}, fmt.Errorf("finding KV namespace %q: %w", title, err)
	}
	for _, ns := range items {
		if ns.Title == title {
			return KVNamespace{ID: ns.ID, Title: ns.Title}, nil
		}
	}
	return KVNamespace{}, fmt.Errorf("finding KV namespace %q: %w", title, ErrNotFound)
}

// RenameKVNamespace changes a namespace's title; its keys stay.
func (c *Client) RenameKVNamespace(ctx context.Context, id, title string) error {
	if err := c.precheckID(ctx, id); err != nil {
		return fmt.Errorf("renaming KV namespace %q: %w", id, err)
	}
	err := c.call(func(opts ...option.RequestOption) error {
		_, err := c.cf.KV.Namespaces.Update(ctx, id, kv.NamespaceUpdateParams{
			AccountID: cloudflare.F(c.accountID),
			Title:     cloudflare.F(title),
		}, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("renaming KV namespace %q to %q: %w", id, title, err)
	}
	return nil
}

// DeleteKVNamespace deletes a namespace and every key in it.
func (c *Client) DeleteKVNamespace(ctx context.Context, id string) error {
	if err := c.precheckID(ctx, id); err != nil {
		return fmt.Errorf("deleting KV namespace %q: %w", id, err)
	}
	err := c.call(func(opts ...option.RequestOption) error {
		_, err := c.cf.KV.Namespaces.Delete(ctx, id, kv.NamespaceDeleteParams{AccountID: cloudflare.F(c.accountID)}, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("deleting KV namespace %q: %w", id, err)
	}
	return nil
}

// KVKeys lists up to limit key names of a namespace (one page: the data-safety check only needs
// to know whether there are keys and name a few). more is true when the namespace holds more.
func (c *Client) KVKeys(ctx context.Context, id string, limit int) (keys []string, more bool, err error) {
	if err := c.precheckID(ctx, id); err != nil {
		return nil, false, fmt.Errorf("listing keys of KV namespace %q: %w", id, err)
	}
	err = c.call(func(opts ...option.RequestOption) error {
		res, err := c.cf.KV.Namespaces.Keys.List(ctx, id, kv.NamespaceKeyListParams{
			AccountID: cloudflare.F(c.accountID),
			Limit:     cloudflare.F(float64(max(limit, 10))), // the API's minimum page size is 10
		}, opts...)
		if err != nil {
			return err
		}
		for _, k := range res.Result {
			keys = append(keys, k.Name)
		}
		more = res.ResultInfo.Cursor != ""
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("listing keys of KV namespace %q: %w", id, err)
	}
	if len(keys) > limit {
		keys, more = keys[:limit], true
	}
	return keys, more, nil
}

// PutKVValue writes one key (tests and tools seed namespaces with it).
func (c *Client) PutKVValue(ctx context.Context, id, key, value string) error {
	if err := c.precheckID(ctx, id); err != nil {
		return fmt.Errorf("writing key %q of KV namespace %q: %w", key, id, err)
	}
	// The API takes multipart/form-data (fields value and metadata); cloudflare-go v4.6.0 would
	// send the params as JSON, so the form is built here and swapped in, as the upload does.
	var body bytes.Buffer
	form := multipart.NewWriter(&body)
	if err := form.WriteField("value", value); err != nil {
		return fmt.Errorf("writing key %q of KV namespace %q: %w", key, id, err)
	}
	if err := form.Close(); err != nil {
		return fmt.Errorf("writing key %q of KV namespace %q: %w", key, id, err)
	}
	err := c.call(func(opts ...option.RequestOption) error {
		opts = append(opts, option.WithRequestBody(form.FormDataContentType(), body.Bytes()))
		_, err := c.cf.KV.Namespaces.Values.Update(ctx, id, url.PathEscape(key), kv.NamespaceValueUpdateParams{
			AccountID: cloudflare.F(c.accountID),
		}, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("writing key %q of KV namespace %q: %w", key, id, err)
	}
	return nil
}

// KVValue reads one key's value; IsNotFound(err) when the key does not exist.
func (c *Client) KVValue(ctx context.Context, id, key string) (string, error) {
	if err := c.precheckID(ctx, id); err != nil {
		return "", fmt.Errorf("reading key %q of KV namespace %q: %w", key, id, err)
	}
	var out string
	err := c.call(func(opts ...option.RequestOption) error {
		res, err := c.cf.KV.Namespaces.Values.Get(ctx, id, url.PathEscape(key), kv.NamespaceValueGetParams{
			AccountID: cloudflare.F(c.accountID),
		}, opts...)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(io.LimitReader(res.Body, maxKVValue+1))
		out = string(b)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("reading key %q of KV namespace %q: %w", key, id, err)
	}
	return out, nil
}

// maxKVValue is Cloudflare's limit on a KV value (25 MiB), bounding what a read buffers.
const maxKVValue = 25 << 20

// precheckID is precheck plus a non-empty id that cannot address another endpoint.
func (c *Client) precheckID(ctx context.Context, id string) error {
	if id == "" || url.PathEscape(id) != id {
		return fmt.Errorf("invalid KV namespace id %q: expected the 32 hex digits Cloudflare returns", id)
	}
	return c.precheck(ctx)
}

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

// KVService is the Workers KV family of calls (cloudflare-go's client.KV): namespaces, their keys
// and values.
type KVService struct{ c *Client }

// KVNamespace is one Workers KV namespace of the account.
type KVNamespace struct {
	// ID is the namespace id, what a kv_namespace binding names.
	ID string
	// Title is the namespace's human-readable name, unique in the account.
	Title string
}

// CreateNamespace creates a namespace titled title. Cloudflare refuses a title the account
// already uses (10014).
func (s *KVService) CreateNamespace(ctx context.Context, title string) (KVNamespace, error) {
	if err := s.c.precheck(ctx); err != nil {
		return KVNamespace{}, fmt.Errorf("creating KV namespace %q: %w", title, err)
	}
	var out KVNamespace
	err := s.c.createByName(ctx, "KV namespace", title, codeKVTitleTaken, func(opts ...option.RequestOption) error {
		res, err := s.c.cf.KV.Namespaces.New(ctx, kv.NamespaceNewParams{
			AccountID: cloudflare.F(s.c.accountID),
			Title:     cloudflare.F(title),
		}, opts...)
		if res != nil {
			out = KVNamespace{ID: res.ID, Title: res.Title}
		}
		return err
	}, func() (err error) {
		out, err = s.NamespaceByTitle(ctx, title)
		return err
	})
	if err != nil {
		return KVNamespace{}, fmt.Errorf("creating KV namespace %q: %w", title, err)
	}
	return out, nil
}

// NamespaceByID reads one namespace; IsNotFound(err) when the account has none with that id.
func (s *KVService) NamespaceByID(ctx context.Context, id string) (KVNamespace, error) {
	if err := s.precheckID(ctx, id); err != nil {
		return KVNamespace{}, fmt.Errorf("reading KV namespace %q: %w", id, err)
	}
	var out KVNamespace
	err := s.c.call(func(opts ...option.RequestOption) error {
		res, err := s.c.cf.KV.Namespaces.Get(ctx, id, kv.NamespaceGetParams{AccountID: cloudflare.F(s.c.accountID)}, opts...)
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

// NamespaceByTitle finds the namespace titled title in the account's list (every page of it);
// IsNotFound(err) when there is none.
func (s *KVService) NamespaceByTitle(ctx context.Context, title string) (KVNamespace, error) {
	if err := s.c.precheck(ctx); err != nil {
		return KVNamespace{}, fmt.Errorf("finding KV namespace %q: %w", title, err)
	}
	items, err := listPages(s.c, func(page int, opts ...option.RequestOption) ([]kv.Namespace, resultInfo, error) {
		res, err := s.c.cf.KV.Namespaces.List(ctx, kv.NamespaceListParams{AccountID: cloudflare.F(s.c.accountID),
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

// RenameNamespace changes a namespace's title; its keys stay.
func (s *KVService) RenameNamespace(ctx context.Context, id, title string) error {
	if err := s.precheckID(ctx, id); err != nil {
		return fmt.Errorf("renaming KV namespace %q: %w", id, err)
	}
	err := s.c.call(func(opts ...option.RequestOption) error {
		_, err := s.c.cf.KV.Namespaces.Update(ctx, id, kv.NamespaceUpdateParams{
			AccountID: cloudflare.F(s.c.accountID),
			Title:     cloudflare.F(title),
		}, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("renaming KV namespace %q to %q: %w", id, title, err)
	}
	return nil
}

// DeleteNamespace deletes a namespace and every key in it.
func (s *KVService) DeleteNamespace(ctx context.Context, id string) error {
	if err := s.precheckID(ctx, id); err != nil {
		return fmt.Errorf("deleting KV namespace %q: %w", id, err)
	}
	err := s.c.call(func(opts ...option.RequestOption) error {
		_, err := s.c.cf.KV.Namespaces.Delete(ctx, id, kv.NamespaceDeleteParams{AccountID: cloudflare.F(s.c.accountID)}, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("deleting KV namespace %q: %w", id, err)
	}
	return nil
}

// Keys lists up to limit key names of a namespace (one page: the data-safety check only needs
// to know whether there are keys and name a few). more is true when the namespace holds more.
func (s *KVService) Keys(ctx context.Context, id string, limit int) (keys []string, more bool, err error) {
	if err := s.precheckID(ctx, id); err != nil {
		return nil, false, fmt.Errorf("listing keys of KV namespace %q: %w", id, err)
	}
	err = s.c.call(func(opts ...option.RequestOption) error {
		res, err := s.c.cf.KV.Namespaces.Keys.List(ctx, id, kv.NamespaceKeyListParams{
			AccountID: cloudflare.F(s.c.accountID),
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

// PutValue writes one key (tests and tools seed namespaces with it).
func (s *KVService) PutValue(ctx context.Context, id, key, value string) error {
	if err := s.precheckID(ctx, id); err != nil {
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
	err := s.c.call(func(opts ...option.RequestOption) error {
		opts = append(opts, option.WithRequestBody(form.FormDataContentType(), body.Bytes()))
		_, err := s.c.cf.KV.Namespaces.Values.Update(ctx, id, url.PathEscape(key), kv.NamespaceValueUpdateParams{
			AccountID: cloudflare.F(s.c.accountID),
		}, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("writing key %q of KV namespace %q: %w", key, id, err)
	}
	return nil
}

// Value reads one key's value; IsNotFound(err) when the key does not exist.
func (s *KVService) Value(ctx context.Context, id, key string) (string, error) {
	if err := s.precheckID(ctx, id); err != nil {
		return "", fmt.Errorf("reading key %q of KV namespace %q: %w", key, id, err)
	}
	var out string
	err := s.c.call(func(opts ...option.RequestOption) error {
		res, err := s.c.cf.KV.Namespaces.Values.Get(ctx, id, url.PathEscape(key), kv.NamespaceValueGetParams{
			AccountID: cloudflare.F(s.c.accountID),
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
func (s *KVService) precheckID(ctx context.Context, id string) error {
	if id == "" || url.PathEscape(id) != id {
		return fmt.Errorf("invalid KV namespace id %q: expected the 32 hex digits Cloudflare returns", id)
	}
	return s.c.precheck(ctx)
}

package cfapi

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/cloudflare/cloudflare-go/v4/option"
)

// Lists that Cloudflare pages with page and per_page (Durable Object namespaces, queues; see
// docs/cloudflare-api.md, "Lists and paging") are read whole by allPages. cloudflare-go v4.6.0
// models some of them as a single page, so the typed calls get the page parameters as options.

// perPage is the page size asked for: large, to list most accounts in one request.
const perPage = 1000

// maxPages bounds the loop against a server that ignores `page`.
const maxPages = 100

// pageQuery selects page of a paged list.
func pageQuery(page int) []option.RequestOption {
	return []option.RequestOption{
		option.WithQuery("page", strconv.Itoa(page)),
		option.WithQuery("per_page", strconv.Itoa(perPage)),
	}
}

// maxRereads bounds how many times allPages starts over because the list changed while it read.
const maxRereads = 3

// allPages calls fetch for page 1, 2, ... until result_info says the last page was read. Pages
// are offsets into the list, so an item removed from a page already read moves the later items
// one place back, and one of them is never seen: a list whose total_count changed between pages
// is read again from page 1 (up to maxRereads times; after that the last reading is returned).
// Concurrent deletes do that: a destroy deleting hundreds of Workers at once.
func allPages[T any](fetch func(page int) ([]T, resultInfo, error)) ([]T, error) {
	for reread := 0; ; reread++ {
		all, changed, err := readPages(fetch)
		if err != nil || !changed || reread == maxRereads {
			return all, err
		}
	}
}

// readPages reads the list once (allPages) and reports whether its total_count changed meanwhile.
func readPages[T any](fetch func(page int) ([]T, resultInfo, error)) (all []T, changed bool, err error) {
	total := -1
	for page := 1; ; page++ {
		if page > maxPages {
			return nil, false, fmt.Errorf("more than %d pages", maxPages)
		}
		items, info, err := fetch(page)
		if err != nil {
			return nil, false, fmt.Errorf("page %d: %w", page, err)
		}
		if info.present && info.TotalCount > 0 {
			changed = changed || total >= 0 && info.TotalCount != total
			total = info.TotalCount
		}
		all = append(all, items...)
		if info.last(page, len(items), len(all)) {
			return all, changed, nil
		}
	}
}

// listPages reads every page of a list (allPages), each page one call (c.call) whose request
// fetch makes with the call's options, returning the page's items and its result_info.
func listPages[T any](c *Client, fetch func(page int, opts ...option.RequestOption) ([]T, resultInfo, error)) ([]T, error) {
	return allPages(func(page int) ([]T, resultInfo, error) {
		var items []T
		var info resultInfo
		err := c.call(func(opts ...option.RequestOption) error {
			var err error
			items, info, err = fetch(page, opts...)
			return err
		})
		return items, info, err
	})
}

// resultInfo is the list envelope's result_info; fields a server leaves out stay zero.
type resultInfo struct {
	present    bool
	PerPage    int `json:"per_page"`
	TotalPages int `json:"total_pages"`
	TotalCount int `json:"total_count"`
}

// rawField is a field of a cloudflare-go answer as its JSON metadata holds it.
type rawField interface {
	IsNull() bool
	Raw() string
}

// readResultInfo reads result_info from the extra fields of a cloudflare-go list answer.
func readResultInfo[F rawField](extra map[string]F) (resultInfo, error) {
	f, ok := extra["result_info"]
	if !ok {
		return resultInfo{}, nil
	}
	return parseResultInfo(f)
}

// parseResultInfo reads result_info from its field, where cloudflare-go declares it (lists it
// models as paged).
func parseResultInfo(f rawField) (resultInfo, error) {
	var info resultInfo
	if f.IsNull() {
		return info, nil
	}
	if err := json.Unmarshal([]byte(f.Raw()), &info); err != nil {
		return info, fmt.Errorf("decoding result_info %s: %w", f.Raw(), err)
	}
	info.present = true
	return info, nil
}

// last reports whether page (holding n items, total so far) is the final page.
func (r resultInfo) last(page, n, total int) bool {
	size := r.PerPage
	if size <= 0 {
		size = perPage
	}
	switch {
	case !r.present, n == 0: // a server that does not page sends everything at once
		return true
	case r.TotalPages > 0:
		return page >= r.TotalPages
	case r.TotalCount > 0:
		return total >= r.TotalCount
	default:
		return n < size
	}
}

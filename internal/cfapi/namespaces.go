package cfapi

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/durable_objects"
	"github.com/cloudflare/cloudflare-go/v4/option"
)

// DurableObjectService is the Durable Objects family of calls: the account's namespaces
// (cloudflare-go's client.DurableObjects.Namespaces) and the bindings that reference a script's
// namespaces.
type DurableObjectService struct {
	c *Client

	// namespaces shares reads of the Durable Object namespace list among concurrent calls.
	namespaces namespaceReads
}

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
// Calls made at the same time share one read of the list, which starts after each of them
// began, so each sees at least the namespaces that existed when it asked (a new Worker's classes,
// listed after its upload). The engine creates several Workers at once and each new one reads
// the list, which grows with the account: one read for the creates waiting together instead of
// one each (see namespaceReads).
func (s *DurableObjectService) Namespaces(ctx context.Context) ([]Namespace, error) {
	read := s.namespaces.join()
	s.namespaces.running.Lock()
	if s.namespaces.start(read) {
		read.list, read.err = s.listNamespaces(ctx)
		close(read.done)
	}
	s.namespaces.running.Unlock()
	<-read.done // closed: the read that started it has finished before releasing running
	return slices.Clone(read.list), read.err
}

// namespaceReads shares reads of the namespace list among the calls waiting for one. A call
// joins the read not started yet (next), then waits its turn behind the read in progress; the
// first of next's calls to get its turn detaches it, so that calls arriving from then on wait for
// a later read, and makes the request for all of them.
type namespaceReads struct {
	running sync.Mutex // held while a read is made

	mu   sync.Mutex
	next *namespaceRead
}

// namespaceRead is one read of the list and its answer, set before done is closed.
type namespaceRead struct {
	calls int // how many calls it answers
	done  chan struct{}
	list  []Namespace
	err   error
}

// join returns the read the caller will get: the next one to start.
func (r *namespaceReads) join() *namespaceRead {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.next == nil {
		r.next = &namespaceRead{done: make(chan struct{})}
	}
	r.next.calls++
	return r.next
}

// start reports whether read has not started yet, detaching it if so: the caller, holding
// running, makes it.
func (r *namespaceReads) start(read *namespaceRead) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.next != read {
		return false
	}
	r.next = nil
	return true
}

// listNamespaces reads the whole list. The API pages it (page, per_page, result_info), but
// cloudflare-go v4.6.0 models it as a single page, so the typed call is repeated with explicit
// page parameters.
func (s *DurableObjectService) listNamespaces(ctx context.Context) ([]Namespace, error) {
	if err := s.c.precheck(ctx); err != nil {
		return nil, fmt.Errorf("listing Durable Object namespaces: %w", err)
	}
	items, err := listPages(s.c, func(page int, opts ...option.RequestOption) ([]durable_objects.Namespace, resultInfo, error) {
		res, err := s.c.cf.DurableObjects.Namespaces.List(ctx, durable_objects.NamespaceListParams{
			AccountID: cloudflare.F(s.c.accountID),
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

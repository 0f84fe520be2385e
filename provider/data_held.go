package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

// heldNamed is how many keys, objects or tables a message about held data names.
const heldNamed = 3

// heldData is what a data resource holds, as a refusal or a warning names it: some of its keys,
// objects or tables with rows, or its count of waiting messages.
type heldData struct {
	what  string   // "keys", "objects", "rows in tables", "undelivered message(s)"
	names []string // up to heldNamed of them
	more  bool     // there are more than names
	count int      // for queues: the backlog
}

// empty is true when deleting the resource loses nothing.
func (h heldData) empty() bool { return len(h.names) == 0 && h.count == 0 }

// String reads `keys "a", "b", "c" and more` or `2 undelivered message(s)`.
func (h heldData) String() string {
	if h.count > 0 {
		return fmt.Sprintf("%d %s", h.count, h.what)
	}
	s := h.what + " " + strings.Join(quoteAll(h.names), ", ")
	if h.more {
		s += " and more"
	}
	return s
}

// dataKind is how one kind of data resource is named in messages and read for data. The same
// function serves the resource's Delete (which refuses without deleteData) and the App's
// DataGuard (which says so at preview).
type dataKind struct {
	noun string // "KV namespace"
	// replacedOnRename is true when a new name on Cloudflare replaces the resource (a new one is
	// created and the old one deleted) rather than renaming it in place.
	replacedOnRename bool
	// held reads what the resource holds; id is its Cloudflare id (the part of the resource id
	// after "<accountId>/"). A resource that is gone answers a not-found error.
	held func(ctx context.Context, c *cfapi.Client, id string) (heldData, error)
	// deleteCommand is the wrangler command that deletes the resource named title on Cloudflare,
	// whose Cloudflare id is id.
	deleteCommand func(title, id string) string
}

// dataKinds are the data resources by binding type.
var dataKinds = map[string]dataKind{
	kvKindType: {noun: "KV namespace", held: kvHeld,
		deleteCommand: func(_, id string) string { return "wrangler kv namespace delete --namespace-id " + id }},
	r2KindType: {noun: "R2 bucket", replacedOnRename: true, held: r2Held,
		deleteCommand: func(title, _ string) string { return "wrangler r2 bucket delete " + title }},
	d1KindType: {noun: "D1 database", replacedOnRename: true, held: d1Held,
		deleteCommand: func(title, _ string) string { return "wrangler d1 delete " + title }},
	queueKindType: {noun: "queue", replacedOnRename: true, held: queueHeld,
		deleteCommand: func(title, _ string) string { return "wrangler queues delete " + title }},
}

// kvHeld lists up to heldNamed keys of a namespace.
func kvHeld(ctx context.Context, c *cfapi.Client, id string) (heldData, error) {
	keys, more, err := c.KV.Keys(ctx, id, heldNamed)
	if err != nil {
		return heldData{}, fmt.Errorf("listing the keys of KV namespace %s: %w", id, err)
	}
	return heldData{what: "keys", names: keys, more: more}, nil
}

// r2Held lists up to heldNamed objects of a bucket.
func r2Held(ctx context.Context, c *cfapi.Client, bucket string) (heldData, error) {
	keys, next, err := c.R2.Objects(ctx, bucket, "", heldNamed)
	if err != nil {
		return heldData{}, fmt.Errorf("listing the objects of R2 bucket %q: %w", bucket, err)
	}
	return heldData{what: "objects", names: keys, more: next != ""}, nil
}

// d1Held names up to heldNamed user tables of a database that hold rows.
func d1Held(ctx context.Context, c *cfapi.Client, id string) (heldData, error) {
	tables, more, err := d1TablesWithRows(ctx, c.D1, id, heldNamed)
	if err != nil {
		return heldData{}, fmt.Errorf("looking for tables with rows in D1 database %s: %w", id, err)
	}
	return heldData{what: "rows in tables", names: tables, more: more}, nil
}

// queueHeld reads a queue's backlog.
func queueHeld(ctx context.Context, c *cfapi.Client, id string) (heldData, error) {
	n, err := c.Queues.Backlog(ctx, id)
	if err != nil {
		return heldData{}, fmt.Errorf("reading the backlog of queue %s: %w", id, err)
	}
	return heldData{what: "undelivered message(s)", count: n}, nil
}

// deleteHolding is the Delete of a data resource of binding type typ (resource names its type in
// the error), name on Cloudflare and id. Without deleteData it refuses while the resource holds
// data, naming some; with it, empty (nil: the API deletes a resource with its data) runs before
// del. A resource already gone counts as deleted.
func deleteHolding(ctx context.Context, c *cfapi.Client, typ, resource, name, id string, deleteData bool, empty, del func() error) error {
	k := dataKinds[typ]
	if !deleteData {
		held, err := k.held(ctx, c, id)
		if cfapi.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("checking %s %q for data before deleting it: %w", k.noun, name, err)
		}
		if !held.empty() {
			return refuseDelete(k.noun, name, id, held, resource)
		}
	} else if empty != nil {
		if err := empty(); err != nil {
			if cfapi.IsNotFound(err) {
				return nil
			}
			return err
		}
	}
	if err := del(); err != nil && !cfapi.IsNotFound(err) {
		return err
	}
	return nil
}

// refuseDelete is the error of a Delete that would lose held data without deleteData.
func refuseDelete(noun, name, id string, h heldData, resource string) error {
	where := fmt.Sprintf("%q", name)
	if id != "" && id != name {
		where += " (" + id + ")"
	}
	return fmt.Errorf("refusing to delete %s %s: it holds %s, and deleting it deletes them. Set deleteData: true on "+
		"the %s (or removal: \"remove\" in the app) and run `pulumi up` before deleting, or keep it with "+
		"retainOnDelete / `pulumi state delete`", noun, where, h, resource)
}

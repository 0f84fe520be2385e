package cfapi

import (
	"context"
	"fmt"

	"github.com/cloudflare/cloudflare-go/v4/option"
)

// Cloudflare's codes for a create refused because the account already has an object of that
// name (docs/cloudflare-api.md).
const (
	codeKVTitleTaken   = 10014 // "a namespace with this account ID and title already exists"
	codeR2BucketTaken  = 10004 // "The bucket you tried to create already exists, and you own it."
	codeQueueNameTaken = 11009 // "A queue with this name already exists" (unconfirmed)
	codeD1NameTaken    = 7502  // "A database with that name already exists"
	codeConsumerExists = 11004 // "This queue already has a Worker consumer"
)

// Notice is what a call did that the user should hear of although it succeeded.
type Notice func(ctx context.Context, msg string)

// SetNotice sets where notices go (the provider's log for the resource in ctx); none are
// reported without it.
func (c *Client) SetNotice(n Notice) { c.notice = n }

func (c *Client) notify(ctx context.Context, msg string) {
	if c.notice != nil {
		c.notice(ctx, msg)
	}
}

// createByName runs the create call of an object the account names uniquely (a KV namespace's
// title, a D1 database's, R2 bucket's or queue's name, a queue's one Worker consumer), which is what makes it safe to send
// again after its connection dropped: if the lost request was acted on, the next one is refused
// with takenCode, and the object that request created is found by name (find) and adopted.
//
// The refusal is adopted only when an attempt was lost: an object that existed before this
// create is someone else's (another stack's, or the user's), and taking it over could delete
// its data later; its refusal is returned as it came.
func (c *Client) createByName(ctx context.Context, kind, name string, takenCode int,
	create func(opts ...option.RequestOption) error, find func() error,
) error {
	w := c.newWire(false, true)
	err := c.send(w, create)
	if err == nil || w.lost == 0 {
		return err
	}
	if apiErr, ok := AsAPIError(err); !ok || apiErr.Code != takenCode {
		return err
	}
	if findErr := find(); findErr != nil {
		return fmt.Errorf("%w; the connection of an earlier attempt dropped, so that attempt may have created it, "+
			"but finding it by name failed: %w", err, findErr)
	}
	c.notify(ctx, fmt.Sprintf("%s %q: the connection dropped after the create request went out, and sending it again "+
		"found the %s created by that request: lumier uses it", kind, name, kind))
	return nil
}

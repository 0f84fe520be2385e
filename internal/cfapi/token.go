package cfapi

import (
	"context"
	"fmt"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/accounts"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/cloudflare/cloudflare-go/v4/user"
)

// tokenActive is the status both verify endpoints report for a usable token.
const tokenActive = string(user.TokenVerifyResponseStatusActive)

// VerifyToken checks that the API token is valid and active, so a bad token fails once,
// clearly, before any deploy step.
//
// User tokens verify at GET /user/tokens/verify; account-owned tokens are rejected there and
// verify at GET /accounts/{a}/tokens/verify instead, which is tried when the first call fails
// with an API error. If both fail, the first (user endpoint) error is returned.
func (c *Client) VerifyToken(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("verifying API token: %w", err)
	}
	var status string
	err := c.call(func(opts ...option.RequestOption) error {
		res, err := c.cf.User.Tokens.Verify(ctx, opts...)
		if res != nil {
			status = string(res.Status)
		}
		return err
	})
	if _, isAPI := AsAPIError(err); isAPI && c.accountID != "" {
		accountErr := c.call(func(opts ...option.RequestOption) error {
			res, err := c.cf.Accounts.Tokens.Verify(ctx, accounts.TokenVerifyParams{
				AccountID: cloudflare.F(c.accountID),
			}, opts...)
			if res != nil {
				status = string(res.Status)
			}
			return err
		})
		if accountErr == nil {
			err = nil
		}
	}
	if err != nil {
		return fmt.Errorf("verifying API token: %w", err)
	}
	if status != tokenActive {
		return fmt.Errorf("verifying API token: token status is %q, not %q", status, tokenActive)
	}
	return nil
}

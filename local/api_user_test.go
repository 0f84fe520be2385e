package local

import (
	"net/http"
	"testing"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/accounts"
	"github.com/cloudflare/cloudflare-go/v4/memberships"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/identity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Identity: user, token verification (user and account tokens), memberships, accounts.
func TestContractIdentity(t *testing.T) {
	s := sharedServer(t)
	c := newClient(s)
	u, err := c.User.Get(ctxT(t))
	require.NoError(t, err)
	assert.Len(t, u.ID, 32)

	v, err := c.User.Tokens.Verify(ctxT(t))
	require.NoError(t, err)
	assert.Equal(t, "active", string(v.Status))
	av, err := c.Accounts.Tokens.Verify(ctxT(t), accounts.TokenVerifyParams{AccountID: cloudflare.F(s.AccountID())})
	require.NoError(t, err)
	assert.Equal(t, "active", string(av.Status))
	assert.Equal(t, v.ID, av.ID)

	ms, err := c.Memberships.List(ctxT(t), memberships.MembershipListParams{})
	require.NoError(t, err)
	require.Len(t, ms.Result, 1)
	assert.Equal(t, s.AccountID(), ms.Result[0].Account.ID)
	assert.Equal(t, "accepted", string(ms.Result[0].Status))

	accts, err := c.Accounts.List(ctxT(t), accounts.AccountListParams{})
	require.NoError(t, err)
	require.Len(t, accts.Result, 1)
	assert.Equal(t, s.AccountID(), accts.Result[0].ID)
	one, err := c.Accounts.Get(ctxT(t), accounts.AccountGetParams{AccountID: cloudflare.F(s.AccountID())})
	require.NoError(t, err)
	assert.Equal(t, identity.AccountName, one.Name)

	// A wrong token on the verify endpoints is "Invalid API Token" (1000), like Cloudflare.
	r := raw(t, s, "GET", "/accounts/"+s.AccountID()+"/tokens/verify", "wrong", "", nil)
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	assert.Equal(t, envelope.CodeInvalidToken, r.code())
}

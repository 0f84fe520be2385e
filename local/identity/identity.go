// Package identity answers the identity endpoints for the local Cloudflare's one user and
// account: the token's verification, /user, /accounts and /memberships.
package identity

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/lumier-dev/lumier/local/envelope"
)

// Kinds of identity call, as the server counts them.
const (
	CallVerifyToken = "verify_token" // GET /user/tokens/verify, GET /accounts/{a}/tokens/verify
	CallIdentity    = "identity"     // GET /user, /accounts, /accounts/{a}, /memberships
)

// The local Cloudflare's one user and account, as the identity endpoints describe them. Email is
// also the author every version and deployment reports.
const (
	Email       = "local@lumier.dev"
	AccountName = "lumier local"
)

// API answers the identity endpoints for one account and its token.
type API struct {
	accountID, token string
}

// NewAPI describes account accountID, reached with token.
func NewAPI(accountID, token string) *API { return &API{accountID: accountID, token: token} }

// Routes registers the API's endpoints with handle, which puts each behind the checks every
// endpoint shares and counts its calls under kind.
func (a *API) Routes(handle func(pattern, kind string, h http.HandlerFunc)) {
	handle("GET /user/tokens/verify", CallVerifyToken, a.handleVerifyToken)
	handle("GET /accounts/{account}/tokens/verify", CallVerifyToken, a.handleVerifyToken)
	handle("GET /user", CallIdentity, a.handleUser)
	handle("GET /accounts", CallIdentity, a.handleAccounts)
	handle("GET /accounts/{account}", CallIdentity, a.handleAccount)
	handle("GET /memberships", CallIdentity, a.handleMemberships)
}

// handleVerifyToken answers GET /user/tokens/verify; authentication already passed.
func (a *API) handleVerifyToken(w http.ResponseWriter, r *http.Request) {
	envelope.WriteResult(w, http.StatusOK, map[string]string{"id": a.tokenID(), "status": "active"}, nil,
		envelope.Message{Code: 10000, Message: "This API Token is valid and active"})
}

// tokenID is a stable, non-secret id for the token (Cloudflare returns the token's id, never the
// token).
func (a *API) tokenID() string {
	sum := sha256.Sum256([]byte("lumier-local-token:" + a.token))
	return hex.EncodeToString(sum[:16])
}

// epoch is the creation time the identity endpoints report: fixed, so answers are stable.
var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// UserID is the stable id (32 hex digits) of the user of account accountID.
func UserID(accountID string) string {
	sum := sha256.Sum256([]byte("lumier-local-user:" + accountID))
	return hex.EncodeToString(sum[:16])
}

// handleUser is GET /user.
func (a *API) handleUser(w http.ResponseWriter, r *http.Request) {
	envelope.WriteResult(w, http.StatusOK, map[string]any{
		"id": UserID(a.accountID), "email": Email, "username": "lumier-local",
		"first_name": "lumier", "last_name": "local", "telephone": nil, "country": nil, "zipcode": nil,
		"created_on": epoch, "modified_on": epoch,
		"two_factor_authentication_enabled": false, "two_factor_authentication_locked": false,
		"has_pro_zones": false, "has_business_zones": false, "has_enterprise_zones": false,
		"suspended": false, "betas": []string{}, "organizations": []any{},
	}, nil)
}

func (a *API) accountJSON() map[string]any {
	return map[string]any{
		"id": a.accountID, "name": AccountName, "type": "standard", "created_on": epoch,
		"settings": map[string]any{"enforce_twofactor": false, "api_access_enabled": nil, "abuse_contact_email": nil},
	}
}

// handleAccounts is GET /accounts: the one account the token can use.
func (a *API) handleAccounts(w http.ResponseWriter, r *http.Request) {
	envelope.WriteList(w, []map[string]any{a.accountJSON()})
}

// handleAccount is GET /accounts/{a}.
func (a *API) handleAccount(w http.ResponseWriter, r *http.Request) {
	envelope.WriteResult(w, http.StatusOK, a.accountJSON(), nil)
}

// handleMemberships is GET /memberships: the user is the account's administrator.
func (a *API) handleMemberships(w http.ResponseWriter, r *http.Request) {
	sum := sha256.Sum256([]byte("lumier-local-membership:" + a.accountID))
	envelope.WriteList(w, []map[string]any{{
		"id":                 hex.EncodeToString(sum[:16]),
		"status":             "accepted",
		"api_access_enabled": nil,
		"account":            a.accountJSON(),
		"roles":              []string{"Super Administrator - All Privileges"},
		"permissions": map[string]any{
			"workers": map[string]bool{"read": true, "write": true},
		},
		"policies": []any{},
	}})
}

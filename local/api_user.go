package local

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"
)

// The local Cloudflare's one user and account, as the identity endpoints describe them.
const (
	userEmail   = authorEmail
	accountName = "lumier local"
)

// epoch is the creation time the identity endpoints report: fixed, so answers are stable.
var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// userID is the user's stable id (32 hex digits).
func (s *Server) userID() string {
	sum := sha256.Sum256([]byte("lumier-local-user:" + s.opts.AccountID))
	return hex.EncodeToString(sum[:16])
}

// handleUser is GET /user.
func (s *Server) handleUser(w http.ResponseWriter, r *http.Request) {
	writeResult(w, http.StatusOK, map[string]any{
		"id": s.userID(), "email": userEmail, "username": "lumier-local",
		"first_name": "lumier", "last_name": "local", "telephone": nil, "country": nil, "zipcode": nil,
		"created_on": epoch, "modified_on": epoch,
		"two_factor_authentication_enabled": false, "two_factor_authentication_locked": false,
		"has_pro_zones": false, "has_business_zones": false, "has_enterprise_zones": false,
		"suspended": false, "betas": []string{}, "organizations": []any{},
	}, nil)
}

func (s *Server) accountJSON() map[string]any {
	return map[string]any{
		"id": s.opts.AccountID, "name": accountName, "type": "standard", "created_on": epoch,
		"settings": map[string]any{"enforce_twofactor": false, "api_access_enabled": nil, "abuse_contact_email": nil},
	}
}

// handleAccounts is GET /accounts: the one account the token can use.
func (s *Server) handleAccounts(w http.ResponseWriter, r *http.Request) {
	writeList(w, []map[string]any{s.accountJSON()})
}

// handleAccount is GET /accounts/{a}.
func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request) {
	writeResult(w, http.StatusOK, s.accountJSON(), nil)
}

// handleMemberships is GET /memberships: the user is the account's administrator.
func (s *Server) handleMemberships(w http.ResponseWriter, r *http.Request) {
	sum := sha256.Sum256([]byte("lumier-local-membership:" + s.opts.AccountID))
	writeList(w, []map[string]any{{
		"id":                 hex.EncodeToString(sum[:16]),
		"status":             "accepted",
		"api_access_enabled": nil,
		"account":            s.accountJSON(),
		"roles":              []string{"Super Administrator - All Privileges"},
		"permissions": map[string]any{
			"workers": map[string]bool{"read": true, "write": true},
		},
		"policies": []any{},
	}})
}

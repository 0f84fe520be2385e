package local

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"
)

// authenticate checks the request's API token the way Cloudflare does: a missing header, a
// malformed header and a rejected token each get Cloudflare's own code. verify selects the
// answer of GET /user/tokens/verify, which reports an unknown token differently from the other
// endpoints.
func (s *Server) authenticate(r *http.Request, verify bool) *apiError {
	h := r.Header.Get("Authorization")
	if h == "" {
		if r.Header.Get("X-Auth-Key") != "" || r.Header.Get("X-Auth-Email") != "" {
			// Global API keys belong to a real Cloudflare user; the local Cloudflare has tokens only.
			return newAPIError(http.StatusForbidden, codeAuthentication, "Authentication error")
		}
		return newAPIError(http.StatusBadRequest, codeAuthMissing, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || !validTokenSyntax(token) {
		e := newAPIError(http.StatusBadRequest, codeBadHeaders, "Invalid request headers")
		e.Chain = []apiMessage{{Code: codeBadAuthFormat, Message: "Invalid format for Authorization header"}}
		return e
	}
	if !s.tokenMatches(token) {
		if verify {
			return newAPIError(http.StatusUnauthorized, codeInvalidToken, "Invalid API Token")
		}
		return newAPIError(http.StatusForbidden, codeAuthentication, "Authentication error")
	}
	return nil
}

// validTokenSyntax accepts what an API token can look like: printable, no spaces.
func validTokenSyntax(token string) bool {
	if token == "" {
		return false
	}
	for _, c := range token {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

// tokenMatches compares in constant time (hashing first, so the length does not leak either).
func (s *Server) tokenMatches(token string) bool {
	got := sha256.Sum256([]byte(token))
	want := sha256.Sum256([]byte(s.opts.Token))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// handleVerifyToken answers GET /user/tokens/verify; authentication already passed.
func (s *Server) handleVerifyToken(w http.ResponseWriter, r *http.Request) {
	writeResult(w, http.StatusOK, map[string]string{"id": s.tokenID(), "status": "active"}, nil,
		apiMessage{Code: 10000, Message: "This API Token is valid and active"})
}

// tokenID is a stable, non-secret id for the token (Cloudflare returns the token's id, never the
// token).
func (s *Server) tokenID() string {
	sum := sha256.Sum256([]byte("lumier-local-token:" + s.opts.Token))
	return hex.EncodeToString(sum[:16])
}

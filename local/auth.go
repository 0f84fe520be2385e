package local

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/lumier-dev/lumier/local/envelope"
)

// authenticate checks the request's API token the way Cloudflare does: a missing header, a
// malformed header and a rejected token each get Cloudflare's own code. verify selects the
// answer of GET /user/tokens/verify, which reports an unknown token differently from the other
// endpoints.
func (s *Server) authenticate(r *http.Request, verify bool) *envelope.Error {
	h := r.Header.Get("Authorization")
	if h == "" {
		if r.Header.Get("X-Auth-Key") != "" || r.Header.Get("X-Auth-Email") != "" {
			// Global API keys belong to a real Cloudflare user; the local Cloudflare has tokens only.
			return envelope.NewError(http.StatusForbidden, envelope.CodeAuthentication, "Authentication error")
		}
		return envelope.NewError(http.StatusBadRequest, envelope.CodeAuthMissing, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || !validTokenSyntax(token) {
		e := envelope.NewError(http.StatusBadRequest, envelope.CodeBadHeaders, "Invalid request headers")
		e.Chain = []envelope.Message{{Code: envelope.CodeBadAuthFormat, Message: "Invalid format for Authorization header"}}
		return e
	}
	if !s.tokenMatches(token) {
		if verify {
			return envelope.NewError(http.StatusUnauthorized, envelope.CodeInvalidToken, "Invalid API Token")
		}
		return envelope.NewError(http.StatusForbidden, envelope.CodeAuthentication, "Authentication error")
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

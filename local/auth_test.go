package local

import (
	"encoding/json"
	"net"
	"net/http"
	"testing"

	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Requests without the token, with a malformed header or with another token are refused with
// Cloudflare's codes; a wrong account id is refused too; the listener is on loopback.
func TestAuthAndLoopback(t *testing.T) {
	s := sharedServer(t)
	host, _, err := net.SplitHostPort(s.Addr())
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", host)
	assert.True(t, net.ParseIP(host).IsLoopback())

	list := s.URL() + "/accounts/" + s.AccountID() + "/workers/scripts"
	cases := []struct {
		name, header string
		status, code int
	}{
		{"no header", "", 400, envelope.CodeAuthMissing},
		{"not bearer", "Basic abc", 400, envelope.CodeBadHeaders},
		{"empty token", "Bearer ", 400, envelope.CodeBadHeaders},
		{"wrong token", "Bearer nope", 403, envelope.CodeAuthentication},
	}
	before := s.Calls()[CallListScripts]
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, code := rawCall(t, "GET", list, c.header)
			assert.Equal(t, c.status, status)
			assert.Equal(t, c.code, code)
		})
	}
	assert.Equal(t, before, s.Calls()[CallListScripts], "refused requests reach no endpoint")

	status, code := rawCall(t, "GET", s.URL()+"/user/tokens/verify", "Bearer nope")
	assert.Equal(t, 401, status)
	assert.Equal(t, envelope.CodeInvalidToken, code)

	res, err := newClient(s).User.Tokens.Verify(ctxT(t))
	require.NoError(t, err)
	assert.Equal(t, "active", string(res.Status))

}

// rawCall makes an API request with the given Authorization header and returns the status and
// the first error code.
func rawCall(t *testing.T, method, url, auth string) (int, int) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), method, url, nil)
	require.NoError(t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var env struct {
		Success bool `json:"success"`
		Errors  []struct {
			Code int `json:"code"`
		} `json:"errors"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&env))
	if env.Success || len(env.Errors) == 0 {
		return res.StatusCode, 0
	}
	return res.StatusCode, env.Errors[0].Code
}

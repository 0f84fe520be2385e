package local

import (
	"testing"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/zones"
	"github.com/stretchr/testify/assert"
)

// Another account's id, a malformed id and an unknown path get Cloudflare's answers.
func TestRouting(t *testing.T) {
	s := sharedServer(t)
	_, err := newClient(s).Workers.Scripts.List(ctxT(t), workers.ScriptListParams{AccountID: cloudflare.F("ffffffffffffffffffffffffffffffff")})
	requireCode(t, err, envelope.CodeAuthentication, "Authentication error")
	_, err = newClient(s).Workers.Scripts.List(ctxT(t), workers.ScriptListParams{AccountID: cloudflare.F("not-an-account")})
	requireCode(t, err, envelope.CodeBadIdentifier, "perhaps your object identifier is invalid")

	status, code := rawCall(t, "GET", s.URL()+"/zones/"+zones.ID(DefaultZone)+"/dns_records", "Bearer "+s.Token())
	assert.Equal(t, 404, status)
	assert.Equal(t, envelope.CodeNoRoute, code)
}

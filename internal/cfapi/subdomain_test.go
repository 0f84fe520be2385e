package cfapi

import (
	"encoding/json"
	"testing"

	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLocalURLExtension(t *testing.T) {
	cases := map[string]string{
		`{"enabled":true,"previews_enabled":false,"url":"http://127.0.0.1:8788"}`: "http://127.0.0.1:8788",
		`{"enabled":true,"previews_enabled":true}`:                                "",
		`{"enabled":true,"url":null}`:                                             "",
	}
	for body, want := range cases {
		var res workers.ScriptSubdomainGetResponse
		require.NoError(t, json.Unmarshal([]byte(body), &res))
		got, err := localURL(res.JSON.ExtraFields)
		require.NoError(t, err)
		assert.Equal(t, want, got, body)
	}
}

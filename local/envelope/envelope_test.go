package envelope

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/local/rules"
)

func decodeEnvelope(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var out map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
	return out
}

func TestEnvelopes(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteList(rec, []string{"a", "b"})
	env := decodeEnvelope(t, rec)
	assert.Equal(t, true, env["success"])
	assert.Equal(t, []any{}, env["errors"], "errors is an array, never null")
	assert.Equal(t, []any{}, env["messages"])
	assert.Equal(t, map[string]any{"page": 1.0, "per_page": 20.0, "count": 2.0, "total_count": 2.0, "total_pages": 1.0}, env["result_info"])

	rec = httptest.NewRecorder()
	WriteError(rec, &rules.Error{Status: 412, Code: 10079, Message: "tag"})
	assert.Equal(t, 412, rec.Code)
	env = decodeEnvelope(t, rec)
	assert.Equal(t, false, env["success"])
	assert.Nil(t, env["result"])
	assert.Equal(t, []any{map[string]any{"code": 10079.0, "message": "tag"}}, env["errors"])

	rec = httptest.NewRecorder()
	e := NewError(http.StatusTooManyRequests, CodeRateLimited, "slow down")
	e.Header = http.Header{"Retry-After": {"1"}}
	WriteError(rec, e)
	assert.Equal(t, "1", rec.Header().Get("Retry-After"))

	rec = httptest.NewRecorder()
	WriteError(rec, errors.New("disk on fire"))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Contains(t, rec.Body.String(), `"code":10002`)
	assert.Contains(t, rec.Body.String(), "disk on fire")
}

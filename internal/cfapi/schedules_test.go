package cfapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSchedulesWireForm(t *testing.T) {
	const account = "0123456789abcdef0123456789abcdef"
	var gotMethod, gotPath string
	var gotBody []map[string]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotMethod, gotPath = r.Method, r.URL.Path
		if r.Method == http.MethodPut {
			b, _ := io.ReadAll(r.Body)
			require.NoError(t, json.Unmarshal(b, &gotBody), string(b))
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"success":true,"errors":[],"messages":[],"result":{"schedules":[`+
			`{"cron":"*/5 * * * *","created_on":"2026-11-30T13:00:00Z","modified_on":"2026-11-30T13:00:00Z"},`+
			`{"cron":"0 9 * * MON"}]}}`)
	}))
	defer srv.Close()
	c := New(srv.URL, "token", account)

	require.NoError(t, c.Scripts.SetSchedules(context.Background(), "api", []string{"*/5 * * * *", "0 9 * * MON"}))
	assert.Equal(t, http.MethodPut, gotMethod)
	assert.Equal(t, "/accounts/"+account+"/workers/scripts/api/schedules", gotPath)
	assert.Equal(t, []map[string]string{{"cron": "*/5 * * * *"}, {"cron": "0 9 * * MON"}}, gotBody,
		"the body is the bare list of {cron}")

	crons, err := c.Scripts.Schedules(context.Background(), "api")
	require.NoError(t, err)
	assert.Equal(t, http.MethodGet, gotMethod)
	assert.Equal(t, []string{"*/5 * * * *", "0 9 * * MON"}, crons)

	require.NoError(t, c.Scripts.SetSchedules(context.Background(), "api", nil))
	assert.Equal(t, []map[string]string{}, gotBody, "no crons sends an empty list, which removes them")

	err = c.Scripts.SetSchedules(context.Background(), "bad/name", nil)
	require.ErrorContains(t, err, `setting cron triggers of script "bad/name": invalid script name`)
}

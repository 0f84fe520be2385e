package local

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/schedules"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scheduledSource counts scheduled() runs and the crons they got; fetch reports both.
const scheduledSource = `let runs = 0, last = "";
export default {
  fetch() { return Response.json({ runs, last }) },
  scheduled(controller) { runs++; last = controller.cron },
}`

// fire calls the on-demand trigger; cron "" takes the script's first trigger.
func fire(t *testing.T, s *Server, script, cron, token string) (int, rawResponse) {
	t.Helper()
	u := "http://" + s.Addr() + "/__lumier/scripts/" + script + "/scheduled"
	if cron != "" {
		u += "?cron=" + url.QueryEscape(cron)
	}
	req, err := http.NewRequestWithContext(ctxT(t), http.MethodPost, u, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	var out rawResponse
	require.NoError(t, json.Unmarshal(b, &out), "%s", b)
	return res.StatusCode, out
}

func TestSchedulesEndpointsAndOnDemandFiring(t *testing.T) {
	dir := t.TempDir()
	// ManualCron: the runs counted below are the on-demand ones only.
	s := startServer(t, dir, Options{ManualCron: true})
	c := newClient(s)
	acct := cloudflare.F(s.AccountID())
	mustUpload(t, s, "ticker", meta(nil), module{Name: "index.js", Src: scheduledSource})
	scriptURL := enableWorkersDev(t, s, "ticker")

	got, err := c.Workers.Scripts.Schedules.Get(ctxT(t), "ticker", workers.ScriptScheduleGetParams{AccountID: acct})
	require.NoError(t, err)
	assert.Empty(t, got.Schedules)
	assert.Contains(t, got.JSON.RawJSON(), `"schedules":[]`, "no triggers is an empty list, as on Cloudflare")

	status, res := fire(t, s, "ticker", "", s.Token())
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, res.Errors[0].Message, `script "ticker" has no Cron Triggers`)

	put, err := c.Workers.Scripts.Schedules.Update(ctxT(t), "ticker", workers.ScriptScheduleUpdateParams{AccountID: acct,
		Body: []workers.ScriptScheduleUpdateParamsBody{{Cron: cloudflare.F("*/5 * * * *")}, {Cron: cloudflare.F("0 9 * * MON")}}})
	require.NoError(t, err)
	require.Len(t, put.Schedules, 2)
	assert.Equal(t, "*/5 * * * *", put.Schedules[0].Cron)
	assert.NotEmpty(t, put.Schedules[0].CreatedOn)

	_, err = c.Workers.Scripts.Schedules.Update(ctxT(t), "ticker", workers.ScriptScheduleUpdateParams{AccountID: acct,
		Body: []workers.ScriptScheduleUpdateParamsBody{{Cron: cloudflare.F("* 24 * * *")}}})
	requireCode(t, err, envelope.CodeValidation, `hour field "24"`)

	status, _ = fire(t, s, "ticker", "", "wrong-token")
	assert.Equal(t, http.StatusForbidden, status, "the trigger is authenticated like the API")
	status, res = fire(t, s, "ticker", "", s.Token())
	require.Equal(t, http.StatusOK, status, "%+v", res)
	assert.JSONEq(t, `{"script":"ticker","cron":"*/5 * * * *","outcome":"ok","noRetry":false}`, string(res.Result))
	status, _ = fire(t, s, "ticker", "0 9 * * MON", s.Token())
	require.Equal(t, http.StatusOK, status)
	_, body := call(t, "GET", scriptURL, "")
	assert.JSONEq(t, `{"runs":2,"last":"0 9 * * MON"}`, body, "scheduled() ran once per firing, with the cron given")

	// The triggers survive a restart.
	require.NoError(t, s.Close())
	s = startServer(t, dir, Options{ManualCron: true})
	c = newClient(s)
	got, err = c.Workers.Scripts.Schedules.Get(ctxT(t), "ticker", workers.ScriptScheduleGetParams{AccountID: cloudflare.F(s.AccountID())})
	require.NoError(t, err)
	require.Len(t, got.Schedules, 2)
	assert.Equal(t, "0 9 * * MON", got.Schedules[1].Cron)
	status, _ = fire(t, s, "ticker", "", s.Token())
	require.Equal(t, http.StatusOK, status)

	// An empty list removes them; deleting the script drops them too.
	_, err = c.Workers.Scripts.Schedules.Update(ctxT(t), "ticker", workers.ScriptScheduleUpdateParams{AccountID: cloudflare.F(s.AccountID()),
		Body: []workers.ScriptScheduleUpdateParamsBody{}})
	require.NoError(t, err)
	assert.Empty(t, s.ledger.Load().Schedules["ticker"])
	_, err = c.Workers.Scripts.Schedules.Get(ctxT(t), "ghost", workers.ScriptScheduleGetParams{AccountID: cloudflare.F(s.AccountID())})
	requireCode(t, err, 10007, "")
}

// A failing scheduled() reports workerd's outcome.
func TestOnDemandFiringReportsException(t *testing.T) {
	s := sharedServer(t)
	mustUpload(t, s, "ticker-throws", meta(nil), module{Name: "index.js",
		Src: `export default { fetch() { return new Response("x") }, scheduled() { throw new Error("boom") } }`})
	_, err := newClient(s).Workers.Scripts.Schedules.Update(ctxT(t), "ticker-throws", workers.ScriptScheduleUpdateParams{
		AccountID: cloudflare.F(s.AccountID()), Body: []workers.ScriptScheduleUpdateParamsBody{{Cron: cloudflare.F("* * * * *")}}})
	require.NoError(t, err)
	status, res := fire(t, s, "ticker-throws", "", s.Token())
	require.Equal(t, http.StatusOK, status)
	var out schedules.Result
	require.NoError(t, json.Unmarshal(res.Result, &out))
	assert.Equal(t, "exception", out.Outcome)
}

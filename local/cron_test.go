package local

import (
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FireDue runs the triggers due in a minute, and only those.
func TestFireDueRunsMatchingTriggers(t *testing.T) {
	s := sharedServer(t)
	mustUpload(t, s, "ticker-due", meta(nil), module{Name: "index.js", Src: scheduledSource})
	scriptURL := enableWorkersDev(t, s, "ticker-due")
	_, err := newClient(s).Workers.Scripts.Schedules.Update(ctxT(t), "ticker-due", workers.ScriptScheduleUpdateParams{
		AccountID: cloudflare.F(s.AccountID()),
		Body:      []workers.ScriptScheduleUpdateParamsBody{{Cron: cloudflare.F("0 12 * * *")}, {Cron: cloudflare.F("30 * * * *")}}})
	require.NoError(t, err)

	s.triggers.FireDue(ctxT(t), time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	_, body := call(t, "GET", scriptURL, "")
	assert.JSONEq(t, `{"runs":1,"last":"0 12 * * *"}`, body)
	s.triggers.FireDue(ctxT(t), time.Date(2026, 11, 30, 12, 1, 0, 0, time.UTC))
	_, body = call(t, "GET", scriptURL, "")
	assert.JSONEq(t, `{"runs":1,"last":"0 12 * * *"}`, body, "nothing is due at 12:01")
	s.triggers.FireDue(ctxT(t), time.Date(2026, 11, 30, 13, 30, 0, 0, time.UTC))
	_, body = call(t, "GET", scriptURL, "")
	assert.JSONEq(t, `{"runs":2,"last":"30 * * * *"}`, body)
}

// The loop stops with the server.
func TestCronLoopStopsWithServer(t *testing.T) {
	s := startServer(t, t.TempDir(), Options{})
	require.True(t, s.triggers.Running())
	require.NoError(t, s.Close())
	select {
	case <-s.triggers.Stopped():
	default:
		t.Fatal("the cron loop still runs after Close")
	}
}

// With ManualCron no loop runs; triggers still fire on demand (TestSchedulesEndpointsAndOnDemandFiring).
func TestManualCronHasNoLoop(t *testing.T) {
	s := startServer(t, t.TempDir(), Options{ManualCron: true})
	assert.False(t, s.triggers.Running(), "a cron loop started under ManualCron")
	require.NoError(t, s.Close())
}

// Package schedules is the local Cloudflare's Cron Triggers: the schedules endpoints, the
// on-demand trigger, and the loop that fires the triggers on the clock (Triggers), over the
// account that keeps them (Account) and workerd, which runs scheduled() (Runtime).
package schedules

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/lumier-dev/lumier/internal/cron"
	"github.com/lumier-dev/lumier/local/envelope"
)

// Kinds of schedules call, as the server counts them.
const (
	CallSchedules     = "schedules"      // GET .../workers/scripts/{name}/schedules
	CallSetSchedules  = "set_schedules"  // PUT .../workers/scripts/{name}/schedules
	CallFireScheduled = "fire_scheduled" // POST /__lumier/scripts/{name}/scheduled (ours)
)

// Record is one Cron Trigger of a script, with Cloudflare's field names, as the account state
// keeps it.
type Record struct {
	Cron       string    `json:"cron"`
	CreatedOn  time.Time `json:"created_on"`
	ModifiedOn time.Time `json:"modified_on"`
}

// schedulesJSON is the result of GET and PUT .../scripts/{name}/schedules.
type schedulesJSON struct {
	Schedules []Record `json:"schedules"`
}

// Account is what the Cron Triggers need of the account, which keeps them in its state.
type Account interface {
	// Schedules are the triggers of every script now, and the scripts' names, sorted.
	Schedules() (map[string][]Record, []string)
	// Of is script's triggers now; false when the account has no such script.
	Of(script string) ([]Record, bool)
	// Set replaces script's triggers with what set makes of the current ones, under the
	// account's lock; workerd runs the scripts again when the script gains its first trigger or
	// loses its last. A script the account does not have is envelope.ScriptNotFound.
	Set(ctx context.Context, script string, set func(prev []Record) []Record) ([]Record, error)
}

// Runtime is what firing a trigger needs of workerd: where a script's companion answers.
type Runtime interface {
	ScheduledAddr(script string) (addr string, ok bool)
}

// Triggers serves the schedules endpoints and fires the scripts' Cron Triggers, on the clock
// (Start) or on demand (ServeFire).
type Triggers struct {
	account Account
	runtime Runtime
	logger  *slog.Logger
	loop    *cronLoop
}

// NewTriggers fires the triggers account keeps through runtime; logger hears of each run.
func NewTriggers(account Account, runtime Runtime, logger *slog.Logger) *Triggers {
	return &Triggers{account: account, runtime: runtime, logger: logger}
}

// Routes registers Cloudflare's schedules endpoints with handle, which puts each behind the
// checks every endpoint shares and counts its calls under kind. The on-demand trigger
// (ServeFire, at FirePath) is outside the v4 API and registered by the server.
func (t *Triggers) Routes(handle func(pattern, kind string, h http.HandlerFunc)) {
	const schedules = "/accounts/{account}/workers/scripts/{script}/schedules"
	handle("GET "+schedules, CallSchedules, t.handleGetSchedules)
	handle("PUT "+schedules, CallSetSchedules, t.handlePutSchedules)
}

// FirePath runs a script's scheduled() handler now: POST /__lumier/scripts/{name}/scheduled
// ?cron=<expr> (default: the script's first Cron Trigger).
const FirePath = "/__lumier/scripts/{script}/scheduled"

// handleGetSchedules is GET .../scripts/{name}/schedules.
func (t *Triggers) handleGetSchedules(w http.ResponseWriter, r *http.Request) {
	recs, ok := t.account.Of(r.PathValue("script"))
	if !ok {
		envelope.WriteError(w, envelope.ScriptNotFound())
		return
	}
	envelope.WriteResult(w, http.StatusOK, schedulesJSON{Schedules: nonNilSchedules(recs)}, nil)
}

// handlePutSchedules is PUT .../scripts/{name}/schedules with the body [{"cron": ...}, ...]: it
// replaces every trigger of the script. A script that gains or loses its first trigger is
// reloaded, since workerd serves scheduled events through a companion service.
func (t *Triggers) handlePutSchedules(w http.ResponseWriter, r *http.Request) {
	var body []struct {
		Cron string `json:"cron"`
	}
	if err := envelope.ReadJSON(r, &body); err != nil {
		envelope.WriteError(w, err)
		return
	}
	var crons []string
	for _, b := range body {
		if _, err := cron.Parse(b.Cron); err != nil {
			envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "invalid cron expression: %v", err))
			return
		}
		if !slices.Contains(crons, b.Cron) {
			crons = append(crons, b.Cron)
		}
	}
	recs, err := t.account.Set(r.Context(), r.PathValue("script"), func(prev []Record) []Record {
		now := time.Now().UTC()
		var recs []Record
		for _, c := range crons {
			rec := Record{Cron: c, CreatedOn: now, ModifiedOn: now}
			if i := slices.IndexFunc(prev, func(o Record) bool { return o.Cron == c }); i >= 0 {
				rec = prev[i]
			}
			recs = append(recs, rec)
		}
		return recs
	})
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	envelope.WriteResult(w, http.StatusOK, schedulesJSON{Schedules: nonNilSchedules(recs)}, nil)
}

func nonNilSchedules(recs []Record) []Record {
	if recs == nil {
		return []Record{}
	}
	return recs
}

// Result is what running a scheduled() handler gave: workerd's outcome ("ok",
// "exception", ...) and whether the handler asked not to be retried.
type Result struct {
	Script  string `json:"script"`
	Cron    string `json:"cron"`
	Outcome string `json:"outcome"`
	NoRetry bool   `json:"noRetry"`
}

// ServeFire runs a script's scheduled() handler once, now, and answers its outcome.
func (t *Triggers) ServeFire(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("script")
	recs, ok := t.account.Of(name)
	if !ok {
		envelope.WriteError(w, envelope.ScriptNotFound())
		return
	}
	if len(recs) == 0 {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "script %q has no Cron Triggers: set them "+
			"(the Worker's crons, or PUT .../scripts/%s/schedules) before firing one", name, name))
		return
	}
	expr := r.URL.Query().Get("cron")
	if expr == "" {
		expr = recs[0].Cron
	}
	res, err := t.fire(r.Context(), name, expr, time.Now())
	if err != nil {
		envelope.WriteError(w, envelope.NewError(http.StatusBadGateway, envelope.CodeValidation, "%v", err))
		return
	}
	envelope.WriteResult(w, http.StatusOK, res, nil)
}

// fireTimeout bounds one scheduled() run; Cloudflare allows a Cron Trigger 15 minutes of wall
// time, far more than a local test waits.
const fireTimeout = time.Minute

// fire runs script's scheduled() handler through its workerd companion.
func (t *Triggers) fire(ctx context.Context, script, expr string, at time.Time) (Result, error) {
	res := Result{Script: script, Cron: expr}
	addr, ok := t.runtime.ScheduledAddr(script)
	if !ok {
		return res, fmt.Errorf("script %q is not running with Cron Triggers on workerd", script)
	}
	ctx, cancel := context.WithTimeout(ctx, fireTimeout)
	defer cancel()
	q := url.Values{"cron": {expr}, "time": {strconv.FormatInt(at.UnixMilli(), 10)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/?"+q.Encode(), nil)
	if err != nil {
		return res, fmt.Errorf("running scheduled() of script %q: %w", script, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return res, fmt.Errorf("running scheduled() of script %q: %w", script, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return res, fmt.Errorf("running scheduled() of script %q: reading the outcome: %w", script, err)
	}
	if resp.StatusCode != http.StatusOK {
		return res, fmt.Errorf("running scheduled() of script %q: workerd answered %s: %s", script, resp.Status, b)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return res, fmt.Errorf("running scheduled() of script %q: decoding the outcome %q: %w", script, b, err)
	}
	res.Script, res.Cron = script, expr
	return res, nil
}

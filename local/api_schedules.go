package local

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/lumier-dev/lumier/internal/cron"
)

// scheduleRecord is one Cron Trigger of a script, with Cloudflare's field names.
type scheduleRecord struct {
	Cron       string    `json:"cron"`
	CreatedOn  time.Time `json:"created_on"`
	ModifiedOn time.Time `json:"modified_on"`
}

// schedulesJSON is the result of GET and PUT .../scripts/{name}/schedules.
type schedulesJSON struct {
	Schedules []scheduleRecord `json:"schedules"`
}

// scheduleRoutes registers Cloudflare's schedules endpoints and our on-demand trigger.
func (s *Server) scheduleRoutes(mux *http.ServeMux) {
	const schedules = "/accounts/{account}/workers/scripts/{script}/schedules"
	s.handle(mux, "GET "+schedules, CallSchedules, s.handleGetSchedules)
	s.handle(mux, "PUT "+schedules, CallSetSchedules, s.handlePutSchedules)
	// Outside the v4 API (it is ours, not Cloudflare's), but authenticated like it.
	mux.HandleFunc("POST "+firePath, func(w http.ResponseWriter, r *http.Request) {
		if err := s.authenticate(r, false); err != nil {
			writeError(w, err)
			return
		}
		s.calls.add(CallFireScheduled)
		s.handleFireScheduled(w, r)
	})
}

// firePath runs a script's scheduled() handler now: POST /__lumier/scripts/{name}/scheduled
// ?cron=<expr> (default: the script's first Cron Trigger).
const firePath = "/__lumier/scripts/{script}/scheduled"

// handleGetSchedules is GET .../scripts/{name}/schedules.
func (s *Server) handleGetSchedules(w http.ResponseWriter, r *http.Request) {
	st := s.st.Load()
	name := r.PathValue("script")
	if _, ok := st.Scripts[name]; !ok {
		writeError(w, scriptNotFound())
		return
	}
	writeResult(w, http.StatusOK, schedulesJSON{Schedules: nonNilSchedules(st.Schedules[name])}, nil)
}

// handlePutSchedules is PUT .../scripts/{name}/schedules with the body [{"cron": ...}, ...]: it
// replaces every trigger of the script. A script that gains or loses its first trigger is
// reloaded, since workerd serves scheduled events through a companion service.
func (s *Server) handlePutSchedules(w http.ResponseWriter, r *http.Request) {
	var body []struct {
		Cron string `json:"cron"`
	}
	if err := readJSON(r, &body); err != nil {
		writeError(w, err)
		return
	}
	var crons []string
	for _, b := range body {
		if _, err := cron.Parse(b.Cron); err != nil {
			writeError(w, newAPIError(http.StatusBadRequest, codeValidation, "invalid cron expression: %v", err))
			return
		}
		if !slices.Contains(crons, b.Cron) {
			crons = append(crons, b.Cron)
		}
	}
	name := r.PathValue("script")
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.st.Load()
	if _, ok := prev.Scripts[name]; !ok {
		writeError(w, scriptNotFound())
		return
	}
	next := prev.clone()
	if next.Schedules == nil {
		next.Schedules = map[string][]scheduleRecord{}
	}
	now := time.Now().UTC()
	var recs []scheduleRecord
	for _, c := range crons {
		rec := scheduleRecord{Cron: c, CreatedOn: now, ModifiedOn: now}
		if i := slices.IndexFunc(prev.Schedules[name], func(o scheduleRecord) bool { return o.Cron == c }); i >= 0 {
			rec = prev.Schedules[name][i]
		}
		recs = append(recs, rec)
	}
	if len(recs) == 0 {
		delete(next.Schedules, name)
	} else {
		next.Schedules[name] = recs
	}
	if (len(prev.Schedules[name]) > 0) != (len(recs) > 0) {
		if err := s.apply(r.Context(), prev, next, ""); err != nil {
			writeError(w, err)
			return
		}
	}
	if err := s.store.save(next); err != nil {
		writeError(w, err)
		return
	}
	s.st.Store(next)
	writeResult(w, http.StatusOK, schedulesJSON{Schedules: nonNilSchedules(recs)}, nil)
}

func nonNilSchedules(recs []scheduleRecord) []scheduleRecord {
	if recs == nil {
		return []scheduleRecord{}
	}
	return recs
}

// scheduledResult is what running a scheduled() handler gave: workerd's outcome ("ok",
// "exception", ...) and whether the handler asked not to be retried.
type scheduledResult struct {
	Script  string `json:"script"`
	Cron    string `json:"cron"`
	Outcome string `json:"outcome"`
	NoRetry bool   `json:"noRetry"`
}

// handleFireScheduled runs a script's scheduled() handler once, now, and answers its outcome.
func (s *Server) handleFireScheduled(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("script")
	st := s.st.Load()
	if _, ok := st.Scripts[name]; !ok {
		writeError(w, scriptNotFound())
		return
	}
	recs := st.Schedules[name]
	if len(recs) == 0 {
		writeError(w, newAPIError(http.StatusBadRequest, codeValidation, "script %q has no Cron Triggers: set them "+
			"(the Worker's crons, or PUT .../scripts/%s/schedules) before firing one", name, name))
		return
	}
	expr := r.URL.Query().Get("cron")
	if expr == "" {
		expr = recs[0].Cron
	}
	res, err := s.fireScheduled(r.Context(), name, expr, time.Now())
	if err != nil {
		writeError(w, newAPIError(http.StatusBadGateway, codeValidation, "%v", err))
		return
	}
	writeResult(w, http.StatusOK, res, nil)
}

// fireTimeout bounds one scheduled() run; Cloudflare allows a Cron Trigger 15 minutes of wall
// time, far more than a local test waits.
const fireTimeout = time.Minute

// fireScheduled runs script's scheduled() handler through its workerd companion.
func (s *Server) fireScheduled(ctx context.Context, script, expr string, at time.Time) (scheduledResult, error) {
	res := scheduledResult{Script: script, Cron: expr}
	addr, ok := s.runtime.ScheduledAddr(script)
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

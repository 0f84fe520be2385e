// Package workflows serves the Workflows API: the registry of workflows, kept in the account
// (over an Account the server implements), and their instances, kept by each workflow's engine
// on workerd (local/workerd/workflow.go).
package workflows

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"time"

	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/ids"
)

// Kinds of Workflows API call counted by the server's call counters.
const (
	CallWorkflows         = "workflows"          // GET .../workflows[/{name}]
	CallEditWorkflows     = "edit_workflows"     // PUT or DELETE .../workflows/{name}
	CallWorkflowInstances = "workflow_instances" // .../workflows/{name}/instances[...]
)

// codeWorkflowNotFound is Cloudflare's code for a workflow the account does not have
// (docs/cloudflare-api.md, Workflows).
const codeWorkflowNotFound = 10200

// Record is one workflow of the registry, with Cloudflare's field names.
type Record struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	ScriptName string    `json:"script_name"`
	ClassName  string    `json:"class_name"`
	CreatedOn  time.Time `json:"created_on"`
	ModifiedOn time.Time `json:"modified_on"`
	VersionID  string    `json:"version_id"`
}

// workflowJSON is a workflow as GET .../workflows[/{name}] answers it: the record, when it was
// last triggered (never, here) and its instances counted by status.
type workflowJSON struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	ScriptName  string         `json:"script_name"`
	ClassName   string         `json:"class_name"`
	CreatedOn   time.Time      `json:"created_on"`
	ModifiedOn  time.Time      `json:"modified_on"`
	TriggeredOn *time.Time     `json:"triggered_on"`
	Instances   map[string]int `json:"instances"`
}

// workflowNameRule is the rule the local Cloudflare applies to workflow names; Cloudflare's own
// is unconfirmed (docs/cloudflare-api.md, Workflows).
var workflowNameRule = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9_-]{0,63}$`)

func workflowNotFound() *envelope.Error {
	return envelope.NewError(http.StatusNotFound, codeWorkflowNotFound, "Workflow not found")
}

// Account is the account as the Workflows API sees it; the server implements it.
type Account interface {
	// Workflows is the registry now, by workflow name; callers do not change it.
	Workflows() map[string]*Record
	// EditWorkflows runs edit on a copy of the registry under the account's lock, then writes
	// and publishes it; when edit says restart, the scripts run again first, since the registry
	// says which script's process runs a workflow. An error from edit changes nothing.
	EditWorkflows(ctx context.Context, edit func(reg map[string]*Record) (restart bool, err error)) error
	// EngineAddr is where the engine of workflow name answers, or why it does not run.
	EngineAddr(name string) (string, error)
}

// API serves the Workflows API (docs/cloudflare-api.md, Workflows): the registry, kept in the
// account, and the instances, kept by each workflow's engine on workerd.
type API struct {
	account Account
}

// NewAPI serves account's workflows.
func NewAPI(account Account) *API { return &API{account: account} }

// Routes registers the API's endpoints with handle, which puts each behind the checks every
// endpoint shares and counts its calls under kind.
func (a *API) Routes(handle func(pattern, kind string, h http.HandlerFunc)) {
	const workflows = "/accounts/{account}/workflows"
	handle("GET "+workflows, CallWorkflows, a.handleListWorkflows)
	handle("GET "+workflows+"/{workflow}", CallWorkflows, a.handleGetWorkflow)
	handle("PUT "+workflows+"/{workflow}", CallEditWorkflows, a.handlePutWorkflow)
	handle("DELETE "+workflows+"/{workflow}", CallEditWorkflows, a.handleDeleteWorkflow)
	handle("GET "+workflows+"/{workflow}/instances", CallWorkflowInstances, a.handleListInstances)
	handle("POST "+workflows+"/{workflow}/instances", CallWorkflowInstances, a.handleCreateInstance)
	handle("GET "+workflows+"/{workflow}/instances/{instance}", CallWorkflowInstances, a.handleGetInstance)
	handle("PATCH "+workflows+"/{workflow}/instances/{instance}/status", CallWorkflowInstances, a.handleInstanceStatus)
	handle("POST "+workflows+"/{workflow}/instances/{instance}/events/{type}", CallWorkflowInstances, a.handleInstanceEvent)
}

// handlePutWorkflow is PUT .../workflows/{name} {script_name, class_name}: it creates or updates
// the workflow, as wrangler deploy does after uploading the script that defines it.
func (a *API) handlePutWorkflow(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ScriptName string `json:"script_name"`
		ClassName  string `json:"class_name"`
	}
	if err := envelope.ReadJSON(r, &body); err != nil {
		envelope.WriteError(w, err)
		return
	}
	name := r.PathValue("workflow")
	if !workflowNameRule.MatchString(name) {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "invalid workflow name %q", name))
		return
	}
	if body.ScriptName == "" || body.ClassName == "" {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "script_name and class_name are required"))
		return
	}
	var rec *Record
	err := a.account.EditWorkflows(r.Context(), func(reg map[string]*Record) (bool, error) {
		now := time.Now().UTC()
		rec = &Record{ID: ids.UUID(), Name: name, CreatedOn: now}
		if old, ok := reg[name]; ok {
			copied := *old
			rec = &copied
		}
		changed := rec.ScriptName != body.ScriptName || rec.ClassName != body.ClassName
		rec.ScriptName, rec.ClassName, rec.ModifiedOn, rec.VersionID = body.ScriptName, body.ClassName, now, ids.UUID()
		reg[name] = rec
		return changed, nil
	})
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	envelope.WriteResult(w, http.StatusOK, struct {
		Record
		IsDeleted         int        `json:"is_deleted"`
		TerminatorRunning int        `json:"terminator_running"`
		TriggeredOn       *time.Time `json:"triggered_on"`
	}{Record: *rec}, nil)
}

// handleGetWorkflow is GET .../workflows/{name}.
func (a *API) handleGetWorkflow(w http.ResponseWriter, r *http.Request) {
	rec, ok := a.account.Workflows()[r.PathValue("workflow")]
	if !ok {
		envelope.WriteError(w, workflowNotFound())
		return
	}
	envelope.WriteResult(w, http.StatusOK, a.workflowView(r.Context(), rec), nil)
}

// handleListWorkflows is GET .../workflows, paged.
func (a *API) handleListWorkflows(w http.ResponseWriter, r *http.Request) {
	reg := a.account.Workflows()
	var out []workflowJSON
	for _, name := range slices.Sorted(maps.Keys(reg)) {
		out = append(out, a.workflowView(r.Context(), reg[name]))
	}
	envelope.WritePage(w, r, out)
}

// workflowView is rec with its instances counted by status, from its engine.
func (a *API) workflowView(ctx context.Context, rec *Record) workflowJSON {
	counts := map[string]int{}
	for _, st := range []string{"queued", "running", "paused", "errored", "terminated", "complete", "waiting", "waitingForPause"} {
		counts[st] = 0
	}
	var list []engineInstance
	if err := a.engineCall(ctx, rec.Name, http.MethodGet, "/instances", nil, &list); err == nil {
		for _, i := range list {
			counts[i.Status]++
		}
	}
	return workflowJSON{ID: rec.ID, Name: rec.Name, ScriptName: rec.ScriptName, ClassName: rec.ClassName,
		CreatedOn: rec.CreatedOn, ModifiedOn: rec.ModifiedOn, Instances: counts}
}

// handleDeleteWorkflow is DELETE .../workflows/{name}: the workflow leaves the registry and its
// unfinished instances are terminated.
func (a *API) handleDeleteWorkflow(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("workflow")
	err := a.account.EditWorkflows(r.Context(), func(reg map[string]*Record) (bool, error) {
		if _, ok := reg[name]; !ok {
			return false, workflowNotFound()
		}
		var list []engineInstance
		if err := a.engineCall(r.Context(), name, http.MethodGet, "/instances", nil, &list); err == nil {
			for _, i := range list {
				if i.Status != "complete" && i.Status != "errored" && i.Status != "terminated" {
					_ = a.engineCall(r.Context(), name, http.MethodPatch, "/instances/"+url.PathEscape(i.ID)+"/status",
						map[string]string{"status": "terminate"}, nil) // best effort: it may have just ended
				}
			}
		}
		delete(reg, name)
		return true, nil
	})
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	envelope.WriteResult(w, http.StatusOK, map[string]any{"status": "ok", "success": true}, nil)
}

// engineInstance is one instance as the engine lists it.
type engineInstance struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Created  int64  `json:"created"`
	Modified int64  `json:"modified"`
}

// instanceJSON is one instance as GET .../instances lists it.
type instanceJSON struct {
	ID         string     `json:"id"`
	Status     string     `json:"status"`
	CreatedOn  time.Time  `json:"created_on"`
	ModifiedOn time.Time  `json:"modified_on"`
	StartedOn  *time.Time `json:"started_on"`
	EndedOn    *time.Time `json:"ended_on"`
	VersionID  string     `json:"version_id"`
	WorkflowID string     `json:"workflow_id"`
}

// handleListInstances is GET .../workflows/{name}/instances, paged.
func (a *API) handleListInstances(w http.ResponseWriter, r *http.Request) {
	rec, ok := a.account.Workflows()[r.PathValue("workflow")]
	if !ok {
		envelope.WriteError(w, workflowNotFound())
		return
	}
	var list []engineInstance
	if err := a.engineCall(r.Context(), rec.Name, http.MethodGet, "/instances", nil, &list); err != nil {
		envelope.WriteError(w, err)
		return
	}
	out := make([]instanceJSON, 0, len(list))
	for _, i := range list {
		if want := r.URL.Query().Get("status"); want != "" && want != i.Status {
			continue
		}
		out = append(out, instanceJSON{ID: i.ID, Status: i.Status, CreatedOn: time.UnixMilli(i.Created).UTC(),
			ModifiedOn: time.UnixMilli(i.Modified).UTC(), VersionID: rec.VersionID, WorkflowID: rec.ID})
	}
	envelope.WritePage(w, r, out)
}

// handleCreateInstance is POST .../workflows/{name}/instances {instance_id?, params?}.
func (a *API) handleCreateInstance(w http.ResponseWriter, r *http.Request) {
	rec, ok := a.account.Workflows()[r.PathValue("workflow")]
	if !ok {
		envelope.WriteError(w, workflowNotFound())
		return
	}
	var body struct {
		InstanceID string          `json:"instance_id"`
		Params     json.RawMessage `json:"params"`
	}
	if err := envelope.ReadJSON(r, &body); err != nil {
		envelope.WriteError(w, err)
		return
	}
	req := map[string]any{}
	if body.InstanceID != "" {
		req["id"] = body.InstanceID
	}
	if len(body.Params) > 0 {
		req["params"] = body.Params
	}
	var created struct {
		ID string `json:"id"`
	}
	if err := a.engineCall(r.Context(), rec.Name, http.MethodPost, "/instances", req, &created); err != nil {
		envelope.WriteError(w, err)
		return
	}
	envelope.WriteResult(w, http.StatusOK, map[string]string{"id": created.ID, "status": "queued", "version_id": rec.VersionID,
		"workflow_id": rec.ID}, nil)
}

// engineStatus is an instance's status as the engine reports it (workerd's InstanceStatus).
type engineStatus struct {
	Status string          `json:"status"`
	Output json.RawMessage `json:"output,omitempty"`
	Error  json.RawMessage `json:"error,omitempty"`
}

// handleGetInstance is GET .../workflows/{name}/instances/{id}: its status, output and error
// (the local Cloudflare does not report steps).
func (a *API) handleGetInstance(w http.ResponseWriter, r *http.Request) {
	rec, ok := a.account.Workflows()[r.PathValue("workflow")]
	if !ok {
		envelope.WriteError(w, workflowNotFound())
		return
	}
	var st engineStatus
	if err := a.engineCall(r.Context(), rec.Name, http.MethodGet, "/instances/"+url.PathEscape(r.PathValue("instance")), nil, &st); err != nil {
		envelope.WriteError(w, err)
		return
	}
	out := map[string]any{"status": st.Status, "output": st.Output, "error": st.Error, "steps": []any{}, "versionId": rec.VersionID}
	if st.Output == nil {
		out["output"] = ""
	}
	envelope.WriteResult(w, http.StatusOK, out, nil)
}

// handleInstanceStatus is PATCH .../instances/{id}/status {status: pause|resume|terminate|restart}.
func (a *API) handleInstanceStatus(w http.ResponseWriter, r *http.Request) {
	rec, ok := a.account.Workflows()[r.PathValue("workflow")]
	if !ok {
		envelope.WriteError(w, workflowNotFound())
		return
	}
	var body struct {
		Status string `json:"status"`
	}
	if err := envelope.ReadJSON(r, &body); err != nil {
		envelope.WriteError(w, err)
		return
	}
	var st engineStatus
	path := "/instances/" + url.PathEscape(r.PathValue("instance")) + "/status"
	if err := a.engineCall(r.Context(), rec.Name, http.MethodPatch, path, body, &st); err != nil {
		envelope.WriteError(w, err)
		return
	}
	envelope.WriteResult(w, http.StatusOK, map[string]any{"status": st.Status, "timestamp": time.Now().UTC()}, nil)
}

// handleInstanceEvent is POST .../instances/{id}/events/{type} with the event's payload as the
// JSON body (none is {}): the instance's step.waitForEvent for that type takes it, now or when it
// reaches the wait. The result Cloudflare answers is an untyped object (docs/cloudflare-api.md).
func (a *API) handleInstanceEvent(w http.ResponseWriter, r *http.Request) {
	rec, ok := a.account.Workflows()[r.PathValue("workflow")]
	if !ok {
		envelope.WriteError(w, workflowNotFound())
		return
	}
	var payload any // nil for no body: the engine takes none as {}
	if r.ContentLength != 0 {
		var raw json.RawMessage
		if err := envelope.ReadJSON(r, &raw); err != nil {
			envelope.WriteError(w, err)
			return
		}
		payload = raw
	}
	path := "/instances/" + url.PathEscape(r.PathValue("instance")) + "/events/" + url.PathEscape(r.PathValue("type"))
	if err := a.engineCall(r.Context(), rec.Name, http.MethodPost, path, payload, nil); err != nil {
		envelope.WriteError(w, err)
		return
	}
	envelope.WriteResult(w, http.StatusOK, map[string]any{}, nil)
}

// engineTimeout bounds one call to a workflow's engine.
const engineTimeout = 30 * time.Second

// engineCall calls the engine of workflow name (local/workerd/workflow_engine.js) and decodes its
// answer into out. Its refusals become the API's: 404 for an unknown instance, 400 otherwise.
func (a *API) engineCall(ctx context.Context, name, method, path string, body, out any) error {
	addr, err := a.account.EngineAddr(name)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, engineTimeout)
	defer cancel()
	var reader io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("calling the engine of workflow %q: %w", name, err)
		}
		reader = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+path, reader)
	if err != nil {
		return fmt.Errorf("calling the engine of workflow %q: %w", name, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("calling the engine of workflow %q: %w", name, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("calling the engine of workflow %q: %w", name, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(data, &e)
		return envelope.NewError(resp.StatusCode, envelope.CodeValidation, "%s", e.Error)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

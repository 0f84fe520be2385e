//go:build e2e

package e2e

import (
	"testing"
	"time"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

// TestD1QueueAndServiceByReferenceYAML: in YAML a D1Database, a Queue and a Worker are each
// themselves a binding value (the binding model resolves every kind's resource the same way); the
// deployed script binds the database's id, the queue's name and the Worker's script, and a
// refresh reads them back unchanged.
func TestD1QueueAndServiceByReferenceYAML(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	pulumi := yamlProject(t, ctx, c, "refs", `
resources:
  db:
    type: lumier:index:D1Database
  jobs:
    type: lumier:index:Queue
  store:
    type: lumier:index:Worker
    properties: { entry: src/index.ts, durableObjects: [{ className: Counter }], deleteData: true }
  api:
    type: lumier:index:Worker
    properties:
      entry: src/index.ts
      durableObjects: [{ className: Counter }]
      deleteData: true
      bindings:
        DB: ${db}
        JOBS: ${jobs}
        STORE: ${store}
        COUNTER: { type: durable_object_namespace, className: Counter }
outputs:
  db: ${db.databaseId}
  jobs: ${jobs.queueName}
`)
	if out, err := pulumi("up", "--yes"); err != nil {
		t.Fatalf("up: %v\n%s", err, out)
	}
	db, err := pulumi("stack", "output", "db")
	if err != nil {
		t.Fatalf("stack output db: %v\n%s", err, db)
	}
	jobs, err := pulumi("stack", "output", "jobs")
	if err != nil {
		t.Fatalf("stack output jobs: %v\n%s", err, jobs)
	}
	db, jobs = lastLine(db), lastLine(jobs)
	settings, err := cfapi.New(c.URL(), token, accountID).Scripts.Settings(ctx, "refs-dev-api")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]cfapi.Binding{
		"DB":    {Type: cfapi.BindingD1, Name: "DB", DatabaseID: db},
		"JOBS":  {Type: cfapi.BindingQueue, Name: "JOBS", QueueName: jobs},
		"STORE": {Type: cfapi.BindingService, Name: "STORE", Service: "refs-dev-store"},
	}
	for _, b := range settings.Bindings {
		if w, ok := want[b.Name]; ok {
			if b.Type != w.Type || b.DatabaseID != w.DatabaseID || b.QueueName != w.QueueName || b.Service != w.Service {
				t.Errorf("binding %s reads back as %+v, want %+v", b.Name, b, w)
			}
			delete(want, b.Name)
		}
	}
	if len(want) > 0 {
		t.Fatalf("script refs-dev-api lacks the bindings %v: %+v", want, settings.Bindings)
	}
	if out, err := pulumi("refresh", "--yes", "--expect-no-changes"); err != nil {
		t.Fatalf("refresh found drift: %v\n%s", err, out)
	}
	if out, err := pulumi("destroy", "--yes"); err != nil {
		t.Fatalf("destroy: %v\n%s", err, out)
	}
	requireScripts(t, c)
}

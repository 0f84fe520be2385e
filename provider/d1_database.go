package provider

import (
	"context"
	"fmt"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/internal/naming"
)

// D1Database is the custom resource that owns one D1 database and applies its SQL migrations.
// Pass it in a Worker's bindings to bind it.
type D1Database struct{}

var (
	_ = (infer.CustomResource[D1DatabaseArgs, D1DatabaseState])((*D1Database)(nil))
	_ = (infer.CustomCheck[D1DatabaseArgs])((*D1Database)(nil))
	_ = (infer.CustomDiff[D1DatabaseArgs, D1DatabaseState])((*D1Database)(nil))
	_ = (infer.CustomUpdate[D1DatabaseArgs, D1DatabaseState])((*D1Database)(nil))
	_ = (infer.CustomRead[D1DatabaseArgs, D1DatabaseState])((*D1Database)(nil))
	_ = (infer.CustomDelete[D1DatabaseState])((*D1Database)(nil))
	_ = (infer.Annotated)((*D1Database)(nil))
	_ = (infer.ExplicitDependencies[D1DatabaseArgs, D1DatabaseState])((*D1Database)(nil))
)

// Annotate sets the token and documents D1Database.
func (d *D1Database) Annotate(a infer.Annotator) {
	a.SetToken("index", "D1Database")
	a.Describe(d, "A Cloudflare D1 database (SQLite), with its SQL migrations applied from migrationsDir. Pass it in "+
		"a Worker's bindings to bind it (env.NAME is a D1Database). Deleting one whose tables hold rows is refused "+
		"unless deleteData is true. Import an existing database with the id `<accountId>/<databaseId>`.")
}

// d1KindType is the binding type, and the resource's `type` output.
const d1KindType = "d1"

// Check fills in the default name from the resource's URN and hashes the migration files.
func (d *D1Database) Check(ctx context.Context, req infer.CheckRequest) (infer.CheckResponse[D1DatabaseArgs], error) {
	args, failures, err := infer.DefaultCheck[D1DatabaseArgs](ctx, req.NewInputs)
	if err != nil || len(failures) > 0 {
		return infer.CheckResponse[D1DatabaseArgs]{Inputs: args, Failures: failures}, err
	}
	if v, ok := req.NewInputs.GetOk("databaseName"); !ok || !v.HasComputed() {
		args.DatabaseName = strings.TrimSpace(args.DatabaseName)
		if args.DatabaseName == "" {
			urn, _ := ctx.Value(urnKey{}).(presource.URN)
			name, err := naming.ScriptName(urn.Project().String(), urn.Stack().String(), req.Name)
			if err != nil {
				failures = append(failures, p.CheckFailure{Property: "databaseName", Reason: fmt.Sprintf(
					"D1 database %q has no databaseName and none can be made from the project, stack and name: %v; "+
						"set databaseName", req.Name, err)})
			}
			args.DatabaseName = name
		}
		if args.DatabaseName != "" && !d1NamePattern(args.DatabaseName) {
			failures = append(failures, p.CheckFailure{Property: "databaseName", Reason: fmt.Sprintf(
				"D1 database name %q is not valid: use lowercase letters, digits, '-' and '_', at most 64 characters", args.DatabaseName)})
		}
	}
	args.Migrations = nil
	if v, ok := req.NewInputs.GetOk("migrationsDir"); ok && v.HasComputed() {
		return infer.CheckResponse[D1DatabaseArgs]{Inputs: args, Failures: failures}, nil
	}
	if args.MigrationsDir != "" {
		files, err := readMigrations(args.MigrationsDir)
		if err != nil {
			failures = append(failures, p.CheckFailure{Property: "migrationsDir", Reason: err.Error()})
		}
		args.Migrations = files
	}
	return infer.CheckResponse[D1DatabaseArgs]{Inputs: args, Failures: failures}, nil
}

// d1NamePattern is the rule the local Cloudflare applies to database names (docs/cloudflare-api.md, D1).
func d1NamePattern(name string) bool {
	if len(name) == 0 || len(name) > 64 {
		return false
	}
	for i, r := range name {
		ok := (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || (i > 0 && (r == '-' || r == '_'))
		if !ok {
			return false
		}
	}
	return true
}

// Diff: a new name replaces the database (D1 cannot rename); new migration files are an update;
// a file changed after it was applied is refused, naming it.
func (d *D1Database) Diff(ctx context.Context, req infer.DiffRequest[D1DatabaseArgs, D1DatabaseState]) (infer.DiffResponse, error) {
	if changed := changedMigrations(req.State.Applied, req.Inputs.Migrations); len(changed) > 0 {
		return infer.DiffResponse{}, fmt.Errorf("D1 database %q: migration %s was applied and has changed since: an "+
			"applied migration is never re-run, so the change would not reach the database. Restore the file and put the "+
			"change in a new migration file (for example %q)", req.State.DatabaseName, strings.Join(quoteAll(changed), ", "),
			nextMigrationName(req.Inputs.Migrations))
	}
	diff := map[string]p.PropertyDiff{}
	replace := req.State.DatabaseName != req.Inputs.DatabaseName
	if replace {
		diff["databaseName"] = p.PropertyDiff{Kind: p.UpdateReplace}
	}
	steps := planMigrations(req.State.Applied, req.Inputs.Migrations)
	if len(steps.pending) > 0 && !replace {
		// A file another tool applied is recorded in the database, not in state: read the record
		// (only when files are pending, so that a no-op makes no call) to say what the update does.
		c, err := clientFrom(ctx)
		if err != nil {
			return infer.DiffResponse{}, err
		}
		recorded, err := readRecorded(ctx, c.D1, req.State.DatabaseID)
		if err != nil {
			return infer.DiffResponse{}, fmt.Errorf("D1 database %q: %w", req.State.DatabaseName, err)
		}
		steps = steps.withRecorded(recorded)
	}
	if steps.any() {
		diff["migrations"] = p.PropertyDiff{Kind: p.Update}
		steps.report(ctx, req.Inputs.DatabaseName)
	}
	if req.State.MigrationsDir != req.Inputs.MigrationsDir {
		diff["migrationsDir"] = p.PropertyDiff{Kind: p.Update}
	}
	if req.State.DeleteData != req.Inputs.DeleteData {
		diff["deleteData"] = p.PropertyDiff{Kind: p.Update}
	}
	return infer.DiffResponse{HasChanges: len(diff) > 0, DetailedDiff: diff}, nil
}

// nextMigrationName suggests a file name after the last one.
func nextMigrationName(files []D1Migration) string {
	n := 0
	for _, f := range files {
		var k int
		if _, err := fmt.Sscanf(f.Name, "%d", &k); err == nil && k > n {
			n = k
		}
	}
	return fmt.Sprintf("%04d_change.sql", n+1)
}

// Create creates the database and applies its migrations. A failed migration leaves the database
// in state with the migrations before it, so the next `up` applies only what remains.
func (d *D1Database) Create(ctx context.Context, req infer.CreateRequest[D1DatabaseArgs]) (infer.CreateResponse[D1DatabaseState], error) {
	state := D1DatabaseState{D1DatabaseArgs: req.Inputs, Type: d1KindType}
	if req.DryRun {
		return infer.CreateResponse[D1DatabaseState]{Output: state}, nil
	}
	c, err := clientFrom(ctx)
	if err != nil {
		return infer.CreateResponse[D1DatabaseState]{}, err
	}
	db, err := c.D1.CreateDatabase(ctx, req.Inputs.DatabaseName)
	if err != nil {
		return infer.CreateResponse[D1DatabaseState]{}, err
	}
	state.DatabaseID = db.ID
	id := d1ResourceID(ctx, db.ID)
	state.Applied, err = applyMigrations(ctx, c.D1, db.ID, req.Inputs.MigrationsDir, nil, req.Inputs.Migrations)
	if err != nil {
		return infer.CreateResponse[D1DatabaseState]{ID: id, Output: state}, d1InitFailed(req.Inputs.DatabaseName, err)
	}
	return infer.CreateResponse[D1DatabaseState]{ID: id, Output: state}, nil
}

// Update records the migration files renamed since they were applied under their new names and
// applies the files not applied yet; nothing else reaches Cloudflare.
func (d *D1Database) Update(ctx context.Context, req infer.UpdateRequest[D1DatabaseArgs, D1DatabaseState]) (infer.UpdateResponse[D1DatabaseState], error) {
	state := req.State
	state.D1DatabaseArgs = req.Inputs
	state.Type = d1KindType
	state.Applied = withFileHashes(req.State.Applied, req.Inputs.Migrations)
	steps := planMigrations(state.Applied, req.Inputs.Migrations)
	if req.DryRun || !steps.any() {
		return infer.UpdateResponse[D1DatabaseState]{Output: state}, nil
	}
	c, err := clientFrom(ctx)
	if err != nil {
		return infer.UpdateResponse[D1DatabaseState]{}, err
	}
	if state.Applied, err = renameApplied(ctx, c.D1, state.DatabaseID, state.Applied, steps.renamed); err != nil {
		return infer.UpdateResponse[D1DatabaseState]{Output: state}, d1InitFailed(req.Inputs.DatabaseName, err)
	}
	state.Applied, err = applyMigrations(ctx, c.D1, state.DatabaseID, req.Inputs.MigrationsDir, state.Applied, steps.pending)
	if err != nil {
		return infer.UpdateResponse[D1DatabaseState]{Output: state}, d1InitFailed(req.Inputs.DatabaseName, err)
	}
	return infer.UpdateResponse[D1DatabaseState]{Output: state}, nil
}

// d1InitFailed keeps the partial state (what was applied) and says what failed.
func d1InitFailed(name string, err error) error {
	return infer.ResourceInitFailedError{Reasons: []string{fmt.Sprintf("D1 database %q: %v", name, err)}}
}

// Read refreshes the name; a database deleted out of band leaves the state (an empty answer).
// An import's id is "<accountId>/<databaseId>"; it takes the migrations d1_migrations records as
// applied (without hashes, which only the files had).
func (d *D1Database) Read(ctx context.Context, req infer.ReadRequest[D1DatabaseArgs, D1DatabaseState]) (infer.ReadResponse[D1DatabaseArgs, D1DatabaseState], error) {
	c, err := clientFrom(ctx)
	if err != nil {
		return infer.ReadResponse[D1DatabaseArgs, D1DatabaseState]{}, err
	}
	id := req.State.DatabaseID
	importing := id == ""
	if importing {
		imported, err := importedID(req.ID, "<databaseId>")
		if err != nil {
			return infer.ReadResponse[D1DatabaseArgs, D1DatabaseState]{}, err
		}
		id = imported
	}
	db, err := c.D1.DatabaseByID(ctx, id)
	if cfapi.IsNotFound(err) {
		return infer.ReadResponse[D1DatabaseArgs, D1DatabaseState]{}, nil
	}
	if err != nil {
		return infer.ReadResponse[D1DatabaseArgs, D1DatabaseState]{}, err
	}
	state := req.State
	state.DatabaseID, state.DatabaseName, state.Type = db.ID, db.Name, d1KindType
	inputs := req.Inputs
	if importing {
		recorded, err := readRecorded(ctx, c.D1, id)
		if err != nil {
			return infer.ReadResponse[D1DatabaseArgs, D1DatabaseState]{}, err
		}
		for _, name := range recorded {
			state.Applied = append(state.Applied, D1Migration{Name: name})
		}
		inputs = D1DatabaseArgs{DatabaseName: db.Name}
	}
	inputs.DatabaseName = db.Name
	return infer.ReadResponse[D1DatabaseArgs, D1DatabaseState]{ID: req.ID, Inputs: inputs, State: state}, nil
}

// Delete deletes the database, refusing while its tables hold rows unless deleteData is true.
func (d *D1Database) Delete(ctx context.Context, req infer.DeleteRequest[D1DatabaseState]) (infer.DeleteResponse, error) {
	c, err := clientFrom(ctx)
	if err != nil {
		return infer.DeleteResponse{}, err
	}
	id := req.State.DatabaseID
	return infer.DeleteResponse{}, deleteHolding(ctx, c, d1KindType, "D1Database", req.State.DatabaseName, id, req.State.DeleteData,
		nil, func() error { return c.D1.DeleteDatabase(ctx, id) })
}

// d1ResourceID is the resource id, the form `pulumi import` takes: "<accountId>/<databaseId>".
func d1ResourceID(ctx context.Context, id string) string {
	return infer.GetConfig[Config](ctx).AccountID + "/" + id
}

// WireDependencies says which outputs an update may change, so that a preview marks only those
// unknown (infer's default marks every output unknown when any input changes): the id changes
// only with the name (a replacement), so a Worker binding the database shows no change in a
// preview that only adds migrations.
func (d *D1Database) WireDependencies(f infer.FieldSelector, args *D1DatabaseArgs, state *D1DatabaseState) {
	f.OutputField(&state.DatabaseID).DependsOn(f.InputField(&args.DatabaseName).Computed())
	f.OutputField(&state.Applied).DependsOn(f.InputField(&args.Migrations).Computed(),
		f.InputField(&args.MigrationsDir).Computed(), f.InputField(&args.DatabaseName).Computed())
}

package provider

import (
	"fmt"

	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/internal/naming"
)

// AppD1Database declares a D1 database of an App.
type AppD1Database struct {
	Name          string `pulumi:"name"`
	MigrationsDir string `pulumi:"migrationsDir,optional"`
}

// Annotate documents AppD1Database.
func (d *AppD1Database) Annotate(a infer.Annotator) {
	a.SetToken("index", "AppD1Database")
	a.Describe(d, "A D1 database of an App. Its name is \"<app>-<stage>-<name>\"; the app's protect and removal apply "+
		"to it and its rows.")
	a.Describe(&d.Name, "Database name in the app: lowercase letters, digits and '-'.")
	a.Describe(&d.MigrationsDir, "Folder of SQL migration files, relative to the Pulumi project, applied in file-name "+
		"order, each once (see D1Database).")
}

// appD1 is one D1 database of an app: its Cloudflare name, and the resource once created.
type appD1 struct {
	AppD1Database
	dbName   string
	resource *d1DatabaseResource
}

// d1DatabaseResource is the Go view of a registered D1Database, for reading its id.
type d1DatabaseResource struct {
	pulumi.CustomResourceState
	DatabaseID pulumi.StringOutput `pulumi:"databaseId"`
}

// resolveD1 checks the D1 declarations and the Workers' d1 bindings that name one, recording
// which database each binding takes.
func (p *appPlan) resolveD1(decls []AppD1Database, workers []*appWorker) []error {
	var errs []error
	p.d1 = map[string]*appD1{}
	for _, d := range decls {
		dbName, err := naming.ScriptName(p.app, p.stage, d.Name)
		if err != nil {
			errs = append(errs, fmt.Errorf("d1 database %q: %w", d.Name, err))
			continue
		}
		if _, dup := p.d1[d.Name]; dup {
			errs = append(errs, fmt.Errorf("d1 database %q is declared twice: give each database its own name", d.Name))
			continue
		}
		p.d1[d.Name] = &appD1{AppD1Database: d, dbName: dbName}
		p.d1Order = append(p.d1Order, d.Name)
	}
	for _, w := range workers {
		for _, env := range sortedKeys(w.bindings) {
			v, known := awaitInput(w.bindings[env])
			m, ok := v.(map[string]any)
			if !known || !ok || m["type"] != d1KindType {
				continue
			}
			if id, _ := m["databaseId"].(string); id != "" {
				continue // a database given by id: bound as it is
			}
			name, _ := m["name"].(string)
			if p.d1[name] == nil {
				errs = append(errs, fmt.Errorf("worker %q binding %s names d1 database %q, which this app does not "+
					"declare (it declares %s): add {name: %q} to d1Databases, or give databaseId", w.Name, env, name,
					exportList(p.d1Order), name))
				continue
			}
			if w.d1 == nil {
				w.d1 = map[string]string{}
			}
			w.d1[env] = name
		}
	}
	return errs
}

// createD1 registers the app's D1Database resources, with the app's protection and removal:
// under "remove" they may be deleted with their rows.
func (p *appPlan) createD1(ctx *pulumi.Context, app string, opts []pulumi.ResourceOption) ([]*appD1, error) {
	var out []*appD1
	for _, name := range p.d1Order {
		db := p.d1[name]
		db.resource = &d1DatabaseResource{}
		props := pulumi.Map{
			"databaseName": pulumi.String(db.dbName),
			"deleteData":   pulumi.Bool(p.removal == RemovalRemove),
		}
		if db.MigrationsDir != "" {
			props["migrationsDir"] = pulumi.String(db.MigrationsDir)
		}
		err := ctx.RegisterResource("lumier:index:D1Database", app+"-"+name, props, db.resource, append(opts, pulumi.Version(Version))...)
		if err != nil {
			return nil, fmt.Errorf("registering d1 database %q: %w", name, err)
		}
		out = append(out, db)
	}
	return out, nil
}

// bindD1 points w's bindings to app databases at their ids and returns the databases w must
// deploy after (Cloudflare refuses a binding to a database that does not exist).
func (p *appPlan) bindD1(w *appWorker) []pulumi.Resource {
	var deps []pulumi.Resource
	for _, env := range sortedKeys(w.d1) {
		db := p.d1[w.d1[env]]
		w.bindings[env] = pulumi.Map{"type": pulumi.String(d1KindType), "databaseId": db.resource.DatabaseID}
		deps = append(deps, db.resource)
	}
	return deps
}

// d1IDs is the App's d1Databases output: database ids by name.
func d1IDs(dbs []*appD1) pulumi.StringMapOutput {
	m := pulumi.StringMap{}
	for _, db := range dbs {
		m[db.Name] = db.resource.DatabaseID
	}
	return m.ToStringMapOutput()
}

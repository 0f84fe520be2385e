package provider

import (
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
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

// d1AppKind is an App's d1Databases (app_data.go).
var d1AppKind = appDataKind{
	binding: d1KindType, list: "d1Databases", noun: "d1 database",
	token: "lumier:index:D1Database", field: "databaseId", titleInput: "databaseName",
	decls: func(args AppArgs) []appDataDecl {
		out := make([]appDataDecl, len(args.D1Databases))
		for i, d := range args.D1Databases {
			out[i] = appDataDecl{name: d.Name, inputs: pulumi.Map{}}
			if d.MigrationsDir != "" {
				out[i].inputs["migrationsDir"] = pulumi.String(d.MigrationsDir)
			}
		}
		return out
	},
	newResource: func() appDataResource { return &d1DatabaseResource{} },
	setOutput:   func(a *App, ids pulumi.StringMapOutput) { a.D1Databases = ids },
}

// d1DatabaseResource is the Go view of a registered D1Database, for reading its id.
type d1DatabaseResource struct {
	pulumi.CustomResourceState
	DatabaseID pulumi.StringOutput `pulumi:"databaseId"`
}

func (r *d1DatabaseResource) bindingID() pulumi.StringOutput { return r.DatabaseID }

package provider

import (
	"github.com/pulumi/pulumi-go-provider/infer"
)

// D1DatabaseArgs are the inputs of a D1Database.
type D1DatabaseArgs struct {
	DatabaseName  string        `pulumi:"databaseName,optional"`
	MigrationsDir string        `pulumi:"migrationsDir,optional"`
	Migrations    []D1Migration `pulumi:"migrations,optional"`
	DeleteData    bool          `pulumi:"deleteData,optional"`
}

// Annotate documents D1DatabaseArgs.
func (a *D1DatabaseArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.DatabaseName, "Name of the database on Cloudflare, unique in the account. Defaults to "+
		"`<project>-<stack>-<name>`; an App names its databases `<app>-<stage>-<name>`. D1 cannot rename a database: "+
		"a new name replaces it.")
	an.Describe(&a.MigrationsDir, "Folder of SQL migration files (`0001_init.sql`, ...), absolute or relative to the "+
		"Pulumi project. Its *.sql files are applied in file-name order, each once, and recorded in the database's "+
		"`d1_migrations` table as wrangler records them. A file changed after it was applied is refused at preview.")
	an.Describe(&a.Migrations, "The migration files found in migrationsDir with their SHA-256. Computed by the provider "+
		"during check; leave unset.")
	an.Describe(&a.DeleteData, "Allow deleting the database while its tables hold rows. Without it, deleting a "+
		"database that holds data is refused and nothing is deleted.")
}

// D1Migration is one migration file: its name and the SHA-256 of its content.
type D1Migration struct {
	Name   string `pulumi:"name"`
	SHA256 string `pulumi:"sha256"`
}

// Annotate documents D1Migration.
func (m *D1Migration) Annotate(a infer.Annotator) {
	a.SetToken("index", "D1Migration")
	a.Describe(m, "One SQL migration file of a D1Database.")
	a.Describe(&m.Name, "File name, as recorded in the d1_migrations table.")
	a.Describe(&m.SHA256, "SHA-256 of the file's content (hex); empty for a migration another tool applied before import.")
}

// D1DatabaseState is what a D1Database records.
type D1DatabaseState struct {
	D1DatabaseArgs
	DatabaseID string        `pulumi:"databaseId"`
	Type       string        `pulumi:"type"`
	Applied    []D1Migration `pulumi:"appliedMigrations,optional"`
}

// Annotate documents D1DatabaseState.
func (s *D1DatabaseState) Annotate(a infer.Annotator) {
	a.Describe(&s.DatabaseID, "The database id (UUID) Cloudflare assigned: what a d1 binding names.")
	a.Describe(&s.Type, "Always \"d1\", so the resource reads as a binding value.")
	a.Describe(&s.Applied, "The migrations applied to the database, in order, with the hash of each file when applied.")
}

package lumier

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// D1Options are the options of a D1 database.
type D1Options struct {
	// Migrations is the folder of SQL migration files (0001_init.sql, ...), relative to the
	// program's directory, applied in file-name order, each once. Empty: no migrations.
	Migrations string
}

// D1DatabaseRef is a declared D1 database. It can be used as a binding value.
type D1DatabaseRef struct {
	ctx  *Context
	name string
}

// Name returns the database's name in the app.
func (d *D1DatabaseRef) Name() string { return d.name }

// ID is the database id Cloudflare assigned, for Export.
func (d *D1DatabaseRef) ID() Deferred {
	return func() pulumi.Input { return d.ctx.resource.D1Databases.MapIndex(pulumi.String(d.name)) }
}

// D1Database declares a D1 database named "<app>-<stage>-<name>" with its migrations. Declaring
// the same name again is the same database; the App refuses options that disagree.
func (c *Context) D1Database(name string, opts D1Options) *D1DatabaseRef {
	decl := AppD1DatabaseArgs{Name: pulumi.String(name)}
	if opts.Migrations != "" {
		decl.MigrationsDir = pulumi.StringPtr(absolute(opts.Migrations))
	}
	c.d1 = append(c.d1, decl)
	return &D1DatabaseRef{ctx: c, name: name}
}

// d1Binding is a Worker's binding value for a declared database.
func d1Binding(d *D1DatabaseRef) pulumi.Map {
	return pulumi.Map{"type": pulumi.String("d1"), "name": pulumi.String(d.name)}
}

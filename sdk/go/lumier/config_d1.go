package lumier

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

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
	opts D1Options
	dir  string // the migrations folder, absolute
}

// Name returns the database's name in the app.
func (d *D1DatabaseRef) Name() string { return d.name }

// ID is the database id Cloudflare assigned, for Export.
func (d *D1DatabaseRef) ID() Deferred {
	return func() pulumi.Input { return d.ctx.resource.D1Databases.MapIndex(pulumi.String(d.name)) }
}

// d1Decls are the D1 databases a Context declared, in order.
type d1Decls struct {
	refs  map[string]*D1DatabaseRef
	order []*D1DatabaseRef
}

// D1Database declares a D1 database named "<app>-<stage>-<name>" with its migrations. Declaring
// the same name again returns the same database; its options must then agree.
func (c *Context) D1Database(name string, opts D1Options) *D1DatabaseRef {
	if d, ok := c.d1.refs[name]; ok {
		if d.opts != opts {
			c.errs = append(c.errs, fmt.Errorf("d1 database %q is declared twice with different options (%+v, then %+v): "+
				"declare it once, or with the same options", name, d.opts, opts))
		}
		return d
	}
	d := &D1DatabaseRef{ctx: c, name: name, opts: opts}
	if opts.Migrations != "" {
		// The provider reads the folder from its own working directory, which need not be the
		// program's: pass it absolute, as Worker entries are.
		dir, err := filepath.Abs(opts.Migrations)
		if err == nil {
			_, err = os.Stat(dir)
		}
		if err != nil {
			c.errs = append(c.errs, fmt.Errorf("d1 database %q: migrations folder %q: %w (it is relative to the "+
				"program's directory)", name, opts.Migrations, err))
		}
		d.dir = dir
	}
	if c.d1.refs == nil {
		c.d1.refs = map[string]*D1DatabaseRef{}
	}
	c.d1.refs[name] = d
	c.d1.order = append(c.d1.order, d)
	return d
}

// args is the App's d1Databases input.
func (d d1Decls) args() AppD1DatabaseArray {
	var out AppD1DatabaseArray
	for _, ref := range d.order {
		a := AppD1DatabaseArgs{Name: pulumi.String(ref.name)}
		if ref.dir != "" {
			a.MigrationsDir = pulumi.StringPtr(ref.dir)
		}
		out = append(out, a)
	}
	return out
}

// d1Binding is a Worker's binding value for a declared database.
func d1Binding(d *D1DatabaseRef) pulumi.Map {
	return pulumi.Map{"type": pulumi.String("d1"), "name": pulumi.String(d.name)}
}

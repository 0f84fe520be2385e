package lumier

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// routingDecl adds a Worker's routes and custom domains to its declaration.
func routingDecl(name string, opts WorkerOptions, decl *AppWorkerArgs) error {
	if len(opts.Routes) > 0 {
		routes := pulumi.Array{}
		for i, r := range opts.Routes {
			switch r := r.(type) {
			case string:
				routes = append(routes, pulumi.String(r))
			case Route:
				m := pulumi.Map{"pattern": pulumi.String(r.Pattern)}
				if r.ZoneName != nil {
					m["zoneName"] = pulumi.String(*r.ZoneName)
				}
				if r.ZoneId != nil {
					m["zoneId"] = pulumi.String(*r.ZoneId)
				}
				routes = append(routes, m)
			default:
				return fmt.Errorf("worker %q: Routes[%d] is a %T: use a pattern string such as \"example.com/api/*\" "+
					"or a lumier.Route{Pattern, ZoneName}", name, i, r)
			}
		}
		decl.Routes = routes
	}
	if len(opts.Domains) > 0 {
		decl.Domains = pulumi.ToStringArray(opts.Domains)
	}
	return nil
}

// URLs lists the URLs the Worker can be called at (its workers.dev URL, https://<domain>/ per
// custom domain, and each route whose host has no wildcard, its trailing "*" dropped), for Export.
func (w *WorkerRef) URLs() Deferred {
	return func() pulumi.Input {
		return w.ctx.resource.Workers.MapIndex(pulumi.String(w.name)).Urls()
	}
}

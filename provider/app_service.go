package provider

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

// resolveServices turns each service binding that names a Worker of the app ({type: "service",
// name, entrypoint?}) into the binding the Worker takes, and records that the Worker deploys
// after the one it calls: Cloudflare refuses a service binding to a script that does not exist.
// A binding that gives service (a script name) is bound as it is.
func (p *appPlan) resolveServices(workers []*appWorker) error {
	var errs []error
	for _, w := range workers {
		for _, env := range sortedKeys(w.bindings) {
			v, known := awaitInput(w.bindings[env])
			m, ok := v.(map[string]any)
			if !known || !ok || m["type"] != cfapi.BindingService {
				continue
			}
			if script, _ := m["service"].(string); script != "" {
				continue
			}
			name, _ := m["name"].(string)
			target := p.workers[name]
			if target == nil {
				errs = append(errs, fmt.Errorf("worker %q binding %s names worker %q, which this app does not declare "+
					"(it declares %s): declare it, or give service (a script name) for a Worker outside the app",
					w.Name, env, name, exportList(sortedKeys(p.workers))))
				continue
			}
			b := pulumi.Map{"type": pulumi.String(cfapi.BindingService), "service": pulumi.String(target.script)}
			if entrypoint, _ := m["entrypoint"].(string); entrypoint != "" {
				b["entrypoint"] = pulumi.String(entrypoint)
			}
			if target != w {
				w.after = append(w.after, target)
			}
			w.bindings[env] = b
		}
	}
	return errors.Join(errs...)
}

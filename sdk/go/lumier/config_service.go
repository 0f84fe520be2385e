package lumier

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// ServiceBinding is a service binding to a Worker's named entrypoint; create it with Service.
// A *WorkerRef given as a binding value is a service binding to its default export.
type ServiceBinding struct {
	worker     *WorkerRef
	entrypoint string
}

// Service binds worker's WorkerEntrypoint class entrypoint: env.NAME's methods are RPC calls to
// it, as in `Bindings{"AUTH": lumier.Service(auth, "AuthRPC")}`.
func Service(worker *WorkerRef, entrypoint string) ServiceBinding {
	return ServiceBinding{worker: worker, entrypoint: entrypoint}
}

// JSONBinding is a json binding; create it with JSON.
type JSONBinding struct{ value any }

// JSON binds any value that encodes as JSON: env.NAME is the parsed value.
func JSON(value any) JSONBinding { return JSONBinding{value: value} }

// serviceBinding is the App's form of a service binding to a Worker of the app.
func serviceBinding(w *WorkerRef, entrypoint string) pulumi.Map {
	m := pulumi.Map{"type": pulumi.String("service"), "name": pulumi.String(w.name)}
	if entrypoint != "" {
		m["entrypoint"] = pulumi.String(entrypoint)
	}
	return m
}

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

// KindBinding is a binding given by its Cloudflare binding type and that type's fields (the
// provider's Binding names): any kind the provider knows, with no helper of its own needed.
type KindBinding struct {
	kind   string
	fields map[string]string
}

// Kind binds a binding of Cloudflare binding type kind with its fields, as in
// `lumier.Kind("kv_namespace", map[string]string{"namespaceId": id})`; the App refuses a type it
// does not know.
func Kind(kind string, fields map[string]string) KindBinding {
	return KindBinding{kind: kind, fields: fields}
}

func (k KindBinding) input() pulumi.Map {
	m := pulumi.Map{"type": pulumi.String(k.kind)}
	for name, v := range k.fields {
		m[name] = pulumi.String(v)
	}
	return m
}

// serviceBinding is the App's form of a service binding to a Worker of the app.
func serviceBinding(w *WorkerRef, entrypoint string) pulumi.Map {
	m := pulumi.Map{"type": pulumi.String("service"), "name": pulumi.String(w.name)}
	if entrypoint != "" {
		m["entrypoint"] = pulumi.String(entrypoint)
	}
	return m
}

// Package bindingkind is the one registry of the Cloudflare binding types lumier knows: per type,
// the fields its upload metadata carries and needs, and per field its name in the provider's
// model, on the wire and in cloudflare-go's upload param. `make gen` (cmd/lumier-gen) writes
// from it the provider's Binding, the client's and the local Cloudflare's wire bindings, and the
// Go and TypeScript helpers; the provider, the local Cloudflare and `lumier types` read it at run
// time. docs/architecture.md, "Adding a binding kind".
package bindingkind

import (
	"slices"
	"strings"
)

// Field is one field of a binding besides its type and name.
type Field struct {
	// Name is the field in the provider's Binding (its schema name), e.g. "namespaceId".
	Name string
	// GoName is the field's Go name on the generated structs, e.g. "NamespaceID".
	GoName string
	// Wire is Cloudflare's name for it in the upload metadata and settings, e.g. "namespace_id".
	Wire string
	// Param is the field of cloudflare-go's workers.ScriptUpdateParamsMetadataBinding that
	// carries it; "" when that param cannot (the client adds it to the encoded JSON).
	Param string
	// JSON means the wire value is any JSON value, not a string (the model keeps it as JSON text).
	JSON bool
	// Doc describes the field for the schema: the kinds that use it and what it holds.
	Doc string
}

// Kind is one Cloudflare binding type.
type Kind struct {
	// Type is Cloudflare's binding type, the metadata binding's `type`.
	Type string
	// GoName names the type's constants in generated code (cfapi.Binding<GoName>).
	GoName string
	// Fields are the Field names the type uses; Needs the ones a binding of it must set.
	Fields, Needs []string
	// Declared means a Worker's bindings may declare it. secret_text lives in a Worker's
	// secrets (encrypted in state) and assets in its assets option instead.
	Declared bool
	// Env is the TypeScript type of env.NAME that `lumier types` writes; "" when the provider
	// computes it from the binding (a class's or entrypoint's type, a JSON value's literal type).
	Env string
	// Helper names the Go and TypeScript helper function that makes a binding of the type from
	// its needed fields, in order ("" for none: a resource or a hand-written helper stands for it).
	Helper string
	// Doc says what env.NAME is, for the helpers' comments.
	Doc string
}

// Binding types with a name of their own in code.
const (
	PlainText       = "plain_text"
	SecretText      = "secret_text"
	DurableObject   = "durable_object_namespace"
	KVNamespace     = "kv_namespace"
	Queue           = "queue"
	D1              = "d1"
	R2Bucket        = "r2_bucket"
	Service         = "service"
	JSON            = "json"
	Workflow        = "workflow"
	VersionMetadata = "version_metadata"
	AnalyticsEngine = "analytics_engine"
	Assets          = "assets"
)

// Fields are the binding fields, in the order the generated structs list them. The wire names
// and params are checked against cloudflare-go's upload param by this package's test.
var Fields = []Field{
	{Name: "text", GoName: "Text", Wire: "text", Param: "Text", Doc: "plain_text: the string."},
	{Name: "className", GoName: "ClassName", Wire: "class_name", Param: "ClassName",
		Doc: "durable_object_namespace: the Durable Object class the namespace runs. workflow: the " +
			"WorkflowEntrypoint class that runs the workflow."},
	{Name: "scriptName", GoName: "ScriptName", Wire: "script_name", Param: "ScriptName",
		Doc: "durable_object_namespace, workflow: the script hosting the class, when it is another " +
			"script. A workflow binding without it defines the workflow: this Worker exports the class, and the deploy " +
			"registers the workflow with Cloudflare's Workflows API."},
	{Name: "namespaceId", GoName: "NamespaceID", Wire: "namespace_id", Param: "NamespaceID",
		Doc: "kv_namespace: the KV namespace id (a KvNamespace's namespaceId)."},
	{Name: "queueName", GoName: "QueueName", Wire: "queue_name", Param: "QueueName",
		Doc: "queue: the queue the Worker sends to (a Queue's queueName)."},
	// Cloudflare's metadata calls a D1 database's id just "id".
	{Name: "databaseId", GoName: "DatabaseID", Wire: "id", Param: "ID",
		Doc: "d1: the D1 database id (a D1Database's databaseId)."},
	{Name: "bucketName", GoName: "BucketName", Wire: "bucket_name", Param: "BucketName",
		Doc: "r2_bucket: the R2 bucket name (an R2Bucket's bucketName)."},
	{Name: "service", GoName: "Service", Wire: "service", Param: "Service",
		Doc: "service: the script the binding calls (a Worker's scriptName)."},
	// cloudflare-go v4.6.0's param has no entrypoint field.
	{Name: "entrypoint", GoName: "Entrypoint", Wire: "entrypoint",
		Doc: "service: the WorkerEntrypoint class of that script to call, for RPC; unset calls its default export."},
	// The param types json as a string, while Cloudflare takes any JSON value.
	{Name: "json", GoName: "JSON", Wire: "json", JSON: true,
		Doc: "json: the value, as JSON text; env.NAME is the parsed value."},
	{Name: "workflowName", GoName: "WorkflowName", Wire: "workflow_name", Param: "WorkflowName",
		Doc: "workflow: the workflow's name in the account; env.NAME.create() starts an instance."},
	{Name: "dataset", GoName: "Dataset", Wire: "dataset", Param: "Dataset",
		Doc: "analytics_engine: the Analytics Engine dataset env.NAME.writeDataPoint() writes to (created on first write)."},
}

// Kinds are the binding types lumier uploads. Each type is one of cloudflare-go's
// workers.ScriptUpdateParamsMetadataBindingsType values (checked by this package's test).
var Kinds = []Kind{
	{Type: PlainText, GoName: "PlainText", Fields: []string{"text"}, Needs: []string{"text"}, Declared: true, Env: "string"},
	{Type: SecretText, GoName: "SecretText", Fields: []string{"text"}, Needs: []string{"text"}, Env: "string"},
	{Type: DurableObject, GoName: "DurableObject", Fields: []string{"className", "scriptName"}, Needs: []string{"className"}, Declared: true},
	{Type: KVNamespace, GoName: "KVNamespace", Fields: []string{"namespaceId"}, Needs: []string{"namespaceId"}, Declared: true, Env: "KVNamespace"},
	// The message type is the code's to choose.
	{Type: Queue, GoName: "Queue", Fields: []string{"queueName"}, Needs: []string{"queueName"}, Declared: true, Env: "Queue"},
	{Type: D1, GoName: "D1", Fields: []string{"databaseId"}, Needs: []string{"databaseId"}, Declared: true, Env: "D1Database"},
	{Type: R2Bucket, GoName: "R2Bucket", Fields: []string{"bucketName"}, Needs: []string{"bucketName"}, Declared: true, Env: "R2Bucket"},
	{Type: Service, GoName: "Service", Fields: []string{"service", "entrypoint"}, Needs: []string{"service"}, Declared: true},
	{Type: JSON, GoName: "JSON", Fields: []string{"json"}, Needs: []string{"json"}, Declared: true},
	{Type: Workflow, GoName: "Workflow", Fields: []string{"workflowName", "className", "scriptName"},
		Needs: []string{"workflowName", "className"}, Declared: true, Env: "Workflow"},
	{Type: VersionMetadata, GoName: "VersionMetadata", Declared: true, Env: "WorkerVersionMetadata", Helper: "VersionMetadata",
		Doc: "the metadata of the version the Worker runs: env.NAME is {id, tag, timestamp}"},
	{Type: AnalyticsEngine, GoName: "AnalyticsEngine", Fields: []string{"dataset"}, Needs: []string{"dataset"}, Declared: true,
		Env: "AnalyticsEngineDataset", Helper: "AnalyticsEngine",
		Doc: "an Analytics Engine dataset: env.NAME.writeDataPoint({blobs, doubles, indexes}) writes to it"},
	{Type: Assets, GoName: "Assets"},
}

// Lookup is the kind of binding type typ.
func Lookup(typ string) (Kind, bool) {
	i := slices.IndexFunc(Kinds, func(k Kind) bool { return k.Type == typ })
	if i < 0 {
		return Kind{}, false
	}
	return Kinds[i], true
}

// FieldNamed is the field whose model name is name.
func FieldNamed(name string) (Field, bool) {
	i := slices.IndexFunc(Fields, func(f Field) bool { return f.Name == name })
	if i < 0 {
		return Field{}, false
	}
	return Fields[i], true
}

// WireFields are the wire names of k's fields; WireNeeds of the ones it needs.
func (k Kind) WireFields() []string { return wireNames(k.Fields) }

// WireNeeds are the wire names of the fields k needs.
func (k Kind) WireNeeds() []string { return wireNames(k.Needs) }

func wireNames(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		f, _ := FieldNamed(n) // every name of the table is a field (the test holds it)
		out = append(out, f.Wire)
	}
	return out
}

// DeclaredTypes lists the types a Worker's bindings may declare, sorted, for messages.
func DeclaredTypes() string {
	var names []string
	for _, k := range Kinds {
		if k.Declared {
			names = append(names, k.Type)
		}
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

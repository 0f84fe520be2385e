package workerd

import (
	"fmt"
	"regexp"
)

// Module is one ES module of a script, as uploaded.
type Module struct {
	// Name is the module's name; other modules import it by this name.
	Name string
	// Content is the module's source code.
	Content []byte
}

// Binding types understood in Binding.Type.
const (
	// BindingText binds a string (Cloudflare's plain_text and secret_text).
	BindingText = "text"
	// BindingDurableObject binds a Durable Object namespace.
	BindingDurableObject = "durable_object"
	// BindingKV binds a Workers KV namespace, served by an HTTP backend (see KVBackend).
	BindingKV = "kv_namespace"
	// BindingQueue binds a Queue producer, served by an HTTP backend (see QueueBackend).
	BindingQueue = "queue"
	// BindingD1 binds a D1 database, served by an HTTP backend (see D1Backend).
	BindingD1 = "d1"
	// BindingR2 binds an R2 bucket, served by an HTTP backend (see R2Backend).
	BindingR2 = "r2_bucket"
)

// Binding is one entry of a script's env.
type Binding struct {
	// Name is the env property the Worker reads.
	Name string
	// Type is BindingText or BindingDurableObject.
	Type string
	// Text is the value of a text binding.
	Text string
	// ClassName is the Durable Object class of a durable_object binding.
	ClassName string
	// ScriptName is the script hosting ClassName; empty means the binding's own script.
	ScriptName string
	// NamespaceID is the KV namespace of a kv_namespace binding.
	NamespaceID string
	// KVBackend is the host:port of the HTTP service that stores KV namespaces: workerd sends
	// it the binding's get/put/list/delete calls with the namespace id in KVNamespaceHeader.
	KVBackend string
	// AssetsBackend, AssetsManifest and AssetsConfig serve an assets binding (assets.go): the
	// host:port of the HTTP service holding the files, and the manifest id and config (JSON) it
	// is told with every call.
	AssetsBackend  string
	AssetsManifest string
	AssetsConfig   string
	// QueueName is the queue of a queue binding; QueueBackend the host:port of the HTTP service
	// that takes its send and sendBatch calls, with the queue name in QueueNameHeader.
	QueueName    string
	QueueBackend string
	// DatabaseID is the D1 database of a d1 binding.
	DatabaseID string
	// D1Backend is the host:port of the HTTP service that runs D1 queries: workerd's D1 binding
	// sends it the database's queries with the database id in D1DatabaseHeader.
	D1Backend string
	// BucketName is the R2 bucket of an r2_bucket binding.
	BucketName string
	// R2Backend is the host:port of the HTTP service that stores R2 buckets: workerd sends it
	// the binding's calls with the bucket name in R2BucketHeader.
	R2Backend string
}

// QueueNameHeader carries the queue name on every call workerd makes to a queue backend.
const QueueNameHeader = "X-Lumier-Queue"

// D1DatabaseHeader carries the database id on every call workerd makes to a D1 backend.
const D1DatabaseHeader = "X-Lumier-D1-Database"

// KVNamespaceHeader carries the namespace id on every call workerd makes to a KV backend.
const KVNamespaceHeader = "X-Lumier-Kv-Namespace"

// R2BucketHeader carries the bucket name on every call workerd makes to an R2 backend.
const R2BucketHeader = "X-Lumier-R2-Bucket"

// Class is a Durable Object class hosted (exported and migrated) by a script.
type Class struct {
	// Name is the exported class name.
	Name string
	// SQLite selects SQLite-backed storage (ctx.storage.sql works); otherwise the class is
	// KV-backed and ctx.storage.sql throws, as on Cloudflare.
	SQLite bool
	// UniqueKey optionally names the class's storage. Empty means UniqueKey(script, Name).
	// Setting it lets a caller keep data across a class rename or transfer, the way Cloudflare
	// keeps a namespace's data: pass the old key for the new name.
	UniqueKey string
}

// Script is one uploaded Worker.
type Script struct {
	// Name is the script name; letters, digits, '-' and '_'.
	Name string
	// MainModule names the entry module; empty means the first of Modules.
	MainModule string
	// Modules are the script's ES modules.
	Modules []Module
	// CompatibilityDate is passed to workerd as is.
	CompatibilityDate string
	// CompatibilityFlags are passed to workerd as is.
	CompatibilityFlags []string
	// Bindings make up the Worker's env.
	Bindings []Binding
	// Classes are the Durable Object classes this script hosts.
	Classes []Class
	// Scheduled gives the script a companion that runs its scheduled() or queue() handler on
	// request (Supervisor.ScheduledAddr): scripts with Cron Triggers or queue consumers.
	Scheduled bool
}

// scriptNamePattern is the set of names that are safe both as workerd service and socket names
// (a socket name goes into `--socket-addr name=addr`) and as directory names; Cloudflare script
// names are a subset of it.
var scriptNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// checkScriptName rejects names outside scriptNamePattern. Keeping names in that set also keeps
// them apart from our own services, whose names contain ':'.
func checkScriptName(name string) error {
	if !scriptNamePattern.MatchString(name) {
		return fmt.Errorf("invalid script name %q: use letters, digits, '-' and '_'", name)
	}
	return nil
}

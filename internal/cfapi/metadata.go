package cfapi

import "encoding/json"

// Binding types lumier uploads (the `type` of a metadata binding).
const (
	BindingPlainText     = "plain_text"
	BindingSecretText    = "secret_text"
	BindingDurableObject = "durable_object_namespace"
	BindingKVNamespace   = "kv_namespace"
	BindingQueue         = "queue"
	BindingD1            = "d1"
	BindingR2Bucket      = "r2_bucket"
)

// Module is one ES module of a Worker: its name is the multipart part name, the file name and
// the specifier other modules import it by.
type Module struct {
	Name    string
	Content []byte
}

// Binding is one entry of the upload's "bindings" and of the settings' "bindings".
type Binding struct {
	// Type is plain_text, secret_text or durable_object_namespace (others pass through).
	Type string `json:"type"`
	// Name is the variable name the Worker sees on env.
	Name string `json:"name"`
	// Text is the value of a plain_text or secret_text binding (reads never return secrets).
	Text string `json:"text,omitempty"`
	// ClassName is the Durable Object class of a durable_object_namespace binding.
	ClassName string `json:"class_name,omitempty"`
	// ScriptName is the script hosting ClassName, when it is not the uploaded script.
	ScriptName string `json:"script_name,omitempty"`
	// NamespaceID is the Workers KV namespace of a kv_namespace binding.
	NamespaceID string `json:"namespace_id,omitempty"`
	// QueueName is the queue of a queue (producer) binding.
	QueueName string `json:"queue_name,omitempty"`
	// DatabaseID is the D1 database of a d1 binding (Cloudflare's metadata calls it id).
	DatabaseID string `json:"id,omitempty"`
	// BucketName is the R2 bucket of an r2_bucket binding.
	BucketName string `json:"bucket_name,omitempty"`
}

// MarshalJSON sends "text" for text bindings even when empty: an empty variable is a valid
// value, while a plain_text binding without "text" is a malformed one.
func (b Binding) MarshalJSON() ([]byte, error) {
	type plain Binding // no methods, so no recursion
	if b.Type != BindingPlainText && b.Type != BindingSecretText {
		return json.Marshal(plain(b))
	}
	return json.Marshal(struct {
		Type string `json:"type"`
		Name string `json:"name"`
		Text string `json:"text"`
	}{b.Type, b.Name, b.Text})
}

// Rename is one renamed_classes entry.
type Rename struct {
	// From is the class's old name, To its new one.
	From string `json:"from"`
	To   string `json:"to"`
}

// Transfer is one transferred_classes entry: class From of script FromScript becomes To here.
type Transfer struct {
	// From is the class in script FromScript; To is its name in the uploaded script.
	From       string `json:"from"`
	FromScript string `json:"from_script"`
	To         string `json:"to"`
}

// MigrationStep is one step of a Durable Object migration. Usually exactly one list is set, as
// wrangler writes one step per [[migrations]] entry.
type MigrationStep struct {
	// NewSqliteClasses become Durable Object classes with SQLite storage.
	NewSqliteClasses []string `json:"new_sqlite_classes,omitempty"`
	// NewClasses become Durable Object classes with KV storage (not on free plans).
	NewClasses []string `json:"new_classes,omitempty"`
	// RenamedClasses keep their objects under a new class name.
	RenamedClasses []Rename `json:"renamed_classes,omitempty"`
	// DeletedClasses lose their objects and all their data.
	DeletedClasses []string `json:"deleted_classes,omitempty"`
	// TransferredClasses move another script's class, with its objects, to this script.
	TransferredClasses []Transfer `json:"transferred_classes,omitempty"`
}

// Migration moves the script's migration tag from OldTag to NewTag by applying Steps.
// Cloudflare rejects it (10079) unless OldTag equals the script's current tag; OldTag is
// empty, and omitted, for a script that has no tag yet.
type Migration struct {
	// OldTag is the tag the script is at now ("" for none).
	OldTag string `json:"old_tag,omitempty"`
	// NewTag is the tag the script is at after this upload.
	NewTag string `json:"new_tag"`
	// Steps apply in order; only the steps after OldTag, as wrangler sends them.
	Steps []MigrationStep `json:"steps"`
}

// MarshalJSON writes "steps": [] rather than null for a migration without steps.
func (m Migration) MarshalJSON() ([]byte, error) {
	type plain Migration
	if m.Steps == nil {
		m.Steps = []MigrationStep{}
	}
	return json.Marshal(plain(m))
}

// Metadata is the upload's `metadata` part (see docs/architecture.md).
type Metadata struct {
	// MainModule names the entry module; UploadScript fills it from modules[0] when empty.
	MainModule string `json:"main_module"`
	// CompatibilityDate pins the runtime's behaviour (RPC on stubs needs >= 2024-04-03).
	CompatibilityDate string `json:"compatibility_date,omitempty"`
	// CompatibilityFlags turn runtime features on or off, e.g. nodejs_compat.
	CompatibilityFlags []string `json:"compatibility_flags,omitempty"`
	// Bindings is always sent, as [] when empty: an upload replaces all bindings, so "none"
	// is stated rather than implied.
	Bindings []Binding `json:"bindings"`
	// Migrations is nil when the script's migration tag is already current.
	Migrations *Migration `json:"migrations,omitempty"`
	// Tags replace the script's tags (Cloudflare allows a few short strings per script).
	Tags []string `json:"tags,omitempty"`
	// KeepBindings lists binding types to carry over from the previous version (e.g.
	// secret_text set outside lumier).
	KeepBindings []string `json:"keep_bindings,omitempty"`
	// Assets attaches the static assets of a completed upload session (assets.go).
	Assets *Assets `json:"assets,omitempty"`
}

// MarshalJSON writes "bindings": [] rather than null.
func (m Metadata) MarshalJSON() ([]byte, error) {
	type plain Metadata
	if m.Bindings == nil {
		m.Bindings = []Binding{}
	}
	return json.Marshal(plain(m))
}

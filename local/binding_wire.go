package local

import (
	"encoding/json"
	"fmt"
	"regexp"
)

// The local Cloudflare's own wire types: it reads uploads and answers as Cloudflare does, and
// shares no type with lumier's client (internal/cfapi), so a shape invented on one side cannot
// pass unnoticed on the other. Both are tested against the fixtures in testdata/cloudflare.

// Binding types of a script's metadata (Cloudflare's Workers upload metadata, as cloudflare-go's
// workers.ScriptUpdateParamsMetadataBinding types them).
const (
	bindingPlainText     = "plain_text"
	bindingSecretText    = "secret_text"
	bindingDurableObject = "durable_object_namespace"
	bindingKVNamespace   = "kv_namespace"
	bindingQueue         = "queue"
	bindingD1            = "d1"
	bindingR2Bucket      = "r2_bucket"
	bindingService       = "service"
	bindingJSON          = "json"
	bindingAssets        = "assets"
	bindingWorkflow      = "workflow"
	// bindingVersionMetadata gives the Worker the version it runs (id, tag, timestamp).
	bindingVersionMetadata = "version_metadata"
)

// wireBinding is one entry of an upload's "bindings" and of the settings' "bindings".
type wireBinding struct {
	Type string `json:"type"`
	Name string `json:"name"`
	// Text is the value of a plain_text or secret_text binding (reads never return secrets).
	Text string `json:"text,omitempty"`
	// ClassName and ScriptName name a Durable Object class and the script hosting it (empty:
	// the binding's own script).
	ClassName  string `json:"class_name,omitempty"`
	ScriptName string `json:"script_name,omitempty"`
	// NamespaceID is the Workers KV namespace of a kv_namespace binding.
	NamespaceID string `json:"namespace_id,omitempty"`
	// QueueName is the queue of a queue (producer) binding.
	QueueName string `json:"queue_name,omitempty"`
	// DatabaseID is the D1 database of a d1 binding (Cloudflare's metadata calls it id).
	DatabaseID string `json:"id,omitempty"`
	// BucketName is the R2 bucket of an r2_bucket binding.
	BucketName string `json:"bucket_name,omitempty"`
	// Service and Entrypoint are the script and WorkerEntrypoint class a service binding calls.
	Service    string `json:"service,omitempty"`
	Entrypoint string `json:"entrypoint,omitempty"`
	// JSON is the value of a json binding.
	JSON json.RawMessage `json:"json,omitempty"`
	// WorkflowName is the workflow of a workflow binding (ClassName runs it, ScriptName defines
	// it when it is another script).
	WorkflowName string `json:"workflow_name,omitempty"`
}

// MarshalJSON answers "text" for text bindings even when empty: an empty variable is a value.
func (b wireBinding) MarshalJSON() ([]byte, error) {
	type plain wireBinding // no methods, so no recursion
	if b.Type != bindingPlainText && b.Type != bindingSecretText {
		return json.Marshal(plain(b))
	}
	return json.Marshal(struct {
		Type string `json:"type"`
		Name string `json:"name"`
		Text string `json:"text"`
	}{b.Type, b.Name, b.Text})
}

// queueNameRule is Cloudflare's rule for a queue name (its Queues documentation): lowercase
// letters, digits and '-', starting with a letter or digit, at most 63 characters.
var queueNameRule = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

func checkQueueName(name string) error {
	if !queueNameRule.MatchString(name) {
		return fmt.Errorf("invalid queue name %q: Cloudflare allows lowercase letters, digits and '-', "+
			"starting with a letter or digit, at most 63 characters", name)
	}
	return nil
}

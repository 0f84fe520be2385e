package provider

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-go-provider/infer"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

// Binding is one entry of a Worker's env: its kind (Cloudflare's binding type) and the fields that
// kind uses. It is the one representation of a binding from the schema through Check, Diff and
// the upload to the read-back; secret text is the exception and lives in the Script's secrets,
// so that it stays encrypted in state.
type Binding struct {
	Name        string  `pulumi:"name"`
	Type        string  `pulumi:"type"`
	Text        *string `pulumi:"text,optional"`
	ClassName   *string `pulumi:"className,optional"`
	ScriptName  *string `pulumi:"scriptName,optional"`
	NamespaceID *string `pulumi:"namespaceId,optional"`
	QueueName   *string `pulumi:"queueName,optional"`
	DatabaseID  *string `pulumi:"databaseId,optional"`
	BucketName  *string `pulumi:"bucketName,optional"`
}

// Annotate documents Binding.
func (b *Binding) Annotate(a infer.Annotator) {
	a.SetToken("index", "Binding")
	a.Describe(b, "One binding of a Worker: the Worker reads it as env.NAME. The type is Cloudflare's binding type; "+
		"each type uses the fields listed on them.")
	a.Describe(&b.Name, "Env name: a JavaScript identifier, unique within the Worker.")
	a.Describe(&b.Type, "Binding type: "+kindList()+".")
	a.Describe(&b.Text, "plain_text: the string.")
	a.Describe(&b.ClassName, "durable_object_namespace: the Durable Object class the namespace runs.")
	a.Describe(&b.ScriptName, "durable_object_namespace: the script hosting the class, when it is another script.")
	a.Describe(&b.NamespaceID, "kv_namespace: the KV namespace id (a KvNamespace's namespaceId).")
	a.Describe(&b.QueueName, "queue: the queue the Worker sends to (a Queue's queueName).")
	a.Describe(&b.DatabaseID, "d1: the D1 database id (a D1Database's databaseId).")
	a.Describe(&b.BucketName, "r2_bucket: the R2 bucket name (an R2Bucket's bucketName).")
}

// kind is what the binding model knows about one binding type. Adding a kind is an entry here
// (and its fields on Binding and cfapi.Binding), plus the local Cloudflare's runtime mapping.
type kind struct {
	// needs are the fields a binding of this kind must set, by schema name.
	needs []string
	// value reads those fields from a binding, in the order of needs.
	value func(b Binding) []*string
}

var kinds = map[string]kind{
	cfapi.BindingPlainText: {
		needs: []string{"text"},
		value: func(b Binding) []*string { return []*string{b.Text} },
	},
	cfapi.BindingDurableObject: {
		needs: []string{"className"},
		value: func(b Binding) []*string { return []*string{b.ClassName} },
	},
	cfapi.BindingKVNamespace: {
		needs: []string{"namespaceId"},
		value: func(b Binding) []*string { return []*string{b.NamespaceID} },
	},
	cfapi.BindingQueue: {
		needs: []string{"queueName"},
		value: func(b Binding) []*string { return []*string{b.QueueName} },
	},
	cfapi.BindingD1: {
		needs: []string{"databaseId"},
		value: func(b Binding) []*string { return []*string{b.DatabaseID} },
	},
	cfapi.BindingR2Bucket: {
		needs: []string{"bucketName"},
		value: func(b Binding) []*string { return []*string{b.BucketName} },
	},
}

func kindList() string {
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// check reports, as a phrase to follow "binding NAME", a binding whose type is unknown or that lacks a field its type needs.
func (b Binding) check() error {
	k, ok := kinds[b.Type]
	if !ok {
		if b.Type == cfapi.BindingSecretText {
			return fmt.Errorf("is secret text: put it in secrets, which stay encrypted in state")
		}
		return fmt.Errorf("has type %q, which lumier does not support: use one of %s", b.Type, kindList())
	}
	for i, v := range k.value(b) {
		if v == nil || (*v == "" && k.needs[i] != "text") {
			return fmt.Errorf("(%s) has no %s: set it", b.Type, k.needs[i])
		}
	}
	return nil
}

// host is the script that hosts a bound Durable Object class; "" means the Worker's own script.
func (b Binding) host() string { return deref(b.ScriptName) }

// api is the binding as Cloudflare's metadata spells it. A class hosted by script itself is
// bound without script_name, as Cloudflare reports it back.
func (b Binding) api(script string) cfapi.Binding {
	out := cfapi.Binding{Type: b.Type, Name: b.Name, Text: deref(b.Text), ClassName: deref(b.ClassName), ScriptName: b.host(),
		NamespaceID: deref(b.NamespaceID), QueueName: deref(b.QueueName), DatabaseID: deref(b.DatabaseID), BucketName: deref(b.BucketName)}
	if out.ScriptName == script {
		out.ScriptName = ""
	}
	return out
}

// bindingFromAPI is the read-back of one binding Cloudflare reports, in the form Check produces.
func bindingFromAPI(a cfapi.Binding) Binding {
	b := Binding{Name: a.Name, Type: a.Type}
	if a.Type == cfapi.BindingPlainText {
		b.Text = ptr(a.Text)
	}
	if a.ClassName != "" {
		b.ClassName = ptr(a.ClassName)
	}
	if a.ScriptName != "" {
		b.ScriptName = ptr(a.ScriptName)
	}
	// Cloudflare also reports a Durable Object binding's namespace id; only KV bindings take one.
	if a.Type == cfapi.BindingKVNamespace {
		b.NamespaceID = ptr(a.NamespaceID)
	}
	if a.Type == cfapi.BindingQueue {
		b.QueueName = ptr(a.QueueName)
	}
	if a.Type == cfapi.BindingD1 {
		b.DatabaseID = ptr(a.DatabaseID)
	}
	if a.Type == cfapi.BindingR2Bucket {
		b.BucketName = ptr(a.BucketName)
	}
	return b
}

// normalizeBindings is the comparable form of a binding list: sorted by name, a same-script
// Durable Object binding without scriptName, nil when empty.
func normalizeBindings(bs []Binding, script string) []Binding {
	if len(bs) == 0 {
		return nil
	}
	out := make([]Binding, len(bs))
	for i, b := range bs {
		if b.ScriptName != nil && *b.ScriptName == script {
			b.ScriptName = nil
		}
		out[i] = b
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// apiBindings is the upload's binding list: the bindings, then the secrets, in a stable order.
func apiBindings(args ScriptArgs) []cfapi.Binding {
	var out []cfapi.Binding
	for _, b := range normalizeBindings(args.Bindings, args.ScriptName) {
		out = append(out, b.api(args.ScriptName))
	}
	for _, name := range sortedKeys(args.Secrets) {
		out = append(out, cfapi.Binding{Type: cfapi.BindingSecretText, Name: name, Text: args.Secrets[name]})
	}
	return out
}

// applyReadBindings replaces the bindings in args with what Cloudflare reports. Secret values are
// never returned, so a secret that still exists keeps the value Pulumi knows and a missing one is
// dropped, which the next update puts back.
func applyReadBindings(args *ScriptArgs, reported []cfapi.Binding) {
	secrets := map[string]string{}
	var bindings []Binding
	for _, a := range reported {
		if a.Type == cfapi.BindingSecretText {
			if v, ok := args.Secrets[a.Name]; ok {
				secrets[a.Name] = v
			}
			continue
		}
		bindings = append(bindings, bindingFromAPI(a))
	}
	args.Secrets = emptyAsNil(secrets, args.Secrets)
	args.Bindings = normalizeBindings(bindings, args.ScriptName)
}

func ptr[T any](v T) *T { return &v }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// emptyAsNil returns m, or nil when m is empty and the program had not set the map at all.
func emptyAsNil(m, was map[string]string) map[string]string {
	if len(m) == 0 && was == nil {
		return nil
	}
	return m
}

package provider

import (
	"github.com/pulumi/pulumi-go-provider/infer"
)

// KvNamespaceArgs are the inputs of a KvNamespace.
type KvNamespaceArgs struct {
	Title      string `pulumi:"title,optional"`
	DeleteData bool   `pulumi:"deleteData,optional"`
}

// Annotate documents KvNamespaceArgs.
func (a *KvNamespaceArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.Title, "Title of the namespace on Cloudflare, unique in the account. Defaults to "+
		"`<project>-<stack>-<name>`; an App names its namespaces `<app>-<stage>-<name>`. Changing it renames the "+
		"namespace and keeps its keys.")
	an.Describe(&a.DeleteData, "Allow deleting the namespace while it holds keys. Without it, deleting a namespace "+
		"that holds data is refused and nothing is deleted.")
}

// KvNamespaceState is what a KvNamespace records.
type KvNamespaceState struct {
	KvNamespaceArgs
	NamespaceID string `pulumi:"namespaceId"`
	Type        string `pulumi:"type"`
}

// Annotate documents KvNamespaceState.
func (s *KvNamespaceState) Annotate(a infer.Annotator) {
	a.Describe(&s.NamespaceID, "The namespace id Cloudflare assigned: what a kv_namespace binding names.")
	a.Describe(&s.Type, "Always \"kv_namespace\", so the resource reads as a binding value.")
}

package provider

import (
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AppKvNamespace declares a Workers KV namespace of an App.
type AppKvNamespace struct {
	Name string `pulumi:"name"`
}

// Annotate documents AppKvNamespace.
func (k *AppKvNamespace) Annotate(a infer.Annotator) {
	a.SetToken("index", "AppKvNamespace")
	a.Describe(k, "A Workers KV namespace of an App. Its title is \"<app>-<stage>-<name>\"; the app's protect and "+
		"removal apply to it and its keys.")
	a.Describe(&k.Name, "Namespace name in the app: lowercase letters, digits and '-'.")
}

// kvAppKind is an App's kvNamespaces (app_data.go).
var kvAppKind = appDataKind{
	binding: kvKindType, list: "kvNamespaces", noun: "kv namespace",
	token: "lumier:index:KvNamespace", field: "namespaceId", titleInput: "title",
	decls: func(args AppArgs) []appDataDecl {
		out := make([]appDataDecl, len(args.KvNamespaces))
		for i, d := range args.KvNamespaces {
			out[i] = appDataDecl{name: d.Name}
		}
		return out
	},
	newResource: func() appDataResource { return &kvNamespaceResource{} },
	setOutput:   func(a *App, ids pulumi.StringMapOutput) { a.KvNamespaces = ids },
}

// kvNamespaceResource is the Go view of a registered KvNamespace, for reading its id.
type kvNamespaceResource struct {
	pulumi.CustomResourceState
	NamespaceID pulumi.StringOutput `pulumi:"namespaceId"`
}

func (r *kvNamespaceResource) bindingID() pulumi.StringOutput { return r.NamespaceID }

package provider

import (
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AppR2Bucket declares an R2 bucket of an App.
type AppR2Bucket struct {
	Name string `pulumi:"name"`
}

// Annotate documents AppR2Bucket.
func (b *AppR2Bucket) Annotate(a infer.Annotator) {
	a.SetToken("index", "AppR2Bucket")
	a.Describe(b, "An R2 bucket of an App. Its name is \"<app>-<stage>-<name>\"; the app's protect and removal apply "+
		"to it and its objects.")
	a.Describe(&b.Name, "Bucket name in the app: lowercase letters, digits and '-'.")
}

// r2AppKind is an App's r2Buckets (app_data.go). "<app>-<stage>-<name>" always satisfies R2's
// bucket name rule: its parts are lowercase letters, digits and '-', and it is at most 63 long.
var r2AppKind = appDataKind{
	binding: r2KindType, list: "r2Buckets", noun: "r2 bucket",
	token: "lumier:index:R2Bucket", field: "bucketName", titleInput: "bucketName",
	decls: func(args AppArgs) []appDataDecl {
		out := make([]appDataDecl, len(args.R2Buckets))
		for i, d := range args.R2Buckets {
			out[i] = appDataDecl{name: d.Name}
		}
		return out
	},
	newResource: func() appDataResource { return &r2BucketResource{} },
	setOutput:   func(a *App, names pulumi.StringMapOutput) { a.R2Buckets = names },
}

// r2BucketResource is the Go view of a registered R2Bucket, for reading its name.
type r2BucketResource struct {
	pulumi.CustomResourceState
	BucketName pulumi.StringOutput `pulumi:"bucketName"`
}

func (r *r2BucketResource) bindingID() pulumi.StringOutput { return r.BucketName }

package provider

import (
	"fmt"

	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/internal/naming"
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

// appR2 is one R2 bucket of an app: its bucket name, and the resource once created.
type appR2 struct {
	name, bucket string
	resource     *r2BucketResource
}

// r2BucketResource is the Go view of a registered R2Bucket, for reading its name.
type r2BucketResource struct {
	pulumi.CustomResourceState
	BucketName pulumi.StringOutput `pulumi:"bucketName"`
}

// resolveR2 checks the R2 declarations and the Workers' r2_bucket bindings that name one,
// recording which bucket each binding takes.
func (p *appPlan) resolveR2(decls []AppR2Bucket, workers []*appWorker) []error {
	var errs []error
	p.r2 = map[string]*appR2{}
	for _, d := range decls {
		bucket, err := naming.ScriptName(p.app, p.stage, d.Name)
		if err == nil && !cfapi.ValidBucketName.MatchString(bucket) {
			err = fmt.Errorf("bucket name %q is not valid: R2 allows 3 to 63 lowercase letters, digits and '-'", bucket)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("r2 bucket %q: %w", d.Name, err))
			continue
		}
		if _, dup := p.r2[d.Name]; dup {
			errs = append(errs, fmt.Errorf("r2 bucket %q is declared twice: give each bucket its own name", d.Name))
			continue
		}
		p.r2[d.Name] = &appR2{name: d.Name, bucket: bucket}
		p.r2Order = append(p.r2Order, d.Name)
	}
	for _, w := range workers {
		for _, env := range sortedKeys(w.bindings) {
			v, known := awaitInput(w.bindings[env])
			m, ok := v.(map[string]any)
			if !known || !ok || m["type"] != r2KindType {
				continue
			}
			if b, _ := m["bucketName"].(string); b != "" {
				continue // a bucket given by name: bound as it is
			}
			name, _ := m["name"].(string)
			if p.r2[name] == nil {
				errs = append(errs, fmt.Errorf("worker %q binding %s names r2 bucket %q, which this app does not "+
					"declare (it declares %s): add {name: %q} to r2Buckets, or give bucketName", w.Name, env, name,
					exportList(p.r2Order), name))
				continue
			}
			if w.r2 == nil {
				w.r2 = map[string]string{}
			}
			w.r2[env] = name
		}
	}
	return errs
}

// createR2 registers the app's R2Bucket resources, with the app's protection and removal:
// under "remove" they may be deleted with their objects.
func (p *appPlan) createR2(ctx *pulumi.Context, app string, opts []pulumi.ResourceOption) ([]*appR2, error) {
	var out []*appR2
	for _, name := range p.r2Order {
		b := p.r2[name]
		b.resource = &r2BucketResource{}
		err := ctx.RegisterResource("lumier:index:R2Bucket", app+"-"+name, pulumi.Map{
			"bucketName": pulumi.String(b.bucket),
			"deleteData": pulumi.Bool(p.removal == RemovalRemove),
		}, b.resource, append(opts, pulumi.Version(Version))...)
		if err != nil {
			return nil, fmt.Errorf("registering r2 bucket %q: %w", name, err)
		}
		out = append(out, b)
	}
	return out, nil
}

// bindR2 points w's bindings to app buckets at their names and returns the buckets w must
// deploy after (Cloudflare refuses a binding to a bucket that does not exist).
func (p *appPlan) bindR2(w *appWorker) []pulumi.Resource {
	var deps []pulumi.Resource
	for _, env := range sortedKeys(w.r2) {
		b := p.r2[w.r2[env]]
		w.bindings[env] = pulumi.Map{"type": pulumi.String(r2KindType), "bucketName": b.resource.BucketName}
		deps = append(deps, b.resource)
	}
	return deps
}

// r2Names is the App's r2Buckets output: bucket names by name.
func r2Names(bs []*appR2) pulumi.StringMapOutput {
	m := pulumi.StringMap{}
	for _, b := range bs {
		m[b.name] = b.resource.BucketName
	}
	return m.ToStringMapOutput()
}

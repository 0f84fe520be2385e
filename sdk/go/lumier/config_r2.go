package lumier

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// R2BucketRef is a declared R2 bucket. It can be used as a binding value: the Worker sees an
// R2Bucket.
type R2BucketRef struct {
	ctx  *Context
	name string
}

// Name returns the bucket's name in the app.
func (b *R2BucketRef) Name() string { return b.name }

// BucketName is the bucket's name on Cloudflare ("<app>-<stage>-<name>"), for Export.
func (b *R2BucketRef) BucketName() Deferred {
	return func() pulumi.Input { return b.ctx.resource.R2Buckets.MapIndex(pulumi.String(b.name)) }
}

// R2Bucket declares an R2 bucket named "<app>-<stage>-<name>". Declaring the same name again is
// the same bucket (the App merges the declarations).
func (c *Context) R2Bucket(name string) *R2BucketRef {
	c.r2s = append(c.r2s, AppR2BucketArgs{Name: pulumi.String(name)})
	return &R2BucketRef{ctx: c, name: name}
}

package provider

import (
	"github.com/pulumi/pulumi-go-provider/infer"
)

// R2BucketArgs are the inputs of an R2Bucket.
type R2BucketArgs struct {
	BucketName   string `pulumi:"bucketName,optional"`
	LocationHint string `pulumi:"locationHint,optional"`
	StorageClass string `pulumi:"storageClass,optional"`
	DeleteData   bool   `pulumi:"deleteData,optional"`
}

// Annotate documents R2BucketArgs.
func (a *R2BucketArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.BucketName, "Name of the bucket on Cloudflare, unique in the account: 3 to 63 lowercase letters, "+
		"digits and '-'. Defaults to `<project>-<stack>-<name>`; an App names its buckets `<app>-<stage>-<name>`. "+
		"R2 cannot rename a bucket: changing it creates a new, empty bucket and deletes the old one (refused while "+
		"the old one holds objects, unless deleteData).")
	an.Describe(&a.LocationHint, "Where Cloudflare should place the bucket: one of apac, eeur, enam, weur, wnam, oc. "+
		"A hint, read only at creation: a hint for another location than the bucket's replaces it; removing the hint "+
		"changes nothing.")
	an.Describe(&a.StorageClass, "Default storage class of new objects: Standard (Cloudflare's default) or "+
		"InfrequentAccess. Changing it keeps the bucket and the stored objects' classes.")
	an.Describe(&a.DeleteData, "Allow deleting the bucket while it holds objects: they are deleted first. Without it, "+
		"deleting a bucket that holds objects is refused and nothing is deleted.")
}

// R2BucketState is what an R2Bucket records.
type R2BucketState struct {
	R2BucketArgs
	Location string `pulumi:"location"`
	Type     string `pulumi:"type"`
}

// Annotate documents R2BucketState.
func (s *R2BucketState) Annotate(a infer.Annotator) {
	a.Describe(&s.Location, "Where Cloudflare placed the bucket, as it reports it (\"\" when it does not say).")
	a.Describe(&s.Type, "Always \"r2_bucket\", so the resource reads as a binding value.")
}

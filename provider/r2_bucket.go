package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/internal/naming"
)

// R2Bucket is the custom resource that owns one R2 bucket. Pass it in a Worker's bindings to
// bind it.
type R2Bucket struct{}

var (
	_ = (infer.CustomResource[R2BucketArgs, R2BucketState])((*R2Bucket)(nil))
	_ = (infer.CustomCheck[R2BucketArgs])((*R2Bucket)(nil))
	_ = (infer.CustomDiff[R2BucketArgs, R2BucketState])((*R2Bucket)(nil))
	_ = (infer.CustomUpdate[R2BucketArgs, R2BucketState])((*R2Bucket)(nil))
	_ = (infer.CustomRead[R2BucketArgs, R2BucketState])((*R2Bucket)(nil))
	_ = (infer.CustomDelete[R2BucketState])((*R2Bucket)(nil))
	_ = (infer.Annotated)((*R2Bucket)(nil))
	_ = (infer.ExplicitDependencies[R2BucketArgs, R2BucketState])((*R2Bucket)(nil))
)

// Annotate sets the token and documents R2Bucket.
func (b *R2Bucket) Annotate(a infer.Annotator) {
	a.SetToken("index", "R2Bucket")
	a.Describe(b, "A Cloudflare R2 bucket. Pass it in a Worker's bindings to bind it (env.NAME is an R2Bucket). "+
		"Deleting one that holds objects is refused unless deleteData is true. Import an existing bucket with the id "+
		"`<accountId>/<bucketName>`.")
}

// r2KindType is the binding type, and the resource's `type` output.
const r2KindType = cfapi.BindingR2Bucket

// The values Cloudflare accepts (cloudflare-go's r2 enums; docs/cloudflare-api.md, R2).
var (
	r2LocationHints  = []string{"apac", "eeur", "enam", "weur", "wnam", "oc"}
	r2StorageClasses = []string{"Standard", "InfrequentAccess"}
)

// Check fills in the default bucket name from the resource's URN and validates the inputs, so
// that a name or option Cloudflare would refuse fails at preview.
func (b *R2Bucket) Check(ctx context.Context, req infer.CheckRequest) (infer.CheckResponse[R2BucketArgs], error) {
	args, failures, err := infer.DefaultCheck[R2BucketArgs](ctx, req.NewInputs)
	if err != nil || len(failures) > 0 {
		return infer.CheckResponse[R2BucketArgs]{Inputs: args, Failures: failures}, err
	}
	if v, ok := req.NewInputs.GetOk("bucketName"); ok && v.HasComputed() {
		return infer.CheckResponse[R2BucketArgs]{Inputs: args}, nil
	}
	args.BucketName = strings.TrimSpace(args.BucketName)
	if args.BucketName == "" {
		urn, _ := ctx.Value(urnKey{}).(presource.URN)
		name, err := naming.ScriptName(urn.Project().String(), urn.Stack().String(), req.Name)
		if err != nil {
			return infer.CheckResponse[R2BucketArgs]{Inputs: args, Failures: []p.CheckFailure{{Property: "bucketName",
				Reason: fmt.Sprintf("R2 bucket %q has no bucketName and none can be made from the project, stack and "+
					"name: %v; set bucketName", req.Name, err)}}}, nil
		}
		args.BucketName = name
	}
	if !cfapi.ValidBucketName.MatchString(args.BucketName) {
		failures = append(failures, p.CheckFailure{Property: "bucketName", Reason: fmt.Sprintf(
			"R2 bucket name %q is not valid: R2 allows 3 to 63 lowercase letters, digits and '-', starting and ending "+
				"with a letter or digit", args.BucketName)})
	}
	if args.LocationHint != "" && !slices.Contains(r2LocationHints, args.LocationHint) {
		failures = append(failures, p.CheckFailure{Property: "locationHint", Reason: fmt.Sprintf(
			"R2 location hint %q is not one of %s", args.LocationHint, strings.Join(r2LocationHints, ", "))})
	}
	if args.StorageClass != "" && !slices.Contains(r2StorageClasses, args.StorageClass) {
		failures = append(failures, p.CheckFailure{Property: "storageClass", Reason: fmt.Sprintf(
			"R2 storage class %q is not one of %s", args.StorageClass, strings.Join(r2StorageClasses, ", "))})
	}
	return infer.CheckResponse[R2BucketArgs]{Inputs: args, Failures: failures}, nil
}

// Diff: R2 cannot rename a bucket or move it, so a new name, or a hint for another location,
// replaces it; a storage class is changed in place; deleteData only changes state.
func (b *R2Bucket) Diff(ctx context.Context, req infer.DiffRequest[R2BucketArgs, R2BucketState]) (infer.DiffResponse, error) {
	diff := map[string]p.PropertyDiff{}
	if req.State.BucketName != req.Inputs.BucketName {
		diff["bucketName"] = p.PropertyDiff{Kind: p.UpdateReplace}
	}
	if hintMoves(req.State, req.Inputs.LocationHint) {
		diff["locationHint"] = p.PropertyDiff{Kind: p.UpdateReplace}
	}
	if req.Inputs.StorageClass != "" && req.State.StorageClass != req.Inputs.StorageClass {
		diff["storageClass"] = p.PropertyDiff{Kind: p.Update}
	}
	if req.State.DeleteData != req.Inputs.DeleteData {
		diff["deleteData"] = p.PropertyDiff{Kind: p.Update}
	}
	return infer.DiffResponse{HasChanges: len(diff) > 0, DetailedDiff: diff}, nil
}

// hintMoves reports whether a location hint asks for another place than the bucket's: a new
// hint that is neither the one it was created with nor where Cloudflare placed it. No hint asks
// for nothing, so leaving it out (or importing a bucket, whose hint only its location tells)
// replaces nothing.
func hintMoves(state R2BucketState, hint string) bool {
	return hint != "" && hint != state.LocationHint && !strings.EqualFold(hint, state.Location)
}

// hintOf is the location hint that places a bucket where Cloudflare reports it; "" when its
// location is none of the hints.
func hintOf(location string) string {
	if hint := strings.ToLower(location); slices.Contains(r2LocationHints, hint) {
		return hint
	}
	return ""
}

// Create creates the bucket.
func (b *R2Bucket) Create(ctx context.Context, req infer.CreateRequest[R2BucketArgs]) (infer.CreateResponse[R2BucketState], error) {
	state := R2BucketState{R2BucketArgs: req.Inputs, Type: r2KindType}
	if req.DryRun {
		return infer.CreateResponse[R2BucketState]{Output: state}, nil
	}
	c, err := clientFrom(ctx)
	if err != nil {
		return infer.CreateResponse[R2BucketState]{}, err
	}
	bk, err := c.R2.CreateBucket(ctx, req.Inputs.BucketName, req.Inputs.LocationHint, req.Inputs.StorageClass)
	if err != nil {
		return infer.CreateResponse[R2BucketState]{}, err
	}
	state.Location = bk.Location
	return infer.CreateResponse[R2BucketState]{ID: r2ID(ctx, bk.Name), Output: state}, nil
}

// Update changes the default storage class; nothing else reaches Cloudflare.
func (b *R2Bucket) Update(ctx context.Context, req infer.UpdateRequest[R2BucketArgs, R2BucketState]) (infer.UpdateResponse[R2BucketState], error) {
	state := req.State
	state.R2BucketArgs = req.Inputs
	state.Type = r2KindType
	if req.DryRun || req.Inputs.StorageClass == "" || req.State.StorageClass == req.Inputs.StorageClass {
		return infer.UpdateResponse[R2BucketState]{Output: state}, nil
	}
	c, err := clientFrom(ctx)
	if err != nil {
		return infer.UpdateResponse[R2BucketState]{}, err
	}
	if err := c.R2.SetStorageClass(ctx, req.Inputs.BucketName, req.Inputs.StorageClass); err != nil {
		return infer.UpdateResponse[R2BucketState]{}, err
	}
	return infer.UpdateResponse[R2BucketState]{Output: state}, nil
}

// Read refreshes the bucket; one deleted out of band leaves the state (an empty answer). An
// import's id is "<accountId>/<bucketName>".
func (b *R2Bucket) Read(ctx context.Context, req infer.ReadRequest[R2BucketArgs, R2BucketState]) (infer.ReadResponse[R2BucketArgs, R2BucketState], error) {
	c, err := clientFrom(ctx)
	if err != nil {
		return infer.ReadResponse[R2BucketArgs, R2BucketState]{}, err
	}
	name := req.State.BucketName
	importing := name == ""
	if importing {
		imported, err := importedID(req.ID, "<bucketName>")
		if err != nil {
			return infer.ReadResponse[R2BucketArgs, R2BucketState]{}, err
		}
		name = imported
	}
	bk, err := c.R2.BucketByName(ctx, name)
	if cfapi.IsNotFound(err) {
		return infer.ReadResponse[R2BucketArgs, R2BucketState]{}, nil
	}
	if err != nil {
		return infer.ReadResponse[R2BucketArgs, R2BucketState]{}, err
	}
	state := req.State
	state.BucketName, state.Location, state.Type = bk.Name, bk.Location, r2KindType
	// The storage class is recorded only where the program sets it, so that Cloudflare's
	// default ("Standard") is not drift for a program that leaves it out.
	if importing || state.StorageClass != "" {
		state.StorageClass = bk.StorageClass
	}
	if importing {
		state.LocationHint = hintOf(bk.Location)
	}
	inputs := req.Inputs
	if importing {
		inputs = state.R2BucketArgs
	}
	return infer.ReadResponse[R2BucketArgs, R2BucketState]{ID: req.ID, Inputs: inputs, State: state}, nil
}

// Delete deletes the bucket. One holding objects is refused, naming some, unless deleteData is
// true; then its objects are deleted first, since R2 deletes only empty buckets.
func (b *R2Bucket) Delete(ctx context.Context, req infer.DeleteRequest[R2BucketState]) (infer.DeleteResponse, error) {
	c, err := clientFrom(ctx)
	if err != nil {
		return infer.DeleteResponse{}, err
	}
	name := req.State.BucketName
	// R2 deletes only empty buckets: with deleteData, its objects go first.
	return infer.DeleteResponse{}, deleteHolding(ctx, c, r2KindType, "R2Bucket", name, name, req.State.DeleteData,
		func() error { return emptyR2Bucket(ctx, c, name) }, func() error { return c.R2.DeleteBucket(ctx, name) })
}

// emptyR2Bucket deletes every object of a bucket, a page at a time, through the v4 API's
// per-object delete (the one deletion its schema publishes; docs/cloudflare-api.md, R2). Each
// page lists from the start, since the objects before any cursor are gone.
func emptyR2Bucket(ctx context.Context, c *cfapi.Client, name string) error {
	var previous []string
	for {
		keys, _, err := c.R2.Objects(ctx, name, "", cfapi.R2ObjectsPerPage)
		if err != nil {
			return err
		}
		if len(keys) == 0 {
			return nil
		}
		// Every key of the previous page was deleted: seeing one again means the deletes do not
		// take, and listing again would loop forever.
		for _, k := range keys {
			if slices.Contains(previous, k) {
				return fmt.Errorf("emptying R2 bucket %q before deleting it (deleteData): object %q is still listed after "+
					"its delete succeeded, so the bucket cannot be emptied through the API; empty it in the dashboard "+
					"or with the S3 API, then run `pulumi up` again", name, k)
			}
		}
		for _, k := range keys {
			if err := c.R2.DeleteObject(ctx, name, k); err != nil {
				return fmt.Errorf("emptying R2 bucket %q before deleting it (deleteData): %w", name, err)
			}
		}
		previous = keys
	}
}

// r2ID is the resource id, the form `pulumi import` takes: "<accountId>/<bucketName>".
func r2ID(ctx context.Context, name string) string {
	return infer.GetConfig[Config](ctx).AccountID + "/" + name
}

// WireDependencies says which outputs an update may change, so that a preview marks only those
// unknown (infer's default marks every output unknown when any input changes): the location changes
// only with a replacement, so a storage class or deleteData change leaves the outputs known.
func (b *R2Bucket) WireDependencies(f infer.FieldSelector, args *R2BucketArgs, state *R2BucketState) {
	f.OutputField(&state.Location).DependsOn(f.InputField(&args.BucketName).Computed(), f.InputField(&args.LocationHint).Computed())
}

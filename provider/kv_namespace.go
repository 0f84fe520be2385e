package provider

import (
	"context"
	"fmt"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/internal/naming"
)

// KvNamespace is the custom resource that owns one Workers KV namespace. Pass it in a Worker's
// bindings to bind it.
type KvNamespace struct{}

var (
	_ = (infer.CustomResource[KvNamespaceArgs, KvNamespaceState])((*KvNamespace)(nil))
	_ = (infer.CustomCheck[KvNamespaceArgs])((*KvNamespace)(nil))
	_ = (infer.CustomDiff[KvNamespaceArgs, KvNamespaceState])((*KvNamespace)(nil))
	_ = (infer.CustomUpdate[KvNamespaceArgs, KvNamespaceState])((*KvNamespace)(nil))
	_ = (infer.CustomRead[KvNamespaceArgs, KvNamespaceState])((*KvNamespace)(nil))
	_ = (infer.CustomDelete[KvNamespaceState])((*KvNamespace)(nil))
	_ = (infer.Annotated)((*KvNamespace)(nil))
	_ = (infer.ExplicitDependencies[KvNamespaceArgs, KvNamespaceState])((*KvNamespace)(nil))
)

// Annotate sets the token and documents KvNamespace.
func (k *KvNamespace) Annotate(a infer.Annotator) {
	a.SetToken("index", "KvNamespace")
	a.Describe(k, "A Cloudflare Workers KV namespace. Pass it in a Worker's bindings to bind it (env.NAME is a "+
		"KVNamespace). Deleting one that holds keys is refused unless deleteData is true. Import an existing "+
		"namespace with the id `<accountId>/<namespaceId>`.")
}

// kvKindType is the binding type, and the resource's `type` output.
const kvKindType = cfapi.BindingKVNamespace

// Check fills in the default title from the resource's URN.
func (k *KvNamespace) Check(ctx context.Context, req infer.CheckRequest) (infer.CheckResponse[KvNamespaceArgs], error) {
	args, failures, err := infer.DefaultCheck[KvNamespaceArgs](ctx, req.NewInputs)
	if err != nil || len(failures) > 0 {
		return infer.CheckResponse[KvNamespaceArgs]{Inputs: args, Failures: failures}, err
	}
	if v, ok := req.NewInputs.GetOk("title"); ok && v.HasComputed() {
		return infer.CheckResponse[KvNamespaceArgs]{Inputs: args}, nil
	}
	args.Title = strings.TrimSpace(args.Title)
	if args.Title == "" {
		urn, _ := ctx.Value(urnKey{}).(presource.URN)
		title, err := naming.ScriptName(urn.Project().String(), urn.Stack().String(), req.Name)
		if err != nil {
			failures = append(failures, p.CheckFailure{Property: "title", Reason: fmt.Sprintf(
				"KV namespace %q has no title and none can be made from the project, stack and name: %v; set title", req.Name, err)})
		}
		args.Title = title
	}
	if len(args.Title) > 512 {
		failures = append(failures, p.CheckFailure{Property: "title", Reason: fmt.Sprintf(
			"KV namespace title %q is longer than Cloudflare's 512 characters: shorten it", args.Title)})
	}
	return infer.CheckResponse[KvNamespaceArgs]{Inputs: args, Failures: failures}, nil
}

// Diff: a new title is a rename in place; deleteData only changes state.
func (k *KvNamespace) Diff(ctx context.Context, req infer.DiffRequest[KvNamespaceArgs, KvNamespaceState]) (infer.DiffResponse, error) {
	diff := map[string]p.PropertyDiff{}
	if req.State.Title != req.Inputs.Title {
		diff["title"] = p.PropertyDiff{Kind: p.Update}
	}
	if req.State.DeleteData != req.Inputs.DeleteData {
		diff["deleteData"] = p.PropertyDiff{Kind: p.Update}
	}
	return infer.DiffResponse{HasChanges: len(diff) > 0, DetailedDiff: diff}, nil
}

// Create creates the namespace.
func (k *KvNamespace) Create(ctx context.Context, req infer.CreateRequest[KvNamespaceArgs]) (infer.CreateResponse[KvNamespaceState], error) {
	state := KvNamespaceState{KvNamespaceArgs: req.Inputs, Type: kvKindType}
	if req.DryRun {
		return infer.CreateResponse[KvNamespaceState]{Output: state}, nil
	}
	c, err := clientFrom(ctx)
	if err != nil {
		return infer.CreateResponse[KvNamespaceState]{}, err
	}
	ns, err := c.KV.CreateNamespace(ctx, req.Inputs.Title)
	if err != nil {
		return infer.CreateResponse[KvNamespaceState]{}, err
	}
	state.NamespaceID = ns.ID
	return infer.CreateResponse[KvNamespaceState]{ID: kvID(ctx, ns.ID), Output: state}, nil
}

// Update renames the namespace when its title changed; nothing else reaches Cloudflare.
func (k *KvNamespace) Update(ctx context.Context, req infer.UpdateRequest[KvNamespaceArgs, KvNamespaceState]) (infer.UpdateResponse[KvNamespaceState], error) {
	state := req.State
	state.KvNamespaceArgs = req.Inputs
	state.Type = kvKindType
	if req.DryRun || req.State.Title == req.Inputs.Title {
		return infer.UpdateResponse[KvNamespaceState]{Output: state}, nil
	}
	c, err := clientFrom(ctx)
	if err != nil {
		return infer.UpdateResponse[KvNamespaceState]{}, err
	}
	if err := c.KV.RenameNamespace(ctx, state.NamespaceID, req.Inputs.Title); err != nil {
		return infer.UpdateResponse[KvNamespaceState]{}, err
	}
	return infer.UpdateResponse[KvNamespaceState]{Output: state}, nil
}

// Read refreshes the title; a namespace deleted out of band leaves the state (an empty answer).
// An import's id is "<accountId>/<namespaceId>".
func (k *KvNamespace) Read(ctx context.Context, req infer.ReadRequest[KvNamespaceArgs, KvNamespaceState]) (infer.ReadResponse[KvNamespaceArgs, KvNamespaceState], error) {
	c, err := clientFrom(ctx)
	if err != nil {
		return infer.ReadResponse[KvNamespaceArgs, KvNamespaceState]{}, err
	}
	id := req.State.NamespaceID
	if id == "" {
		imported, err := importedID(req.ID, "<namespaceId>")
		if err != nil {
			return infer.ReadResponse[KvNamespaceArgs, KvNamespaceState]{}, err
		}
		id = imported
	}
	ns, err := c.KV.NamespaceByID(ctx, id)
	if cfapi.IsNotFound(err) {
		return infer.ReadResponse[KvNamespaceArgs, KvNamespaceState]{}, nil
	}
	if err != nil {
		return infer.ReadResponse[KvNamespaceArgs, KvNamespaceState]{}, err
	}
	state := req.State
	state.NamespaceID, state.Title, state.Type = ns.ID, ns.Title, kvKindType
	inputs := req.Inputs
	if req.State.NamespaceID == "" {
		inputs = state.KvNamespaceArgs
	}
	return infer.ReadResponse[KvNamespaceArgs, KvNamespaceState]{ID: req.ID, Inputs: inputs, State: state}, nil
}

// Delete deletes the namespace, refusing while it holds keys unless deleteData is true.
func (k *KvNamespace) Delete(ctx context.Context, req infer.DeleteRequest[KvNamespaceState]) (infer.DeleteResponse, error) {
	c, err := clientFrom(ctx)
	if err != nil {
		return infer.DeleteResponse{}, err
	}
	id := req.State.NamespaceID
	return infer.DeleteResponse{}, deleteHolding(ctx, c, kvKindType, "KvNamespace", req.State.Title, id, req.State.DeleteData,
		nil, func() error { return c.KV.DeleteNamespace(ctx, id) })
}

// kvID is the resource id, the form `pulumi import` takes: "<accountId>/<namespaceId>".
func kvID(ctx context.Context, id string) string {
	return infer.GetConfig[Config](ctx).AccountID + "/" + id
}

// urnKey holds, in a Check's or Diff's context, the URN of the resource (withURN), so that a
// default name can use its project and stack and a message can name the resource: infer passes
// Check only the resource name, and Diff not even that.
type urnKey struct{}

// withURN passes each Check's and Diff's URN on in its context.
func withURN(prov p.Provider) p.Provider {
	check, diff := prov.Check, prov.Diff
	prov.Check = func(ctx context.Context, req p.CheckRequest) (p.CheckResponse, error) {
		return check(context.WithValue(ctx, urnKey{}, req.Urn), req)
	}
	prov.Diff = func(ctx context.Context, req p.DiffRequest) (p.DiffResponse, error) {
		return diff(context.WithValue(ctx, urnKey{}, req.Urn), req)
	}
	return prov
}

// WireDependencies says which outputs an update may change, so that a preview marks only those
// unknown (infer's default marks every output unknown when any input changes): a new title renames
// the namespace in place, so its id stays known and a Worker binding it shows no change.
func (k *KvNamespace) WireDependencies(f infer.FieldSelector, args *KvNamespaceArgs, state *KvNamespaceState) {
	f.OutputField(&state.Title).DependsOn(f.InputField(&args.Title).Computed())
}

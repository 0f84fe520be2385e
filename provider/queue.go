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

// Queue is the custom resource that owns one Cloudflare Queue. Pass it in a Worker's bindings
// to produce to it, and name it in a Worker's queueConsumers to consume it.
type Queue struct{}

var (
	_ = (infer.CustomResource[QueueArgs, QueueState])((*Queue)(nil))
	_ = (infer.CustomCheck[QueueArgs])((*Queue)(nil))
	_ = (infer.CustomDiff[QueueArgs, QueueState])((*Queue)(nil))
	_ = (infer.CustomUpdate[QueueArgs, QueueState])((*Queue)(nil))
	_ = (infer.CustomRead[QueueArgs, QueueState])((*Queue)(nil))
	_ = (infer.CustomDelete[QueueState])((*Queue)(nil))
	_ = (infer.Annotated)((*Queue)(nil))
	_ = (infer.ExplicitDependencies[QueueArgs, QueueState])((*Queue)(nil))
)

// Annotate sets the token and documents Queue.
func (q *Queue) Annotate(a infer.Annotator) {
	a.SetToken("index", "Queue")
	a.Describe(q, "A Cloudflare Queue. Pass it in a Worker's bindings to send to it (env.NAME is a Queue: send, "+
		"sendBatch), and name it in a Worker's queueConsumers to receive its messages in queue(). Deleting one that "+
		"holds undelivered messages is refused unless deleteData is true. Import an existing queue with the id "+
		"`<accountId>/<queueId>`.")
}

// queueKindType is the binding type, and the resource's `type` output.
const queueKindType = cfapi.BindingQueue

// Check fills in the default name from the resource's URN and checks it against Cloudflare's rule.
func (q *Queue) Check(ctx context.Context, req infer.CheckRequest) (infer.CheckResponse[QueueArgs], error) {
	args, failures, err := infer.DefaultCheck[QueueArgs](ctx, req.NewInputs)
	if err != nil || len(failures) > 0 {
		return infer.CheckResponse[QueueArgs]{Inputs: args, Failures: failures}, err
	}
	if v, ok := req.NewInputs.GetOk("queueName"); ok && v.HasComputed() {
		return infer.CheckResponse[QueueArgs]{Inputs: args}, nil
	}
	args.QueueName = strings.TrimSpace(args.QueueName)
	if args.QueueName == "" {
		urn, _ := ctx.Value(urnKey{}).(presource.URN)
		name, err := naming.ScriptName(urn.Project().String(), urn.Stack().String(), req.Name)
		if err != nil {
			return infer.CheckResponse[QueueArgs]{Inputs: args, Failures: []p.CheckFailure{{Property: "queueName",
				Reason: fmt.Sprintf("queue %q has no queueName and none can be made from the project, stack and name: %v; "+
					"set queueName", req.Name, err)}}}, nil
		}
		args.QueueName = name
	}
	if err := cfapi.ValidateQueueName(args.QueueName); err != nil {
		failures = append(failures, p.CheckFailure{Property: "queueName", Reason: err.Error() + ": set queueName"})
	}
	return infer.CheckResponse[QueueArgs]{Inputs: args, Failures: failures}, nil
}

// Diff: a new name replaces the queue (Cloudflare's API does not rename one); deleteData only
// changes state.
func (q *Queue) Diff(ctx context.Context, req infer.DiffRequest[QueueArgs, QueueState]) (infer.DiffResponse, error) {
	diff := map[string]p.PropertyDiff{}
	if req.State.QueueName != req.Inputs.QueueName {
		diff["queueName"] = p.PropertyDiff{Kind: p.UpdateReplace}
	}
	if req.State.DeleteData != req.Inputs.DeleteData {
		diff["deleteData"] = p.PropertyDiff{Kind: p.Update}
	}
	return infer.DiffResponse{HasChanges: len(diff) > 0, DetailedDiff: diff}, nil
}

// Create creates the queue.
func (q *Queue) Create(ctx context.Context, req infer.CreateRequest[QueueArgs]) (infer.CreateResponse[QueueState], error) {
	state := QueueState{QueueArgs: req.Inputs, Type: queueKindType}
	if req.DryRun {
		return infer.CreateResponse[QueueState]{Output: state}, nil
	}
	c, err := clientFrom(ctx)
	if err != nil {
		return infer.CreateResponse[QueueState]{}, err
	}
	created, err := c.Queues.Create(ctx, req.Inputs.QueueName)
	if err != nil {
		return infer.CreateResponse[QueueState]{}, err
	}
	state.QueueID = created.ID
	return infer.CreateResponse[QueueState]{ID: kvID(ctx, created.ID), Output: state}, nil
}

// Update records deleteData; nothing reaches Cloudflare.
func (q *Queue) Update(ctx context.Context, req infer.UpdateRequest[QueueArgs, QueueState]) (infer.UpdateResponse[QueueState], error) {
	state := req.State
	state.QueueArgs = req.Inputs
	state.Type = queueKindType
	return infer.UpdateResponse[QueueState]{Output: state}, nil
}

// Read refreshes the name; a queue deleted out of band leaves the state (an empty answer).
// An import's id is "<accountId>/<queueId>".
func (q *Queue) Read(ctx context.Context, req infer.ReadRequest[QueueArgs, QueueState]) (infer.ReadResponse[QueueArgs, QueueState], error) {
	c, err := clientFrom(ctx)
	if err != nil {
		return infer.ReadResponse[QueueArgs, QueueState]{}, err
	}
	id := req.State.QueueID
	if id == "" {
		imported, err := importedID(req.ID, "<queueId>")
		if err != nil {
			return infer.ReadResponse[QueueArgs, QueueState]{}, err
		}
		id = imported
	}
	got, err := c.Queues.ByID(ctx, id)
	if cfapi.IsNotFound(err) {
		return infer.ReadResponse[QueueArgs, QueueState]{}, nil
	}
	if err != nil {
		return infer.ReadResponse[QueueArgs, QueueState]{}, err
	}
	state := req.State
	state.QueueID, state.QueueName, state.Type = got.ID, got.Name, queueKindType
	inputs := req.Inputs
	if req.State.QueueID == "" {
		inputs = state.QueueArgs
	}
	return infer.ReadResponse[QueueArgs, QueueState]{ID: req.ID, Inputs: inputs, State: state}, nil
}

// Delete deletes the queue, refusing while it holds undelivered messages unless deleteData is true.
func (q *Queue) Delete(ctx context.Context, req infer.DeleteRequest[QueueState]) (infer.DeleteResponse, error) {
	c, err := clientFrom(ctx)
	if err != nil {
		return infer.DeleteResponse{}, err
	}
	id := req.State.QueueID
	return infer.DeleteResponse{}, deleteHolding(ctx, c, queueKindType, "Queue", req.State.QueueName, id, req.State.DeleteData,
		nil, func() error { return c.Queues.Delete(ctx, id) })
}

// WireDependencies says which outputs an update may change, so that a preview marks only those
// unknown (infer's default marks every output unknown when any input changes): only a new name (a
// replacement) changes the queue id, so a Worker binding it shows no change when deleteData does.
func (q *Queue) WireDependencies(f infer.FieldSelector, args *QueueArgs, state *QueueState) {
	f.OutputField(&state.QueueName).DependsOn(f.InputField(&args.QueueName).Computed())
}

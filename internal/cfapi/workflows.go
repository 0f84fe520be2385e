package cfapi

import (
	"context"
	"fmt"
	"regexp"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/cloudflare/cloudflare-go/v4/workflows"
)

// WorkflowService is the Workflows family of calls (cloudflare-go's client.Workflows).
type WorkflowService struct{ c *Client }

// Workflow is one Workflow of the account: the script and exported class that run it, and how
// many of its instances are in each status.
type Workflow struct {
	Name, ScriptName, ClassName string
	// Instances counts instances by status (queued, running, paused, waiting, waitingForPause,
	// complete, errored, terminated).
	Instances map[string]int
}

// Unfinished is how many instances have not ended: queued, running, paused or waiting. Deleting
// the workflow stops them.
func (w Workflow) Unfinished() int {
	n := 0
	for _, s := range UnfinishedStatuses {
		n += w.Instances[s]
	}
	return n
}

// UnfinishedStatuses are the statuses of an instance that has not ended.
var UnfinishedStatuses = []string{"queued", "running", "paused", "waiting", "waitingForPause"}

// validWorkflowName is the rule lumier applies to workflow names before a request: the name goes
// into the request path unescaped (docs/cloudflare-api.md, Workflows).
var validWorkflowName = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9_-]{0,63}$`)

// ValidateWorkflowName reports why name is not a valid workflow name, or nil.
func ValidateWorkflowName(name string) error {
	if !validWorkflowName.MatchString(name) {
		return fmt.Errorf("invalid workflow name %q: use letters, digits, '-' and '_', not starting with '-', "+
			"at most 64 characters", name)
	}
	return nil
}

// Put creates or updates the workflow name, run by class of script: what wrangler deploy
// does after uploading a script that defines a workflow. It is safe to repeat.
func (s *WorkflowService) Put(ctx context.Context, name, script, class string) error {
	if err := ValidateWorkflowName(name); err != nil {
		return err
	}
	if err := s.c.precheck(ctx); err != nil {
		return fmt.Errorf("deploying workflow %q: %w", name, err)
	}
	err := s.c.callRepeatable(func(opts ...option.RequestOption) error {
		_, err := s.c.cf.Workflows.Update(ctx, name, workflows.WorkflowUpdateParams{
			AccountID:  cloudflare.F(s.c.accountID),
			ScriptName: cloudflare.F(script),
			ClassName:  cloudflare.F(class),
		}, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("deploying workflow %q (class %q of script %q): %w", name, class, script, err)
	}
	return nil
}

// Get reads one workflow; IsNotFound(err) when the account has none of that name.
func (s *WorkflowService) Get(ctx context.Context, name string) (Workflow, error) {
	if err := ValidateWorkflowName(name); err != nil {
		return Workflow{}, err
	}
	if err := s.c.precheck(ctx); err != nil {
		return Workflow{}, fmt.Errorf("reading workflow %q: %w", name, err)
	}
	var out Workflow
	err := s.c.call(func(opts ...option.RequestOption) error {
		res, err := s.c.cf.Workflows.Get(ctx, name, workflows.WorkflowGetParams{AccountID: cloudflare.F(s.c.accountID)}, opts...)
		if res != nil {
			i := res.Instances
			out = Workflow{Name: res.Name, ScriptName: res.ScriptName, ClassName: res.ClassName, Instances: map[string]int{
				"queued": int(i.Queued), "running": int(i.Running), "paused": int(i.Paused), "waiting": int(i.Waiting),
				"waitingForPause": int(i.WaitingForPause), "complete": int(i.Complete), "errored": int(i.Errored),
				"terminated": int(i.Terminated),
			}}
		}
		return err
	})
	if err != nil {
		return Workflow{}, fmt.Errorf("reading workflow %q: %w", name, err)
	}
	return out, nil
}

// Delete deletes the workflow name and its instances; a workflow already gone is not an
// error.
func (s *WorkflowService) Delete(ctx context.Context, name string) error {
	if err := ValidateWorkflowName(name); err != nil {
		return err
	}
	if err := s.c.precheck(ctx); err != nil {
		return fmt.Errorf("deleting workflow %q: %w", name, err)
	}
	err := s.c.callRepeatable(func(opts ...option.RequestOption) error {
		_, err := s.c.cf.Workflows.Delete(ctx, name, workflows.WorkflowDeleteParams{AccountID: cloudflare.F(s.c.accountID)}, opts...)
		return err
	})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("deleting workflow %q: %w", name, err)
	}
	return nil
}

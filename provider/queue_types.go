package provider

import (
	"github.com/pulumi/pulumi-go-provider/infer"
)

// QueueArgs are the inputs of a Queue.
type QueueArgs struct {
	QueueName  string `pulumi:"queueName,optional"`
	DeleteData bool   `pulumi:"deleteData,optional"`
}

// Annotate documents QueueArgs.
func (a *QueueArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.QueueName, "Name of the queue on Cloudflare, unique in the account: lowercase letters, digits and "+
		"'-', at most 63 characters. Defaults to `<project>-<stack>-<name>`; an App names its queues "+
		"`<app>-<stage>-<name>`. Changing it replaces the queue (a new one is created, the old one deleted, which is "+
		"refused while it holds messages unless deleteData).")
	an.Describe(&a.DeleteData, "Allow deleting the queue while it holds undelivered messages. Without it, deleting a "+
		"queue with a backlog is refused and nothing is deleted.")
}

// QueueState is what a Queue records.
type QueueState struct {
	QueueArgs
	QueueID string `pulumi:"queueId"`
	Type    string `pulumi:"type"`
}

// Annotate documents QueueState.
func (s *QueueState) Annotate(a infer.Annotator) {
	a.Describe(&s.QueueID, "The queue id Cloudflare assigned.")
	a.Describe(&s.Type, "Always \"queue\", so the resource reads as a binding value (a producer binding).")
}

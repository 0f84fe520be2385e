package provider

import (
	"fmt"

	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AppQueue declares a Queue of an App.
type AppQueue struct {
	Name string `pulumi:"name"`
}

// Annotate documents AppQueue.
func (q *AppQueue) Annotate(a infer.Annotator) {
	a.SetToken("index", "AppQueue")
	a.Describe(q, "A Queue of an App. Its name on Cloudflare is \"<app>-<stage>-<name>\"; the app's protect and removal "+
		"apply to it and its undelivered messages. A Worker sends to it with the binding {type: \"queue\", name} and "+
		"consumes it with queueConsumers: [{queue: name}].")
	a.Describe(&q.Name, "Queue name in the app: lowercase letters, digits and '-'.")
}

// queueAppKind is an App's queues (app_data.go).
var queueAppKind = appDataKind{
	binding: queueKindType, list: "queues", noun: "queue",
	token: "lumier:index:Queue", field: "queueName", titleInput: "queueName",
	decls: func(args AppArgs) []appDataDecl {
		out := make([]appDataDecl, len(args.Queues))
		for i, d := range args.Queues {
			out[i] = appDataDecl{name: d.Name}
		}
		return out
	},
	newResource: func() appDataResource { return &queueResource{} },
	setOutput:   func(a *App, names pulumi.StringMapOutput) { a.Queues = names },
}

// queueResource is the Go view of a registered Queue, for reading its name.
type queueResource struct {
	pulumi.CustomResourceState
	QueueName pulumi.StringOutput `pulumi:"queueName"`
}

func (r *queueResource) bindingID() pulumi.StringOutput { return r.QueueName }

// resolveConsumers checks the Workers' queueConsumers, whose queue and dead-letter queue name
// queues of the app, and gives them the queues' names on Cloudflare.
func (p *appPlan) resolveConsumers(workers []*appWorker) []error {
	var errs []error
	queues := p.data[queueKindType]
	lookup := func(w *appWorker, what, name string) *appData {
		q := queues.items[name]
		if q == nil {
			errs = append(errs, fmt.Errorf("worker %q %s names queue %q, which this app does not declare (it declares %s): "+
				"add {name: %q} to queues", w.Name, what, name, exportList(queues.order), name))
			return nil
		}
		w.consumes = append(w.consumes, name)
		return q
	}
	consumer := map[string]*appWorker{} // queue name in the app -> the Worker consuming it
	for _, w := range workers {
		for i, c := range w.QueueConsumers {
			q := lookup(w, fmt.Sprintf("queueConsumers[%d]", i), c.Queue)
			if q == nil {
				continue
			}
			if other := consumer[c.Queue]; other != nil && other != w {
				errs = append(errs, fmt.Errorf("queue %q is consumed by two Workers, %q and %q, and Cloudflare allows one "+
					"consumer Worker per queue: keep {queue: %q} in the queueConsumers of one of them (the other can "+
					"send to it with a {type: \"queue\", name: %q} binding)", c.Queue, other.Name, w.Name, c.Queue, c.Queue))
				continue
			}
			consumer[c.Queue] = w
			c.Queue = q.title
			if dlq := deref(c.DeadLetterQueue); dlq != "" {
				if d := lookup(w, fmt.Sprintf("queueConsumers[%d].deadLetterQueue", i), dlq); d != nil {
					c.DeadLetterQueue = ptr(d.title)
				}
			}
			w.consumers = append(w.consumers, c)
		}
	}
	return errs
}

// consumerDeps are the queues w consumes: Cloudflare refuses a consumer of a queue that does not
// exist, so w deploys after them.
func (p *appPlan) consumerDeps(w *appWorker) []pulumi.Resource {
	var deps []pulumi.Resource
	for _, name := range w.consumes {
		deps = append(deps, p.data[queueKindType].items[name].resource)
	}
	return deps
}

package provider

import (
	"fmt"

	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/internal/naming"
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

// appQueue is one queue of an app: its name on Cloudflare, and the resource once created.
type appQueue struct {
	name, full string
	resource   *queueResource
}

// queueResource is the Go view of a registered Queue.
type queueResource struct {
	pulumi.CustomResourceState
	QueueName pulumi.StringOutput `pulumi:"queueName"`
}

// resolveQueues checks the queue declarations, the Workers' queue bindings that name one (which
// become bindings to its name on Cloudflare) and their queueConsumers (queue and dead-letter
// queue named in the app), recording which queues each Worker must deploy after.
func (p *appPlan) resolveQueues(decls []AppQueue, workers []*appWorker) []error {
	var errs []error
	p.queues = map[string]*appQueue{}
	for _, d := range decls {
		full, err := naming.ScriptName(p.app, p.stage, d.Name)
		if err != nil {
			errs = append(errs, fmt.Errorf("queue %q: %w", d.Name, err))
			continue
		}
		if _, dup := p.queues[d.Name]; dup {
			errs = append(errs, fmt.Errorf("queue %q is declared twice: give each queue its own name", d.Name))
			continue
		}
		p.queues[d.Name] = &appQueue{name: d.Name, full: full}
		p.queueOrder = append(p.queueOrder, d.Name)
	}
	lookup := func(w *appWorker, what, name string) *appQueue {
		q := p.queues[name]
		if q == nil {
			errs = append(errs, fmt.Errorf("worker %q %s names queue %q, which this app does not declare (it declares %s): "+
				"add {name: %q} to queues", w.Name, what, name, exportList(p.queueOrder), name))
			return nil
		}
		w.queues = append(w.queues, q.name)
		return q
	}
	for _, w := range workers {
		for _, env := range sortedKeys(w.bindings) {
			v, known := awaitInput(w.bindings[env])
			m, ok := v.(map[string]any)
			if !known || !ok || m["type"] != queueKindType {
				continue
			}
			if n, _ := m["queueName"].(string); n != "" {
				continue // a queue given by its name on Cloudflare: bound as it is
			}
			name, _ := m["name"].(string)
			if q := lookup(w, "binding "+env, name); q != nil {
				w.bindings[env] = pulumi.Map{"type": pulumi.String(queueKindType), "queueName": pulumi.String(q.full)}
			}
		}
		for i, c := range w.QueueConsumers {
			q := lookup(w, fmt.Sprintf("queueConsumers[%d]", i), c.Queue)
			if q == nil {
				continue
			}
			c.Queue = q.full
			if dlq := deref(c.DeadLetterQueue); dlq != "" {
				if d := lookup(w, fmt.Sprintf("queueConsumers[%d].deadLetterQueue", i), dlq); d != nil {
					c.DeadLetterQueue = ptr(d.full)
				}
			}
			w.consumers = append(w.consumers, c)
		}
	}
	return errs
}

// createQueues registers the app's Queue resources, with the app's protection and removal: under
// "remove" they may be deleted with their undelivered messages.
func (p *appPlan) createQueues(ctx *pulumi.Context, app string, opts []pulumi.ResourceOption) ([]*appQueue, error) {
	var out []*appQueue
	for _, name := range p.queueOrder {
		q := p.queues[name]
		q.resource = &queueResource{}
		err := ctx.RegisterResource("lumier:index:Queue", app+"-"+name, pulumi.Map{
			"queueName":  pulumi.String(q.full),
			"deleteData": pulumi.Bool(p.removal == RemovalRemove),
		}, q.resource, append(opts, pulumi.Version(Version))...)
		if err != nil {
			return nil, fmt.Errorf("registering queue %q: %w", name, err)
		}
		out = append(out, q)
	}
	return out, nil
}

// queueDeps are the queues w binds or consumes: Cloudflare refuses a binding or a consumer of a
// queue that does not exist, so w deploys after them.
func (p *appPlan) queueDeps(w *appWorker) []pulumi.Resource {
	var deps []pulumi.Resource
	for _, name := range w.queues {
		deps = append(deps, p.queues[name].resource)
	}
	return deps
}

// queueNames is the App's queues output: names on Cloudflare by name in the app.
func queueNames(qs []*appQueue) pulumi.StringMapOutput {
	m := pulumi.StringMap{}
	for _, q := range qs {
		m[q.name] = q.resource.QueueName
	}
	return m.ToStringMapOutput()
}

package workerd

import (
	"fmt"
	"slices"
)

// queueService names the external service that takes one queue's producer calls; like the other
// services of ours, the name contains ':'.
func queueService(b Binding) string { return "lumier:queue:" + b.QueueName }

// queueServices declares one external service per queue the scripts produce to, each injecting
// the queue name (workerd's calls name no queue), in a stable order.
func queueServices(scripts []Script) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range scripts {
		for _, b := range s.Bindings {
			if b.Type != BindingQueue || seen[queueService(b)] {
				continue
			}
			seen[queueService(b)] = true
			out = append(out, fmt.Sprintf("(name = %s, external = (address = %s, http = (injectRequestHeaders = "+
				"[(name = %s, value = %s)])))", capnpString(queueService(b)), capnpString(b.QueueBackend),
				capnpString(QueueNameHeader), capnpString(b.QueueName)))
		}
	}
	slices.Sort(out)
	return out
}

package provider

import (
	"fmt"
	"sync"
)

// declared is what this provider process has seen declared in the current deployment: the engine
// runs one provider process per deployment, so two Workers or Scripts of one stack that claim the
// same script name meet here, and a Durable Object or binding that names a script can tell at
// preview whether a Worker of the stack hosts it.
var declared = struct {
	sync.Mutex
	scripts map[string]string        // script name -> the Script resource that claims it
	workers map[string]workerClasses // script name -> the classes its Worker hosts
}{scripts: map[string]string{}, workers: map[string]workerClasses{}}

// workerClasses is a Worker of the stack as the declarations know it.
type workerClasses struct {
	resource string  // the Worker's logical name, for messages
	classes  []Class // the Durable Object classes it hosts
	worker   *Worker // the component, for dependencies
}

// claimScript records that the Script resource named resource deploys script, and names the
// other resource when one already does: both would upload to the same script and overwrite each
// other.
func claimScript(script, resource string) error {
	declared.Lock()
	defer declared.Unlock()
	if other, ok := declared.scripts[script]; ok && other != resource {
		return fmt.Errorf("script name %q is used by two Workers of this stack, %q and %q: both would upload to the "+
			"same Worker script and overwrite each other (and could delete each other's Durable Object data). Give "+
			"one of them another name (scriptName, or another app or stage)", script, other, resource)
	}
	declared.scripts[script] = resource
	return nil
}

// declareWorker records the classes a Worker of the stack hosts under its script name.
func declareWorker(script, name string, classes []Class, w *Worker) {
	declared.Lock()
	defer declared.Unlock()
	declared.workers[script] = workerClasses{resource: name, classes: classes, worker: w}
}

// workerOf returns the Worker of the stack that deploys script, if one was declared.
func workerOf(script string) (workerClasses, bool) {
	declared.Lock()
	defer declared.Unlock()
	w, ok := declared.workers[script]
	return w, ok
}

// hosts returns the hosted class named className, if the Worker hosts it now (a class on its way
// to another script does not count).
func (w workerClasses) hosts(className string) (Class, bool) {
	for _, c := range w.classes {
		if c.ClassName == className && c.transferredTo() == "" {
			return c, true
		}
	}
	return Class{}, false
}

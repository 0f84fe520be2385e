package main

import (
	"runtime/metrics"
	"testing"
)

// TestNoCollectionWhileInitialising: the plugin's packages (Pulumi's compile JSON schemas in
// their init functions, several megabytes) initialise without a garbage collection, which
// internal/gcstart holds back from before they run. Without it the collector ran five times
// between the plugin's start and its first answer.
func TestNoCollectionWhileInitialising(t *testing.T) {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	if n := s[0].Value.Uint64(); n != 0 {
		t.Fatalf("%d garbage collections during initialisation (%d MB allocated), want none", n, s[1].Value.Uint64()>>20)
	}
	t.Logf("initialisation allocated %d MB without a collection", s[1].Value.Uint64()>>20)
}

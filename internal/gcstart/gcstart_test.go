package gcstart

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

// collector reads the collector's setting without changing it.
func collector() (percent, limit int64) {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64()), int64(s[1].Value.Uint64())
}

func cycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestHoldsThenRestores: from package initialisation to StartHeap bytes, nothing is collected;
// reaching StartHeap brings the first collection, after which the collector has the setting it
// had from the environment (GOGC and GOMEMLIMIT; by default 100 % and no limit).
func TestHoldsThenRestores(t *testing.T) {
	if n := cycles(); n != 0 {
		t.Fatalf("%d collections before the test allocated anything, want none", n)
	}
	if p, l := collector(); p != -1 || l != min(StartHeap, before.limit) { // off reads as -1
		t.Fatalf("collector during the start: GOGC %d, limit %d; want off (-1) and %d", p, l, min(StartHeap, before.limit))
	}

	// Allocate past StartHeap in blocks kept reachable until the first collection.
	var keep [][]byte
	for cycles() == 0 && len(keep) < 4*StartHeap/(1<<20) {
		keep = append(keep, make([]byte, 1<<20))
		for i := range keep[len(keep)-1] {
			keep[len(keep)-1][i] = 1 // touched, so that it counts
		}
	}
	if cycles() == 0 {
		t.Fatalf("allocated %d MB without a collection; StartHeap is %d MB", len(keep), StartHeap>>20)
	}
	t.Logf("first collection after allocating %d MB", len(keep))
	runtime.KeepAlive(keep)

	deadline := time.Now().Add(10 * time.Second)
	for {
		p, l := collector()
		if p == int64(before.percent) && l == before.limit {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the first collection: GOGC %d, limit %d; want %d and %d", p, l, before.percent, before.limit)
		}
		runtime.GC() // cleanups run after a collection finds the sentinel unreachable
		time.Sleep(10 * time.Millisecond)
	}
}

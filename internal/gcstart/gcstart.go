// Package gcstart holds the garbage collector back until a program has allocated StartHeap bytes,
// then gives it back its usual setting (GOGC, GOMEMLIMIT). The provider plugin is started for
// every `pulumi up` and usually exits having allocated a few tens of megabytes, most of it
// garbage from Pulumi's packages compiling JSON schemas in their init functions; collecting it
// on the way (five collections between the process's start and its first answer, each marking
// a 113 MB binary's roots) was about a third of the plugin's CPU time. A plugin that keeps
// working past StartHeap (a stack of hundreds of Workers) is collected as any Go program is.
//
// It works from its package initialisation: Go initialises packages in import-path order as soon
// as their own imports are (the language specification, "Package initialization"), so this
// package, which imports only the runtime, runs before the github.com/pulumi packages. Import it
// for its effect from the main package.
package gcstart

import (
	"runtime"
	"runtime/debug"
)

// StartHeap is the memory (the Go runtime's total, as GOMEMLIMIT counts it) up to which nothing
// is collected: the first collection comes when the program reaches it, or earlier if the
// program asks for one.
const StartHeap = 64 << 20

// before is the collector's setting from the environment, put back by the first collection.
var before = hold()

type setting struct {
	percent int
	limit   int64
}

// hold turns the collector off with a memory limit of StartHeap, and arranges for the first
// collection to restore the setting it returns: a cleanup runs once the collector has found an
// object unreachable, which takes a collection.
func hold() setting {
	s := setting{percent: debug.SetGCPercent(-1), limit: debug.SetMemoryLimit(StartHeap)}
	if s.limit < StartHeap {
		debug.SetMemoryLimit(s.limit) // a lower GOMEMLIMIT the user set stays the ceiling
	}
	sentinel := new(sentinelObject) // unreachable from here on
	runtime.AddCleanup(sentinel, restore, s)
	return s
}

// sentinelObject is large enough to get an allocation of its own (the runtime batches smaller
// pointer-free objects, and a cleanup then waits for the whole batch).
type sentinelObject [64]byte

func restore(s setting) {
	debug.SetGCPercent(s.percent)
	debug.SetMemoryLimit(s.limit)
}

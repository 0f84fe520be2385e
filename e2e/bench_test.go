//go:build e2e

package e2e

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

func mean(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var total time.Duration
	for _, d := range ds {
		total += d
	}
	return total / time.Duration(len(ds))
}

func durations(ds []time.Duration) string {
	var parts []string
	for _, d := range ds {
		parts = append(parts, d.Round(time.Millisecond).String())
	}
	return strings.Join(parts, " ")
}

func sum(calls map[string]int) int {
	total := 0
	for _, n := range calls {
		total += n
	}
	return total
}

// perUp formats call counts per up, by kind, sorted: "list_scripts=1 upload=1 ... (total 7)".
func perUp(calls map[string]int, runs int) string {
	if runs == 0 {
		return "-"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(calls)) {
		parts = append(parts, fmt.Sprintf("%s=%g", k, float64(calls[k])/float64(runs)))
	}
	return fmt.Sprintf("%s (total %g)", strings.Join(parts, " "), float64(sum(calls))/float64(runs))
}

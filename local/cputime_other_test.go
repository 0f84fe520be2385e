//go:build !unix

package local

import "time"

// processCPU is not measured here: getrusage is Unix's.
func processCPU() time.Duration { return 0 }

// Package benchsize reads the sizes a benchmark runs at (stack sizes, account sizes) from an
// environment variable, so that one setting picks them for a run of `make bench`.
package benchsize

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// FromEnv returns the sizes listed in the environment variable env, separated by commas
// ("10,100"), or defaults when it is unset.
func FromEnv(env string, defaults []int) ([]int, error) {
	spec := os.Getenv(env)
	if spec == "" {
		return defaults, nil
	}
	var sizes []int
	for _, f := range strings.Split(spec, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s=%q: want sizes separated by commas, such as 10,100", env, spec)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

package main

import "testing"

func TestSummary(t *testing.T) {
	for _, tc := range []struct {
		ops  map[string]int
		want string
	}{
		{map[string]int{"create": 4}, "4 created"},
		{map[string]int{"same": 3, "update": 1}, "1 updated, 3 unchanged"},
		{map[string]int{"delete": 4}, "4 deleted"},
		{map[string]int{"same": 0, "import": 1, "create": 2}, "2 created, 1 import"},
		{nil, "no changes"},
	} {
		if got := summary(tc.ops); got != tc.want {
			t.Errorf("summary(%v) = %q, want %q", tc.ops, got, tc.want)
		}
	}
}

package cfapi

import (
	"reflect"
	"strings"
	"testing"
)

// These helpers stand in for testify: its v1.12.1 assert package imports go.yaml.in/yaml/v3,
// whose go.sum entry the module does not have yet, and go.sum is not ours to edit.

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func errContains(t testing.TB, err error, sub string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error containing %q, got nil", sub)
	}
	if !strings.Contains(err.Error(), sub) {
		t.Fatalf("error %q does not contain %q", err.Error(), sub)
	}
}

func contains(t testing.TB, s, sub, why string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Errorf("%s: %q not found in:\n%s", why, sub, s)
	}
}

func notContains(t testing.TB, s, sub, why string) {
	t.Helper()
	if strings.Contains(s, sub) {
		t.Errorf("%s: %q unexpectedly found in:\n%s", why, sub, s)
	}
}

func equal(t testing.TB, want, got any, why string) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Errorf("%s: want %#v, got %#v", why, want, got)
	}
}

package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDispatch(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, 2, run(context.Background(), nil, &out, &errOut))
	assert.Contains(t, errOut.String(), "usage: lumier <command>")

	out.Reset()
	assert.Equal(t, 0, run(context.Background(), []string{"help"}, &out, &errOut))
	assert.Contains(t, out.String(), "local")
	assert.Contains(t, out.String(), "dev")
	assert.Contains(t, out.String(), "types")
	assert.NotRegexp(t, `(?m)^\s+gen\s`, out.String(), "code generation is the developers' lumier-gen, not a user command")

	errOut.Reset()
	assert.Equal(t, 2, run(context.Background(), []string{"frobnicate"}, &out, &errOut))
	assert.Contains(t, errOut.String(), `unknown command "frobnicate"`)
}

package shapetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompare(t *testing.T) {
	fixture := []byte(`{"result":{"items":[{"id":"x","n":1,"opt":true}],"info":null}}`)
	diffs, err := Compare(fixture, []byte(`{"result":{"items":[{"id":"a","n":2}],"info":{"a":1}}}`), []string{"result.items[].opt"})
	require.NoError(t, err)
	assert.Empty(t, diffs)

	diffs, err = Compare(fixture, []byte(`{"result":{"items":[{"id":3,"class_name":"C"}],"info":null}}`), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"result.items[].class_name: not in the fixture",
		"result.items[].id: string in the fixture, number in the answer",
		"result.items[].n: missing from the answer",
		"result.items[].opt: missing from the answer",
	}, diffs)
}

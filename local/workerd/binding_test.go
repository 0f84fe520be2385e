package workerd

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestValueRendering(t *testing.T) {
	v := Struct(Field{"name", Text(`a"b`)}, Field{"flag", Bool(true)}, Field{"list", List(Text("x"), Struct())})
	assert.Equal(t, `(name = "a\"b", flag = true, list = ["x", ()])`, v.render())
	assert.Equal(t, "()", Value{}.render())
}

func TestRenderBinding(t *testing.T) {
	got, err := renderBinding(Binding{Name: "AUTH", Kind: "service",
		Value: Struct(Field{"name", Text("auth")}, Field{"entrypoint", Text("AuthRPC")}), Scripts: []string{"auth"}})
	assert.NoError(t, err)
	assert.Equal(t, `(name = "AUTH", service = (name = "auth", entrypoint = "AuthRPC"))`, got.render())

	_, err = renderBinding(Binding{Name: "X", Kind: "service", Value: Text("a b"), Scripts: []string{"a b"}})
	assert.ErrorContains(t, err, `binding "X": invalid script name "a b"`)
	_, err = renderBinding(Binding{Name: "X", Kind: "Text"})
	assert.ErrorContains(t, err, `kind "Text" is not a workerd binding member name`)
}

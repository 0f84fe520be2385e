package workerd

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCapnpStringEscapes(t *testing.T) {
	cases := map[string]string{
		"":                 `""`,
		"plain":            `"plain"`,
		`say "hi"`:         `"say \"hi\""`,
		`C:\dir\`:          `"C:\\dir\\"`,
		"line1\nline2\r\t": `"line1\nline2\r\t"`,
		"nul\x00bell\x07":  `"nul\x00bell\x07"`,
		"é":                `"\xc3\xa9"`,
		"\xff\x7f":         `"\xff\x7f"`,
		`#not a comment;)`: `"#not a comment;)"`,
	}
	for in, want := range cases {
		assert.Equal(t, want, capnpString(in), "input %q", in)
	}
}

// TestCapnpStringRoundTrip checks that every byte survives: the literal is decoded with Go's
// rules for the same escapes (Cap'n Proto's \xNN, \n, \", \\ ... match Go's) and is printable ASCII.
func TestCapnpStringRoundTrip(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	for _, in := range []string{string(all), "🎉 \"}]) ; embed \"x\"", "\\x41"} {
		lit := capnpString(in)
		for i := 0; i < len(lit); i++ {
			require.True(t, lit[i] >= 0x20 && lit[i] < 0x7f, "byte %d of %q is not printable ASCII", i, lit)
		}
		got, err := strconv.Unquote(lit)
		require.NoError(t, err)
		assert.Equal(t, in, got)
	}
}

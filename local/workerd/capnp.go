package workerd

import (
	"fmt"
	"strings"
)

// capnpString quotes s as a Cap'n Proto text literal. Everything outside printable ASCII is
// written as a \xNN escape, so the literal is plain ASCII whatever s holds (control bytes, quotes,
// non-UTF-8) and the parser turns it back into exactly the bytes of s.
func capnpString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if c < 0x20 || c >= 0x7f {
				fmt.Fprintf(&b, `\x%02x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// capnpList renders items as a Cap'n Proto list literal.
func capnpList(items []string) string {
	return "[" + strings.Join(items, ", ") + "]"
}

// capnpStrings renders a list of text literals.
func capnpStrings(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = capnpString(s)
	}
	return capnpList(quoted)
}

// Package sqlsplit splits SQLite text into its statements, as D1 does when one query holds
// several statements joined by semicolons.
package sqlsplit

import (
	"strings"
	"unicode"
)

// Split returns the statements of sql in order, each trimmed and without its final semicolon;
// empty statements (and ones that are only comments) are dropped. It knows SQLite's quoting
// ('...', "...", `...`, [...]), comments (-- and /* */) and trigger bodies (CREATE TRIGGER ...
// BEGIN ...; ...; END), whose inner semicolons do not end the statement.
func Split(sql string) []string {
	var out []string
	start := 0
	var words []string // upper-cased words of the current statement, for trigger detection
	caseDepth := 0
	add := func(end int) {
		if s := strings.TrimSpace(sql[start:end]); s != "" && !onlyComments(s) {
			out = append(out, s)
		}
		words, caseDepth = nil, 0
	}
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			i = skipQuoted(sql, i, c)
		case c == '[':
			i = skipTo(sql, i+1, "]")
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			i = skipTo(sql, i+2, "\n")
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			i = skipTo(sql, i+2, "*/")
		case c == ';':
			if inTriggerBody(words) && (len(words) == 0 || words[len(words)-1] != "END" || caseDepth != 0) {
				i++
				continue
			}
			add(i)
			i++
			start = i
		case isWordByte(c):
			j := i
			for j < len(sql) && isWordByte(sql[j]) {
				j++
			}
			w := strings.ToUpper(sql[i:j])
			switch {
			case w == "CASE":
				caseDepth++
			case w == "END" && caseDepth > 0:
				caseDepth--
				w = "END CASE" // not a trigger's END
			}
			words = append(words, w)
			i = j
		default:
			i++
		}
	}
	add(len(sql))
	return out
}

// inTriggerBody reports whether the statement so far is a CREATE [TEMP] TRIGGER past its BEGIN.
func inTriggerBody(words []string) bool {
	if len(words) < 2 || words[0] != "CREATE" {
		return false
	}
	k := 1
	if words[k] == "TEMP" || words[k] == "TEMPORARY" {
		k++
	}
	if k >= len(words) || words[k] != "TRIGGER" {
		return false
	}
	for _, w := range words[k:] {
		if w == "BEGIN" {
			return true
		}
	}
	return false
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 || unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c))
}

// skipQuoted returns the index after the quoted run starting at i; a doubled quote is an escape.
func skipQuoted(s string, i int, q byte) int {
	for j := i + 1; j < len(s); j++ {
		if s[j] == q {
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(s)
}

// skipTo returns the index after the next end marker at or after i, or len(s).
func skipTo(s string, i int, end string) int {
	if k := strings.Index(s[i:], end); k >= 0 {
		return i + k + len(end)
	}
	return len(s)
}

// onlyComments reports whether s holds nothing but comments and white space.
func onlyComments(s string) bool {
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "--"):
			i = skipTo(s, i+2, "\n")
		case strings.HasPrefix(s[i:], "/*"):
			i = skipTo(s, i+2, "*/")
		case unicode.IsSpace(rune(s[i])):
			i++
		default:
			return false
		}
	}
	return true
}

package cron

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseAcceptsCloudflareSyntax(t *testing.T) {
	// The examples of Cloudflare's Cron Triggers documentation, and the other forms it lists.
	for _, expr := range []string{
		"* * * * *", "*/30 * * * *", "45 * * * *", "0 17 * * sun", "0 17 * * 1", "10 7 * * mon-fri",
		"10 7 * * 2-6", "0 15 1 * *", "0 18 * * 6L", "0 18 * * friL", "59 23 LW * *", "0 9 L * *",
		"0 10 * * MON#2", "*/10 9-17 * * MON-FRI", "0 0 15W * *", "0,30 0-23/2 1-15 jan,Jul,DEC *",
		"5/15 * * * *", "0 0 * * L", "  1  2  3  4  5 ",
	} {
		_, err := Parse(expr)
		assert.NoError(t, err, expr)
	}
}

func TestParseRefusesNamingFieldAndReason(t *testing.T) {
	cases := map[string]string{
		"* * * *":       `cron "* * * *" has 4 fields; Cloudflare takes five`,
		"* * * * * *":   `has 6 fields`,
		"60 * * * *":    `cron "60 * * * *": minute field "60": 60 is out of range 0-59`,
		"* 24 * * *":    `hour field "24": 24 is out of range 0-23`,
		"* * 0 * *":     `day-of-month field "0": 0 is out of range 1-31`,
		"* * * 13 *":    `month field "13": 13 is out of range 1-12 (allowed: 1-12 or JAN-DEC`,
		"* * * * 0":     `day-of-week field "0": 0 is out of range 1-7 (allowed: 1-7 (1 is Sunday)`,
		"* * * * FUN":   `day-of-week field "FUN": "FUN" is not a number or name`,
		"*/0 * * * *":   `minute field "*/0": step "0" is not a number from 1 to 59`,
		"* 5-2 * * *":   `hour field "5-2": range 5-2 starts after it ends`,
		"1,,2 * * * *":  `minute field "1,,2": empty list item`,
		"* * ? * *":     `day-of-month field "?": "?" is not valid here`,
		"L * * * *":     `minute field "L": "L" is not valid here`,
		"* * * * MON#6": `day-of-week field "MON#6": "6" after # is not a week number from 1 to 5`,
		"* * 32W * *":   `day-of-month field "32W": 32 is out of range 1-31`,
	}
	for expr, want := range cases {
		_, err := Parse(expr)
		if assert.Error(t, err, expr) {
			assert.Contains(t, err.Error(), want, expr)
		}
	}
}

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestMatches(t *testing.T) {
	cases := []struct {
		expr string
		yes  []string
		no   []string
	}{
		{"*/5 * * * *", []string{"2026-11-30 13:00", "2026-11-30 13:55"}, []string{"2026-11-30 13:01"}},
		// 2026-11-29 is a Sunday.
		{"0 17 * * sun", []string{"2026-11-29 17:00"}, []string{"2026-11-30 17:00", "2026-11-29 17:01"}},
		{"0 17 * * 1", []string{"2026-11-29 17:00"}, []string{"2026-11-30 17:00"}},
		{"10 7 * * mon-fri", []string{"2026-11-30 07:10", "2026-12-04 07:10"}, []string{"2026-12-05 07:10"}},
		// Last Friday of November 2026 is the 27th.
		{"0 18 * * 6L", []string{"2026-11-27 18:00"}, []string{"2026-11-20 18:00"}},
		// Last weekday of January 2027: the 31st is a Sunday, so Friday the 29th.
		{"59 23 LW * *", []string{"2027-01-29 23:59"}, []string{"2027-01-31 23:59"}},
		{"0 0 L * *", []string{"2026-02-28 00:00", "2028-02-29 00:00"}, []string{"2028-02-28 00:00"}},
		// 2026-11-15 is a Sunday: 15W is Monday the 16th.
		{"0 0 15W * *", []string{"2026-11-16 00:00"}, []string{"2026-11-15 00:00"}},
		// Second Monday of December 2026 is the 14th.
		{"0 10 * * MON#2", []string{"2026-12-14 10:00"}, []string{"2026-12-07 10:00"}},
		{"0 0 * JUL *", []string{"2026-07-09 00:00"}, []string{"2026-06-09 00:00"}},
		// Both day fields restricted: either one.
		{"0 0 1 * MON", []string{"2026-12-01 00:00", "2026-12-07 00:00"}, []string{"2026-12-02 00:00"}},
	}
	for _, c := range cases {
		s, err := Parse(c.expr)
		require.NoError(t, err, c.expr)
		for _, y := range c.yes {
			assert.True(t, s.Matches(at(y)), "%s at %s", c.expr, y)
		}
		for _, n := range c.no {
			assert.False(t, s.Matches(at(n)), "%s at %s", c.expr, n)
		}
	}
}

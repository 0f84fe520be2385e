// Package cron parses the cron expressions of Cloudflare's Cron Triggers and tells when one is
// due. The syntax is Cloudflare's (docs/cloudflare-api.md, Cron Triggers): five fields, minute
// hour day-of-month month day-of-week, in UTC, with `*`, lists, ranges and steps in every field,
// month and weekday names, `L` and `W` in the day of the month, and `L` and `#` in the weekday.
package cron

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// field describes one of the five fields.
type field struct {
	name     string
	min, max int
	names    []string // names[i] is the value min+i
	hint     string   // how to write a valid value, for messages
}

var fields = [5]field{
	{name: "minute", min: 0, max: 59, hint: "0-59"},
	{name: "hour", min: 0, max: 23, hint: "0-23"},
	{name: "day-of-month", min: 1, max: 31, hint: "1-31, L, LW or nW"},
	{name: "month", min: 1, max: 12, hint: "1-12 or JAN-DEC",
		names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	// Cloudflare counts weekdays from 1 = Sunday.
	{name: "day-of-week", min: 1, max: 7, hint: "1-7 (1 is Sunday) or SUN-SAT, nL or n#k",
		names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
}

// Schedule is a parsed cron expression.
type Schedule struct {
	expr string
	// sets[i] has bit v set when value v matches field i.
	sets [5]uint64
	// any[i] is true when field i is `*` (day fields combine differently then).
	any [5]bool
	// Day-of-month extras: L (last day), LW (last weekday), nW (weekday nearest day n).
	lastDay, lastWeekday bool
	nearest              []int
	// Day-of-week extras: nL (last weekday n of the month), n#k (k-th weekday n).
	lastOf []int
	nth    [][2]int
}

// Parse reads a cron expression. Its error names the expression, the field and what is wrong
// with it.
func Parse(expr string) (*Schedule, error) {
	parts := strings.Fields(expr)
	if len(parts) != 5 {
		return nil, fmt.Errorf("cron %q has %d fields; Cloudflare takes five: minute hour day-of-month month "+
			"day-of-week, for example \"*/5 * * * *\"", expr, len(parts))
	}
	s := &Schedule{expr: expr}
	for i, part := range parts {
		if err := s.parseField(i, part); err != nil {
			f := fields[i]
			return nil, fmt.Errorf("cron %q: %s field %q: %w (allowed: %s with *, lists a,b, ranges a-b and steps /n)",
				expr, f.name, part, err, f.hint)
		}
	}
	return s, nil
}

// String is the expression as written.
func (s *Schedule) String() string { return s.expr }

func (s *Schedule) parseField(i int, part string) error {
	f := fields[i]
	if part == "*" {
		s.any[i] = true
		s.sets[i] = span(f.min, f.max, 1)
		return nil
	}
	for _, item := range strings.Split(part, ",") {
		if item == "" {
			return fmt.Errorf("empty list item")
		}
		if done, err := s.special(i, item); done || err != nil {
			return err
		}
		rng, stepText, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n < 1 || n > f.max {
				return fmt.Errorf("step %q is not a number from 1 to %d", stepText, f.max)
			}
			step = n
		}
		lo, hi := f.min, f.max
		switch a, b, isRange := strings.Cut(rng, "-"); {
		case rng == "*":
		case isRange:
			var err error
			if lo, err = f.value(a); err != nil {
				return err
			}
			if hi, err = f.value(b); err != nil {
				return err
			}
			if lo > hi {
				return fmt.Errorf("range %s starts after it ends", rng)
			}
		default:
			v, err := f.value(rng)
			if err != nil {
				return err
			}
			lo = v
			if !hasStep {
				hi = v
			}
		}
		s.sets[i] |= span(lo, hi, step)
	}
	return nil
}

// special handles the L, W and # forms of the day fields; done reports that item was one.
func (s *Schedule) special(i int, item string) (done bool, err error) {
	f := fields[i]
	upper := strings.ToUpper(item)
	switch {
	case i == 2 && upper == "L":
		s.lastDay = true
	case i == 2 && upper == "LW":
		s.lastWeekday = true
	case i == 2 && strings.HasSuffix(upper, "W") && !strings.ContainsAny(upper, "-/*"):
		v, err := f.value(item[:len(item)-1])
		if err != nil {
			return true, err
		}
		s.nearest = append(s.nearest, v)
	case i == 4 && upper == "L":
		// Quartz's L alone in the weekday is the last day of the week, Saturday.
		s.sets[i] |= 1 << 7
	case i == 4 && strings.HasSuffix(upper, "L") && !strings.ContainsAny(upper, "-/*"):
		v, err := f.value(item[:len(item)-1])
		if err != nil {
			return true, err
		}
		s.lastOf = append(s.lastOf, v)
	case i == 4 && strings.Contains(item, "#"):
		day, nth, _ := strings.Cut(item, "#")
		v, err := f.value(day)
		if err != nil {
			return true, err
		}
		n, err := strconv.Atoi(nth)
		if err != nil || n < 1 || n > 5 {
			return true, fmt.Errorf("%q after # is not a week number from 1 to 5", nth)
		}
		s.nth = append(s.nth, [2]int{v, n})
	default:
		if strings.ContainsAny(upper, "LW#?") && !f.isName(upper) {
			return true, fmt.Errorf("%q is not valid here", item)
		}
		return false, nil
	}
	return true, nil
}

func (f field) isName(s string) bool {
	for _, n := range f.names {
		if strings.Contains(s, n) {
			return true
		}
	}
	return false
}

// value reads one number or name of the field.
func (f field) value(text string) (int, error) {
	for i, n := range f.names {
		if strings.EqualFold(text, n) {
			return f.min + i, nil
		}
	}
	v, err := strconv.Atoi(text)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number or name", text)
	}
	if v < f.min || v > f.max {
		return 0, fmt.Errorf("%d is out of range %d-%d", v, f.min, f.max)
	}
	return v, nil
}

func span(lo, hi, step int) uint64 {
	var bits uint64
	for v := lo; v <= hi; v += step {
		bits |= 1 << v
	}
	return bits
}

// Matches reports whether the schedule fires in the minute of t (taken in UTC). As in cron,
// when both day fields are restricted a day matching either one fires.
func (s *Schedule) Matches(t time.Time) bool {
	t = t.UTC()
	if !s.has(0, t.Minute()) || !s.has(1, t.Hour()) || !s.has(3, int(t.Month())) {
		return false
	}
	dom, dow := s.dayOfMonth(t), s.dayOfWeek(t)
	switch {
	case s.any[2] && s.any[4]:
		return true
	case s.any[2]:
		return dow
	case s.any[4]:
		return dom
	}
	return dom || dow
}

func (s *Schedule) has(i, v int) bool { return s.sets[i]&(1<<v) != 0 }

func (s *Schedule) dayOfMonth(t time.Time) bool {
	day, last := t.Day(), daysIn(t)
	if s.has(2, day) || s.lastDay && day == last {
		return true
	}
	if s.lastWeekday && day == nearestWeekday(t, last) {
		return true
	}
	for _, n := range s.nearest {
		if n <= last && day == nearestWeekday(t, n) {
			return true
		}
	}
	return false
}

func (s *Schedule) dayOfWeek(t time.Time) bool {
	wd := int(t.Weekday()) + 1 // 1 = Sunday
	if s.has(4, wd) {
		return true
	}
	for _, d := range s.lastOf {
		if d == wd && t.Day()+7 > daysIn(t) {
			return true
		}
	}
	for _, dn := range s.nth {
		if dn[0] == wd && (t.Day()-1)/7+1 == dn[1] {
			return true
		}
	}
	return false
}

func daysIn(t time.Time) int {
	return time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// nearestWeekday is the Monday-to-Friday day of t's month nearest to day n, never crossing
// into another month (Quartz's nW).
func nearestWeekday(t time.Time, n int) int {
	d := time.Date(t.Year(), t.Month(), n, 0, 0, 0, 0, time.UTC)
	switch d.Weekday() {
	case time.Saturday:
		if n == 1 {
			return 3
		}
		return n - 1
	case time.Sunday:
		if n == daysIn(t) {
			return n - 2
		}
		return n + 1
	}
	return n
}

package r2

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestR2RequestNumbers: workerd sends 64-bit numbers as strings and "all ones" for unset fields.
func TestR2RequestNumbers(t *testing.T) {
	var req r2Request
	require.NoError(t, json.Unmarshal([]byte(`{"version":1,"method":"get","object":"k",
		"range":{"offset":"6","length":"18446744073709551615","suffix":"18446744073709551615"},"limit":5}`), &req))
	assert.Equal(t, u64{v: 6, set: true}, req.Range.Offset)
	assert.False(t, req.Range.Length.set, "all ones is unset")
	assert.Equal(t, u64{v: 5, set: true}, req.Limit, "a plain JSON number is read too")
}

// TestR2Slice: ranges by offset/length, suffix and Range header, and the ones past the end.
func TestR2Slice(t *testing.T) {
	n := func(v uint64) u64 { return u64{v: v, set: true} }
	cases := []struct {
		name                string
		req                 r2Request
		offset, length      int64
		ranged, unsatisfied bool
	}{
		{name: "whole", req: r2Request{}, offset: 0, length: 11},
		{name: "offset", req: r2Request{Range: &r2Range{Offset: n(6)}}, offset: 6, length: 5, ranged: true},
		{name: "offset and length", req: r2Request{Range: &r2Range{Offset: n(2), Length: n(3)}}, offset: 2, length: 3, ranged: true},
		{name: "length past the end", req: r2Request{Range: &r2Range{Offset: n(8), Length: n(10)}}, offset: 8, length: 3, ranged: true},
		{name: "suffix", req: r2Request{Range: &r2Range{Suffix: n(4)}}, offset: 7, length: 4, ranged: true},
		{name: "header", req: r2Request{RangeHeader: "bytes=0-4"}, offset: 0, length: 5, ranged: true},
		{name: "header suffix", req: r2Request{RangeHeader: "bytes=-5"}, offset: 6, length: 5, ranged: true},
		{name: "header open", req: r2Request{RangeHeader: "bytes=6-"}, offset: 6, length: 5, ranged: true},
		{name: "past the end", req: r2Request{Range: &r2Range{Offset: n(11)}}, unsatisfied: true},
		{name: "several ranges", req: r2Request{RangeHeader: "bytes=0-1,3-4"}, unsatisfied: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			offset, length, ranged, err := r2Slice(tc.req, 11)
			if tc.unsatisfied {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []any{tc.offset, tc.length, tc.ranged}, []any{offset, length, ranged})
		})
	}
}

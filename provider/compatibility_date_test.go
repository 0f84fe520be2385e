package provider

import (
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckRefusesBadCompatibilityDate(t *testing.T) {
	s := newTestServer(t)
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(dateLayout)
	cases := map[string]string{
		"yesterday":  `compatibilityDate "yesterday" is not a date of the form YYYY-MM-DD`,
		"2025-02-30": `compatibilityDate "2025-02-30" is not a date of the form YYYY-MM-DD`,
		"2025-1-05":  `compatibilityDate "2025-1-05" is not a date of the form YYYY-MM-DD`,
		"2099-01-01": "compatibilityDate 2099-01-01 is after today (",
		tomorrow:     "compatibilityDate " + tomorrow + " is after today (",
	}
	for date, want := range cases {
		t.Run(date, func(t *testing.T) {
			in := counterInputs(t)
			in["compatibilityDate"] = property.New(date)
			resp := check(t, s, in, nil)
			require.NotEmpty(t, resp.Failures)
			assert.Contains(t, joined(reasons(resp)), want)
		})
	}
}

func TestCheckAcceptsTodaysCompatibilityDate(t *testing.T) {
	now := time.Date(2026, 3, 1, 23, 30, 0, 0, time.FixedZone("UTC-5", -5*3600)) // 2026-03-02 in UTC
	assert.Empty(t, checkCompatibilityDate("2026-03-02", now), "today in UTC is allowed even where it is still yesterday")
	assert.Empty(t, checkCompatibilityDate("2021-11-03", now))
	assert.Empty(t, checkCompatibilityDate("", now), "unset means the default")
	assert.NotEmpty(t, checkCompatibilityDate("2026-03-03", now))
}

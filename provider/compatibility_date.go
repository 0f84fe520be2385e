package provider

import (
	"fmt"
	"time"

	p "github.com/pulumi/pulumi-go-provider"
)

// dateLayout is the compatibility date format Cloudflare accepts (docs/cloudflare-api.md, Limits).
const dateLayout = "2006-01-02"

// checkCompatibilityDate refuses, at preview, what Cloudflare would only refuse at upload: a date
// not in YYYY-MM-DD form, or one after today in UTC (the runtime has no behaviour for it yet).
func checkCompatibilityDate(date string, now time.Time) []p.CheckFailure {
	if date == "" {
		return nil // the default applies
	}
	d, err := time.Parse(dateLayout, date)
	if err != nil {
		return []p.CheckFailure{{Property: "compatibilityDate", Reason: fmt.Sprintf(
			"compatibilityDate %q is not a date of the form YYYY-MM-DD: set it to a date such as %q, or leave it unset "+
				"for the default %s", date, DefaultCompatibilityDate, DefaultCompatibilityDate)}}
	}
	today := now.UTC().Format(dateLayout)
	if d.Format(dateLayout) > today {
		return []p.CheckFailure{{Property: "compatibilityDate", Reason: fmt.Sprintf(
			"compatibilityDate %s is after today (%s, UTC), and Cloudflare refuses dates in the future: use %s or an "+
				"earlier date", date, today, today)}}
	}
	return nil
}

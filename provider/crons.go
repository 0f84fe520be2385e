package provider

import (
	"context"
	"slices"

	p "github.com/pulumi/pulumi-go-provider"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/internal/cron"
)

// checkCrons refuses, at preview, a cron expression Cloudflare would refuse, naming the
// expression and the field.
func checkCrons(crons []string) []p.CheckFailure {
	var failures []p.CheckFailure
	for _, expr := range crons {
		if _, err := cron.Parse(expr); err != nil {
			failures = append(failures, p.CheckFailure{Property: "crons", Reason: err.Error()})
		}
	}
	return failures
}

// sortedCrons is a cron list as a set: Cloudflare keeps one trigger per expression and does not
// promise an order, and no crons is the same as an empty list.
func sortedCrons(crons []string) []string {
	out := slices.Clone(crons)
	slices.Sort(out)
	return slices.Compact(out)
}

// cronsChanged reports whether two cron lists differ as sets.
func cronsChanged(old, news []string) bool {
	return !slices.Equal(sortedCrons(old), sortedCrons(news))
}

// setCrons replaces the script's Cron Triggers with args.Crons.
func setCrons(ctx context.Context, c *cfapi.Client, args ScriptArgs) error {
	crons := sortedCrons(args.Crons)
	if crons == nil {
		crons = []string{}
	}
	return c.Scripts.SetSchedules(ctx, args.ScriptName, crons)
}

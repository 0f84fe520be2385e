package provider

import (
	"context"
	"fmt"
	"math"
	"slices"

	p "github.com/pulumi/pulumi-go-provider"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

// checkRollout refuses, at preview, a percentage Cloudflare's deployments API would refuse.
func checkRollout(r *Rollout) []p.CheckFailure {
	if r == nil || (r.Percentage > 0 && r.Percentage <= 100) {
		return nil
	}
	return []p.CheckFailure{{Property: "rollout", Reason: fmt.Sprintf("rollout.percentage is %v: it is the share of "+
		"requests the new version gets, more than 0 and at most 100 (100, or no rollout, sends every request to it)",
		r.Percentage)}}
}

// rolloutChanged reports whether the share given to the new version changed.
func rolloutChanged(old, news ScriptArgs) bool { return old.percentage() != news.percentage() }

// uploadVersion uploads a change that needs no migration the way Cloudflare recommends for
// updates (docs/cloudflare-api.md, Versions and Deployments): a new version, deployed at the
// rollout's share next to the previous version, and the script's tags through script-settings,
// since a version does not carry them. It returns the new version's id.
func uploadVersion(ctx context.Context, c *cfapi.Client, args ScriptArgs, md cfapi.Metadata, modules []cfapi.Module, prev string) (string, error) {
	name := args.ScriptName
	id, err := c.Scripts.UploadVersion(ctx, name, md, modules)
	if err != nil {
		return "", err
	}
	if err := deployShare(ctx, c, name, id, prev, args.percentage()); err != nil {
		return "", err
	}
	if err := c.Scripts.PatchTags(ctx, name, md.Tags); err != nil {
		return "", err
	}
	return id, nil
}

// deployShare routes pct percent of script name's requests to version and the rest to the
// version serving before (see split). At 100 no deployment needs reading.
func deployShare(ctx context.Context, c *cfapi.Client, name, version, prev string, pct float64) error {
	var current []cfapi.VersionShare
	if pct < 100 {
		var err error
		if current, err = c.Scripts.Deployment(ctx, name); err != nil {
			return err
		}
	}
	shares := split(current, version, prev, pct)
	if len(shares) == 1 && pct < 100 {
		p.GetLogger(ctx).Warningf("script %q has no previous version to share requests with: version %s gets all of them",
			name, version)
	}
	return c.Scripts.Deploy(ctx, name, shares)
}

// split gives version pct percent of the requests and the rest to the version serving before:
// prev (the version lumier deployed last) when current has it, else the one of current with the
// largest share. Without such a version, version gets everything.
func split(current []cfapi.VersionShare, version, prev string, pct float64) []cfapi.VersionShare {
	other := previousVersion(current, version, prev)
	if pct >= 100 || other == "" {
		return []cfapi.VersionShare{{VersionID: version, Percentage: 100}}
	}
	// Cloudflare takes percentages with up to two decimals, adding up to 100.
	pct = math.Round(pct*100) / 100
	return []cfapi.VersionShare{
		{VersionID: version, Percentage: pct},
		{VersionID: other, Percentage: math.Round((100-pct)*100) / 100},
	}
}

// previousVersion picks, among the versions of current other than version, prev if present,
// else the one with the largest share; "" when there is none.
func previousVersion(current []cfapi.VersionShare, version, prev string) string {
	best, share := "", -1.0
	for _, v := range current {
		switch {
		case v.VersionID == version:
		case v.VersionID == prev:
			return prev
		case v.Percentage > share:
			best, share = v.VersionID, v.Percentage
		}
	}
	return best
}

// shiftRollout applies a new rollout share without a new version and returns the version the
// share is given to: the one lumier deployed last, or (after a direct upload, which records
// none) the one serving the most requests.
func shiftRollout(ctx context.Context, c *cfapi.Client, args ScriptArgs, version string) (string, error) {
	name := args.ScriptName
	current, err := c.Scripts.Deployment(ctx, name)
	if err != nil {
		return "", err
	}
	if !slices.ContainsFunc(current, func(v cfapi.VersionShare) bool { return v.VersionID == version }) {
		version = previousVersion(current, "", "")
	}
	if version == "" {
		return "", fmt.Errorf("changing the rollout of script %q: it has no deployment to change", name)
	}
	pct := args.percentage()
	shares := split(current, version, "", pct)
	if len(shares) == 1 && pct < 100 {
		p.GetLogger(ctx).Warningf("script %q has only one version deployed: a rollout of %v%% applies to its next "+
			"version; until then this one serves every request", name, pct)
	}
	return version, c.Scripts.Deploy(ctx, name, shares)
}

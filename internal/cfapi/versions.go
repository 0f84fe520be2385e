package cfapi

import (
	"context"
	"fmt"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/cloudflare/cloudflare-go/v4/workers"
)

// VersionShare is one version of a deployment and the share of the script's requests it gets.
type VersionShare struct {
	// VersionID is the version's id.
	VersionID string
	// Percentage of requests routed to it, in (0, 100]; a deployment's shares add up to 100.
	Percentage float64
}

// UploadVersion uploads a new version of script name (POST .../scripts/{name}/versions)
// without deploying it, and returns the version's id. The script must exist, and md must carry
// no migrations: Cloudflare applies migrations only through a direct upload (10211, see
// docs/cloudflare-api.md). Tags are script settings, not part of a version (PatchTags).
//
// After a dropped connection the upload is sent again (and a notice says so): the lost attempt,
// if Cloudflare carried it out, made a version that nothing deploys, since the deployment names
// the id this call returns, and a version acts on nothing by itself (no migrations, refused above;
// crons, routes and queue consumers are the script's, not a version's). The worst a repeat does
// is one unused version in the script's list; failing the update instead would leave the same
// version behind. After a 5xx it is not sent again.
//
// cloudflare-go v4.6.0's Versions.New encodes only the metadata part, so, as in Scripts.Upload,
// the typed call is used with our multipart body.
func (s *ScriptService) UploadVersion(ctx context.Context, name string, md Metadata, modules []Module) (string, error) {
	if err := s.c.precheckScript(ctx, name); err != nil {
		return "", fmt.Errorf("uploading a version of script %q: %w", name, err)
	}
	if md.Migrations != nil {
		return "", fmt.Errorf("uploading a version of script %q: a version cannot carry Durable Object migrations; "+
			"upload the script directly", name)
	}
	md.Tags = nil
	body, contentType, err := buildUpload(md, modules)
	if err != nil {
		return "", fmt.Errorf("uploading a version of script %q: %w", name, err)
	}
	var id string
	w := s.c.newWire(false, true)
	err = s.c.send(w, func(opts ...option.RequestOption) error {
		opts = append(opts, option.WithRequestBody(contentType, body))
		res, err := s.c.cf.Workers.Scripts.Versions.New(ctx, name, workers.ScriptVersionNewParams{
			AccountID: cloudflare.F(s.c.accountID),
		}, opts...)
		if res != nil {
			id = res.ID
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("uploading a version of script %q: %w", name, err)
	}
	if id == "" {
		return "", fmt.Errorf("uploading a version of script %q: the answer has no version id", name)
	}
	if w.lost > 0 {
		s.c.notify(ctx, fmt.Sprintf("script %q: the connection dropped after a version upload went out, and lumier sent "+
			"it again: version %s is the one deployed; if the lost upload arrived, the script has one more version "+
			"that is never deployed", name, id))
	}
	return id, nil
}

// Deploy routes script name's requests to versions (POST .../scripts/{name}/deployments, the
// percentage strategy): one version at 100, or two sharing the traffic.
func (s *ScriptService) Deploy(ctx context.Context, name string, versions []VersionShare) error {
	if err := s.c.precheckScript(ctx, name); err != nil {
		return fmt.Errorf("deploying script %q: %w", name, err)
	}
	params := workers.ScriptDeploymentNewParams{
		AccountID: cloudflare.F(s.c.accountID),
		Strategy:  cloudflare.F(workers.ScriptDeploymentNewParamsStrategyPercentage),
	}
	shares := make([]workers.ScriptDeploymentNewParamsVersion, len(versions))
	for i, v := range versions {
		shares[i] = workers.ScriptDeploymentNewParamsVersion{
			VersionID: cloudflare.F(v.VersionID), Percentage: cloudflare.F(v.Percentage),
		}
	}
	params.Versions = cloudflare.F(shares)
	// Deploying the same versions again leaves the same versions deployed.
	err := s.c.callRepeatable(func(opts ...option.RequestOption) error {
		_, err := s.c.cf.Workers.Scripts.Deployments.New(ctx, name, params, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("deploying script %q: %w", name, err)
	}
	return nil
}

// Deployment returns the versions of script name's current deployment (the first of GET
// .../scripts/{name}/deployments, the one serving traffic); none when it has no deployment.
func (s *ScriptService) Deployment(ctx context.Context, name string) ([]VersionShare, error) {
	if err := s.c.precheckScript(ctx, name); err != nil {
		return nil, fmt.Errorf("reading the deployment of script %q: %w", name, err)
	}
	var res *workers.ScriptDeploymentGetResponse
	err := s.c.call(func(opts ...option.RequestOption) error {
		var err error
		res, err = s.c.cf.Workers.Scripts.Deployments.Get(ctx, name, workers.ScriptDeploymentGetParams{
			AccountID: cloudflare.F(s.c.accountID),
		}, opts...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading the deployment of script %q: %w", name, err)
	}
	if len(res.Deployments) == 0 {
		return nil, nil
	}
	var out []VersionShare
	for _, v := range res.Deployments[0].Versions {
		out = append(out, VersionShare{VersionID: v.VersionID, Percentage: v.Percentage})
	}
	return out, nil
}

// PatchTags sets script name's tags (PATCH .../scripts/{name}/script-settings), which a
// version upload does not carry. cloudflare-go v4.6.0's ScriptSettingParam has no tags field,
// so the field is set on the typed call's body.
func (s *ScriptService) PatchTags(ctx context.Context, name string, tags []string) error {
	if err := s.c.precheckScript(ctx, name); err != nil {
		return fmt.Errorf("setting the tags of script %q: %w", name, err)
	}
	if tags == nil {
		tags = []string{}
	}
	err := s.c.call(func(opts ...option.RequestOption) error {
		opts = append(opts, option.WithJSONSet("tags", tags))
		_, err := s.c.cf.Workers.Scripts.Settings.Edit(ctx, name, workers.ScriptSettingEditParams{
			AccountID: cloudflare.F(s.c.accountID),
		}, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("setting the tags of script %q: %w", name, err)
	}
	return nil
}

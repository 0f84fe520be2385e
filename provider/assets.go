package provider

import (
	"context"
	"fmt"
	"slices"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/internal/assets"
	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/internal/naming"
)

// Assets are a Worker's static assets: a directory uploaded through Cloudflare's assets upload
// session and served for the paths it has (docs/cloudflare-api.md, "Static assets").
type Assets struct {
	Directory        string  `pulumi:"directory"`
	HTMLHandling     *string `pulumi:"htmlHandling,optional"`
	NotFoundHandling *string `pulumi:"notFoundHandling,optional"`
	RunWorkerFirst   *bool   `pulumi:"runWorkerFirst,optional"`
	Binding          *string `pulumi:"binding,optional"`
}

// Cloudflare's values and defaults of the assets options.
var (
	htmlHandlings     = []string{"auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none"}
	notFoundHandlings = []string{"none", "404-page", "single-page-application"}
)

// Annotate documents Assets in the schema.
func (a *Assets) Annotate(an infer.Annotator) {
	an.SetToken("index", "Assets")
	an.Describe(a, "Static assets of a Worker: the files of a directory, served at their paths before the Worker "+
		"runs. Only files Cloudflare does not have yet are uploaded; an unchanged directory uploads nothing.")
	an.Describe(&a.Directory, "Directory of the static files, relative to the Pulumi project. Cloudflare allows "+
		"20,000 files (Workers Free) or 100,000 (Workers Paid, see lumier:workersPlan) of at most 25 MiB each.")
	an.Describe(&a.HTMLHandling, "How HTML files are reached: auto-trailing-slash (the default: /about serves "+
		"about.html, /docs/ serves docs/index.html), force-trailing-slash, drop-trailing-slash or none.")
	an.Describe(&a.NotFoundHandling, "What env.ASSETS.fetch answers for a path no file has: none (the default, a "+
		"404), 404-page (the nearest 404.html, status 404) or single-page-application (index.html, status 200; "+
		"browser navigations to unknown paths also get index.html without running the Worker).")
	an.Describe(&a.RunWorkerFirst, "Run the Worker for every request, even one a file matches; it reaches the files "+
		"through its assets binding. Defaults to false.")
	an.Describe(&a.Binding, "Name of the env binding that fetches the assets (env.ASSETS.fetch(request)), for "+
		"example \"ASSETS\". No binding when unset.")
}

func (a *Assets) htmlHandling() string     { return derefOr(a.HTMLHandling, htmlHandlings[0]) }
func (a *Assets) notFoundHandling() string { return derefOr(a.NotFoundHandling, notFoundHandlings[0]) }
func (a *Assets) runWorkerFirst() bool     { return a.RunWorkerFirst != nil && *a.RunWorkerFirst }

func derefOr(s *string, def string) string {
	if s == nil || *s == "" {
		return def
	}
	return *s
}

// assetLimits are Cloudflare's limits for the configured plan.
func assetLimits(cfg Config) assets.Limits {
	plan, _ := cfg.sizeLimit()
	files := assets.MaxFilesPaid
	if plan == planFree {
		files = assets.MaxFilesFree
	}
	return assets.Limits{MaxFiles: files, MaxFileSize: assets.MaxFileSize, Plan: plan}
}

// checkAssets validates the assets options at preview and records the directory's manifest
// digest in args, so that Diff sees a changed file and an unchanged directory is no change.
func checkAssets(args *ScriptArgs, cfg Config) []p.CheckFailure {
	a := args.Assets
	if a == nil {
		args.AssetsHash = ""
		return nil
	}
	var failures []p.CheckFailure
	fail := func(property, format string, v ...any) {
		failures = append(failures, p.CheckFailure{Property: "assets." + property, Reason: fmt.Sprintf(format, v...)})
	}
	if a.HTMLHandling != nil && !slices.Contains(htmlHandlings, *a.HTMLHandling) {
		fail("htmlHandling", "assets.htmlHandling %q is not one of Cloudflare's: %s", *a.HTMLHandling, quoteList(htmlHandlings))
	}
	if a.NotFoundHandling != nil && !slices.Contains(notFoundHandlings, *a.NotFoundHandling) {
		fail("notFoundHandling", "assets.notFoundHandling %q is not one of Cloudflare's: %s", *a.NotFoundHandling, quoteList(notFoundHandlings))
	}
	if a.Binding != nil {
		if err := naming.ValidateBindingName(*a.Binding); err != nil {
			fail("binding", "%v", err)
		} else if slices.ContainsFunc(args.Bindings, func(b Binding) bool { return b.Name == *a.Binding }) || args.Secrets[*a.Binding] != "" {
			fail("binding", "binding name %q of the assets is also used by another binding: each env name must be unique, "+
				"rename one of them", *a.Binding)
		}
	}
	if a.Directory == "" {
		fail("directory", "assets.directory is empty: set it to the directory of the static files, for example \"public\"")
		return failures
	}
	m, err := assets.Scan(a.Directory, assetLimits(cfg))
	if err != nil {
		fail("directory", "%v", err)
		return failures
	}
	args.AssetsHash = m.Digest()
	return failures
}

func quoteList(values []string) string {
	out := ""
	for i, v := range values {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%q", v)
	}
	return out
}

// assetsState is what of the assets reaches Cloudflare: the contents (by digest, wherever the
// directory is) and the options with their defaults, for Diff and Update.
type assetsState struct {
	Hash, HTML, NotFound, Binding string
	RunWorkerFirst                bool
}

func assetsOf(args ScriptArgs) *assetsState {
	if args.Assets == nil {
		return nil
	}
	return &assetsState{Hash: args.AssetsHash, HTML: args.Assets.htmlHandling(), NotFound: args.Assets.notFoundHandling(),
		Binding: deref(args.Assets.Binding), RunWorkerFirst: args.Assets.runWorkerFirst()}
}

// syncAssets uploads the files of args.Assets Cloudflare lacks and returns the metadata that
// attaches them to the script upload, and the binding if one is asked for.
func syncAssets(ctx context.Context, c *cfapi.Client, args ScriptArgs) (*cfapi.Assets, []cfapi.Binding, error) {
	a := args.Assets
	if a == nil {
		return nil, nil, nil
	}
	m, err := assets.Scan(a.Directory, assetLimits(infer.GetConfig[Config](ctx)))
	if err != nil {
		return nil, nil, err
	}
	manifest := map[string]cfapi.AssetEntry{}
	for path, e := range m.Entries() {
		manifest[path] = cfapi.AssetEntry{Hash: e.Hash, Size: e.Size}
	}
	jwt, sent, err := c.Assets.Sync(ctx, args.ScriptName, manifest, func(hash string) (cfapi.AssetContent, error) {
		f, ok := m.ByHash(hash)
		if !ok {
			return cfapi.AssetContent{}, fmt.Errorf("asset %s was asked for by Cloudflare, but the directory %s does not have it", hash, m.Dir)
		}
		content, err := f.Read()
		return cfapi.AssetContent{Content: content, ContentType: f.ContentType}, err
	})
	if err != nil {
		return nil, nil, err
	}
	p.GetLogger(ctx).Infof("static assets of script %q: %d files, %d uploaded (the others Cloudflare already has)",
		args.ScriptName, len(m.Files), sent)
	run := a.runWorkerFirst()
	md := &cfapi.Assets{JWT: jwt, Config: &cfapi.AssetsConfig{
		HTMLHandling: a.htmlHandling(), NotFoundHandling: a.notFoundHandling(), RunWorkerFirst: &run,
	}}
	var bindings []cfapi.Binding
	if a.Binding != nil && *a.Binding != "" {
		bindings = append(bindings, cfapi.Binding{Type: cfapi.BindingAssets, Name: *a.Binding})
	}
	return md, bindings, nil
}

// withoutAssets drops the assets binding from what Cloudflare reports: it belongs to the assets
// option, not to the bindings.
func withoutAssets(reported []cfapi.Binding) []cfapi.Binding {
	return slices.DeleteFunc(slices.Clone(reported), func(b cfapi.Binding) bool { return b.Type == cfapi.BindingAssets })
}

// assetsInput is Assets as a Script input.
func assetsInput(a Assets) pulumi.Map {
	m := pulumi.Map{"directory": pulumi.String(a.Directory)}
	if a.HTMLHandling != nil {
		m["htmlHandling"] = pulumi.String(*a.HTMLHandling)
	}
	if a.NotFoundHandling != nil {
		m["notFoundHandling"] = pulumi.String(*a.NotFoundHandling)
	}
	if a.RunWorkerFirst != nil {
		m["runWorkerFirst"] = pulumi.Bool(*a.RunWorkerFirst)
	}
	if a.Binding != nil {
		m["binding"] = pulumi.String(*a.Binding)
	}
	return m
}

// assetsDoc documents the assets option of Workers.
const assetsDoc = "Static assets: {directory, htmlHandling?, notFoundHandling?, runWorkerFirst?, binding?}. The directory's " +
	"files are served at their paths before the Worker runs (unless runWorkerFirst); binding names an env binding " +
	"that fetches them."

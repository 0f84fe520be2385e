package lumier

import (
	"path/filepath"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AssetsOptions are a Worker's static assets, with Cloudflare's names and defaults.
type AssetsOptions struct {
	// Directory holds the static files, relative to the program's directory.
	Directory string
	// HTMLHandling is auto-trailing-slash (default), force-trailing-slash, drop-trailing-slash or none.
	HTMLHandling string
	// NotFoundHandling is none (default), 404-page or single-page-application.
	NotFoundHandling string
	// RunWorkerFirst runs the Worker for every request, even one a file matches.
	RunWorkerFirst bool
	// Binding names the env binding that fetches the assets (env.ASSETS.fetch), if any.
	Binding string
}

// args turns the options into the App's input; the directory is made absolute, as entries are,
// so that it means the same wherever the engine runs the provider.
func (o *AssetsOptions) args() AssetsPtrInput {
	if o == nil {
		return nil
	}
	dir := o.Directory
	if dir != "" {
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
	}
	a := AssetsArgs{Directory: pulumi.String(dir)}
	if o.HTMLHandling != "" {
		a.HtmlHandling = pulumi.StringPtr(o.HTMLHandling)
	}
	if o.NotFoundHandling != "" {
		a.NotFoundHandling = pulumi.StringPtr(o.NotFoundHandling)
	}
	if o.RunWorkerFirst {
		a.RunWorkerFirst = pulumi.BoolPtr(true)
	}
	if o.Binding != "" {
		a.Binding = pulumi.StringPtr(o.Binding)
	}
	return a
}

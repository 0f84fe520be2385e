package lumier

import (
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func TestAssetsOptionsArgs(t *testing.T) {
	var none *AssetsOptions
	if none.args() != nil {
		t.Fatal("no options, no input")
	}
	a, ok := (&AssetsOptions{Directory: "public", NotFoundHandling: "404-page", Binding: "ASSETS"}).args().(AssetsArgs)
	if !ok {
		t.Fatal("want AssetsArgs")
	}
	want, _ := filepath.Abs("public")
	if a.Directory != pulumi.String(want) {
		t.Errorf("directory %v, want %s (absolute, like entries)", a.Directory, want)
	}
	if a.HtmlHandling != nil || a.RunWorkerFirst != nil {
		t.Error("unset options stay unset, so the provider's defaults apply")
	}
	if a.NotFoundHandling == nil || a.Binding == nil {
		t.Error("set options are passed")
	}
}

// Command lumier-bindings writes the files made from the registry of binding kinds
// (internal/bindingkind). make gen runs it before cmd/lumier-gen, which builds the provider from
// those files to read its schema; lumier-gen -check checks them too. A developer tool, not shipped.
package main

import (
	"fmt"
	"os"

	"github.com/lumier-dev/lumier/devtools/bindinggen"
)

func main() {
	if err := bindinggen.Write(".", false); err != nil {
		fmt.Fprintln(os.Stderr, "lumier-bindings:", err)
		os.Exit(1)
	}
}

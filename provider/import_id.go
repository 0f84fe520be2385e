package provider

import (
	"fmt"
	"strings"
)

// importedID is the resource's own id from an import id "<accountId>/<id>"; form names the id's
// part in the error, e.g. "<namespaceId>".
func importedID(importID, form string) (string, error) {
	_, id, ok := strings.Cut(importID, "/")
	if !ok || id == "" {
		return "", fmt.Errorf("import id %q is not of the form <accountId>/%s", importID, form)
	}
	return id, nil
}

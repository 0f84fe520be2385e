package provider

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestImportedID(t *testing.T) {
	id, err := importedID("acc/ns1", "<namespaceId>")
	require.NoError(t, err)
	assert.Equal(t, "ns1", id)
	for _, bad := range []string{"ns1", "acc/", ""} {
		_, err := importedID(bad, "<namespaceId>")
		assert.EqualError(t, err, `import id "`+bad+`" is not of the form <accountId>/<namespaceId>`)
	}
}

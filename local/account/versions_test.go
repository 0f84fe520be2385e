package account

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The primary version (the one that hosts the Durable Objects) is the larger share, the newer
// version on a tie; the other one is the secondary.
func TestPrimaryAndSecondaryVersion(t *testing.T) {
	rec := &Script{Name: "x", Versions: []*Version{{ID: "v1", Number: 1}, {ID: "v2", Number: 2}}}
	for _, c := range []struct {
		d         []DeployedVersion
		primary   string
		secondary string
	}{
		{[]DeployedVersion{{"v1", 100}}, "v1", ""},
		{[]DeployedVersion{{"v2", 30}, {"v1", 70}}, "v1", "v2"},
		{[]DeployedVersion{{"v1", 50}, {"v2", 50}}, "v2", "v1"},
	} {
		rec.Deployments = []*Deployment{{Versions: c.d}}
		assert.Equal(t, c.primary, rec.PrimaryVersion(rec.CurrentDeployment()), "%v", c.d)
		v, _, ok := rec.SecondaryVersion()
		if c.secondary == "" {
			assert.False(t, ok, "%v", c.d)
		} else {
			require.True(t, ok, "%v", c.d)
			assert.Equal(t, c.secondary, v.ID)
		}
	}
}

// History stays bounded, but never drops a version a kept deployment uses.
func TestVersionsTrim(t *testing.T) {
	rec := &Script{Name: "x", ModifiedOn: time.Now()}
	rec.EnsureVersions()
	first := rec.Versions[0].ID
	rec.Deployments = append(rec.Deployments, &Deployment{Versions: []DeployedVersion{{first, 100}}})
	for i := 0; i < maxVersions+10; i++ {
		rec.AddVersion(&Version{ID: fmt.Sprint(i)})
	}
	assert.Len(t, rec.Versions, maxVersions)
	assert.NotNil(t, rec.FindVersion(first), "deployed version kept")
	assert.Equal(t, maxVersions+11, rec.Versions[len(rec.Versions)-1].Number, "numbers keep counting")
	for i := 0; i < maxDeployments+5; i++ {
		rec.DeployAll(rec.Versions[len(rec.Versions)-1])
	}
	assert.Len(t, rec.Deployments, maxDeployments)
}

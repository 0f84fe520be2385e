package provider

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

func TestPlanMigrationNewClasses(t *testing.T) {
	plan, err := planMigration("app-dev-api", "", nil,
		[]Class{{ClassName: "Counter"}, {ClassName: "Legacy", SQLite: ptr(false)}}, false)
	require.NoError(t, err)
	require.NotNil(t, plan.Migration)
	assert.Equal(t, "", plan.Migration.OldTag)
	assert.Equal(t, "v1", plan.Migration.NewTag)
	assert.Equal(t, []cfapi.MigrationStep{
		{NewSqliteClasses: []string{"Counter"}},
		{NewClasses: []string{"Legacy"}},
	}, plan.Migration.Steps)
}

func TestPlanMigrationNothingChanged(t *testing.T) {
	plan, err := planMigration("s", "v3", []existingClass{{Name: "Counter", SQLite: true}},
		[]Class{{ClassName: "Counter"}}, false)
	require.NoError(t, err)
	assert.Nil(t, plan.Migration, "no steps must mean no migrations in the upload")
}

func TestPlanMigrationAddsClassFromReportedTag(t *testing.T) {
	plan, err := planMigration("s", "v7", []existingClass{{Name: "Counter", SQLite: true}},
		[]Class{{ClassName: "Counter"}, {ClassName: "Chat"}}, false)
	require.NoError(t, err)
	assert.Equal(t, "v7", plan.Migration.OldTag)
	assert.Equal(t, "v8", plan.Migration.NewTag)
	assert.Equal(t, []cfapi.MigrationStep{{NewSqliteClasses: []string{"Chat"}}}, plan.Migration.Steps)
}

func TestPlanMigrationRename(t *testing.T) {
	plan, err := planMigration("s", "v1", []existingClass{{Name: "Counter", SQLite: true}},
		[]Class{{ClassName: "Tally", RenamedFrom: ptr("Counter")}}, false)
	require.NoError(t, err)
	assert.Equal(t, []cfapi.MigrationStep{{RenamedClasses: []cfapi.Rename{{From: "Counter", To: "Tally"}}}}, plan.Migration.Steps)
	assert.Empty(t, plan.Deleted)
}

func TestPlanMigrationTransfer(t *testing.T) {
	plan, err := planMigration("b", "", nil,
		[]Class{{ClassName: "Counter", TransferredFrom: &ClassRef{ScriptName: "a", ClassName: "Counter"}}}, false)
	require.NoError(t, err)
	assert.Equal(t, []cfapi.MigrationStep{{TransferredClasses: []cfapi.Transfer{{From: "Counter", FromScript: "a", To: "Counter"}}}},
		plan.Migration.Steps)
}

func TestPlanMigrationRefusesDataLoss(t *testing.T) {
	_, err := planMigration("app-dev-api", "v1", []existingClass{{Name: "Counter", SQLite: true}}, nil, false)
	var loss *DataLossError
	require.True(t, errors.As(err, &loss), "got %v", err)
	assert.Contains(t, err.Error(), `class "Counter" of script "app-dev-api"`)
	assert.Contains(t, err.Error(), "deleteData: true")

	plan, err := planMigration("app-dev-api", "v1", []existingClass{{Name: "Counter", SQLite: true}}, nil, true)
	require.NoError(t, err)
	assert.Equal(t, []string{"Counter"}, plan.Deleted)
	assert.Equal(t, []cfapi.MigrationStep{{DeletedClasses: []string{"Counter"}}}, plan.Migration.Steps)
}

func TestPlanMigrationRefusesStorageFlip(t *testing.T) {
	_, err := planMigration("s", "v1", []existingClass{{Name: "Counter", SQLite: true}},
		[]Class{{ClassName: "Counter", SQLite: ptr(false)}}, false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `class "Counter" of script "s" already stores its data in SQLite storage`)
}

func TestPlanMigrationRenameFromUnknownClass(t *testing.T) {
	_, err := planMigration("s", "v1", nil, []Class{{ClassName: "Tally", RenamedFrom: ptr("Counter")}}, false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `renamedFrom "Counter"`)
}

func TestNextTag(t *testing.T) {
	for in, want := range map[string]string{"": "v1", "v1": "v2", "v9": "v10", "release": "release-1", "2024-01-01-3": "2024-01-01-4"} {
		assert.Equal(t, want, nextTag(in), "nextTag(%q)", in)
	}
}

func TestPlanMigrationKeepsClassLeavingByTransfer(t *testing.T) {
	plan, err := planMigration("a", "v2", []existingClass{{Name: "Counter", SQLite: true}},
		[]Class{{ClassName: "Counter", TransferredTo: ptr("b")}}, false)
	require.NoError(t, err, "a class on its way to another script is neither new nor deleted")
	assert.Nil(t, plan.Migration)
}

func TestInferRenamesByDurableObjectName(t *testing.T) {
	old := []Class{{ClassName: "Counter", Name: ptr("counter")}}
	classes := []Class{{ClassName: "Tally", Name: ptr("counter")}, {ClassName: "Chat", Name: ptr("chat")}}
	inferRenames(classes, old)
	assert.Equal(t, "Counter", classes[0].renamedFrom())
	assert.Nil(t, classes[1].RenamedFrom, "a new name is a new class")

	same := []Class{{ClassName: "Counter", Name: ptr("counter")}}
	inferRenames(same, old)
	assert.Nil(t, same[0].RenamedFrom)
}

package provider

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

// existingClass is a Durable Object class as Cloudflare reports it for a script.
type existingClass struct {
	Name   string
	SQLite bool
}

// migrationPlan is what one upload must send to move a script's classes from what Cloudflare
// has to what the program declares.
type migrationPlan struct {
	Migration *cfapi.Migration
	// Deleted lists classes whose data the plan deletes; callers show it in previews.
	Deleted []string
}

// planMigration computes the migration for one upload. currentTag is the script's migration tag
// as the API reports it right now, so a re-run after a failed or out-of-band change starts from
// the truth rather than from Pulumi state. It refuses any plan that would delete data unless the
// class is listed in deletable.
func planMigration(script, currentTag string, existing []existingClass, desired []Class, deleteData bool) (migrationPlan, error) {
	have := map[string]existingClass{}
	for _, e := range existing {
		have[e.Name] = e
	}
	var step cfapi.MigrationStep
	consumed := map[string]bool{}
	for _, d := range desired {
		if d.transferredTo() != "" {
			// Leaving for another script: keep it (no step) while it is still here.
			consumed[d.ClassName] = true
			continue
		}
		if e, ok := have[d.ClassName]; ok {
			if e.SQLite != d.sqlite() {
				return migrationPlan{}, storageFlipError(script, d.ClassName, e.SQLite)
			}
			consumed[d.ClassName] = true
			continue
		}
		switch {
		case d.renamedFrom() != "":
			from, ok := have[d.renamedFrom()]
			if !ok {
				return migrationPlan{}, fmt.Errorf("class %q says renamedFrom %q, but script %q has no class %q (it has %s); "+
					"remove renamedFrom once the rename is deployed", d.ClassName, d.renamedFrom(), script, d.renamedFrom(), classList(existing))
			}
			if from.SQLite != d.sqlite() {
				return migrationPlan{}, storageFlipError(script, d.renamedFrom(), from.SQLite)
			}
			consumed[d.renamedFrom()] = true
			step.RenamedClasses = append(step.RenamedClasses, cfapi.Rename{From: d.renamedFrom(), To: d.ClassName})
		case d.TransferredFrom != nil:
			step.TransferredClasses = append(step.TransferredClasses, cfapi.Transfer{
				From: d.TransferredFrom.ClassName, FromScript: d.TransferredFrom.ScriptName, To: d.ClassName,
			})
		case d.sqlite():
			step.NewSqliteClasses = append(step.NewSqliteClasses, d.ClassName)
		default:
			step.NewClasses = append(step.NewClasses, d.ClassName)
		}
	}
	var deleted []string
	for _, e := range existing {
		if consumed[e.Name] {
			continue
		}
		if !deleteData {
			return migrationPlan{}, &DataLossError{Script: script, Classes: []string{e.Name}}
		}
		deleted = append(deleted, e.Name)
	}
	sort.Strings(deleted)
	step.DeletedClasses = deleted

	steps := splitSteps(step)
	if len(steps) == 0 {
		return migrationPlan{}, nil
	}
	return migrationPlan{
		Migration: &cfapi.Migration{OldTag: currentTag, NewTag: nextTag(currentTag), Steps: steps},
		Deleted:   deleted,
	}, nil
}

// splitSteps puts each kind of change in its own step, in the order Cloudflare applies them.
func splitSteps(s cfapi.MigrationStep) []cfapi.MigrationStep {
	var steps []cfapi.MigrationStep
	if len(s.NewSqliteClasses) > 0 {
		steps = append(steps, cfapi.MigrationStep{NewSqliteClasses: s.NewSqliteClasses})
	}
	if len(s.NewClasses) > 0 {
		steps = append(steps, cfapi.MigrationStep{NewClasses: s.NewClasses})
	}
	if len(s.RenamedClasses) > 0 {
		steps = append(steps, cfapi.MigrationStep{RenamedClasses: s.RenamedClasses})
	}
	if len(s.TransferredClasses) > 0 {
		steps = append(steps, cfapi.MigrationStep{TransferredClasses: s.TransferredClasses})
	}
	if len(s.DeletedClasses) > 0 {
		steps = append(steps, cfapi.MigrationStep{DeletedClasses: s.DeletedClasses})
	}
	return steps
}

var trailingNumber = regexp.MustCompile(`^(.*?)(\d+)$`)

// nextTag derives the tag after current. Tags written by other tools ("v3", "2024-01-01-1") keep
// their prefix so the history stays readable.
func nextTag(current string) string {
	if current == "" {
		return "v1"
	}
	m := trailingNumber.FindStringSubmatch(current)
	if m == nil {
		return current + "-1"
	}
	n, err := strconv.Atoi(m[2])
	if err != nil {
		return current + "-1"
	}
	return m[1] + strconv.Itoa(n+1)
}

// DataLossError refuses a change that would delete Durable Object data the user did not opt in
// to deleting.
type DataLossError struct {
	Script  string
	Classes []string
}

func (e *DataLossError) Error() string {
	return fmt.Sprintf("refusing to delete Durable Object data: class %s of script %q is no longer declared, and removing it "+
		"deletes every object it stores and their data. To keep the data, declare the class again (or use renamedFrom "+
		"to rename it). To delete the data, set deleteData: true on the Worker (or removal: \"remove\" in the app)",
		strings.Join(quoteAll(e.Classes), ", "), e.Script)
}

func storageFlipError(script, class string, isSQLite bool) error {
	now, want := "key-value", "SQLite"
	if isSQLite {
		now, want = "SQLite", "key-value"
	}
	return fmt.Errorf("class %q of script %q already stores its data in %s storage, and Cloudflare cannot change a "+
		"class's storage to %s. Keep sqlite at its current value, or declare a new class with the storage you want "+
		"and move the data yourself", class, script, now, want)
}

func classList(cs []existingClass) string {
	if len(cs) == 0 {
		return "none"
	}
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = strconv.Quote(c.Name)
	}
	return strings.Join(names, ", ")
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/internal/sqlsplit"
)

// d1MigrationsTable is where applied migrations are recorded, with wrangler's name and columns
// (docs/architecture.md, "D1 migrations"), so wrangler and lumier see the same history.
const d1MigrationsTable = "d1_migrations"

// d1MigrationsTableSQL creates the table as wrangler does.
const d1MigrationsTableSQL = "CREATE TABLE IF NOT EXISTS " + d1MigrationsTable + "(\n" +
	"  id         INTEGER PRIMARY KEY AUTOINCREMENT,\n" +
	"  name       TEXT UNIQUE,\n" +
	"  applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL\n)"

// d1ProbeTable is a table no migration creates: a query ending in a select from it always fails,
// so nothing of it is kept, and its error tells that the statements before it succeeded.
const d1ProbeTable = "__lumier_statement_probe__"

// d1SQLErrorCode is Cloudflare's code for a statement SQLite refused (docs/cloudflare-api.md, D1).
const d1SQLErrorCode = 7500

// readMigrations lists the *.sql files of dir in file-name order with their hashes.
func readMigrations(dir string) ([]D1Migration, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading migrations folder %q: %w; set migrationsDir to a folder of *.sql files "+
			"(relative to the Pulumi project)", dir, err)
	}
	var out []D1Migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("reading migration %q: %w", filepath.Join(dir, e.Name()), err)
		}
		sum := sha256.Sum256(b)
		out = append(out, D1Migration{Name: e.Name(), SHA256: hex.EncodeToString(sum[:])})
	}
	slices.SortFunc(out, func(a, b D1Migration) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// changedMigrations names the files that were applied with one content and now have another.
// A hash of "" (a migration another tool applied before import) is not compared.
func changedMigrations(applied, files []D1Migration) []string {
	var out []string
	for _, f := range files {
		i := slices.IndexFunc(applied, func(a D1Migration) bool { return a.Name == f.Name })
		if i >= 0 && applied[i].SHA256 != "" && applied[i].SHA256 != f.SHA256 {
			out = append(out, f.Name)
		}
	}
	return out
}

// withFileHashes gives each applied migration whose hash is unknown (another tool applied it
// before an import) the hash of the file of its name, so that a later edit of that file is
// refused like any other.
func withFileHashes(applied, files []D1Migration) []D1Migration {
	out := slices.Clone(applied)
	for i, a := range out {
		if j := slices.IndexFunc(files, func(f D1Migration) bool { return f.Name == a.Name }); a.SHA256 == "" && j >= 0 {
			out[i].SHA256 = files[j].SHA256
		}
	}
	return out
}

// migrationRename is an applied migration file found again under another name, with the same content.
type migrationRename struct{ from, to string }

// migrationSteps is what an update does to a database's migrations: the files renamed since they
// were applied, the files another tool already applied and recorded, and the files to apply.
type migrationSteps struct {
	renamed  []migrationRename
	recorded []D1Migration
	pending  []D1Migration
}

// planMigrations compares the files with the applied migrations. A file under a name never
// applied, with the content of an applied migration whose name no file has any more, is that
// migration renamed: applying it would run it twice. Every other file not applied under its name
// is pending, in file-name order.
func planMigrations(applied, files []D1Migration) migrationSteps {
	present := map[string]bool{}
	for _, f := range files {
		present[f.Name] = true
	}
	taken := map[int]bool{} // each applied migration is the source of one rename at most
	var steps migrationSteps
	for _, f := range files {
		if slices.ContainsFunc(applied, func(a D1Migration) bool { return a.Name == f.Name }) {
			continue
		}
		from := -1
		for i, a := range applied {
			if f.SHA256 != "" && a.SHA256 == f.SHA256 && !taken[i] && !present[a.Name] {
				from = i
				break
			}
		}
		if from >= 0 {
			taken[from] = true
			steps.renamed = append(steps.renamed, migrationRename{from: applied[from].Name, to: f.Name})
			continue
		}
		steps.pending = append(steps.pending, f)
	}
	return steps
}

// withRecorded moves the pending files that d1_migrations records (another tool applied them)
// out of pending.
func (s migrationSteps) withRecorded(recorded []string) migrationSteps {
	pending := s.pending
	s.pending = nil
	for _, m := range pending {
		if slices.Contains(recorded, m.Name) {
			s.recorded = append(s.recorded, m)
		} else {
			s.pending = append(s.pending, m)
		}
	}
	return s
}

// any reports whether the steps change the database or its record in state.
func (s migrationSteps) any() bool {
	return len(s.renamed)+len(s.recorded)+len(s.pending) > 0
}

// report says in the preview what each step does to database name.
func (s migrationSteps) report(ctx context.Context, name string) {
	log := p.GetLogger(ctx)
	for _, r := range s.renamed {
		log.Infof("D1 database %q: migration %q is %q renamed (the same content), which was applied: it is not "+
			"applied again, and d1_migrations records it under its new name", name, r.to, r.from)
	}
	for _, m := range s.recorded {
		log.Infof("D1 database %q: migration %q is already recorded in d1_migrations (another tool, such as wrangler, "+
			"applied it): it is not applied again", name, m.Name)
	}
	for _, m := range s.pending {
		log.Infof("D1 database %q: migration %q will be applied", name, m.Name)
	}
}

// renameApplied records the renamed files under their new names, in d1_migrations (so that
// wrangler, which matches by name, does not run them again) and in applied.
func renameApplied(ctx context.Context, d1 d1Querier, id string, applied []D1Migration, renamed []migrationRename) ([]D1Migration, error) {
	if len(renamed) == 0 {
		return applied, nil
	}
	stmts := []string{d1MigrationsTableSQL}
	out := slices.Clone(applied)
	for _, r := range renamed {
		// OR IGNORE: a new name another tool recorded already keeps its row.
		stmts = append(stmts, "UPDATE OR IGNORE "+d1MigrationsTable+" SET name = "+sqlString(r.to)+" WHERE name = "+sqlString(r.from))
		for i := range out {
			if out[i].Name == r.from {
				out[i].Name = r.to
			}
		}
	}
	if _, err := d1.Query(ctx, id, strings.Join(stmts, ";\n")); err != nil {
		return applied, fmt.Errorf("recording renamed migrations in %s: %w", d1MigrationsTable, err)
	}
	return out, nil
}

// readRecorded reads the names d1_migrations records, in order: none when the table does not
// exist (no tool applied a migration). It only reads, so a preview may call it.
func readRecorded(ctx context.Context, d1 d1Querier, id string) ([]string, error) {
	res, err := d1.Query(ctx, id, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = "+sqlString(d1MigrationsTable))
	if err != nil {
		return nil, fmt.Errorf("reading the applied migrations: %w", err)
	}
	if len(res) == 0 || len(res[0]) == 0 {
		return nil, nil
	}
	if res, err = d1.Query(ctx, id, "SELECT name FROM "+d1MigrationsTable+" ORDER BY id"); err != nil {
		return nil, fmt.Errorf("reading the applied migrations: %w", err)
	}
	return recordedNames(res[0]), nil
}

// recordedNames are the names of d1_migrations rows.
func recordedNames(rows cfapi.D1Rows) []string {
	var names []string
	for _, row := range rows {
		if name, ok := row["name"].(string); ok {
			names = append(names, name)
		}
	}
	return names
}

// sqlString is s as an SQL string literal.
func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// d1Querier is the part of the D1 calls (cfapi.D1Service) migrations use.
type d1Querier interface {
	Query(ctx context.Context, id, sql string, params ...string) ([]cfapi.D1Rows, error)
}

// applyMigrations applies the pending files of dir to database id, in order, each in one query
// with its record in d1_migrations, so that a file is applied and recorded wholly or not at all.
// Files d1_migrations already records (applied by another tool) are taken as applied. It returns
// applied plus what it applied; on a failure, the files before the failing one are in it, and
// the error names the file and the statement.
func applyMigrations(ctx context.Context, d1 d1Querier, id, dir string, applied, pending []D1Migration) ([]D1Migration, error) {
	if len(pending) == 0 {
		return applied, nil
	}
	res, err := d1.Query(ctx, id, d1MigrationsTableSQL+";\nSELECT name FROM "+d1MigrationsTable+" ORDER BY id")
	if err != nil {
		return applied, fmt.Errorf("reading the applied migrations: %w", err)
	}
	var recorded []string
	if len(res) == 2 {
		recorded = recordedNames(res[1])
	}
	out := slices.Clone(applied)
	for _, m := range pending {
		if slices.Contains(recorded, m.Name) {
			out = append(out, m)
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, m.Name))
		if err != nil {
			return out, fmt.Errorf("reading migration %q: %w", m.Name, err)
		}
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != m.SHA256 {
			return out, fmt.Errorf("migration %q changed since the preview: run `pulumi up` again", m.Name)
		}
		stmts := sqlsplit.Split(string(b))
		record := "INSERT INTO " + d1MigrationsTable + " (name) VALUES (" + sqlString(m.Name) + ")"
		if _, err := d1.Query(ctx, id, strings.Join(append(slices.Clone(stmts), record), ";\n")); err != nil {
			return out, migrationError(ctx, d1, id, m.Name, stmts, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// migrationError says which file and statement failed. When Cloudflare refused a statement, the
// statements are replayed in growing prefixes, each followed by a select from d1ProbeTable so
// that the query fails and keeps nothing, until one fails with another error: that is the
// statement. Each call is one transaction (docs/cloudflare-api.md, D1), so the probe changes nothing.
func migrationError(ctx context.Context, d1 d1Querier, id, file string, stmts []string, err error) error {
	const tail = "the migrations before it are applied and recorded; fix the file and run `pulumi up` again"
	var lost *cfapi.LostAnswerError
	if errors.As(err, &lost) {
		return fmt.Errorf("applying migration %q: %w. The file and its record in %s are one transaction, applied "+
			"wholly or not at all, and the migrations before it are applied and recorded: run `pulumi up` again, which "+
			"applies the file only if %s does not record it", file, err, d1MigrationsTable, d1MigrationsTable)
	}
	apiErr, ok := cfapi.AsAPIError(err)
	if !ok || apiErr.Code != d1SQLErrorCode || len(stmts) == 0 {
		return fmt.Errorf("applying migration %q: %w; %s", file, err, tail)
	}
	probe := "SELECT * FROM " + d1ProbeTable
	for i := range stmts {
		_, perr := d1.Query(ctx, id, strings.Join(append(slices.Clone(stmts[:i+1]), probe), ";\n"))
		pe, ok := cfapi.AsAPIError(perr)
		if !ok {
			break // no answer to read: name the file only
		}
		if !strings.Contains(pe.Message, d1ProbeTable) {
			return fmt.Errorf("applying migration %q: statement %d (%s) failed: %s; %s", file, i+1, excerpt(stmts[i]), pe.Message, tail)
		}
	}
	return fmt.Errorf("applying migration %q: %w; %s", file, err, tail)
}

// excerpt is a statement shortened to one line for an error message.
func excerpt(stmt string) string {
	s := strings.Join(strings.Fields(stmt), " ")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// d1TablesWithRows names up to limit user tables of database id that hold rows (not SQLite's,
// D1's or d1_migrations); more is true when there are more.
func d1TablesWithRows(ctx context.Context, d1 d1Querier, id string, limit int) (names []string, more bool, err error) {
	// GLOB, not LIKE: in LIKE, "_" matches any character, so '_cf_%' would also skip a user's
	// table such as "acfx"; GLOB's only wildcard here is "*".
	res, err := d1.Query(ctx, id, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT GLOB 'sqlite_*' "+
		"AND name NOT GLOB '_cf_*' AND name <> '"+d1MigrationsTable+"' ORDER BY name")
	if err != nil {
		return nil, false, err
	}
	if len(res) == 0 || len(res[0]) == 0 {
		return nil, false, nil
	}
	var parts []string
	for _, row := range res[0] {
		name, _ := row["name"].(string)
		lit := sqlString(name)
		ident := `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
		parts = append(parts, "SELECT "+lit+" AS name WHERE EXISTS (SELECT 1 FROM "+ident+")")
	}
	res, err = d1.Query(ctx, id, strings.Join(parts, " UNION ALL "))
	if err != nil {
		return nil, false, err
	}
	if len(res) == 0 {
		return nil, false, errors.New("the query for tables with rows returned nothing")
	}
	for _, row := range res[0] {
		if name, ok := row["name"].(string); ok {
			names = append(names, name)
		}
	}
	if len(names) > limit {
		return names[:limit], true, nil
	}
	return names, false, nil
}

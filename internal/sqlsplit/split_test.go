package sqlsplit

import (
	"slices"
	"testing"
)

func TestSplit(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []string
	}{
		{"two statements", "CREATE TABLE a (x);\nINSERT INTO a VALUES (1);", []string{"CREATE TABLE a (x)", "INSERT INTO a VALUES (1)"}},
		{"no final semicolon", "SELECT 1; SELECT 2", []string{"SELECT 1", "SELECT 2"}},
		{"semicolons in strings and names", `INSERT INTO "a;b" VALUES ('x;''y', [c;d], ` + "`e;f`" + `); SELECT 1`,
			[]string{`INSERT INTO "a;b" VALUES ('x;''y', [c;d], ` + "`e;f`" + `)`, "SELECT 1"}},
		{"comments", "-- one; two\nSELECT 1; /* three; */ SELECT 2;\n-- trailing\n", []string{"-- one; two\nSELECT 1", "/* three; */ SELECT 2"}},
		{"empty", " ;; \n", nil},
		{"trigger body", "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET n = n + 1; DELETE FROM c; END; SELECT 1",
			[]string{"CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET n = n + 1; DELETE FROM c; END", "SELECT 1"}},
		{"trigger with case", "CREATE TEMP TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET n = CASE WHEN 1 THEN 2 END; END;",
			[]string{"CREATE TEMP TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET n = CASE WHEN 1 THEN 2 END; END"}},
		{"begin transaction is not a trigger", "BEGIN; SELECT 1; END;", []string{"BEGIN", "SELECT 1", "END"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Split(c.in); !slices.Equal(got, c.want) {
				t.Fatalf("Split(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

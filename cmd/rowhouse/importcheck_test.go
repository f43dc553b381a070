package main

// Process tests of what rowhouse import says before it writes: values
// that do not fit their column, why a column is Text, renamed columns,
// --strict; and XLSX cells read by their types and number formats.

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	rhc "github.com/rowhouse/rowhouse/client"
)

// TestImportXLSXCellTypes: dates, date-times, booleans and numbers are
// read as the sheet holds them, whatever format shows them: a new table
// gets typed columns, and an existing Date column gets dates, not text.
func TestImportXLSXCellTypes(t *testing.T) {
	env, c, doc := importEnv(t)
	f := excelize.NewFile()
	shortDate, _ := f.NewStyle(&excelize.Style{NumFmt: 14}) // shown as 01-15-24
	dateTime, _ := f.NewStyle(&excelize.Style{NumFmt: 22})
	money, _ := f.NewStyle(&excelize.Style{NumFmt: 4})
	rows := [][]any{{"name", "joined", "seen", "active", "qty", "price"},
		{"Ann", 45306, 45306.4375, true, 3, 1234.5},
		{"Bob", 45337, 45337.75, false, 4, 2}}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Sheet1", cell, &r)
	}
	f.SetCellStyle("Sheet1", "B2", "B3", shortDate)
	f.SetCellStyle("Sheet1", "C2", "C3", dateTime)
	f.SetCellStyle("Sheet1", "F2", "F3", money)
	path := filepath.Join(t.TempDir(), "people.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	f.Close()

	res := runBinary(t, env, "import", path, "--doc", doc, "--table", "People")
	wantRun(t, res, 0, "2 records written (2 added, 0 updated), 0 failed\n",
		"created table People: name Text, joined Date, seen DateTime:UTC, active Bool, qty Int, price Numeric")
	got := records(t, c, doc, "People")
	day := func(y int, m time.Month, d int) float64 {
		return float64(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix())
	}
	if len(got) != 2 || got[0].Fields["joined"] != day(2024, 1, 15) || got[1].Fields["joined"] != day(2024, 2, 15) ||
		got[0].Fields["seen"] != day(2024, 1, 15)+10.5*3600 || got[0].Fields["active"] != true || got[1].Fields["active"] != false ||
		got[0].Fields["qty"] != float64(3) || got[0].Fields["price"] != 1234.5 {
		t.Fatalf("records %+v", got)
	}

	// The same sheet into an existing table whose joined column is a Date.
	d := c.Doc(doc)
	if _, err := d.CreateTables(t.Context(), rhc.NewTable{ID: "Staff", Columns: []rhc.NewColumn{
		{ID: "name"}, {ID: "joined", Fields: rhc.ColumnFields{Type: "Date"}}}}); err != nil {
		t.Fatal(err)
	}
	res = runBinary(t, env, "import", path, "--doc", doc, "--table", "Staff", "--strict")
	wantRun(t, res, 0, "2 records written (2 added, 0 updated), 0 failed\n")
	if strings.Contains(res.stderr, "do not fit") {
		t.Errorf("dates reported as not fitting a Date column:\n%s", res.stderr)
	}
	staff := records(t, c, doc, "Staff")
	if len(staff) != 2 || staff[0].Fields["joined"] != day(2024, 1, 15) {
		t.Fatalf("staff %+v", staff)
	}
}

// TestImportReportsBeforeWriting: each value that does not fit its
// column's type (with its line and column), why a column is Text, and each
// renamed column are said before anything is written; the summary counts
// the values kept as text; --strict refuses the file instead.
func TestImportReportsBeforeWriting(t *testing.T) {
	env, c, doc := importEnv(t)
	csv := "id,First Name,qty,zip\n" +
		"1,Ann,3,01234\n" +
		"2,Bob,4,75001\n" +
		"3,Cy,5,x9\n" +
		"4,Di,n/a,\n" +
		"5,Ed,-,10115\n"
	path := writeFile(t, "people.csv", csv)

	// --strict: refused, nothing written, everything listed.
	res := runBinary(t, env, "import", path, "--doc", doc, "--table", "People", "--sample", "3", "--strict")
	wantRun(t, res, 1, "",
		`file column "id" becomes column id2`,
		`file column "First Name" becomes column First_Name`,
		`column zip is Text: line 2 has "01234" (a leading zero, kept as text; not a boolean, a date or a date and time)`,
		"2 value(s) do not fit their column's type",
		`line 5, column qty (Int): "n/a" is not a whole number`,
		`line 6, column qty (Int): "-" is not a whole number`,
		"new columns' types come from the first 3 rows",
		"--strict: 2 value(s) do not fit their column's type and 2 column(s) would be renamed", "nothing was written")
	if _, err := c.Doc(doc).Columns(t.Context(), "People"); rhc.StatusOf(err) != 404 {
		t.Fatalf("--strict created the table (%v)", err)
	}

	// Without --strict: the same report first, then the import, and the
	// summary says what was kept as text.
	res = runBinary(t, env, "import", path, "--doc", doc, "--table", "People", "--sample", "3")
	wantRun(t, res, 0, "5 records written (5 added, 0 updated), 0 failed; 2 value(s) stored as text, not fitting their column's type (listed above)",
		`file column "id" becomes column id2`, `line 5, column qty (Int): "n/a" is not a whole number`)
	if i, j := strings.Index(res.stderr, "do not fit"), strings.Index(res.stderr, "created table"); i < 0 || j < 0 || i > j {
		t.Errorf("the report does not come before the writes:\n%s", res.stderr)
	}
	got := records(t, c, doc, "People")
	if len(got) != 5 || got[3].Fields["qty"] != "n/a" || got[0].Fields["qty"] != float64(3) || got[0].Fields["id2"] != float64(1) ||
		got[0].Fields["First_Name"] != "Ann" || got[0].Fields["zip"] != "01234" {
		t.Fatalf("records %+v", got)
	}

	// Into the existing table: its Int column checks every row.
	more := writeFile(t, "more.csv", "First Name,qty\nFay,seven\nGus,8\n")
	res = runBinary(t, env, "import", more, "--doc", doc, "--table", "People", "--strict")
	wantRun(t, res, 1, "", `line 2, column qty (Int): "seven" is not a whole number`, "nothing was written")
	if n := len(records(t, c, doc, "People")); n != 5 {
		t.Fatalf("--strict wrote records: %d", n)
	}
}

// TestImportXLSXReportsCells: in a workbook, a value is placed by row and
// cell.
func TestImportXLSXReportsCells(t *testing.T) {
	env, _, doc := importEnv(t)
	f := excelize.NewFile()
	for i, r := range [][]any{{"name", "qty"}, {"a", 1}, {"b", 2}, {"c", "many"}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Sheet1", cell, &r)
	}
	path := filepath.Join(t.TempDir(), "q.xlsx")
	f.SaveAs(path)
	f.Close()
	res := runBinary(t, env, "import", path, "--doc", doc, "--table", "Q", "--sample", "2", "--strict")
	wantRun(t, res, 1, "", `row 4 (cell B4), column qty (Int): "many" is not a whole number`)
	res = runBinary(t, env, "import", path, "--doc", doc, "--table", "Q2")
	wantRun(t, res, 0, "3 records written", `column qty is Text: row 2 has "1" (not a boolean, a date or a date and time), row 4 has "many" (not a number)`)
	if strings.Contains(res.stderr, "column name is Text") {
		t.Errorf("a column of plain text is explained:\n%s", res.stderr)
	}
}

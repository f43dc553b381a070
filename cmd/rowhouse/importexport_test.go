package main

// Process tests of `rowhouse import` and `rowhouse export`: the real
// binary against a real server (both started by the helpers of
// proc_test.go), checked through the client package.

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	rhc "github.com/rowhouse/rowhouse/client"
)

// importEnv starts a server, creates a document, and returns the
// environment that points the commands at it, and a client.
func importEnv(t *testing.T) (env []string, c *rhc.Client, docID string) {
	t.Helper()
	p := startServer(t, t.TempDir(), "ROWHOUSE_OWNER_API_KEY="+ownerKey)
	c = rhc.New(p.URL, ownerKey)
	ws, err := c.CreateWorkspace(t.Context(), "current", "Imports")
	if err != nil {
		t.Fatal(err)
	}
	docID, err = c.CreateDoc(t.Context(), ws, "Imported")
	if err != nil {
		t.Fatal(err)
	}
	return []string{"ROWHOUSE_URL=" + p.URL, "ROWHOUSE_API_KEY=" + ownerKey}, c, docID
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// records reads a table whole, by id.
func records(t *testing.T, c *rhc.Client, docID, table string) []rhc.Record {
	t.Helper()
	var out []rhc.Record
	for r, err := range c.Doc(docID).All(t.Context(), table, nil) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func wantRun(t *testing.T, res result, code int, stdout string, stderr ...string) {
	t.Helper()
	if res.code != code {
		t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", res.code, code, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stdout, stdout) {
		t.Fatalf("stdout %q does not contain %q (stderr %s)", res.stdout, stdout, res.stderr)
	}
	for _, s := range stderr {
		if !strings.Contains(res.stderr, s) {
			t.Fatalf("stderr %q does not contain %q", res.stderr, s)
		}
	}
}

func TestImportReimportExport(t *testing.T) {
	env, c, doc := importEnv(t)
	ctx := t.Context()
	a := writeFile(t, "products.csv", "sku,name,qty,price,active,since,zip\n"+
		"A1,Widget,3,1.5,yes,2024-01-02,01234\n"+
		"A2,\"Gadget, large\",,2,no,2024-02-03,12345\n")
	res := runBinary(t, env, "import", a, "--doc", doc, "--table", "Products")
	wantRun(t, res, 0, "products.csv -> "+doc+"/Products: 2 records written (2 added, 0 updated), 0 failed",
		"created table Products: sku Text, name Text, qty Int, price Numeric, active Bool, since Date, zip Text",
		"imported 2/2 records (100%)")

	got := records(t, c, doc, "Products")
	since := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC).Unix()
	if len(got) != 2 || got[0].Fields["name"] != "Widget" || got[0].Fields["qty"] != float64(3) || got[0].Fields["price"] != 1.5 ||
		got[0].Fields["active"] != true || got[0].Fields["since"] != float64(since) || got[0].Fields["zip"] != "01234" ||
		got[1].Fields["name"] != "Gadget, large" || got[1].Fields["qty"] != nil || got[1].Fields["active"] != false {
		t.Fatalf("imported records %+v", got)
	}

	// Change the spreadsheet and import it again by key: one updated, one
	// added, and a new column is added to the table.
	b := writeFile(t, "products.csv", "sku,name,qty,price,active,since,zip,color\n"+
		"A1,Widget v2,4,1.5,yes,2024-01-02,01234,red\n"+
		"A3,Thing,1,9.25,no,2024-03-04,999,blue\n")
	res = runBinary(t, env, "import", "--doc", doc, b, "--table", "Products", "--key-column", "sku", "--chunk", "1")
	wantRun(t, res, 0, "2 records written (1 added, 1 updated), 0 failed", "added column color (Text) to Products")
	got = records(t, c, doc, "Products")
	if len(got) != 3 || got[0].Fields["name"] != "Widget v2" || got[0].Fields["qty"] != float64(4) || got[0].Fields["color"] != "red" ||
		got[1].Fields["name"] != "Gadget, large" || got[2].Fields["sku"] != "A3" || got[2].Fields["price"] != 9.25 {
		t.Fatalf("re-imported records %+v", got)
	}

	// Export it back: CSV to a file, JSON to stdout, XLSX to a file.
	out := filepath.Join(t.TempDir(), "out.csv")
	res = runBinary(t, env, "export", "--doc", doc, "--table", "Products", "--format", "csv", "--output", out)
	wantRun(t, res, 0, "", "exported "+doc+" to "+out)
	csvOut, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	wantCSV := "sku,name,qty,price,active,since,zip,color\n" +
		"A1,Widget v2,4,1.5,true,2024-01-02,01234,red\n" +
		"A2,\"Gadget, large\",,2,false,2024-02-03,12345,\n" +
		"A3,Thing,1,9.25,false,2024-03-04,999,blue\n"
	if got := strings.ReplaceAll(string(csvOut), "\r\n", "\n"); got != wantCSV {
		t.Fatalf("exported csv:\n%s\nwant:\n%s", got, wantCSV)
	}

	res = runBinary(t, env, "export", "--doc", doc, "--table", "Products", "--format", "json")
	wantRun(t, res, 0, `"records"`)
	var js struct {
		Records []rhc.Record `json:"records"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &js); err != nil {
		t.Fatalf("json export %q: %v", res.stdout, err)
	}
	if len(js.Records) != 3 || js.Records[2].Fields["color"] != "blue" || js.Records[0].ID != got[0].ID {
		t.Fatalf("json export %+v", js.Records)
	}
	res = runBinary(t, env, "export", "--doc", doc, "--format", "json")
	var all struct {
		Tables []struct {
			ID   string `json:"id"`
			Data struct {
				Records []rhc.Record `json:"records"`
			} `json:"data"`
		} `json:"tables"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &all); err != nil || len(all.Tables) != 1 || all.Tables[0].ID != "Products" || len(all.Tables[0].Data.Records) != 3 {
		t.Fatalf("json export of every table %q: %v", res.stdout, err)
	}

	xlsx := filepath.Join(t.TempDir(), "out.xlsx")
	res = runBinary(t, env, "export", "--doc", doc, "--format", "xlsx", "--output", xlsx)
	wantRun(t, res, 0, "")
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("Products")
	f.Close()
	if err != nil || len(rows) != 4 || !slices.Equal(rows[0][:3], []string{"sku", "name", "qty"}) || rows[3][1] != "Thing" {
		t.Fatalf("xlsx rows %v %v", rows, err)
	}

	// The exported workbook imports back into another table.
	res = runBinary(t, env, "import", xlsx, "--doc", doc, "--table", "Copy", "--sheet", "Products")
	wantRun(t, res, 0, "3 records written (3 added, 0 updated), 0 failed")
	cp := records(t, c, doc, "Copy")
	if len(cp) != 3 || cp[2].Fields["name"] != "Thing" || cp[2].Fields["sku"] != "A3" || cp[1].Fields["color"] != "" {
		t.Fatalf("re-imported xlsx %+v", cp)
	}

	// A failed export leaves no file behind.
	bad := filepath.Join(t.TempDir(), "bad.csv")
	res = runBinary(t, env, "export", "--doc", doc, "--table", "Nope", "--format", "csv", "--output", bad)
	wantRun(t, res, 1, "", `Table not found "Nope"`)
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Fatalf("a failed export left %s: %v", bad, err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(bad), "*")); len(left) != 0 {
		t.Fatalf("a failed export left %v", left)
	}
	_ = ctx
}

func TestImportBadInput(t *testing.T) {
	env, c, doc := importEnv(t)
	cases := []struct {
		name    string
		file    string // name; its content is content
		content string
		args    []string
		code    int
		stderr  []string
	}{
		{"inconsistent rows", "rows.csv", "a,b\n1,2\n3\n4,5\n6,7,8\n", nil, 1,
			[]string{"line 3 has 1 fields, the header has 2", "line 5 has 3 fields, the header has 2", "2 problem(s)", "nothing was written"}},
		{"duplicate keys", "dups.csv", "k,v\nx,1\ny,2\nx,3\n\"\",4\ny,5\n", []string{"--key-column", "k"}, 1,
			[]string{`duplicate key k="x" on lines 2 and 4`, "line 5 has an empty key (k)", `duplicate key k="y" on lines 3 and 6`, "nothing was written"}},
		{"not UTF-8 when told UTF-8", "latin.csv", "a,b\nok,1\ncaf\xe9,2\n", []string{"--encoding", "utf-8"}, 1,
			[]string{"line 3 is not valid UTF-8", "nothing was written"}},
		{"bad quoting", "quote.csv", "a,b\n1,\"2\n", nil, 1, []string{"nothing was written"}},
		{"unknown key column", "k.csv", "a,b\n1,2\n", []string{"--key-column", "z"}, 1,
			[]string{`--key-column "z" is not a column of the file (columns: a, b)`}},
		{"empty file", "empty.csv", "", nil, 1, []string{"empty.csv is empty"}},
		{"not a spreadsheet", "notes.pdf", "x", nil, 2, []string{"expected a .csv or .xlsx file"}},
		{"no table", "t.csv", "a\n1\n", []string{"--table", ""}, 2, []string{"--doc and --table are required"}},
		{"unknown encoding", "t.csv", "a\n1\n", []string{"--encoding", "ebcdic"}, 2, []string{`unknown --encoding "ebcdic"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, tc.file, tc.content)
			args := append([]string{"import", path, "--doc", doc, "--table", "Bad"}, tc.args...)
			res := runBinary(t, env, args...)
			wantRun(t, res, tc.code, "", tc.stderr...)
			if _, err := c.Doc(doc).Columns(t.Context(), "Bad"); rhc.StatusOf(err) != 404 {
				t.Fatalf("the table exists after refused input (%v)", err)
			}
		})
	}
}

func TestImportConvertsLegacyEncodings(t *testing.T) {
	env, c, doc := importEnv(t)
	path := writeFile(t, "legacy.csv", "name,quote\nplain,none\ncaf\xe9,\x93hi\x94\n")
	res := runBinary(t, env, "import", path, "--doc", doc, "--table", "Legacy")
	wantRun(t, res, 0, "2 records written", "is not UTF-8 (line 3); reading it as Windows-1252")
	got := records(t, c, doc, "Legacy")
	if len(got) != 2 || got[1].Fields["name"] != "café" || got[1].Fields["quote"] != "“hi”" {
		t.Fatalf("records %+v", got)
	}
	// Latin-1 when asked: 0x93 is a control character there, not a quote.
	res = runBinary(t, env, "import", path, "--doc", doc, "--table", "Latin", "--encoding", "latin1")
	wantRun(t, res, 0, "2 records written")
	got = records(t, c, doc, "Latin")
	if got[1].Fields["name"] != "café" || got[1].Fields["quote"] != "\u0093hi\u0094" {
		t.Fatalf("latin1 records %+v", got)
	}
}

func TestImportServerErrorMidway(t *testing.T) {
	env, c, doc := importEnv(t)
	ctx := t.Context()
	unique := true
	d := c.Doc(doc)
	if _, err := d.CreateTables(ctx, rhc.NewTable{ID: "Codes", Columns: []rhc.NewColumn{{ID: "code", Fields: rhc.ColumnFields{IsUnique: &unique}}, {ID: "n", Fields: rhc.ColumnFields{Type: "Int"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.AddRecords(ctx, "Codes", []map[string]any{{"code": "X25"}}); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("code,n\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "X%d,%d\n", i, i)
	}
	path := writeFile(t, "codes.csv", b.String())
	res := runBinary(t, env, "import", path, "--doc", doc, "--table", "Codes", "--chunk", "10")
	wantRun(t, res, 1, "codes.csv -> "+doc+"/Codes: 20 records written (20 added, 0 updated), 20 failed",
		"failed at records 21-30 (lines 22-31)", "records 1-20 were written; records 21-40 were not")
	got := records(t, c, doc, "Codes")
	if len(got) != 21 || got[20].Fields["code"] != "X20" {
		t.Fatalf("%d records after the failed import, want 21 (the existing one and 20 imported)", len(got))
	}
}

func TestImportXLSX(t *testing.T) {
	env, c, doc := importEnv(t)
	f := excelize.NewFile()
	rows := [][]any{{"name", "qty", "when"}, {"a", 1, "2024-05-06"}, {}, {"b", 2}, {"c", 3.5, "2024-05-07"}}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "book.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	f.Close()
	res := runBinary(t, env, "import", path, "--doc", doc, "--table", "Book")
	wantRun(t, res, 0, "3 records written (3 added, 0 updated)", "created table Book: name Text, qty Numeric, when Date")
	got := records(t, c, doc, "Book")
	if len(got) != 3 || got[1].Fields["name"] != "b" || got[1].Fields["when"] != nil || got[2].Fields["qty"] != 3.5 {
		t.Fatalf("records %+v", got)
	}
	// A table created for a keyed import has its key column unique.
	res = runBinary(t, env, "import", path, "--doc", doc, "--table", "Keyed", "--key-column", "name")
	wantRun(t, res, 0, "3 records written (3 added, 0 updated)")
	cols, err := c.Doc(doc).Columns(t.Context(), "Keyed")
	if err != nil || len(cols) != 3 || !cols[0].IsUnique || cols[1].IsUnique {
		t.Fatalf("columns of a keyed import %+v %v", cols, err)
	}
	res = runBinary(t, env, "import", path, "--doc", doc, "--table", "Book2", "--sheet", "Nope")
	wantRun(t, res, 1, "", `sheet "Nope"`)
}

func TestImportProgressLines(t *testing.T) {
	env, _, doc := importEnv(t)
	path := writeFile(t, "p.csv", "a\n1\n2\n3\n")
	res := runBinary(t, env, "import", path, "--doc", doc, "--table", "P", "--chunk", "1", "--progress-every", "0s")
	wantRun(t, res, 0, "3 records written", "imported 1/3 records (33%)", "imported 2/3 records (67%)", "imported 3/3 records (100%)", "records/s")
	if strings.Contains(res.stderr, "\r") {
		t.Fatalf("progress redrawn in place on a pipe: %q", res.stderr)
	}
}

func TestProgressBar(t *testing.T) {
	cases := []struct {
		done, total int
		el          time.Duration
		want        string
	}{
		{50, 100, 10 * time.Second, "[===============>              ]  50% 50/100 5/s ETA 10s "},
		{0, 100, 0, "[>                             ]   0% 0/100 0/s ETA 0s "},
		{100, 100, 4 * time.Second, "[==============================] 100% 100/100 25/s ETA 0s "},
	}
	for _, tc := range cases {
		if got := progressBar(tc.done, tc.total, tc.el); got != tc.want {
			t.Errorf("progressBar(%d, %d, %v) = %q, want %q", tc.done, tc.total, tc.el, got, tc.want)
		}
	}
	if got := progressLine(250, 1000, 5*time.Second); got != "imported 250/1000 records (25%), 50 records/s, elapsed 5s, ETA 15s" {
		t.Errorf("progressLine = %q", got)
	}
}

func TestTypeInference(t *testing.T) {
	cases := []struct {
		values []string
		want   string
	}{
		{[]string{"1", "-2", ""}, "Int"},
		{[]string{"1", "2.5"}, "Numeric"},
		{[]string{"007", "8"}, "Text"},
		{[]string{"0", "0.5"}, "Numeric"},
		{[]string{"Yes", "no", "TRUE"}, "Bool"},
		{[]string{"2024-01-02", "1999-12-31"}, "Date"},
		{[]string{"2024-01-02", "tomorrow"}, "Text"},
		{[]string{"0x10"}, "Text"},
		{[]string{"NaN", "Inf"}, "Text"},
		{[]string{"", " "}, "Text"},
		{[]string{"2024-01-02T10:00:00Z", "2024-01-03 08:30"}, "DateTime:UTC"},
		{[]string{"2024-01-02", "2024-01-03T08:30:00"}, "DateTime:UTC"},
	}
	for _, tc := range cases {
		var g typeGuess
		for i, v := range tc.values {
			g.see(v, i+2)
		}
		if got := g.result(); got != tc.want {
			t.Errorf("%q: %s, want %s", tc.values, got, tc.want)
		}
	}
	if v := cell("Int", "x1"); v != "x1" {
		t.Errorf("a value that does not fit is sent as text, got %#v", v)
	}
	if v := cell("Date", "2024-01-02"); v != int64(1704153600) {
		t.Errorf("date cell %#v", v)
	}
}

func TestImportExportUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"export", "--table", "T", "--format", "csv"}, "--doc is required"},
		{[]string{"export", "--doc", "D", "--format", "csv"}, "--format csv needs --table"},
		{[]string{"export", "--doc", "D", "--table", "T", "--format", "xlsx"}, "xlsx exports every table"},
		{[]string{"export", "--doc", "D", "--format", "ods"}, `--format must be csv, xlsx or json, not "ods"`},
		{[]string{"export", "--doc", "D", "--format", "json", "extra"}, `unexpected argument "extra"`},
		{[]string{"import", "--doc", "D", "--table", "T"}, "usage: rowhouse import FILE"},
		{[]string{"import", "a.csv", "b.csv", "--doc", "D", "--table", "T"}, "usage: rowhouse import FILE"},
		{[]string{"import", "a.csv", "--doc", "D", "--table", "T", "--chunk", "0"}, "--chunk must be positive"},
	}
	for _, tc := range cases {
		var stderr strings.Builder
		err := run(t.Context(), tc.args, func(string) string { return "" }, nil, io.Discard, &stderr)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v (exit %d), want a usage error containing %q", tc.args, err, exitCode(err), tc.want)
		}
	}
}

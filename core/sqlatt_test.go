package core_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/store/sqlite"
)

// engineDoc is openDoc with the engine and core at hand, always on SQLite
// (these tests look at SQLite's files and confinement).
func engineDoc(t *testing.T) (*sqlite.Engine, *core.Docs, *core.Doc) {
	return newDocOn(t, sqliteEngine(t), core.Options{})
}

// pets fills a document with a table of every kind of value.
func pets(t *testing.T, d *core.Doc) {
	t.Helper()
	apply(t, d, core.AddTable{ID: "Pets", Columns: []core.ColumnSpec{
		{ID: "name", Label: "Name"}, {ID: "age", Type: "Numeric"}, {ID: "legs", Type: "Int"},
		{ID: "good", Type: "Bool"}, {ID: "born", Type: "Date"}, {ID: "seen", Type: "DateTime:America/New_York"},
		{ID: "tags", Type: "ChoiceList"},
	}})
	apply(t, d, core.AddTable{ID: "Visits", Columns: []core.ColumnSpec{
		{ID: "pet", Type: "Ref:Pets"}, {ID: "note"},
	}})
	apply(t, d, core.AddRecords{Table: "Pets", Rows: []core.Row{
		{Fields: map[string]any{"name": "Rex", "age": num("3.5"), "legs": num("4"), "good": true,
			"born": num("1704153600"), "seen": num("1704198896"), "tags": []any{"L", "big", "a,b"}}},
		{Fields: map[string]any{"name": "Tweety; the bird", "age": "unknown", "legs": num("2")}},
	}})
	apply(t, d, core.AddRecords{Table: "Visits", Rows: []core.Row{
		{Fields: map[string]any{"pet": num("1"), "note": "first"}},
		{Fields: map[string]any{"note": "nobody"}},
	}})
}

func sqlAll(t *testing.T, d *core.Doc, stmt string, args []any, timeout time.Duration) ([]string, [][]any, error) {
	t.Helper()
	rows, err := d.SQL(context.Background(), stmt, args, timeout)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		out = append(out, append([]any(nil), rows.Values()...))
	}
	return rows.Columns, out, rows.Err()
}

func TestWrapSelect(t *testing.T) {
	ok := []struct{ in, want string }{
		{"select 1", "select * from (select 1)"},
		{"SELECT * FROM Pets;", "select * from (SELECT * FROM Pets)"},
		{"  select 1 ;  \n", "select * from (  select 1 )"},
		{"select 1; -- done", "select * from (select 1)"},
		{"select ';' as x", "select * from (select ';' as x)"},
		{`select 1 as "a;b", 2 as [c;d], 3 as ` + "`e;f`", `select * from (select 1 as "a;b", 2 as [c;d], 3 as ` + "`e;f`)"},
		{"select 'it''s; fine'", "select * from (select 'it''s; fine')"},
		{"select 1 /* ; */", "select * from (select 1 /* ; */)"},
		{"select 1 -- a comment", "select * from (select 1 -- a comment\n)"},
		{"-- lead\n/* c */ WITH x AS (SELECT 1) SELECT * FROM x", "select * from (-- lead\n/* c */ WITH x AS (SELECT 1) SELECT * FROM x)"},
	}
	for _, c := range ok {
		got, err := core.WrapSelect(c.in)
		if err != nil || got != c.want {
			t.Errorf("WrapSelect(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	bad := []string{
		"", "  ", ";", "-- only a comment", "select 1;;", "select 1; select 2", "select 1; attach 'x' as y",
		"insert into Pets (name) values ('x')", "delete from Pets", "update Pets set name = 1",
		"attach database 'x' as y", "pragma table_info(Pets)", "vacuum into '/tmp/x'", "(select 1)",
		"[select] select 1", `"select"`, "selectx 1", "explain select 1", "values (1)", "begin; select 1",
		"select 1 /* c */ ; /* c */ select 2",
	}
	for _, in := range bad {
		if got, err := core.WrapSelect(in); rowhouse.ErrorMessage(err) != "only select statements are supported" || rowhouse.ErrorKind(err) != rowhouse.EINVALID {
			t.Errorf("WrapSelect(%q) = %q, %v; want the refusal", in, got, err)
		}
	}
}

func TestSQL(t *testing.T) {
	e, _, d := engineDoc(t)
	pets(t, d)
	cols, rows, err := sqlAll(t, d, "select id, name, age, legs, good, born, tags from Pets order by id", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cols, ",") != "id,name,age,legs,good,born,tags" {
		t.Fatalf("columns %v", cols)
	}
	// Raw values as stored: Bool as 0/1, Date as seconds, lists as JSON
	// text, a value that did not fit its column as stored (NULL here).
	want := [][]any{
		{int64(1), "Rex", 3.5, int64(4), int64(1), int64(1704153600), `["big","a,b"]`},
		{int64(2), "Tweety; the bird", nil, int64(2), int64(0), nil, nil},
	}
	if len(rows) != 2 {
		t.Fatalf("rows %v", rows)
	}
	for i := range want {
		for j := range want[i] {
			if rows[i][j] != want[i][j] {
				t.Errorf("row %d col %s: %#v, want %#v", i, cols[j], rows[i][j], want[i][j])
			}
		}
	}
	// Parameters.
	_, rows, err = sqlAll(t, d, "select name from Pets where legs = ? and name like ?", []any{num("2"), "Tw%"}, 0)
	if err != nil || len(rows) != 1 || rows[0][0] != "Tweety; the bird" {
		t.Fatalf("bound: %v %v", rows, err)
	}
	_, rows, err = sqlAll(t, d, "select ?, ?, ?, ?", []any{true, nil, num("1.5"), "x"}, 0)
	if err != nil || rows[0][0] != int64(1) || rows[0][1] != nil || rows[0][2] != 1.5 || rows[0][3] != "x" {
		t.Fatalf("bound values: %v %v", rows, err)
	}
	if _, _, err := sqlAll(t, d, "select ?", []any{map[string]any{}}, 0); rowhouse.ErrorKind(err) != rowhouse.EINVALID {
		t.Fatalf("object parameter: %v", err)
	}
	// Joins, CTEs and table descriptions work.
	_, rows, err = sqlAll(t, d, "with v as (select * from Visits) select p.name, v.note from v join Pets p on p.id = v.pet", nil, 0)
	if err != nil || len(rows) != 1 || rows[0][1] != "first" {
		t.Fatalf("join: %v %v", rows, err)
	}
	_, rows, err = sqlAll(t, d, "select name from pragma_table_info('Pets') where name = 'tags'", nil, 0)
	if err != nil || len(rows) != 1 {
		t.Fatalf("table info: %v %v", rows, err)
	}

	// Confinement: system tables, other files and writes are out of reach,
	// however the statement is written.
	other := rowhouse.NewDocID()
	if err := e.CreateDoc(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	refused := map[string]string{
		"select * from _rh_meta":                                            "SQLite: access to _rh_meta.key is prohibited",
		"select count(*) from _rh_attachments":                              "",
		"select * from Pets where id in (select seq from _rh_outbox)":       "",
		"select * from sqlite_dbpage":                                       "",
		"select file from pragma_database_list":                             "",
		"select * from (select 1) ; attach '" + e.DocPath(other) + "' as o": "only select statements are supported",
		"with x as (select 1) attach '" + e.DocPath(other) + "' as o":       "",
		"with x as (select 1) insert into Pets (name) select 1 from x":      "",
		"select load_extension('/tmp/x')":                                   "SQLite: no such function: load_extension", // not built in; the authorizer denies it too
		"select * from Nope":                                                "SQLite: no such table: Nope",
	}
	for stmt, msg := range refused {
		_, _, err := sqlAll(t, d, stmt, nil, 0)
		if rowhouse.ErrorKind(err) != rowhouse.EINVALID {
			t.Errorf("%s: %v, want a 400", stmt, err)
			continue
		}
		if msg != "" && rowhouse.ErrorMessage(err) != msg {
			t.Errorf("%s: message %q, want %q", stmt, rowhouse.ErrorMessage(err), msg)
		}
	}
	if _, rows, _ := sqlAll(t, d, "select count(*) from Pets", nil, 0); rows[0][0] != int64(2) {
		t.Fatalf("Pets changed: %v", rows)
	}
}

func TestSQLTimeout(t *testing.T) {
	_, docs, d := engineDoc(t)
	if docs.SQLTimeout() != time.Second {
		t.Fatalf("cap %v", docs.SQLTimeout())
	}
	forever := "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
	for _, asked := range []time.Duration{50 * time.Millisecond, time.Hour, 0} {
		start := time.Now()
		_, _, err := sqlAll(t, d, forever, nil, asked)
		took := time.Since(start)
		if rowhouse.ErrorMessage(err) != "a slow statement resulted in a database interrupt" || rowhouse.ErrorKind(err) != rowhouse.EINVALID {
			t.Fatalf("timeout %v: %v", asked, err)
		}
		limit := min(max(asked, 0), time.Second)
		if asked == 0 {
			limit = time.Second
		}
		if took < limit || took > limit+time.Second {
			t.Errorf("asked %v: took %v", asked, took)
		}
	}
	// A cancelled request is not a slow statement.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := d.SQL(ctx, "select 1", nil, 0)
	if err == nil || rowhouse.ErrorMessage(err) == "a slow statement resulted in a database interrupt" {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestAttachments(t *testing.T) {
	e, docs, d := engineDoc(t)
	ctx := context.Background()
	ids, err := d.AddAttachments(ctx, []core.NewAttachment{
		{FileName: "a.txt", ContentType: "text/plain", Data: []byte("hello")},
		{FileName: "b.png", ContentType: "image/png", Data: []byte{0x89, 'P', 'N', 'G'}},
	})
	if err != nil || len(ids) != 2 || ids[0] != 1 || ids[1] != 2 {
		t.Fatalf("add: %v %v", ids, err)
	}
	list, err := d.Attachments(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %v %v", list, err)
	}
	a := list[0]
	if a.FileName != "a.txt" || a.FileSize != 5 || a.ContentType != "text/plain" || !a.TimeUploaded.Equal(time.Unix(1700000000, 0)) ||
		a.Checksum != "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" {
		t.Fatalf("metadata %+v", a)
	}
	got, data, err := d.AttachmentData(ctx, 2)
	if err != nil || got.FileName != "b.png" || !bytes.Equal(data, []byte{0x89, 'P', 'N', 'G'}) {
		t.Fatalf("data: %+v %v %v", got, data, err)
	}
	for _, f := range []func() error{
		func() error { _, err := d.Attachment(ctx, 3); return err },
		func() error { _, _, err := d.AttachmentData(ctx, 3); return err },
	} {
		if err := f(); rowhouse.ErrorMessage(err) != "Attachment not found: 3" || rowhouse.ErrorKind(err) != rowhouse.ENOTFOUND {
			t.Fatalf("missing: %v", err)
		}
	}
	// An empty file or no file stores nothing.
	_, err = d.AddAttachments(ctx, []core.NewAttachment{{FileName: "c", Data: []byte("x")}, {FileName: "empty.txt"}})
	if rowhouse.ErrorMessage(err) != `uploaded file "empty.txt" is empty` {
		t.Fatalf("empty: %v", err)
	}
	if _, err := d.AddAttachments(ctx, nil); rowhouse.ErrorMessage(err) != "no files were uploaded" {
		t.Fatalf("none: %v", err)
	}
	if list, _ := d.Attachments(ctx); len(list) != 2 {
		t.Fatalf("after refused uploads: %d", len(list))
	}
	// A copy of the document carries its attachments.
	cp := rowhouse.NewDocID()
	if err := e.CopyDoc(ctx, d.ID(), cp); err != nil {
		t.Fatal(err)
	}
	d2, err := docs.Open(ctx, cp)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if _, data, err := d2.AttachmentData(ctx, 1); err != nil || string(data) != "hello" {
		t.Fatalf("copy: %q %v", data, err)
	}
}

func TestExportCSV(t *testing.T) {
	_, _, d := engineDoc(t)
	pets(t, d)
	ctx := context.Background()
	var buf bytes.Buffer
	if err := d.ExportCSV(ctx, &buf, "Pets", core.HeaderLabel); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"Name", "age", "legs", "good", "born", "seen", "tags"},
		{"Rex", "3.5", "4", "true", "2024-01-02", "2024-01-02T07:34:56-05:00", `big,"a,b"`},
		{"Tweety; the bird", "unknown", "2", "false", "", "", ""},
	}
	if len(recs) != len(want) {
		t.Fatalf("csv %q", recs)
	}
	for i := range want {
		if strings.Join(recs[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("line %d: %q, want %q", i, recs[i], want[i])
		}
	}
	buf.Reset()
	if err := d.ExportCSV(ctx, &buf, "Visits", core.HeaderColID); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "pet,note\n1,first\n,nobody\n" {
		t.Fatalf("visits %q", buf.String())
	}
	buf.Reset()
	err = d.ExportCSV(ctx, &buf, "Nope", core.HeaderLabel)
	if rowhouse.ErrorMessage(err) != `Table not found "Nope"` || buf.Len() != 0 {
		t.Fatalf("unknown table: %v, wrote %q", err, buf.String())
	}
	if _, err := core.ParseHeader("bogus"); rowhouse.ErrorMessage(err) != "header must be colId or label" {
		t.Fatal(err)
	}
}

func TestExportXLSX(t *testing.T) {
	_, _, d := engineDoc(t)
	pets(t, d)
	var buf bytes.Buffer
	if err := d.ExportXLSX(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatalf("excelize cannot read the workbook: %v", err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "Pets,Visits" {
		t.Fatalf("sheets %s", got)
	}
	rows, err := f.GetRows("Pets")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"Name", "age", "legs", "good", "born", "seen", "tags"},
		{"Rex", "3.5", "4", "TRUE", "2024-01-02", "2024-01-02 07:34:56", `big,"a,b"`},
		{"Tweety; the bird", "unknown", "2", "FALSE"},
	}
	for i := range want {
		if i >= len(rows) || strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d: %q, want %q", i, rows[i], want[i])
		}
	}
	// Types: numbers are numbers, dates are dates, text is text.
	types := map[string]excelize.CellType{"B2": excelize.CellTypeNumber, "C2": excelize.CellTypeNumber,
		"D2": excelize.CellTypeBool, "E2": excelize.CellTypeNumber, "F2": excelize.CellTypeNumber,
		"A2": excelize.CellTypeInlineString, "B3": excelize.CellTypeInlineString}
	for cell, typ := range types {
		got, err := f.GetCellType("Pets", cell)
		if err != nil || got != typ {
			t.Errorf("%s: type %v, want %v (%v)", cell, got, typ, err)
		}
	}
	raw, _ := f.GetCellValue("Pets", "E2", excelize.Options{RawCellValue: true})
	if raw != "45293" { // 2024-01-02
		t.Errorf("date serial %s", raw)
	}
	visits, _ := f.GetRows("Visits")
	if len(visits) != 3 || strings.Join(visits[1], "|") != "1|first" || strings.Join(visits[2], "|") != "|nobody" {
		t.Errorf("visits %q", visits)
	}

	// An empty document is a workbook with one empty sheet.
	_, _, empty := engineDoc(t)
	buf.Reset()
	if err := empty.ExportXLSX(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	f2, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	if got := f2.GetSheetList(); len(got) != 1 {
		t.Fatalf("empty doc sheets %v", got)
	}
}

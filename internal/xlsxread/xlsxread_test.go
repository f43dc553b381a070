package xlsxread

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// book writes a workbook with excelize, the writer the project exports
// with, and returns its path. fill sets the cells of Sheet1.
func book(t testing.TB, fill func(f *excelize.File)) string {
	t.Helper()
	f := excelize.NewFile()
	fill(f)
	p := filepath.Join(t.TempDir(), "book.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

func style(t testing.TB, f *excelize.File, s *excelize.Style) int {
	t.Helper()
	id, err := f.NewStyle(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// readAll reads every row of a sheet.
func readAll(t testing.TB, p, sheet string) map[int][]Cell {
	t.Helper()
	r, err := Open(p, sheet)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out := map[int][]Cell{}
	for {
		n, cells, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[n] = cells
	}
}

func TestCellTypesAndFormats(t *testing.T) {
	custom := func(code string) *excelize.Style { return &excelize.Style{CustomNumFmt: &code} }
	p := book(t, func(f *excelize.File) {
		set := func(cell string, v any, s *excelize.Style) {
			if err := f.SetCellValue("Sheet1", cell, v); err != nil {
				t.Fatal(err)
			}
			if s != nil {
				id := style(t, f, s)
				if err := f.SetCellStyle("Sheet1", cell, cell, id); err != nil {
					t.Fatal(err)
				}
			}
		}
		// 2024-01-15 is serial 45306; 10:30 is 0.4375 of a day.
		set("A1", "name", nil)
		set("B1", 42, nil)
		set("C1", 3.25, nil)
		set("D1", true, nil)
		set("E1", false, nil)
		set("F1", 45306, &excelize.Style{NumFmt: 14}) // the standard short date, shown "01-15-24"
		set("G1", 45306, custom("dd/mm/yyyy"))
		set("H1", 45306.4375, &excelize.Style{NumFmt: 22})
		set("I1", 45306.4375, custom(`yyyy-mm-dd hh:mm;@`))
		set("J1", 0.4375, &excelize.Style{NumFmt: 20}) // h:mm
		set("K1", 1234.5, &excelize.Style{NumFmt: 4})  // #,##0.00
		set("L1", 0.25, &excelize.Style{NumFmt: 10})   // 0.00%
		set("M1", 45306, custom(`[$-409]mmmm d, yyyy`))
		set("N1", 12, custom(`"Day "0`))
		set("O1", 1.5e-3, custom(`0.00E+00`))
		set("Q1", "  spaced ", nil)
		set("A3", "row three", nil)
	})
	rows := readAll(t, p, "")
	got := rows[1]
	want := []Cell{
		{Kind: Text, Text: "name"},
		{Kind: Number, Text: "42", Num: 42},
		{Kind: Number, Text: "3.25", Num: 3.25},
		{Kind: Bool, Text: "true"},
		{Kind: Bool, Text: "false"},
		{Kind: Date, Text: "2024-01-15", Num: 45306},
		{Kind: Date, Text: "2024-01-15", Num: 45306},
		{Kind: DateTime, Text: "2024-01-15T10:30:00", Num: 45306.4375},
		{Kind: DateTime, Text: "2024-01-15T10:30:00", Num: 45306.4375},
		{Kind: Time, Text: "10:30:00", Num: 0.4375},
		{Kind: Number, Text: "1234.5", Num: 1234.5},
		{Kind: Number, Text: "0.25", Num: 0.25},
		{Kind: Date, Text: "2024-01-15", Num: 45306},
		{Kind: Number, Text: "12", Num: 12},
		{Kind: Number, Text: "0.0015", Num: 0.0015},
		{},
		{Kind: Text, Text: "  spaced "},
	}
	if len(got) != len(want) {
		t.Fatalf("%d cells, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g := got[i]
		g.Time = time.Time{}
		if g != want[i] {
			t.Errorf("%s1: %+v, want %+v", cellName(i), g, want[i])
		}
	}
	if d := got[5].Time; !d.Equal(time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("date time %v", d)
	}
	if _, ok := rows[2]; ok {
		t.Errorf("an empty row was returned: %+v", rows[2])
	}
	if c := rows[3]; len(c) != 1 || c[0].Text != "row three" {
		t.Errorf("row 3: %+v", c)
	}
}

func TestDate1904AndSheets(t *testing.T) {
	p := book(t, func(f *excelize.File) {
		yes := true
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.NewSheet("Second"); err != nil {
			t.Fatal(err)
		}
		id := style(t, f, &excelize.Style{NumFmt: 14})
		f.SetCellValue("Second", "B2", 43844) // 2024-01-15 counted from 1904
		f.SetCellStyle("Second", "B2", "B2", id)
		f.SetCellValue("Sheet1", "A1", "first")
	})
	rows := readAll(t, p, "Second")
	if c := rows[2]; len(c) != 2 || c[0].Kind != Empty || c[1].Kind != Date || c[1].Text != "2024-01-15" {
		t.Fatalf("row 2 of Second: %+v", rows[2])
	}
	r, err := Open(p, "")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if strings.Join(r.Sheets(), ",") != "Sheet1,Second" {
		t.Errorf("sheets %v", r.Sheets())
	}
	if _, c, _ := r.Next(); len(c) != 1 || c[0].Text != "first" {
		t.Errorf("default sheet: %+v", c)
	}
	if _, err := Open(p, "Nope"); err == nil || !strings.Contains(err.Error(), `no sheet "Nope" (sheets: Sheet1, Second)`) {
		t.Errorf("unknown sheet: %v", err)
	}
}

func TestNotAWorkbook(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.xlsx")
	os.WriteFile(p, []byte("name,qty\n"), 0o644)
	if _, err := Open(p, ""); err == nil || !strings.Contains(err.Error(), "not an XLSX file") {
		t.Errorf("a CSV named .xlsx: %v", err)
	}
}

func TestFormatKind(t *testing.T) {
	for code, want := range map[string]Kind{
		"General":                       Number,
		"0.00":                          Number,
		"#,##0.00 [$€-407]":             Number,
		`0.00E+00`:                      Number,
		`"Total: "0`:                    Number,
		`[Red]-0.00`:                    Number,
		"@":                             Number,
		"yyyy-mm-dd":                    Date,
		"d/m/yy":                        Date,
		"mmm yyyy":                      Date,
		"mmmm":                          Date,
		`[$-F800]dddd\, mmmm dd\, yyyy`: Date,
		"yyyy-mm-dd hh:mm:ss":           DateTime,
		"m/d/yy h:mm AM/PM":             DateTime,
		"h:mm:ss":                       Time,
		"hh:mm AM/PM":                   Time,
		"[h]:mm:ss":                     Time,
		"mm:ss":                         Time,
		`0.00 "days"`:                   Number,
		`"yyyy"0`:                       Number,
		`\d0`:                           Number,
	} {
		if got := FormatKind(code); got != want {
			t.Errorf("FormatKind(%q) = %v, want %v", code, got, want)
		}
	}
}

var update = flag.Bool("update", false, "rewrite the seed workbooks in testdata")

// TestSeeds writes the fuzz seeds with -update: workbooks with every kind
// of cell, two sheets, and the 1904 date system.
func TestSeeds(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite testdata")
	}
	seeds := map[string]func(f *excelize.File){
		"kinds.xlsx": func(f *excelize.File) {
			code := "yyyy-mm-dd hh:mm"
			dt := style(t, f, &excelize.Style{CustomNumFmt: &code})
			d := style(t, f, &excelize.Style{NumFmt: 14})
			f.SetSheetRow("Sheet1", "A1", &[]any{"name", "qty", "price", "ok", "when", "at"})
			f.SetSheetRow("Sheet1", "A2", &[]any{"Ann", 3, 1.5, true, 45306, 45306.4375})
			f.SetSheetRow("Sheet1", "A4", &[]any{"Bob", "n/a", nil, false})
			f.SetCellStyle("Sheet1", "E2", "E2", d)
			f.SetCellStyle("Sheet1", "F2", "F2", dt)
			f.SetCellFormula("Sheet1", "G2", "=B2*C2")
		},
		"sheets1904.xlsx": func(f *excelize.File) {
			yes := true
			f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes})
			f.NewSheet("Other")
			f.SetCellValue("Other", "C3", "x")
			f.SetCellValue("Sheet1", "A1", 43844)
			f.SetCellStyle("Sheet1", "A1", "A1", style(t, f, &excelize.Style{NumFmt: 15}))
		},
	}
	for name, fill := range seeds {
		b, err := os.ReadFile(book(t, fill))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzRead reads workbooks: whatever the bytes, it fails with an error or
// reads rows, and never panics or loops. The seeds are the workbooks in
// testdata.
func FuzzRead(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.xlsx"))
	if len(seeds) == 0 {
		f.Fatal("no seed workbooks in testdata")
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := OpenReader(bytes.NewReader(b), int64(len(b)), "")
		if err != nil {
			return
		}
		defer r.Close()
		for range 100_000 {
			_, cells, err := r.Next()
			if err != nil {
				return
			}
			for _, c := range cells {
				if c.Kind != Empty && c.Kind != Text && c.Text == "" {
					t.Fatalf("a %v cell without text: %+v", c.Kind, c)
				}
			}
		}
	})
}

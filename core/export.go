package core

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/schema"
)

// Exports of a document's data as files: CSV (one table) and XLSX (every
// table, one sheet each). Both stream: rows go from the database to the
// writer as they are read, so memory does not grow with the document. They
// check everything they can before writing the first byte, so that a
// caller that has written nothing yet can still answer with an error.

// Header chooses the names in an export's header row.
type Header string

// Header rows: column labels (Grist's default) or column ids.
const (
	HeaderLabel Header = "label"
	HeaderColID Header = "colId"
)

// ParseHeader reads the header= option ("" is the default, labels).
func ParseHeader(s string) (Header, error) {
	switch Header(s) {
	case "", HeaderLabel:
		return HeaderLabel, nil
	case HeaderColID:
		return HeaderColID, nil
	}
	return "", rowhouse.Invalidf("header must be colId or label")
}

func headerName(c *schema.Column, h Header) string {
	if h == HeaderColID || c.Label == "" {
		return c.ID
	}
	return c.Label
}

// ExportCSV writes one table as CSV: a header row, then one line per
// record in row id order, each cell as text (numbers as numbers, dates as
// YYYY-MM-DD, date-times in RFC 3339 in their zone, lists as
// comma-separated values, empty references empty). An unknown table is
// 404 before anything is written.
func (doc *Doc) ExportCSV(ctx context.Context, w io.Writer, tableID string, header Header) error {
	rows, err := doc.Query(ctx, Select{Table: tableID})
	if err != nil {
		return err
	}
	defer rows.Close()
	cw := csv.NewWriter(w)
	rec := make([]string, len(rows.Columns))
	for i, c := range rows.Columns {
		rec[i] = headerName(c, header)
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	var vals []any
	for rows.Next() {
		vals = rows.Values(vals, false)
		for i, c := range rows.Columns {
			rec[i] = CellText(c.Type, vals[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

var textType = schema.Type{Kind: schema.KindText}

// CellText is a cell's JSON value (as Rows.Values gives it) as text for
// exports.
func CellText(t schema.Type, v any) string {
	if v == nil {
		return ""
	}
	if t.Kind == schema.KindRef && isZero(v) {
		return ""
	}
	if sv, _, ok := schema.Convert(t, textType, v); ok {
		if s, ok := sv.(string); ok {
			return s
		}
	}
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func isZero(v any) bool {
	switch x := v.(type) {
	case int64:
		return x == 0
	case float64:
		return x == 0
	case json.Number:
		return x.String() == "0"
	}
	return false
}

// Limits of the XLSX format.
const (
	xlsxMaxRows      = 1 << 20 // rows per sheet, the header included
	xlsxMaxCellChars = 32767
	xlsxMaxSheetName = 31
)

// ExportXLSX writes every table of the document as an XLSX workbook, one
// sheet per table (named after it), from one consistent snapshot. Numbers
// are numbers, booleans booleans, dates and date-times Excel dates (a
// date-time at its wall-clock time in its column's zone), lists their
// items joined by commas. A table too large for a sheet is an error before
// anything is written.
//
// The workbook is written directly to w as a ZIP stream: SpreadsheetML
// with inline strings needs no shared state across rows, so nothing is
// buffered beyond the compressor's window.
func (doc *Doc) ExportXLSX(ctx context.Context, w io.Writer) error {
	tx, err := doc.db.BeginRead(ctx)
	if err != nil {
		return fmt.Errorf("doc %s: %w", doc.id, err)
	}
	defer tx.Rollback()
	q := &countingQuerier{q: tx}
	defer func() { doc.docs.count("rest", q.n) }()
	s, err := doc.schemaIn(ctx, q, noGen)
	if err != nil {
		return err
	}
	d := doc.db.Dialect()
	for _, t := range s.Tables {
		var n int64
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM `+d.QuoteIdent(t.ID)).Scan(&n); err != nil {
			return fmt.Errorf("doc %s: count %s: %w", doc.id, t.ID, err)
		}
		if n >= xlsxMaxRows {
			return rowhouse.Invalidf("table %s has %d rows, more than an XLSX sheet can hold (%d)", t.ID, n, xlsxMaxRows-1)
		}
	}

	x := newXLSXWriter(w)
	if len(s.Tables) == 0 { // a workbook needs a sheet
		if err := x.begin([]string{"Sheet1"}); err != nil {
			return err
		}
		if err := x.emptySheet(0); err != nil {
			return err
		}
		return x.close()
	}
	if err := x.begin(sheetNames(s.TableIDs())); err != nil {
		return err
	}
	for i, t := range s.Tables {
		rows, err := doc.query(ctx, q, Select{Table: t.ID})
		if err != nil {
			return err
		}
		err = x.sheet(i, rows)
		rows.Close()
		if err != nil {
			return fmt.Errorf("doc %s: export %s: %w", doc.id, t.ID, err)
		}
	}
	return x.close()
}

// sheetNames makes valid, distinct sheet names from table ids: at most 31
// characters, distinct without regard to case, not Excel's reserved
// "History".
func sheetNames(ids []string) []string {
	seen := map[string]bool{}
	out := make([]string, len(ids))
	for i, id := range ids {
		name := truncate(id, xlsxMaxSheetName)
		if strings.EqualFold(name, "History") { // reserved by Excel
			name += "_"
		}
		for n := 2; seen[strings.ToLower(name)]; n++ {
			suffix := "_" + strconv.Itoa(n)
			name = truncate(id, xlsxMaxSheetName-len(suffix)) + suffix
		}
		seen[strings.ToLower(name)] = true
		out[i] = name
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// xlsxWriter writes a minimal SpreadsheetML package.
type xlsxWriter struct {
	zw   *zip.Writer
	buf  *bufio.Writer
	locs map[string]*time.Location
}

func newXLSXWriter(w io.Writer) *xlsxWriter {
	return &xlsxWriter{zw: zip.NewWriter(w), locs: map[string]*time.Location{}}
}

const xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

// Styles (indexes into cellXfs).
const (
	styleNone     = 0
	styleDate     = 1
	styleDateTime = 2
	styleHeader   = 3
)

const xlsxStyles = xmlHeader + `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
	`<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd"/><numFmt numFmtId="165" formatCode="yyyy\-mm\-dd\ hh:mm:ss"/></numFmts>` +
	`<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>` +
	`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
	`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
	`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
	`<cellXfs count="4">` +
	`<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
	`<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>` +
	`</cellXfs>` +
	`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
	`</styleSheet>`

const (
	nsMain = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRel  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsPkg  = "http://schemas.openxmlformats.org/package/2006/relationships"
)

// begin writes every part but the sheets.
func (x *xlsxWriter) begin(names []string) error {
	var ct, wb, rels strings.Builder
	ct.WriteString(xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`)
	wb.WriteString(xmlHeader + `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><sheets>`)
	rels.WriteString(xmlHeader + `<Relationships xmlns="` + nsPkg + `">`)
	for i, name := range names {
		n := strconv.Itoa(i + 1)
		ct.WriteString(`<Override PartName="/xl/worksheets/sheet` + n + `.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`)
		wb.WriteString(`<sheet name="` + xmlEscape(name) + `" sheetId="` + n + `" r:id="rId` + n + `"/>`)
		rels.WriteString(`<Relationship Id="rId` + n + `" Type="` + nsRel + `/worksheet" Target="worksheets/sheet` + n + `.xml"/>`)
	}
	ct.WriteString(`</Types>`)
	wb.WriteString(`</sheets></workbook>`)
	rels.WriteString(`<Relationship Id="rId` + strconv.Itoa(len(names)+1) + `" Type="` + nsRel + `/styles" Target="styles.xml"/></Relationships>`)
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", ct.String()},
		{"_rels/.rels", xmlHeader + `<Relationships xmlns="` + nsPkg + `"><Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", wb.String()},
		{"xl/_rels/workbook.xml.rels", rels.String()},
		{"xl/styles.xml", xlsxStyles},
	}
	for _, p := range parts {
		f, err := x.zw.Create(p.name)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(f, p.body); err != nil {
			return err
		}
	}
	return nil
}

func (x *xlsxWriter) emptySheet(i int) error {
	f, err := x.zw.Create("xl/worksheets/sheet" + strconv.Itoa(i+1) + ".xml")
	if err != nil {
		return err
	}
	_, err = io.WriteString(f, xmlHeader+`<worksheet xmlns="`+nsMain+`"><sheetData/></worksheet>`)
	return err
}

// sheet writes sheet i from rows: a header row of labels, then the records.
func (x *xlsxWriter) sheet(i int, rows *Rows) error {
	f, err := x.zw.Create("xl/worksheets/sheet" + strconv.Itoa(i+1) + ".xml")
	if err != nil {
		return err
	}
	if x.buf == nil {
		x.buf = bufio.NewWriterSize(f, 64<<10)
	} else {
		x.buf.Reset(f)
	}
	b := x.buf
	b.WriteString(xmlHeader + `<worksheet xmlns="` + nsMain + `"><sheetData>`)
	b.WriteString(`<row r="1">`)
	for j, c := range rows.Columns {
		x.stringCell(j, 1, headerName(c, HeaderLabel), styleHeader)
	}
	b.WriteString(`</row>`)
	var vals []any
	for r := 2; rows.Next(); r++ {
		vals = rows.Values(vals, false)
		b.WriteString(`<row r="` + strconv.Itoa(r) + `">`)
		for j, c := range rows.Columns {
			x.cell(j, r, c.Type, vals[j])
		}
		b.WriteString(`</row>`)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	b.WriteString(`</sheetData></worksheet>`)
	return b.Flush()
}

func (x *xlsxWriter) close() error { return x.zw.Close() }

// cellRef is the A1 name of column j (0-based) in row r.
func cellRef(j, r int) string {
	var col []byte
	for j++; j > 0; j = (j - 1) / 26 {
		col = append([]byte{byte('A' + (j-1)%26)}, col...)
	}
	return string(col) + strconv.Itoa(r)
}

func (x *xlsxWriter) stringCell(j, r int, s string, style int) {
	if s == "" {
		return
	}
	if utf8.RuneCountInString(s) > xlsxMaxCellChars {
		s = string([]rune(s)[:xlsxMaxCellChars])
	}
	b := x.buf
	b.WriteString(`<c r="` + cellRef(j, r) + `" t="inlineStr"`)
	if style != styleNone {
		b.WriteString(` s="` + strconv.Itoa(style) + `"`)
	}
	b.WriteString(`><is><t xml:space="preserve">` + xmlEscape(s) + `</t></is></c>`)
}

func (x *xlsxWriter) numberCell(j, r int, n string, style int) {
	b := x.buf
	b.WriteString(`<c r="` + cellRef(j, r) + `" t="n"`)
	if style != styleNone {
		b.WriteString(` s="` + strconv.Itoa(style) + `"`)
	}
	b.WriteString(`><v>` + n + `</v></c>`)
}

// cell writes one value by what it is, so that a value kept because it did
// not fit its column (text in a Numeric column) is written as it is.
func (x *xlsxWriter) cell(j, r int, t schema.Type, v any) {
	var f float64
	isNum := false
	switch n := v.(type) {
	case nil:
		return
	case bool:
		val := "0"
		if n {
			val = "1"
		}
		x.buf.WriteString(`<c r="` + cellRef(j, r) + `" t="b"><v>` + val + `</v></c>`)
		return
	case int64:
		f, isNum = float64(n), true
	case float64:
		f, isNum = n, true
	case json.Number:
		if g, err := n.Float64(); err == nil {
			f, isNum = g, true
		}
	case string:
		x.stringCell(j, r, n, styleNone)
		return
	}
	if !isNum || math.IsInf(f, 0) || math.IsNaN(f) {
		x.stringCell(j, r, CellText(t, v), styleNone)
		return
	}
	switch t.Kind {
	case schema.KindRef:
		if f == 0 {
			return
		}
	case schema.KindDate:
		if serial, ok := excelSerial(f, 0); ok {
			x.numberCell(j, r, strconv.FormatFloat(serial, 'f', -1, 64), styleDate)
			return
		}
		x.stringCell(j, r, CellText(t, v), styleNone)
		return
	case schema.KindDateTime:
		if tm, ok := unixTime(f); ok {
			_, offset := tm.In(x.location(t.TZ)).Zone()
			if serial, ok := excelSerial(f, offset); ok {
				x.numberCell(j, r, strconv.FormatFloat(serial, 'f', -1, 64), styleDateTime)
				return
			}
		}
		x.stringCell(j, r, CellText(t, v), styleNone)
		return
	}
	x.numberCell(j, r, strconv.FormatFloat(f, 'g', -1, 64), styleNone)
}

func (x *xlsxWriter) location(tz string) *time.Location {
	if loc, ok := x.locs[tz]; ok {
		return loc
	}
	loc := time.UTC
	if tz != "" {
		if l, err := time.LoadLocation(tz); err == nil {
			loc = l
		}
	}
	x.locs[tz] = loc
	return loc
}

// unixTime is the instant sec seconds after the epoch, for plausible
// dates only.
func unixTime(sec float64) (time.Time, bool) {
	if !(sec > -1e13 && sec < 1e13) {
		return time.Time{}, false
	}
	whole := math.Floor(sec)
	return time.Unix(int64(whole), int64((sec-whole)*1e9)), true
}

// excelSerial is the Excel date serial of an instant shown at a UTC
// offset: days since 1899-12-30. Excel cannot show dates before 1900-03-01
// correctly (its 1900 leap-year bug), so those are refused.
func excelSerial(sec float64, offset int) (float64, bool) {
	const epoch = 25569 // 1970-01-01
	serial := (sec+float64(offset))/86400 + epoch
	if serial < 61 || serial >= 2958466 { // 1900-03-01 .. 9999-12-31
		return 0, false
	}
	return serial, true
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // writes to a Builder never fail
	return b.String()
}

// Package xlsxread reads one sheet of an XLSX workbook row by row, as
// typed cells: text, numbers, booleans, dates and date-times told apart by
// the cell's type and its number format, as a spreadsheet shows them. A
// date in Excel is a number (days since 1900) that only its format makes a
// date; read as text it comes out as whatever the format prints
// ("01-15-24"), which is why the importer reads cells through here.
//
// It streams the sheet's XML from the zip file, so memory holds the shared
// strings and the styles, never the sheet. excelize (the project's XLSX
// writer) has no streaming reader that gives cells' types and formats;
// its date conversion is used here.
//
// It must never write: it reads a file a user hands to the importer.
package xlsxread

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Kind is what a cell holds.
type Kind int

// The kinds of cells.
const (
	Empty    Kind = iota
	Text          // a string (shared, inline or a formula's)
	Number        // a number in a number format
	Bool          // TRUE or FALSE
	Date          // a number in a date format without a time
	DateTime      // a number in a format with a date and a time
	Time          // a number in a time-of-day or duration format
	Error         // an error value such as #N/A
)

// Cell is one cell's value. Text holds the value as text in every kind:
// the string itself, the number ("3.5"), "true"/"false", an ISO date
// ("2024-01-15"), an ISO date-time without zone ("2024-01-15T10:30:00"),
// a time of day ("10:30:00"), or the error ("#N/A").
type Cell struct {
	Kind Kind
	Text string
	Num  float64   // for Number, Date, DateTime and Time: the stored number
	Time time.Time // for Date and DateTime, in UTC
}

// Limits of what is read into memory.
const (
	maxPartSize    = 1 << 30 // bytes of a part read whole (shared strings, styles, workbook)
	maxColumns     = 16384   // Excel's columns
	maxSharedIndex = 1 << 26
)

// Reader reads one sheet.
type Reader struct {
	zr       *zip.Reader
	closer   io.Closer
	sheet    io.ReadCloser
	dec      *xml.Decoder
	shared   []string
	formats  []Kind // per cell style (cellXfs index): the kind a number in that style is
	date1904 bool
	row      int // the last row number read
	sheets   []string
}

// Open opens the sheet named sheet of the workbook at path ("" for the
// first sheet).
func Open(name, sheet string) (*Reader, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	r, err := OpenReader(f, st.Size(), sheet)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// OpenReader is Open on the bytes of a workbook.
func OpenReader(ra io.ReaderAt, size int64, sheet string) (*Reader, error) {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, fmt.Errorf("not an XLSX file: %w", err)
	}
	r := &Reader{zr: zr}
	wbPath := "xl/workbook.xml"
	if rels, err := r.rels("_rels/.rels"); err == nil {
		if t := rels.byType("/officeDocument"); t != "" {
			wbPath = resolve("", t)
		}
	}
	wb, err := r.workbook(wbPath)
	if err != nil {
		return nil, err
	}
	if len(wb.sheets) == 0 {
		return nil, errors.New("the workbook has no sheets")
	}
	r.date1904 = wb.date1904
	dir := path.Dir(wbPath)
	wbRels, err := r.rels(path.Join(dir, "_rels", path.Base(wbPath)+".rels"))
	if err != nil {
		return nil, fmt.Errorf("workbook relationships: %w", err)
	}
	pick := -1
	for i, s := range wb.sheets {
		r.sheets = append(r.sheets, s.name)
		if (sheet == "" && pick < 0) || s.name == sheet {
			pick = i
		}
	}
	if pick < 0 {
		return nil, fmt.Errorf("no sheet %q (sheets: %s)", sheet, strings.Join(r.sheets, ", "))
	}
	target := wbRels.byID(wb.sheets[pick].rid)
	if target == "" {
		return nil, fmt.Errorf("sheet %q: its part is not in the workbook's relationships", wb.sheets[pick].name)
	}
	if t := wbRels.byType("/sharedStrings"); t != "" {
		if r.shared, err = r.sharedStrings(resolve(dir, t)); err != nil {
			return nil, fmt.Errorf("shared strings: %w", err)
		}
	}
	if t := wbRels.byType("/styles"); t != "" {
		if r.formats, err = r.styles(resolve(dir, t)); err != nil {
			return nil, fmt.Errorf("styles: %w", err)
		}
	}
	f := r.file(resolve(dir, target))
	if f == nil {
		return nil, fmt.Errorf("sheet %q: part %s is missing", wb.sheets[pick].name, target)
	}
	if r.sheet, err = f.Open(); err != nil {
		return nil, fmt.Errorf("sheet %q: %w", wb.sheets[pick].name, err)
	}
	r.dec = xml.NewDecoder(r.sheet)
	return r, nil
}

// Sheets lists the workbook's sheet names, in order.
func (r *Reader) Sheets() []string { return r.sheets }

// Close releases the file.
func (r *Reader) Close() error {
	if r.sheet != nil {
		r.sheet.Close()
	}
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

// Next returns the next row that has at least one cell element, with its
// 1-based row number; cells are indexed by column (A is 0), trailing
// empty cells left out. At the end it returns io.EOF.
func (r *Reader) Next() (row int, cells []Cell, err error) {
	for {
		tok, err := r.dec.Token()
		if err == io.EOF {
			return 0, nil, io.EOF
		}
		if err != nil {
			return 0, nil, fmt.Errorf("sheet XML after row %d: %w", r.row, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "row" {
			continue
		}
		n := r.row + 1
		if v := attr(se, "r"); v != "" {
			if n, err = strconv.Atoi(v); err != nil || n <= 0 {
				return 0, nil, fmt.Errorf("row after %d: bad row number %q", r.row, v)
			}
		}
		r.row = n
		cells, err := r.readRow()
		if err != nil {
			return 0, nil, fmt.Errorf("row %d: %w", n, err)
		}
		return n, cells, nil
	}
}

// readRow reads the cells of a <row> up to its end.
func (r *Reader) readRow() ([]Cell, error) {
	var cells []Cell
	col := -1
	for {
		tok, err := r.dec.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if t.Name.Local == "row" {
				for len(cells) > 0 && cells[len(cells)-1].Kind == Empty {
					cells = cells[:len(cells)-1]
				}
				return cells, nil
			}
		case xml.StartElement:
			if t.Name.Local != "c" {
				continue
			}
			col++
			if ref := attr(t, "r"); ref != "" {
				c, err := columnOf(ref)
				if err != nil {
					return nil, err
				}
				col = c
			}
			if col >= maxColumns {
				return nil, fmt.Errorf("cell %s is past the last column", attr(t, "r"))
			}
			c, err := r.readCell(t)
			if err != nil {
				return nil, fmt.Errorf("cell %s: %w", cellName(col), err)
			}
			for len(cells) < col {
				cells = append(cells, Cell{})
			}
			cells = append(cells[:col], c)
		}
	}
}

// readCell reads a <c> element: its value (<v>, or the text of <is>) and
// what its type and style make of it.
func (r *Reader) readCell(start xml.StartElement) (Cell, error) {
	typ, style := attr(start, "t"), 0
	if s := attr(start, "s"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return Cell{}, fmt.Errorf("bad style %q", s)
		}
		style = n
	}
	var v, inline strings.Builder
	var inV, inIS, inT, hasV bool
	depthPh := 0
	for {
		tok, err := r.dec.Token()
		if err != nil {
			return Cell{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "v":
				inV, hasV = true, true
			case "is":
				inIS = true
			case "t":
				inT = true
			case "rPh":
				depthPh++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v":
				inV = false
			case "is":
				inIS = false
			case "t":
				inT = false
			case "rPh":
				depthPh--
			case "c":
				return r.value(typ, style, v.String(), inline.String(), hasV)
			}
		case xml.CharData:
			switch {
			case inV:
				v.Write(t)
			case inIS && inT && depthPh == 0:
				inline.Write(t)
			}
		}
	}
}

// value makes a cell of a value as stored.
func (r *Reader) value(typ string, style int, v, inline string, hasV bool) (Cell, error) {
	switch typ {
	case "inlineStr":
		if inline == "" {
			return Cell{}, nil
		}
		return Cell{Kind: Text, Text: inline}, nil
	case "s":
		if !hasV {
			return Cell{}, nil
		}
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(r.shared) {
			return Cell{}, fmt.Errorf("bad shared string index %q", v)
		}
		if r.shared[i] == "" {
			return Cell{}, nil
		}
		return Cell{Kind: Text, Text: r.shared[i]}, nil
	case "str":
		if v == "" {
			return Cell{}, nil
		}
		return Cell{Kind: Text, Text: v}, nil
	case "b":
		switch strings.TrimSpace(v) {
		case "1", "true":
			return Cell{Kind: Bool, Text: "true"}, nil
		case "0", "false":
			return Cell{Kind: Bool, Text: "false"}, nil
		case "":
			return Cell{}, nil
		}
		return Cell{}, fmt.Errorf("bad boolean %q", v)
	case "e":
		if v == "" {
			return Cell{}, nil
		}
		return Cell{Kind: Error, Text: v}, nil
	case "d": // an ISO 8601 date, rare (Strict OOXML)
		if v == "" {
			return Cell{}, nil
		}
		if t, err := time.Parse(time.DateOnly, v); err == nil {
			return Cell{Kind: Date, Text: v, Time: t}, nil
		}
		for _, layout := range []string{"2006-01-02T15:04:05.999999999", time.RFC3339Nano} {
			if t, err := time.Parse(layout, v); err == nil {
				return Cell{Kind: DateTime, Text: isoDateTime(t.UTC()), Time: t.UTC()}, nil
			}
		}
		return Cell{Kind: Text, Text: v}, nil
	case "", "n":
	default:
		return Cell{}, fmt.Errorf("unknown cell type %q", typ)
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return Cell{}, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return Cell{}, fmt.Errorf("bad number %q", v)
	}
	kind := Number
	if style < len(r.formats) {
		kind = r.formats[style]
	}
	switch kind {
	case Date, DateTime:
		t, err := excelize.ExcelDateToTime(f, r.date1904)
		if err != nil || t.Year() < 1 || t.Year() > 9999 {
			break // not a date a calendar has: keep the number
		}
		t = t.UTC().Round(time.Millisecond)
		if kind == Date {
			t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
			return Cell{Kind: Date, Text: t.Format(time.DateOnly), Num: f, Time: t}, nil
		}
		return Cell{Kind: DateTime, Text: isoDateTime(t), Num: f, Time: t}, nil
	case Time:
		if f >= 0 && f < 1 {
			d := time.Duration(math.Round(f*86400)) * time.Second
			return Cell{Kind: Time, Text: fmt.Sprintf("%02d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60), Num: f}, nil
		}
	}
	return Cell{Kind: Number, Text: strconv.FormatFloat(f, 'f', -1, 64), Num: f}, nil
}

// isoDateTime is t as ISO 8601 without a zone, milliseconds only if any.
func isoDateTime(t time.Time) string {
	return t.Format("2006-01-02T15:04:05.999")
}

// attr returns the value of start's attribute named local (any
// namespace), "" if none.
func attr(start xml.StartElement, local string) string {
	for _, a := range start.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// columnOf is the 0-based column of a cell reference such as "C12".
func columnOf(ref string) (int, error) {
	col := 0
	i := 0
	for ; i < len(ref); i++ {
		c := ref[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c < 'A' || c > 'Z' {
			break
		}
		col = col*26 + int(c-'A'+1)
		if col > maxColumns {
			return 0, fmt.Errorf("bad cell reference %q", ref)
		}
	}
	if i == 0 {
		return 0, fmt.Errorf("bad cell reference %q", ref)
	}
	return col - 1, nil
}

// CellName is the name of the cell at a 0-based column and 1-based row:
// "C12".
func CellName(col, row int) string { return cellName(col) + strconv.Itoa(row) }

func cellName(col int) string {
	var b []byte
	for col++; col > 0; col = (col - 1) / 26 {
		b = append([]byte{byte('A' + (col-1)%26)}, b...)
	}
	return string(b)
}

// ---- parts

func (r *Reader) file(name string) *zip.File {
	for _, f := range r.zr.File {
		if f.Name == name || strings.EqualFold(f.Name, name) {
			return f
		}
	}
	return nil
}

// part opens a part for decoding, bounded in size.
func (r *Reader) part(name string) (*xml.Decoder, func(), error) {
	f := r.file(name)
	if f == nil {
		return nil, nil, fmt.Errorf("part %s is missing", name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, nil, err
	}
	return xml.NewDecoder(io.LimitReader(rc, maxPartSize)), func() { rc.Close() }, nil
}

// relationships maps a part's relationship ids and types to targets.
type relationships []struct{ id, typ, target string }

func (rs relationships) byID(id string) string {
	for _, r := range rs {
		if r.id == id {
			return r.target
		}
	}
	return ""
}

// byType finds the first relationship whose type ends with suffix (the
// transitional and strict schemas name types differently before it).
func (rs relationships) byType(suffix string) string {
	for _, r := range rs {
		if strings.HasSuffix(r.typ, suffix) {
			return r.target
		}
	}
	return ""
}

func (r *Reader) rels(name string) (relationships, error) {
	dec, done, err := r.part(name)
	if err != nil {
		return nil, err
	}
	defer done()
	var out relationships
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "Relationship" {
			out = append(out, struct{ id, typ, target string }{attr(se, "Id"), attr(se, "Type"), attr(se, "Target")})
		}
	}
}

// resolve is a relationship target as a zip path: relative to dir, or
// absolute from the package root.
func resolve(dir, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Clean(path.Join(dir, target)), "/")
}

type workbookInfo struct {
	date1904 bool
	sheets   []struct{ name, rid string }
}

func (r *Reader) workbook(name string) (workbookInfo, error) {
	var wb workbookInfo
	dec, done, err := r.part(name)
	if err != nil {
		return wb, fmt.Errorf("not an XLSX workbook: %w", err)
	}
	defer done()
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return wb, nil
		}
		if err != nil {
			return wb, fmt.Errorf("workbook: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "workbookPr":
			v := attr(se, "date1904")
			wb.date1904 = v == "1" || v == "true"
		case "sheet":
			rid := ""
			for _, a := range se.Attr {
				if a.Name.Local == "id" && a.Name.Space != "" {
					rid = a.Value
				}
			}
			wb.sheets = append(wb.sheets, struct{ name, rid string }{attr(se, "name"), rid})
		}
	}
}

// sharedStrings reads the shared string table: each <si>'s text, its runs
// concatenated, phonetic hints (<rPh>) left out.
func (r *Reader) sharedStrings(name string) ([]string, error) {
	dec, done, err := r.part(name)
	if err != nil {
		return nil, err
	}
	defer done()
	var out []string
	var cur strings.Builder
	inSI, inT, ph := false, false, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				inSI = true
				cur.Reset()
			case "t":
				inT = true
			case "rPh":
				ph++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				inSI = false
				if len(out) >= maxSharedIndex {
					return nil, errors.New("too many shared strings")
				}
				out = append(out, cur.String())
			case "t":
				inT = false
			case "rPh":
				ph--
			}
		case xml.CharData:
			if inSI && inT && ph == 0 {
				cur.Write(t)
			}
		}
	}
}

// styles reads, for each cell style (the cellXfs list), what kind a
// number in it is: its number format is a date, a date-time, a time or
// none of these.
func (r *Reader) styles(name string) ([]Kind, error) {
	dec, done, err := r.part(name)
	if err != nil {
		return nil, err
	}
	defer done()
	custom := map[int]string{}
	var ids []int
	inXfs := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "numFmt":
				if id, err := strconv.Atoi(attr(t, "numFmtId")); err == nil {
					custom[id] = attr(t, "formatCode")
				}
			case "cellXfs":
				inXfs = true
			case "xf":
				if inXfs {
					id, _ := strconv.Atoi(attr(t, "numFmtId"))
					ids = append(ids, id)
				}
			}
		case xml.EndElement:
			if t.Name.Local == "cellXfs" {
				inXfs = false
			}
		}
	}
	kinds := make([]Kind, len(ids))
	for i, id := range ids {
		if code, ok := custom[id]; ok {
			kinds[i] = FormatKind(code)
		} else {
			kinds[i] = builtinKind(id)
		}
	}
	return kinds, nil
}

// builtinKind is the kind of a number in one of the built-in number
// formats (ECMA-376 part 1, 18.8.30, and the East Asian ones).
func builtinKind(id int) Kind {
	switch {
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id >= 34 && id <= 36, id >= 50 && id <= 58:
		return Date
	case id == 22:
		return DateTime
	case id >= 18 && id <= 21, id == 32, id == 33, id >= 45 && id <= 47:
		return Time
	}
	return Number
}

// FormatKind is the kind of a number shown in the custom number format
// code: Date when it shows a day, month or year only, DateTime with a time
// too, Time with hours, minutes or seconds only, else Number. Literal text
// ("..." and \x), fills and paddings (*x, _x), and [..] sections (colours,
// locales, conditions) are not format letters; [h], [m] and [s] are
// elapsed time.
func FormatKind(code string) Kind {
	section, _, _ := strings.Cut(code, ";") // the positive section decides
	var date, tm, month bool
	lower := strings.ToLower(section)
	for i := 0; i < len(lower); i++ {
		c := lower[i]
		switch c {
		case '"':
			if j := strings.IndexByte(lower[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				i = len(lower)
			}
		case '\\', '*', '_':
			i++
		case '[':
			j := strings.IndexByte(lower[i:], ']')
			if j < 0 {
				return Number
			}
			switch inner := lower[i+1 : i+j]; inner {
			case "h", "hh", "m", "mm", "s", "ss":
				tm = true
			}
			i += j
		case 'y', 'd':
			date = true
		case 'e': // a year in East Asian formats; E+ and E- are scientific
			if i+1 >= len(lower) || (lower[i+1] != '+' && lower[i+1] != '-') {
				date = true
			}
		case 'h', 's':
			tm = true
		case 'm':
			month = true
		case 'a':
			if strings.HasPrefix(lower[i:], "am/pm") {
				tm = true
				i += 4
			} else if strings.HasPrefix(lower[i:], "a/p") {
				tm = true
				i += 2
			}
		case 'g':
			if strings.HasPrefix(lower[i:], "general") {
				i += 6
			}
		}
	}
	switch {
	case date && tm:
		return DateTime
	case date:
		return Date
	case tm: // "m" among hours or seconds is minutes
		return Time
	case month:
		return Date
	}
	return Number
}

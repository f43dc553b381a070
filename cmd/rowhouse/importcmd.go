package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	rhclient "github.com/rowhouse/rowhouse/client"
	"github.com/rowhouse/rowhouse/internal/xlsxread"
	"github.com/rowhouse/rowhouse/schema"
)

// Import defaults.
const (
	defaultImportChunk  = 1000
	defaultImportSample = 1000
	maxListedProblems   = 10
)

// importOptions are the flags of `rowhouse import`.
type importOptions struct {
	file, url, key, doc, table, keyColumn, sheet, encoding string
	chunk, sample                                          int
	progressEvery                                          time.Duration
	strict                                                 bool
}

// runImport is `rowhouse import FILE.csv|FILE.xlsx --doc DOC --table T
// [--key-column C]`: it checks the whole file first (row lengths,
// encoding, duplicate keys) so that bad input writes nothing, infers
// column types from a sample, creates the table or its missing columns,
// then streams the rows to the server in chunks (added, or upserted by
// the key column), reporting progress and a summary.
func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o importOptions
	fs.StringVar(&o.url, "url", envOr(getenv, "ROWHOUSE_URL", "http://127.0.0.1:8484"), "the server's base URL (env ROWHOUSE_URL)")
	fs.StringVar(&o.key, "key", "", "API key (default $ROWHOUSE_API_KEY)")
	fs.StringVar(&o.doc, "doc", "", "document id (required)")
	fs.StringVar(&o.table, "table", "", "table id; created if missing (required)")
	fs.StringVar(&o.keyColumn, "key-column", "", "file column whose values identify records: rows update the record with the same value, or are added")
	fs.StringVar(&o.sheet, "sheet", "", "XLSX: the sheet to read (default the first)")
	fs.StringVar(&o.encoding, "encoding", "auto", "CSV: auto (UTF-8, else Windows-1252), utf-8, windows-1252 or latin1")
	fs.IntVar(&o.chunk, "chunk", defaultImportChunk, "records per request")
	fs.IntVar(&o.sample, "sample", defaultImportSample, "rows read to infer the types of new columns (0: every row)")
	fs.DurationVar(&o.progressEvery, "progress-every", 2*time.Second, "how often progress is shown")
	fs.BoolVar(&o.strict, "strict", false, "refuse the file, writing nothing, if a value does not fit its column's type or a column would be renamed")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err.Error()}
	}
	if len(files) != 1 {
		return usageError{"usage: rowhouse import FILE.csv|FILE.xlsx --doc DOC --table T [--key-column C] [--url URL --key KEY]"}
	}
	o.file = files[0]
	fromEnv(&o.key, getenv, "ROWHOUSE_API_KEY")
	switch {
	case o.doc == "" || o.table == "":
		return usageError{"import: --doc and --table are required"}
	case o.chunk <= 0 || o.sample < 0:
		return usageError{"import: --chunk must be positive and --sample not negative"}
	case !slices.Contains([]string{"auto", "utf-8", "utf8", "windows-1252", "cp1252", "latin1", "iso-8859-1"}, strings.ToLower(o.encoding)):
		return usageError{fmt.Sprintf("import: unknown --encoding %q (auto, utf-8, windows-1252, latin1)", o.encoding)}
	}
	imp := &importer{o: o, stdout: stdout, stderr: stderr, terminal: isTerminal(stderr),
		c: rhclient.New(o.url, o.key, rhclient.WithChunkSize(o.chunk), rhclient.WithUserAgent("rowhouse-import/"+version))}
	return imp.run(ctx)
}

// parseInterspersed parses flags that may come before or after the
// positional arguments, which it returns.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// rowSource reads a spreadsheet row by row: the header, then records with
// the line (CSV) or row (XLSX) number where each starts.
type rowSource interface {
	Header() []string
	Next() (rec []string, line int, err error) // io.EOF at the end
	Close() error
}

// errNotUTF8 is a CSV field that is not UTF-8 in utf-8 mode.
type errNotUTF8 struct{ line int }

func (e errNotUTF8) Error() string {
	return fmt.Sprintf("line %d is not valid UTF-8 (use --encoding windows-1252 or latin1 if that is the file's encoding)", e.line)
}

// csvSource reads CSV, converting from a single-byte encoding if asked,
// checking UTF-8 otherwise.
type csvSource struct {
	f      *os.File
	r      *csv.Reader
	header []string
	check  bool // refuse fields that are not UTF-8
}

func openCSV(path, encoding string) (*csvSource, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(f, 256<<10)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	var rd io.Reader = br
	s := &csvSource{f: f, check: true}
	switch encoding {
	case "windows-1252", "cp1252":
		rd, s.check = charmap.Windows1252.NewDecoder().Reader(br), false
	case "latin1", "iso-8859-1":
		rd, s.check = charmap.ISO8859_1.NewDecoder().Reader(br), false
	}
	s.r = csv.NewReader(rd)
	s.r.FieldsPerRecord = -1 // checked here, to report every bad line
	s.r.ReuseRecord = true
	h, err := s.r.Read()
	if err == io.EOF {
		f.Close()
		return nil, fmt.Errorf("%s is empty: the first line must name the columns", path)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if s.check && !allUTF8(h) {
		f.Close()
		return nil, errNotUTF8{1}
	}
	s.header = slices.Clone(h)
	return s, nil
}

func allUTF8(rec []string) bool {
	for _, f := range rec {
		if !utf8.ValidString(f) {
			return false
		}
	}
	return true
}

func (s *csvSource) Header() []string { return s.header }

func (s *csvSource) Next() ([]string, int, error) {
	rec, err := s.r.Read()
	if err != nil {
		return nil, 0, err
	}
	line, _ := s.r.FieldPos(0)
	if s.check && !allUTF8(rec) {
		return nil, line, errNotUTF8{line}
	}
	return rec, line, nil
}

func (s *csvSource) Close() error { return s.f.Close() }

// xlsxSource reads one sheet through xlsxread, which gives each cell's
// type and number format: numbers come as numbers ("3.5"), booleans as
// "true"/"false", dates as ISO dates ("2024-01-15") and date-times as ISO
// date-times, whatever format the sheet shows them in, so that they are
// inferred and converted as the same values in a CSV file would be.
type xlsxSource struct {
	r      *xlsxread.Reader
	header []string
	row    int
}

func openXLSX(path, sheet string) (*xlsxSource, error) {
	r, err := xlsxread.Open(path, sheet)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s := &xlsxSource{r: r}
	h, _, err := s.Next()
	if err == io.EOF {
		s.Close()
		name := sheet
		if name == "" && len(r.Sheets()) > 0 {
			name = r.Sheets()[0]
		}
		return nil, fmt.Errorf("%s: sheet %q is empty: the first row must name the columns", path, name)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	s.header = slices.Clone(h)
	return s, nil
}

func (s *xlsxSource) Header() []string { return s.header }

// Next skips empty rows, as the CSV reader skips empty lines.
func (s *xlsxSource) Next() ([]string, int, error) {
	for {
		n, cells, err := s.r.Next()
		if err == io.EOF {
			return nil, s.row, io.EOF
		}
		if err != nil {
			return nil, s.row, err
		}
		s.row = n
		rec := make([]string, len(cells))
		for i, c := range cells {
			rec[i] = c.Text
		}
		for len(rec) > 0 && rec[len(rec)-1] == "" {
			rec = rec[:len(rec)-1]
		}
		if len(rec) == 0 {
			continue
		}
		if s.header != nil && len(rec) < len(s.header) { // trailing empty cells are not stored
			rec = append(rec, make([]string, len(s.header)-len(rec))...)
		}
		return rec, n, nil
	}
}

func (s *xlsxSource) Close() error { return s.r.Close() }

// importer holds one run of the import.
type importer struct {
	o        importOptions
	c        *rhclient.Client
	stdout   io.Writer
	stderr   io.Writer
	terminal bool
	xlsx     bool
	encoding string // the encoding chosen for a CSV file
	misfits  int    // values that do not fit their column, stored as text
}

func (imp *importer) open() (rowSource, error) {
	if imp.xlsx {
		return openXLSX(imp.o.file, imp.o.sheet)
	}
	return openCSV(imp.o.file, imp.encoding)
}

// target is where each file column goes, decided before the file is
// read: an existing column of the table (with its type), or a new column
// (its id as the server will name it, its type inferred from the file).
type target struct {
	exists   bool              // the table exists
	tableID  string            // the table's id (as the server will name a new table)
	existing []rhclient.Column // the table's columns, if it exists
	ids      []string          // per file column: the column's id
	types    []string          // per file column: its type ("" while a new column's is inferred)
	isNew    []bool            // per file column: a column to add
}

// renamed lists the file columns whose id differs from their header.
func (tg *target) renamed(header []string) []string {
	var out []string
	for i, h := range header {
		if tg.isNew[i] && tg.ids[i] != h {
			out = append(out, fmt.Sprintf("file column %q becomes column %s (ids are letters, digits and _, start with a letter, and id and manualSort are taken)", h, tg.ids[i]))
		}
	}
	return out
}

// plan looks at the table, if it exists, and decides where each file
// column goes: to the table's column of the same id, else of the same
// label (ignoring case), else to a new column named as the server will
// name it (schema.SanitizeColID).
func (imp *importer) plan(ctx context.Context, header []string) (*target, error) {
	tables, err := imp.c.Doc(imp.o.doc).Tables(ctx)
	if err != nil {
		return nil, err
	}
	tg := &target{tableID: imp.o.table, ids: make([]string, len(header)), types: make([]string, len(header)), isNew: make([]bool, len(header))}
	if at := slices.IndexFunc(tables, func(t rhclient.Table) bool { return t.ID == imp.o.table }); at >= 0 {
		tg.exists, tg.existing = true, tables[at].Columns
	} else {
		ids := make([]string, len(tables))
		for i, t := range tables {
			ids[i] = t.ID
		}
		tg.tableID = schema.SanitizeTableID(imp.o.table, ids)
	}
	taken := columnIDs(tg.existing)
	for i, h := range header {
		j := slices.IndexFunc(tg.existing, func(c rhclient.Column) bool { return strings.EqualFold(c.ID, h) })
		if j < 0 {
			j = slices.IndexFunc(tg.existing, func(c rhclient.Column) bool { return c.Label != "" && strings.EqualFold(c.Label, h) })
		}
		if j >= 0 {
			tg.ids[i], tg.types[i] = tg.existing[j].ID, tg.existing[j].Type
			continue
		}
		tg.isNew[i] = true
		tg.ids[i] = schema.SanitizeColID(h, taken)
		taken = append(taken, tg.ids[i])
	}
	return tg, nil
}

// misfit is a value that does not fit its column's type: it is stored as
// given (as text), and read back so, rather than as a typed value.
type misfit struct {
	line  int
	col   int
	value string
}

// scanResult is what the check of the whole file found.
type scanResult struct {
	header    []string
	rows      int
	target    *target
	problems  []string // row length, duplicate and empty keys: the file is refused
	keyIndex  int      // index of the key column, -1 for none
	misfits   []misfit // the first few values that do not fit their column
	nMisfits  []int    // per column: how many values do not fit
	textWhy   []string // per new column inferred as Text: why, "" if it has no values
	sampleEnd int      // the rows whose values inferred the new columns' types
}

func (s *scanResult) misfitCount() int {
	n := 0
	for _, k := range s.nMisfits {
		n += k
	}
	return n
}

func (imp *importer) run(ctx context.Context) error {
	ext := strings.ToLower(filepath.Ext(imp.o.file))
	switch ext {
	case ".xlsx", ".xlsm":
		imp.xlsx = true
	case ".csv", ".txt", ".tsv":
	default:
		return usageError{fmt.Sprintf("import: %s: expected a .csv or .xlsx file", imp.o.file)}
	}
	imp.encoding = strings.ToLower(imp.o.encoding)
	if imp.encoding == "utf8" {
		imp.encoding = "utf-8"
	}

	scan, err := imp.scan(ctx)
	var nu errNotUTF8
	if errors.As(err, &nu) && imp.encoding == "auto" {
		fmt.Fprintf(imp.stderr, "%s is not UTF-8 (line %d); reading it as Windows-1252\n", imp.o.file, nu.line)
		imp.encoding = "windows-1252"
		scan, err = imp.scan(ctx)
	}
	if err != nil {
		return fmt.Errorf("import %s: %w; nothing was written", imp.o.file, err)
	}
	if len(scan.problems) > 0 {
		for _, p := range scan.problems {
			fmt.Fprintln(imp.stderr, "  "+p)
		}
		return fmt.Errorf("import %s: the file has %d problem(s), listed above; nothing was written", imp.o.file, len(scan.problems))
	}
	renamed := imp.report(scan)
	imp.misfits = scan.misfitCount()
	if imp.o.strict && (scan.misfitCount() > 0 || len(renamed) > 0) {
		return fmt.Errorf("import %s: --strict: %d value(s) do not fit their column's type and %d column(s) would be renamed, listed above; nothing was written",
			imp.o.file, scan.misfitCount(), len(renamed))
	}

	cols, types, err := imp.prepareTable(ctx, scan)
	if err != nil {
		return fmt.Errorf("import %s: %w; no records were written", imp.o.file, err)
	}
	return imp.send(ctx, scan, cols, types)
}

// where names a place in the file: a CSV line, or an XLSX row and cell.
func (imp *importer) where(line, col int) string {
	if imp.xlsx {
		return fmt.Sprintf("row %d (cell %s)", line, xlsxread.CellName(col, line))
	}
	return fmt.Sprintf("line %d", line)
}

// report tells, before anything is written, what would not arrive as the
// file has it: renamed columns, why new columns are Text, and each value
// that does not fit its column's type. It returns the renames.
func (imp *importer) report(scan *scanResult) []string {
	tg := scan.target
	renamed := tg.renamed(scan.header)
	for _, r := range renamed {
		fmt.Fprintln(imp.stderr, r)
	}
	for i, why := range scan.textWhy {
		if why != "" {
			fmt.Fprintf(imp.stderr, "column %s is Text: %s\n", tg.ids[i], why)
		}
	}
	if n := scan.misfitCount(); n > 0 {
		fmt.Fprintf(imp.stderr, "%d value(s) do not fit their column's type; they will be stored as text, as given:\n", n)
		for _, m := range scan.misfits {
			fmt.Fprintf(imp.stderr, "  %s, column %s (%s): %q %s\n", imp.where(m.line, m.col), tg.ids[m.col], tg.types[m.col], m.value, notFitting(tg.types[m.col]))
		}
		if n > len(scan.misfits) {
			var per []string
			for i, k := range scan.nMisfits {
				if k > 0 {
					per = append(per, fmt.Sprintf("%s: %d", tg.ids[i], k))
				}
			}
			fmt.Fprintf(imp.stderr, "  ... and %d more (per column: %s)\n", n-len(scan.misfits), strings.Join(per, ", "))
		}
		if scan.sampleEnd > 0 {
			fmt.Fprintf(imp.stderr, "  (new columns' types come from the first %d rows: --sample 0 reads every row)\n", scan.sampleEnd)
		}
	}
	return renamed
}

// notFitting says why a value does not fit a column of type typ.
func notFitting(typ string) string {
	switch baseType(typ) {
	case "Int":
		return "is not a whole number"
	case "Numeric":
		return "is not a number"
	case "Bool":
		return "is not true, false, yes or no"
	case "Date":
		return "is not a date (YYYY-MM-DD)"
	case "DateTime":
		return "is not a date and time (YYYY-MM-DDTHH:MM:SS)"
	case "Ref", "RefList":
		return "is not a row id"
	}
	return "does not fit"
}

// scan reads the whole file once, checking it, inferring the types of new
// columns from the first --sample rows, and checking every later value
// (every value, for existing columns) against its column's type, by the
// server's own rules (schema.Type.Encode).
func (imp *importer) scan(ctx context.Context) (*scanResult, error) {
	src, err := imp.open()
	if err != nil {
		return nil, err
	}
	defer src.Close()
	h := src.Header()
	res := &scanResult{header: h, keyIndex: -1, nMisfits: make([]int, len(h)), textWhy: make([]string, len(h))}
	if imp.o.keyColumn != "" {
		res.keyIndex = slices.Index(h, imp.o.keyColumn)
		if res.keyIndex < 0 {
			return nil, fmt.Errorf("--key-column %q is not a column of the file (columns: %s)", imp.o.keyColumn, strings.Join(h, ", "))
		}
	}
	if res.target, err = imp.plan(ctx, h); err != nil {
		return nil, err
	}
	tg := res.target
	// The types known now (existing columns) check from the first row;
	// new columns from the row after the sample.
	checks := make([]*schema.Type, len(h))
	setCheck := func(i int) {
		if t, err := schema.ParseType(tg.types[i]); err == nil && t.Kind != schema.KindText && t.Kind != schema.KindAny {
			checks[i] = &t
		}
	}
	for i := range h {
		if !tg.isNew[i] {
			setCheck(i)
		}
	}
	inf := make([]typeGuess, len(h))
	inferring := slices.Contains(tg.isNew, true)
	finishInference := func() {
		for i := range inf {
			if !tg.isNew[i] {
				continue
			}
			tg.types[i] = inf[i].result()
			if tg.types[i] == "Text" {
				res.textWhy[i] = inf[i].whyText(imp.xlsx)
			}
			setCheck(i)
		}
		inferring = false
	}
	// Keys are remembered by a 128-bit hash rather than as strings, so a
	// million keys take tens of megabytes, not a hundred; a false match is
	// as likely as a random 128-bit collision.
	seen := map[[2]uint64]int{} // hash of a key -> its first line
	seed1, seed2 := maphash.MakeSeed(), maphash.MakeSeed()
	var badLen, dups []string
	nBadLen, nDups := 0, 0
	for {
		rec, line, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		res.rows++
		if len(rec) != len(h) {
			nBadLen++
			if len(badLen) < maxListedProblems {
				badLen = append(badLen, fmt.Sprintf("line %d has %d fields, the header has %d", line, len(rec), len(h)))
			}
			continue
		}
		if inferring && imp.o.sample > 0 && res.rows > imp.o.sample {
			res.sampleEnd = imp.o.sample
			finishInference()
		}
		for i, v := range rec {
			if inferring && tg.isNew[i] {
				inf[i].see(v, line)
			}
			if checks[i] != nil && !fits(*checks[i], tg.types[i], v) {
				res.nMisfits[i]++
				if len(res.misfits) < maxListedProblems {
					res.misfits = append(res.misfits, misfit{line: line, col: i, value: v})
				}
			}
		}
		if res.keyIndex >= 0 {
			k := rec[res.keyIndex]
			h := [2]uint64{maphash.String(seed1, k), maphash.String(seed2, k)}
			switch first, ok := seen[h]; {
			case strings.TrimSpace(k) == "":
				nDups++
				if len(dups) < maxListedProblems {
					dups = append(dups, fmt.Sprintf("line %d has an empty key (%s)", line, imp.o.keyColumn))
				}
			case ok:
				nDups++
				if len(dups) < maxListedProblems {
					dups = append(dups, fmt.Sprintf("duplicate key %s=%q on lines %d and %d", imp.o.keyColumn, k, first, line))
				}
			default:
				seen[h] = line
			}
		}
	}
	if inferring {
		finishInference()
	}
	res.problems = append(badLen, dups...)
	if more := nBadLen + nDups - len(res.problems); more > 0 {
		res.problems = append(res.problems, fmt.Sprintf("... and %d more", more))
	}
	return res, nil
}

// fits reports whether the file value v is stored as a typed value in a
// column of type t (typ as the server names it): what the importer sends
// (cell) is encoded by the server's rules. An empty value always fits.
func fits(t schema.Type, typ, v string) bool {
	c := cell(typ, v)
	if c == nil {
		return true
	}
	_, _, ok := t.Encode(c, true)
	return ok
}

// The types a new column can be inferred as, in the order tried, and
// what a value that rules one out is not.
const (
	guessInt = iota
	guessNumeric
	guessBool
	guessDate
	guessDateTime
	nGuesses
)

var guessNouns = [nGuesses]string{"a whole number", "a number", "a boolean", "a date", "a date and time"}

// typeGuess infers a column type from its non-empty values, remembering
// for each type the first value that ruled it out.
type typeGuess struct {
	n     int
	first int // the line of the first value
	out   [nGuesses]struct {
		line   int
		value  string
		reason string // why, if not that the value is simply not one
	}
}

func (g *typeGuess) rule(k, line int, v, reason string) {
	if g.out[k].line == 0 {
		g.out[k].line, g.out[k].value, g.out[k].reason = line, v, reason
	}
}

func (g *typeGuess) ruledOut(k int) bool { return g.out[k].line != 0 }

// see takes a value at line (1 or more).
func (g *typeGuess) see(v string, line int) {
	v = strings.TrimSpace(v)
	if v == "" {
		return
	}
	g.n++
	if g.first == 0 {
		g.first = line
	}
	leadingZero := len(v) > 1 && v[0] == '0' && v[1] != '.' // codes like 007 stay text
	if !g.ruledOut(guessInt) {
		if _, err := strconv.ParseInt(v, 10, 64); err != nil || leadingZero {
			g.rule(guessInt, line, v, ifThen(leadingZero, "a leading zero, kept as text"))
		}
	}
	if !g.ruledOut(guessNumeric) {
		if _, err := strconv.ParseFloat(v, 64); err != nil || leadingZero || strings.ContainsAny(v, "xXpPnNiI_") {
			g.rule(guessNumeric, line, v, ifThen(leadingZero, "a leading zero, kept as text")) // ParseFloat also takes hex, Inf and NaN: not for spreadsheets
		}
	}
	if !g.ruledOut(guessBool) {
		if _, ok := parseBool(v); !ok {
			g.rule(guessBool, line, v, "")
		}
	}
	if !g.ruledOut(guessDate) {
		if _, ok := parseDate(v); !ok {
			g.rule(guessDate, line, v, "")
		}
	}
	if !g.ruledOut(guessDateTime) {
		if !isDateTime(v) {
			g.rule(guessDateTime, line, v, "")
		}
	}
}

func ifThen(c bool, s string) string {
	if c {
		return s
	}
	return ""
}

func (g *typeGuess) result() string {
	switch {
	case g.n == 0:
		return "Text"
	case !g.ruledOut(guessInt):
		return "Int"
	case !g.ruledOut(guessNumeric):
		return "Numeric"
	case !g.ruledOut(guessBool):
		return "Bool"
	case !g.ruledOut(guessDate):
		return "Date"
	case !g.ruledOut(guessDateTime):
		return "DateTime:UTC"
	}
	return "Text"
}

// whyText says why a column is Text: the values that ruled out the other
// types. It says nothing ("") for a column that is plainly text (its
// first value is of no other type, and not for a reason worth telling,
// such as a leading zero) or has no values. A whole number is only a
// number, so Int's own reason is left out.
func (g *typeGuess) whyText(xlsx bool) string {
	telling := false
	for k := guessNumeric; k < nGuesses; k++ {
		if g.out[k].line > g.first || g.out[k].reason != "" {
			telling = true
		}
	}
	if g.n == 0 || !telling {
		return ""
	}
	word := "line"
	if xlsx {
		word = "row"
	}
	type key struct {
		line int
		v    string
	}
	var order []key
	nouns := map[key][]string{}
	reasons := map[key]string{}
	for k := guessNumeric; k < nGuesses; k++ {
		o := g.out[k]
		kk := key{o.line, o.value}
		if _, ok := nouns[kk]; !ok {
			order = append(order, kk)
		}
		if o.reason != "" {
			reasons[kk] = o.reason
		} else {
			nouns[kk] = append(nouns[kk], guessNouns[k])
		}
	}
	slices.SortFunc(order, func(a, b key) int { return a.line - b.line })
	var parts []string
	for _, k := range order {
		var why []string
		if r := reasons[k]; r != "" {
			why = append(why, r)
		}
		if n := nouns[k]; len(n) > 0 {
			why = append(why, "not "+joinOr(n))
		}
		parts = append(parts, fmt.Sprintf("%s %d has %q (%s)", word, k.line, k.v, strings.Join(why, "; ")))
	}
	return strings.Join(parts, ", ")
}

// joinOr joins "a", "b", "c" as "a, b or c".
func joinOr(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

func parseBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "true", "yes":
		return true, true
	case "false", "no":
		return false, true
	}
	return false, false
}

func parseDate(v string) (int64, bool) {
	if len(v) != 10 {
		return 0, false
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return 0, false
	}
	return t.Unix(), true
}

// dateTimeLayouts are the ISO 8601 forms a DateTime column is inferred
// from (a date alone counts too: midnight).
var dateTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04", "2006-01-02 15:04", time.DateOnly}

func isDateTime(v string) bool {
	if len(v) < 10 || len(v) > 40 {
		return false
	}
	for _, l := range dateTimeLayouts {
		if _, err := time.Parse(l, v); err == nil {
			return true
		}
	}
	return false
}

// cell converts a file value for a column of type typ: numbers, booleans
// and ISO dates become their JSON values; an empty cell of a typed column
// is null; anything else goes as text (date-times too), which the server
// parses for its column type (in the column's time zone) or keeps as
// given.
func cell(typ, v string) any {
	base := baseType(typ)
	if base == "Text" || base == "" {
		return v
	}
	t := strings.TrimSpace(v)
	if t == "" {
		return nil
	}
	switch base {
	case "Int":
		if n, err := strconv.ParseInt(t, 10, 64); err == nil {
			return n
		}
	case "Numeric":
		if f, err := strconv.ParseFloat(t, 64); err == nil && !strings.ContainsAny(t, "xXpPnNiI_") {
			return f
		}
	case "Bool":
		if b, ok := parseBool(t); ok {
			return b
		}
	case "Date":
		if d, ok := parseDate(t); ok {
			return d
		}
	case "DateTime":
		return t
	}
	return v
}

// prepareTable makes sure the table exists with a column for every file
// column, as planned, and returns the column id and type for each file
// column.
func (imp *importer) prepareTable(ctx context.Context, scan *scanResult) ([]string, []string, error) {
	doc := imp.c.Doc(imp.o.doc)
	tg := scan.target
	if !tg.exists {
		nt := rhclient.NewTable{ID: imp.o.table}
		unique := true
		for i, h := range scan.header {
			f := rhclient.ColumnFields{Label: h, Type: tg.types[i]}
			if i == scan.keyIndex {
				// The file's keys were checked unique; the server keeps them
				// so, and its unique index serves the upserts' lookups.
				f.IsUnique = &unique
			}
			nt.Columns = append(nt.Columns, rhclient.NewColumn{ID: h, Fields: f})
		}
		ids, err := doc.CreateTables(ctx, nt)
		if err != nil {
			return nil, nil, fmt.Errorf("create table %s: %w", imp.o.table, err)
		}
		if ids[0] != imp.o.table {
			fmt.Fprintf(imp.stderr, "the table is named %s (from %q)\n", ids[0], imp.o.table)
			imp.o.table = ids[0]
		}
		existing, err := doc.Columns(ctx, imp.o.table)
		if err != nil {
			return nil, nil, err
		}
		if len(existing) != len(scan.header) {
			return nil, nil, fmt.Errorf("created table %s has %d columns, the file %d", imp.o.table, len(existing), len(scan.header))
		}
		for i, c := range existing {
			if c.ID != tg.ids[i] { // named otherwise than foreseen: say so
				fmt.Fprintf(imp.stderr, "file column %q is column %s\n", scan.header[i], c.ID)
			}
		}
		fmt.Fprintf(imp.stderr, "created table %s: %s\n", imp.o.table, describeColumns(existing))
		return columnIDs(existing), columnTypes(existing), nil
	}
	ids := slices.Clone(tg.ids)
	types := slices.Clone(tg.types)
	var missing []rhclient.NewColumn
	var missingAt []int
	for i, h := range scan.header {
		if tg.isNew[i] {
			missing = append(missing, rhclient.NewColumn{ID: h, Fields: rhclient.ColumnFields{Label: h, Type: tg.types[i]}})
			missingAt = append(missingAt, i)
		}
	}
	if len(missing) > 0 {
		added, err := doc.AddColumns(ctx, imp.o.table, missing...)
		if err != nil {
			return nil, nil, fmt.Errorf("add columns to %s: %w", imp.o.table, err)
		}
		for k, i := range missingAt {
			ids[i] = added[k]
			fmt.Fprintf(imp.stderr, "added column %s (%s) to %s\n", added[k], missing[k].Fields.Type, imp.o.table)
		}
	}
	return ids, types, nil
}

func columnIDs(cols []rhclient.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.ID
	}
	return out
}

func columnTypes(cols []rhclient.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Type
	}
	return out
}

// baseType is the type name without its argument (DateTime:UTC ->
// DateTime).
func baseType(t string) string {
	b, _, _ := strings.Cut(t, ":")
	return b
}

func describeColumns(cols []rhclient.Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.ID + " " + c.Type
	}
	return strings.Join(parts, ", ")
}

// chunk is a batch of converted rows and the lines they came from.
type chunk struct {
	rows                []map[string]any
	ups                 []rhclient.Upsert
	firstRow, lastRow   int // 1-based record numbers in the file
	firstLine, lastLine int
}

func (c *chunk) len() int { return max(len(c.rows), len(c.ups)) }

// send streams the file's rows to the server in chunks: a reader goroutine
// converts the next chunks while the current one is being written.
func (imp *importer) send(ctx context.Context, scan *scanResult, cols, types []string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	src, err := imp.open()
	if err != nil {
		return err
	}
	defer src.Close()
	chunks := make(chan *chunk, 2)
	readErr := make(chan error, 1)
	go func() {
		defer close(chunks)
		readErr <- imp.read(ctx, src, scan, cols, types, chunks)
	}()

	doc := imp.c.Doc(imp.o.doc)
	p := newProgress(imp.stderr, imp.terminal, scan.rows, imp.o.progressEvery)
	var added, updated, written int
	for ch := range chunks {
		var err error
		if ch.ups != nil {
			var res rhclient.UpsertResult
			res, err = doc.UpsertRecords(ctx, imp.o.table, ch.ups, nil)
			if err == nil {
				added += len(res.Added)
				updated += ch.len() - len(res.Added)
			}
		} else {
			_, err = doc.AddRecords(ctx, imp.o.table, ch.rows)
			if err == nil {
				added += ch.len()
			}
		}
		if err != nil {
			p.finish(written)
			cancel()
			var we *rhclient.WriteError
			if errors.As(err, &we) {
				err = we.Err
			}
			imp.summary(written, added, updated, scan.rows-written)
			return fmt.Errorf("import into %s failed at records %d-%d (lines %d-%d): %w\n"+
				"records 1-%d were written; records %d-%d were not (re-run with --key-column to resume without duplicates)",
				imp.o.table, ch.firstRow, ch.lastRow, ch.firstLine, ch.lastLine, err, written, written+1, scan.rows)
		}
		written += ch.len()
		p.update(written)
	}
	if err := <-readErr; err != nil {
		p.finish(written)
		imp.summary(written, added, updated, scan.rows-written)
		return fmt.Errorf("import %s: reading the file again: %w; records 1-%d were written, the rest were not", imp.o.file, err, written)
	}
	p.finish(written)
	imp.summary(written, added, updated, 0)
	return nil
}

func (imp *importer) summary(written, added, updated, failed int) {
	kept := ""
	if imp.misfits > 0 {
		kept = fmt.Sprintf("; %d value(s) stored as text, not fitting their column's type (listed above)", imp.misfits)
	}
	fmt.Fprintf(imp.stdout, "%s -> %s/%s: %d records written (%d added, %d updated), %d failed%s\n",
		filepath.Base(imp.o.file), imp.o.doc, imp.o.table, written, added, updated, failed, kept)
}

// read converts the file's rows into chunks.
func (imp *importer) read(ctx context.Context, src rowSource, scan *scanResult, cols, types []string, out chan<- *chunk) error {
	cur := &chunk{}
	n := 0
	flush := func() bool {
		if cur.len() == 0 {
			return true
		}
		select {
		case out <- cur:
		case <-ctx.Done():
			return false
		}
		cur = &chunk{}
		return true
	}
	for {
		rec, line, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if len(rec) != len(cols) {
			return fmt.Errorf("line %d has %d fields, the header %d: the file changed since it was checked", line, len(rec), len(cols))
		}
		n++
		if cur.len() == 0 {
			cur.firstRow, cur.firstLine = n, line
		}
		cur.lastRow, cur.lastLine = n, line
		fields := make(map[string]any, len(cols))
		for i, v := range rec {
			if i != scan.keyIndex {
				fields[cols[i]] = cell(types[i], v)
			}
		}
		if scan.keyIndex >= 0 {
			k := scan.keyIndex
			cur.ups = append(cur.ups, rhclient.Upsert{Require: map[string]any{cols[k]: cell(types[k], rec[k])}, Fields: fields})
		} else {
			cur.rows = append(cur.rows, fields)
		}
		if cur.len() >= imp.o.chunk && !flush() {
			return ctx.Err()
		}
	}
	if !flush() {
		return ctx.Err()
	}
	if n != scan.rows {
		return fmt.Errorf("the file has %d records now, %d when it was checked", n, scan.rows)
	}
	return nil
}

// progress shows how an import goes: a bar redrawn in place on a
// terminal, a plain line every interval otherwise.
type progress struct {
	w        io.Writer
	terminal bool
	total    int
	every    time.Duration
	start    time.Time
	last     time.Time
}

func newProgress(w io.Writer, terminal bool, total int, every time.Duration) *progress {
	now := time.Now()
	return &progress{w: w, terminal: terminal, total: total, every: every, start: now, last: now}
}

func (p *progress) update(done int) {
	now := time.Now()
	if p.terminal {
		if now.Sub(p.last) >= 100*time.Millisecond || done == p.total {
			fmt.Fprint(p.w, "\r"+progressBar(done, p.total, now.Sub(p.start)))
			p.last = now
		}
		return
	}
	if now.Sub(p.last) >= p.every {
		fmt.Fprintln(p.w, progressLine(done, p.total, now.Sub(p.start)))
		p.last = now
	}
}

func (p *progress) finish(done int) {
	el := time.Since(p.start)
	if p.terminal {
		fmt.Fprint(p.w, "\r"+progressBar(done, p.total, el)+"\n")
		return
	}
	fmt.Fprintln(p.w, progressLine(done, p.total, el))
}

// rate is records per second.
func rate(done int, el time.Duration) float64 {
	if el <= 0 {
		return 0
	}
	return float64(done) / el.Seconds()
}

// eta is the time left at the rate so far.
func eta(done, total int, el time.Duration) time.Duration {
	r := rate(done, el)
	if r <= 0 || done >= total {
		return 0
	}
	return time.Duration(float64(total-done) / r * float64(time.Second)).Round(time.Second)
}

// progressLine is the plain progress line.
func progressLine(done, total int, el time.Duration) string {
	pct := 100.0
	if total > 0 {
		pct = 100 * float64(done) / float64(total)
	}
	return fmt.Sprintf("imported %d/%d records (%.0f%%), %.0f records/s, elapsed %s, ETA %s",
		done, total, pct, rate(done, el), el.Round(time.Second), eta(done, total, el))
}

// progressBar is the terminal's bar: [=====>     ]  45% 450000/1000000 52000/s ETA 10s.
func progressBar(done, total int, el time.Duration) string {
	const width = 30
	frac := 1.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	fill := int(frac * width)
	bar := strings.Repeat("=", fill)
	if fill < width {
		bar += ">" + strings.Repeat(" ", width-fill-1)
	}
	return fmt.Sprintf("[%s] %3.0f%% %d/%d %.0f/s ETA %s ", bar, 100*frac, done, total, rate(done, el), eta(done, total, el))
}

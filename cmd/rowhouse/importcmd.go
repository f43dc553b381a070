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

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	rhclient "github.com/rowhouse/rowhouse/client"
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

// xlsxSource reads one sheet through excelize's streaming row iterator.
type xlsxSource struct {
	f      *excelize.File
	rows   *excelize.Rows
	header []string
	row    int
}

func openXLSX(path, sheet string) (*xlsxSource, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if sheet == "" {
		if list := f.GetSheetList(); len(list) > 0 {
			sheet = list[0]
		}
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: sheet %q: %w", path, sheet, err)
	}
	s := &xlsxSource{f: f, rows: rows}
	h, _, err := s.Next()
	if err == io.EOF {
		s.Close()
		return nil, fmt.Errorf("%s: sheet %q is empty: the first row must name the columns", path, sheet)
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
	for s.rows.Next() {
		s.row++
		rec, err := s.rows.Columns()
		if err != nil {
			return nil, s.row, fmt.Errorf("row %d: %w", s.row, err)
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
		return rec, s.row, nil
	}
	if err := s.rows.Error(); err != nil {
		return nil, s.row, err
	}
	return nil, s.row, io.EOF
}

func (s *xlsxSource) Close() error {
	s.rows.Close()
	return s.f.Close()
}

// importer holds one run of the import.
type importer struct {
	o        importOptions
	c        *rhclient.Client
	stdout   io.Writer
	stderr   io.Writer
	terminal bool
	xlsx     bool
	encoding string // the encoding chosen for a CSV file
}

func (imp *importer) open() (rowSource, error) {
	if imp.xlsx {
		return openXLSX(imp.o.file, imp.o.sheet)
	}
	return openCSV(imp.o.file, imp.encoding)
}

// scanResult is what the check of the whole file found.
type scanResult struct {
	header   []string
	rows     int
	types    []string // inferred column types, per header column
	problems []string // row length, duplicate and empty keys
	keyIndex int      // index of the key column, -1 for none
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

	scan, err := imp.scan()
	var nu errNotUTF8
	if errors.As(err, &nu) && imp.encoding == "auto" {
		fmt.Fprintf(imp.stderr, "%s is not UTF-8 (line %d); reading it as Windows-1252\n", imp.o.file, nu.line)
		imp.encoding = "windows-1252"
		scan, err = imp.scan()
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

	cols, types, err := imp.prepareTable(ctx, scan)
	if err != nil {
		return fmt.Errorf("import %s: %w; no records were written", imp.o.file, err)
	}
	return imp.send(ctx, scan, cols, types)
}

// scan reads the whole file once, checking it and inferring types.
func (imp *importer) scan() (*scanResult, error) {
	src, err := imp.open()
	if err != nil {
		return nil, err
	}
	defer src.Close()
	h := src.Header()
	res := &scanResult{header: h, keyIndex: -1}
	if imp.o.keyColumn != "" {
		res.keyIndex = slices.Index(h, imp.o.keyColumn)
		if res.keyIndex < 0 {
			return nil, fmt.Errorf("--key-column %q is not a column of the file (columns: %s)", imp.o.keyColumn, strings.Join(h, ", "))
		}
	}
	inf := make([]typeGuess, len(h))
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
		if imp.o.sample == 0 || res.rows <= imp.o.sample {
			for i, v := range rec {
				inf[i].see(v)
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
	res.problems = append(badLen, dups...)
	if more := nBadLen + nDups - len(res.problems); more > 0 {
		res.problems = append(res.problems, fmt.Sprintf("... and %d more", more))
	}
	res.types = make([]string, len(h))
	for i := range inf {
		res.types[i] = inf[i].result()
	}
	return res, nil
}

// typeGuess infers a column type from its non-empty values.
type typeGuess struct {
	n                                int
	notInt, notNum, notBool, notDate bool
}

func (g *typeGuess) see(v string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return
	}
	g.n++
	leadingZero := len(v) > 1 && v[0] == '0' && v[1] != '.' // codes like 007 stay text
	if !g.notInt {
		if _, err := strconv.ParseInt(v, 10, 64); err != nil || leadingZero {
			g.notInt = true
		}
	}
	if !g.notNum {
		if _, err := strconv.ParseFloat(v, 64); err != nil || leadingZero || strings.ContainsAny(v, "xXpPnNiI_") {
			g.notNum = true // ParseFloat also takes hex, Inf and NaN: not for spreadsheets
		}
	}
	if !g.notBool {
		if _, ok := parseBool(v); !ok {
			g.notBool = true
		}
	}
	if !g.notDate {
		if _, ok := parseDate(v); !ok {
			g.notDate = true
		}
	}
}

func (g *typeGuess) result() string {
	switch {
	case g.n == 0:
		return "Text"
	case !g.notInt:
		return "Int"
	case !g.notNum:
		return "Numeric"
	case !g.notBool:
		return "Bool"
	case !g.notDate:
		return "Date"
	}
	return "Text"
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

// cell converts a file value for a column of type typ: numbers, booleans
// and ISO dates become their JSON values; an empty cell of a typed column
// is null; anything else goes as text, which the server parses for its
// column type or keeps as given.
func cell(typ, v string) any {
	if typ == "Text" || typ == "" {
		return v
	}
	t := strings.TrimSpace(v)
	if t == "" {
		return nil
	}
	switch typ {
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
	}
	return v
}

// prepareTable makes sure the table exists with a column for every file
// column, and returns the column id and type for each file column.
func (imp *importer) prepareTable(ctx context.Context, scan *scanResult) ([]string, []string, error) {
	doc := imp.c.Doc(imp.o.doc)
	tables, err := doc.Tables(ctx)
	if err != nil {
		return nil, nil, err
	}
	at := slices.IndexFunc(tables, func(t rhclient.Table) bool { return t.ID == imp.o.table })
	var existing []rhclient.Column
	if at >= 0 {
		existing = tables[at].Columns
	} else {
		nt := rhclient.NewTable{ID: imp.o.table}
		unique := true
		for i, h := range scan.header {
			f := rhclient.ColumnFields{Label: h, Type: scan.types[i]}
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
		if existing, err = doc.Columns(ctx, imp.o.table); err != nil {
			return nil, nil, err
		}
		if len(existing) != len(scan.header) {
			return nil, nil, fmt.Errorf("created table %s has %d columns, the file %d", imp.o.table, len(existing), len(scan.header))
		}
		fmt.Fprintf(imp.stderr, "created table %s: %s\n", imp.o.table, describeColumns(existing))
		return columnIDs(existing), columnTypes(existing), nil
	}
	// Match file columns to the table's by id, then by label.
	ids := make([]string, len(scan.header))
	types := make([]string, len(scan.header))
	var missing []rhclient.NewColumn
	var missingAt []int
	for i, h := range scan.header {
		j := slices.IndexFunc(existing, func(c rhclient.Column) bool { return strings.EqualFold(c.ID, h) })
		if j < 0 {
			j = slices.IndexFunc(existing, func(c rhclient.Column) bool { return c.Label != "" && strings.EqualFold(c.Label, h) })
		}
		if j >= 0 {
			ids[i], types[i] = existing[j].ID, baseType(existing[j].Type)
			continue
		}
		missing = append(missing, rhclient.NewColumn{ID: h, Fields: rhclient.ColumnFields{Label: h, Type: scan.types[i]}})
		missingAt = append(missingAt, i)
	}
	if len(missing) > 0 {
		added, err := doc.AddColumns(ctx, imp.o.table, missing...)
		if err != nil {
			return nil, nil, fmt.Errorf("add columns to %s: %w", imp.o.table, err)
		}
		for k, i := range missingAt {
			ids[i], types[i] = added[k], missing[k].Fields.Type
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
		out[i] = baseType(c.Type)
	}
	return out
}

// baseType is the type name without its argument (DateTime:UTC ->
// DateTime), which is what cell needs.
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
	fmt.Fprintf(imp.stdout, "%s -> %s/%s: %d records written (%d added, %d updated), %d failed\n",
		filepath.Base(imp.o.file), imp.o.doc, imp.o.table, written, added, updated, failed)
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

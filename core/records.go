package core

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/internal/jsonenc"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/store"
)

// invalidColumn is Grist's message for a write to an unknown column of t.
func invalidColumn(t *schema.Table, id string) error {
	return rowhouse.Invalidf("Invalid column %q%s", id, didYouMean(t, id))
}

func invalidRowID(id int64) error { return rowhouse.Invalidf("Invalid row id %d", id) }

func (w *writer) checkBatch(n int) error {
	if n > w.limits.MaxBatch {
		return rowhouse.Errorf(rowhouse.ETOOLARGE, "too many records in one request: %d (the limit is %d)", n, w.limits.MaxBatch)
	}
	return nil
}

// writableColumn returns a stored column of t that a write may set.
func writableColumn(t *schema.Table, id string) (*schema.Column, error) {
	c := t.Column(id)
	if c == nil {
		return nil, invalidColumn(t, id)
	}
	if !c.Stored() {
		return nil, rowhouse.Invalidf("Column %q is the reverse side of a two-way reference: set %s.%s instead", id, c.Type.Table, c.ReverseCol)
	}
	return c, nil
}

// encoded is one cell ready for SQL: its value, and the original JSON value
// when it does not fit the column's type.
type encoded struct {
	sql    any
	alt    any
	hasAlt bool
}

func encodeCell(c *schema.Column, v any, parse bool) encoded {
	sqlValue, alt, ok := c.Type.Encode(v, parse)
	if !ok {
		return encoded{alt: alt, hasAlt: true}
	}
	return encoded{sql: sqlValue}
}

// decodedCell is what a read returns for a stored value.
func decodedCell(c *schema.Column, e encoded) any {
	if e.hasAlt {
		return e.alt
	}
	return c.Type.Decode(e.sql)
}

// ---- add

func (w *writer) addRecords(ctx context.Context, tableID string, rows []Row, parse bool) ([]int64, error) {
	t, err := table(w.s, tableID)
	if err != nil {
		return nil, err
	}
	if err := w.checkBatch(len(rows)); err != nil {
		return nil, err
	}
	// Validate everything before writing anything.
	colSet := map[string]*schema.Column{}
	for _, r := range rows {
		if r.ID < 0 {
			return nil, invalidRowID(r.ID)
		}
		for id := range r.Fields {
			if _, ok := colSet[id]; ok {
				continue
			}
			c, err := writableColumn(t, id)
			if err != nil {
				return nil, err
			}
			colSet[id] = c
		}
	}
	cols := make([]*schema.Column, 0, len(colSet))
	for _, c := range t.Columns { // table order, for stable SQL text
		if colSet[c.ID] != nil {
			cols = append(cols, c)
		}
	}
	cells := make([][]encoded, len(rows))
	for i, r := range rows {
		cells[i] = make([]encoded, len(cols))
		for j, c := range cols {
			if v, ok := r.Fields[c.ID]; ok {
				cells[i][j] = encodeCell(c, v, parse)
			} else {
				cells[i][j] = encoded{sql: defaultSQL(c.Type)}
			}
		}
	}
	ids := make([]int64, len(rows))
	// Rows with chosen ids and rows with new ids go in separate statements,
	// so that returned ids map back to rows (see insertRows).
	var auto, chosen []int
	for i, r := range rows {
		if r.ID == 0 {
			auto = append(auto, i)
		} else {
			chosen = append(chosen, i)
		}
	}
	for _, group := range []struct {
		idx      []int
		explicit bool
	}{{chosen, true}, {auto, false}} {
		if len(group.idx) == 0 {
			continue
		}
		if err := w.insertRows(ctx, t, cols, rows, cells, group.idx, group.explicit, ids); err != nil {
			return nil, err
		}
	}
	// Events carry the records as a read would return them.
	recs := make([]Record, len(rows))
	for i := range rows {
		f := make(map[string]any, len(t.Columns))
		for _, c := range t.Columns {
			if c.Stored() {
				f[c.ID] = c.Type.Default()
			}
		}
		for j, c := range cols {
			f[c.ID] = decodedCell(c, cells[i][j])
		}
		recs[i] = Record{ID: ids[i], Fields: f}
	}
	if len(rows) > 0 {
		w.modified = true
		w.events = append(w.events, Event{Table: t.ID, Kind: EventAdd, RowIDs: slices.Clone(ids), Rows: recs})
	}
	return ids, nil
}

// defaultSQL is the stored value of an empty cell of type t.
func defaultSQL(t schema.Type) any {
	v, _, ok := t.Encode(t.Default(), false)
	if !ok {
		return nil
	}
	return v
}

// altJSON encodes the values of a row that did not fit their columns.
func altJSON(alt map[string]any) (any, error) {
	if len(alt) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(alt)
	if err != nil {
		return nil, fmt.Errorf("encode alt values: %w", err)
	}
	return string(b), nil
}

// insertRows inserts rows[idx] with multi-row INSERTs. With explicit ids
// the ids are the rows' own; otherwise the engine assigns increasing ids in
// row order, and the returned ids, sorted, are matched to rows in order.
func (w *writer) insertRows(ctx context.Context, t *schema.Table, cols []*schema.Column, rows []Row, cells [][]encoded, idx []int, explicit bool, ids []int64) error {
	var head strings.Builder
	head.WriteString("INSERT INTO " + w.d.QuoteIdent(t.ID) + " (")
	perRow := 3 + len(cols)
	if explicit {
		head.WriteString(`"id", `)
		perRow++
	}
	head.WriteString(w.d.QuoteIdent(colCreated) + ", " + w.d.QuoteIdent(colUpdated) + ", " + w.d.QuoteIdent(colAlt))
	for _, c := range cols {
		head.WriteString(", " + w.d.QuoteIdent(c.ID))
	}
	head.WriteString(") VALUES ")
	rowPH := "(" + strings.TrimSuffix(strings.Repeat("?, ", perRow), ", ") + ")"
	chunk := store.RowsPerInsert(perRow)
	for start := 0; start < len(idx); start += chunk {
		part := idx[start:min(start+chunk, len(idx))]
		var b strings.Builder
		b.WriteString(head.String())
		args := make([]any, 0, len(part)*perRow)
		for k, i := range part {
			if k > 0 {
				b.WriteString(", ")
			}
			b.WriteString(rowPH)
			if explicit {
				args = append(args, rows[i].ID)
			}
			var alt map[string]any
			for j, c := range cols {
				if cells[i][j].hasAlt {
					if alt == nil {
						alt = map[string]any{}
					}
					alt[c.ID] = cells[i][j].alt
				}
			}
			altText, err := altJSON(alt)
			if err != nil {
				return err
			}
			args = append(args, w.nowMS, w.nowMS, altText)
			for j := range cols {
				args = append(args, cells[i][j].sql)
			}
		}
		b.WriteString(` RETURNING "id"`)
		got, err := w.queryIDs(ctx, b.String(), args...)
		if err != nil {
			if w.d.IsUniqueViolation(err) {
				return w.uniqueError(t, err, explicit)
			}
			return fmt.Errorf("insert into %s: %w", t.ID, err)
		}
		if len(got) != len(part) {
			return fmt.Errorf("insert into %s: %d ids for %d rows", t.ID, len(got), len(part))
		}
		if explicit {
			for _, i := range part {
				ids[i] = rows[i].ID
			}
			continue
		}
		slices.Sort(got)
		for k, i := range part {
			ids[i] = got[k]
		}
	}
	if s, ok := w.d.(idSyncer); ok && explicit {
		q := w.d.QuoteIdent(t.ID)
		if _, err := w.q.Exec(ctx, s.SyncIDs(q), q); err != nil {
			return fmt.Errorf("insert into %s: sync ids: %w", t.ID, err)
		}
	}
	return nil
}

// idSyncer is a dialect whose id column does not count explicit ids
// (PostgreSQL's identity): SyncIDs is a statement, binding quotedTable as
// its one parameter, that moves the table's id sequence past its ids.
type idSyncer interface {
	SyncIDs(quotedTable string) string
}

// uniqueError explains a unique-constraint failure: a duplicate row id, or
// a duplicate value in a unique column.
func (w *writer) uniqueError(t *schema.Table, err error, explicitIDs bool) error {
	msg := err.Error()
	for _, c := range t.Columns {
		if c.IsUnique && (strings.Contains(msg, uniqueIndexName(t.ID, c.ID)) || strings.Contains(msg, "."+c.ID)) {
			return rowhouse.Invalidf("Duplicate value in unique column %q", c.ID)
		}
	}
	if explicitIDs {
		return rowhouse.Invalidf("Duplicate row id in table %q", t.ID)
	}
	return rowhouse.Invalidf("Duplicate value in a unique column of table %q", t.ID)
}

func (w *writer) queryIDs(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := w.q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// ---- reading rows inside a write

// rawRow is a stored row: its id, its stored columns' values in the table's
// column order, and its alt values.
type rawRow struct {
	id   int64
	vals []any
	alt  map[string]any
}

// selectList is the SQL select list of a stored row.
func selectList(d store.Dialect, alias string, cols []*schema.Column) string {
	var b strings.Builder
	b.WriteString(alias + `."id", ` + alias + "." + d.QuoteIdent(colAlt))
	for _, c := range cols {
		b.WriteString(", " + alias + "." + d.QuoteIdent(c.ID))
	}
	return b.String()
}

func scanRaw(rows store.Rows, ncols int) (rawRow, error) {
	r := rawRow{vals: make([]any, ncols)}
	var alt any
	dest := make([]any, 0, ncols+2)
	dest = append(dest, &r.id, &alt)
	for i := range r.vals {
		dest = append(dest, &r.vals[i])
	}
	if err := rows.Scan(dest...); err != nil {
		return r, err
	}
	var err error
	r.alt, err = parseAlt(alt)
	return r, err
}

func parseAlt(v any) (map[string]any, error) {
	var s string
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return nil, fmt.Errorf("unexpected alt value %T", v)
	}
	if s == "" {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode alt values: %w", err)
	}
	return m, nil
}

// record decodes a raw row into a Record with every stored column.
func (r rawRow) record(cols []*schema.Column) Record {
	f := make(map[string]any, len(cols))
	for i, c := range cols {
		if v, ok := r.alt[c.ID]; ok {
			f[c.ID] = v
		} else {
			f[c.ID] = c.Type.Decode(r.vals[i])
		}
	}
	return Record{ID: r.id, Fields: f}
}

// readRows reads the rows with the given ids; an id that does not exist is
// Grist's "Invalid row id".
func (w *writer) readRows(ctx context.Context, t *schema.Table, cols []*schema.Column, ids []int64) (map[int64]rawRow, error) {
	out := make(map[int64]rawRow, len(ids))
	uniq := slices.Clone(ids)
	slices.Sort(uniq)
	uniq = slices.Compact(uniq)
	const chunk = 10000
	for start := 0; start < len(uniq); start += chunk {
		part := uniq[start:min(start+chunk, len(uniq))]
		// A few statement texts only: the list padded with 0, no row's id.
		args := make([]any, min(paddedCount(len(part)), chunk))
		for i := range args {
			args[i] = int64(0)
		}
		for i, id := range part {
			args[i] = id
		}
		rows, err := w.q.Query(ctx, `SELECT `+selectList(w.d, "t", cols)+` FROM `+w.d.QuoteIdent(t.ID)+` AS t WHERE t."id" IN (`+placeholders(len(args))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", t.ID, err)
		}
		for rows.Next() {
			r, err := scanRaw(rows, len(cols))
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[r.id] = r
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			return nil, invalidRowID(id)
		}
	}
	return out, nil
}

func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// ---- update

// updateWindow is how many records an update reads and writes at a time
// when it writes them together: few enough that the pages the read brought
// in are still in the engine's cache when the write comes.
const updateWindow = 256

func (w *writer) updateRecords(ctx context.Context, tableID string, rows []Row, parse bool) error {
	t, err := table(w.s, tableID)
	if err != nil {
		return err
	}
	if err := w.checkBatch(len(rows)); err != nil {
		return err
	}
	ids := make([]int64, len(rows))
	unique := false // does the update set a unique column?
	for i, r := range rows {
		if r.ID <= 0 {
			return invalidRowID(r.ID)
		}
		ids[i] = r.ID
		for id := range r.Fields {
			c, err := writableColumn(t, id)
			if err != nil {
				return err
			}
			unique = unique || c.IsUnique
		}
	}
	cols := t.StoredColumns()
	colIdx := make(map[string]int, len(cols))
	for i, c := range cols {
		colIdx[c.ID] = i
	}
	u := &updater{w: w, t: t, cols: cols, colIdx: colIdx, order: byID(cols), parse: parse, stmts: map[string]string{},
		changed: map[string]bool{}}
	if unique {
		// Row by row, in order: a unique value may move from one record to
		// another only as the order of the changes allows, and every id is
		// checked before anything is written.
		if u.current, err = w.readRows(ctx, t, cols, ids); err != nil {
			return err
		}
		for _, r := range rows {
			if err := u.apply(ctx, r); err != nil {
				return err
			}
		}
	} else {
		// No change can fail but for a missing id: read and write a window
		// of records at a time, the writes of a window together.
		u.current = make(map[int64]rawRow, len(rows))
		for start := 0; start < len(rows); start += updateWindow {
			part := rows[start:min(start+updateWindow, len(rows))]
			var need []int64
			for _, r := range part {
				if _, ok := u.current[r.ID]; !ok {
					need = append(need, r.ID)
				}
			}
			got, err := w.readRows(ctx, t, cols, need)
			if err != nil {
				return err
			}
			maps.Copy(u.current, got)
			final := map[int64]map[string]bool{} // per record, the columns the window set
			var order []int64
			for _, r := range part {
				u.note(r)
				f := final[r.ID]
				if f == nil {
					f = map[string]bool{}
					final[r.ID] = f
					order = append(order, r.ID)
				}
				for k := range r.Fields {
					f[k] = true
				}
			}
			if err := u.writeTogether(ctx, order, final); err != nil {
				return err
			}
		}
	}
	if len(rows) == 0 {
		return nil
	}
	cl := make([]string, 0, len(u.changed))
	for _, c := range cols {
		if u.changed[c.ID] {
			cl = append(cl, c.ID)
		}
	}
	w.modified = true
	if u.err != nil {
		return u.err
	}
	w.events = append(w.events, Event{Table: t.ID, Kind: EventUpdate, RowIDs: ids, Columns: cl,
		rowsJSON: closeJSON(u.after), beforeJSON: closeJSON(u.before)})
	return nil
}

// closeJSON closes an array noteJSON opened, or returns an empty one.
func closeJSON(b []byte) []byte {
	if len(b) == 0 {
		return []byte("[]")
	}
	return append(b, ']')
}

// byID returns the indexes of cols in the order of their ids, as JSON
// objects of records list their fields.
func byID(cols []*schema.Column) []int {
	order := make([]int, len(cols))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(cols[a].ID, cols[b].ID) })
	return order
}

// appendRawJSON appends r as the JSON of r.record(cols) (appendRecordsJSON
// of it, without the array), without making the record's map; order is
// byID(cols).
func appendRawJSON(b []byte, r rawRow, cols []*schema.Column, order []int) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, r.id, 10)
	b = append(b, `,"fields":{`...)
	for j, i := range order {
		c := cols[i]
		if j > 0 {
			b = append(b, ',')
		}
		b = jsonenc.AppendString(b, c.ID)
		b = append(b, ':')
		v, ok := r.alt[c.ID]
		if !ok {
			v = c.Type.Decode(r.vals[i])
		}
		var err error
		if b, err = appendCellJSON(b, v); err != nil {
			return nil, err
		}
	}
	return append(b, "}}"...), nil
}

// updater is the state of one updateRecords.
type updater struct {
	w       *writer
	t       *schema.Table
	cols    []*schema.Column
	colIdx  map[string]int
	parse   bool
	order   []int            // cols' indexes in the order of their ids
	current map[int64]rawRow // the records as the changes so far left them
	changed map[string]bool
	// before and after are the event's records, before and after each
	// change, as a JSON array still open; err is the first error writing
	// them
	before, after []byte
	err           error
	stmts         map[string]string // SQL text by sorted field set
}

// noteJSON appends r to the event's records in *to.
func (u *updater) noteJSON(to *[]byte, r rawRow) {
	if u.err != nil {
		return
	}
	b := *to
	if len(b) == 0 {
		b = append(b, '[')
	} else {
		b = append(b, ',')
	}
	*to, u.err = appendRawJSON(b, r, u.cols, u.order)
}

// note applies r to the record in current, noting it before and after,
// and returns the keys it set, sorted.
func (u *updater) note(r Row) []string {
	cur := u.current[r.ID]
	u.noteJSON(&u.before, cur)
	keys := make([]string, 0, len(r.Fields))
	for k := range r.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	alt := map[string]any{}
	for k, v := range cur.alt {
		alt[k] = v
	}
	vals := cur.vals // noteJSON wrote them into before
	for _, k := range keys {
		c := u.cols[u.colIdx[k]]
		e := encodeCell(c, r.Fields[k], u.parse)
		delete(alt, k)
		if e.hasAlt {
			alt[k] = e.alt
		}
		vals[u.colIdx[k]] = e.sql
		u.changed[k] = true
	}
	cur.vals, cur.alt = vals, alt
	u.current[r.ID] = cur
	u.noteJSON(&u.after, cur)
	return keys
}

// apply notes r and writes it with its own UPDATE.
func (u *updater) apply(ctx context.Context, r Row) error {
	keys := u.note(r)
	cur := u.current[r.ID]
	altText, err := altJSON(cur.alt)
	if err != nil {
		return err
	}
	args := make([]any, 0, len(keys)+3)
	for _, k := range keys {
		args = append(args, cur.vals[u.colIdx[k]])
	}
	args = append(args, altText, u.w.nowMS, r.ID)
	sig := strings.Join(keys, "\x00")
	query, ok := u.stmts[sig]
	if !ok {
		d := u.w.d
		var b strings.Builder
		b.WriteString("UPDATE " + d.QuoteIdent(u.t.ID) + " SET ")
		for _, k := range keys {
			b.WriteString(d.QuoteIdent(k) + " = ?, ")
		}
		b.WriteString(d.QuoteIdent(colAlt) + " = ?, " + d.QuoteIdent(colUpdated) + ` = ? WHERE "id" = ?`)
		query = b.String()
		u.stmts[sig] = query
	}
	if _, err := u.w.q.Exec(ctx, query, args...); err != nil {
		if u.w.d.IsUniqueViolation(err) {
			return u.w.uniqueError(u.t, err, false)
		}
		return fmt.Errorf("update %s: %w", u.t.ID, err)
	}
	return nil
}

// writeTogether writes the records ids as current holds them, each with
// the columns set says, in one UPDATE ... FROM (VALUES ...) per set of
// columns.
func (u *updater) writeTogether(ctx context.Context, ids []int64, set map[int64]map[string]bool) error {
	bySig := map[string][]int64{}
	var sigs []string
	keysOf := map[string][]string{}
	for _, id := range ids {
		keys := make([]string, 0, len(set[id]))
		for k := range set[id] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		sig := strings.Join(keys, "\x00")
		if _, ok := bySig[sig]; !ok {
			sigs = append(sigs, sig)
			keysOf[sig] = keys
		}
		bySig[sig] = append(bySig[sig], id)
	}
	d := u.w.d
	typed, _ := d.(paramTyper)
	param := func(s schema.Storage) string {
		if typed != nil {
			return typed.TypedParam(s)
		}
		return "?"
	}
	for _, sig := range sigs {
		keys, group := keysOf[sig], bySig[sig]
		rowPH := "(" + param(schema.StoreInt) + ", " + param(schema.StoreText)
		names := "_rh_id, _rh_a"
		set := ""
		for i, k := range keys {
			rowPH += ", " + param(u.cols[u.colIdx[k]].Type.Storage())
			v := "_rh_" + strconv.Itoa(i)
			names += ", " + v
			set += d.QuoteIdent(k) + " = v." + v + ", "
		}
		rowPH += ")"
		per := min(updateWindow, store.RowsPerInsert(2+len(keys)))
		for start := 0; start < len(group); start += per {
			part := group[start:min(start+per, len(group))]
			n := min(paddedCount(len(part)), per) // few statement texts
			var b strings.Builder
			b.WriteString("WITH v (" + names + ") AS (VALUES ")
			args := make([]any, 0, n*(2+len(keys))+1)
			for j := range n {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(rowPH)
				if j >= len(part) { // padding: an id no record has
					for range 2 + len(keys) {
						args = append(args, nil)
					}
					continue
				}
				cur := u.current[part[j]]
				altText, err := altJSON(cur.alt)
				if err != nil {
					return err
				}
				args = append(args, part[j], altText)
				for _, k := range keys {
					args = append(args, cur.vals[u.colIdx[k]])
				}
			}
			tq := d.QuoteIdent(u.t.ID)
			b.WriteString(") UPDATE " + tq + " SET " + set + d.QuoteIdent(colAlt) + " = v._rh_a, " + d.QuoteIdent(colUpdated) + " = ? FROM v WHERE " + tq + `."id" = v._rh_id`)
			args = append(args, u.w.nowMS)
			if _, err := u.w.q.Exec(ctx, b.String(), args...); err != nil {
				return fmt.Errorf("update %s: %w", u.t.ID, err)
			}
		}
	}
	return nil
}

// ---- remove

func (w *writer) removeRecords(ctx context.Context, tableID string, ids []int64) error {
	t, err := table(w.s, tableID)
	if err != nil {
		return err
	}
	if err := w.checkBatch(len(ids)); err != nil {
		return err
	}
	for _, id := range ids {
		if id <= 0 {
			return invalidRowID(id)
		}
	}
	cols := t.StoredColumns()
	current, err := w.readRows(ctx, t, cols, ids)
	if err != nil {
		return err
	}
	uniq := slices.Clone(ids)
	slices.Sort(uniq)
	uniq = slices.Compact(uniq)
	if len(uniq) == 0 {
		return nil
	}
	const chunk = 10000
	for start := 0; start < len(uniq); start += chunk {
		part := uniq[start:min(start+chunk, len(uniq))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		if _, err := w.q.Exec(ctx, `DELETE FROM `+w.d.QuoteIdent(t.ID)+` WHERE "id" IN (`+placeholders(len(part))+`)`, args...); err != nil {
			return fmt.Errorf("remove from %s: %w", t.ID, err)
		}
	}
	recs := make([]Record, len(uniq))
	for i, id := range uniq {
		recs[i] = current[id].record(cols)
	}
	w.modified = true
	w.events = append(w.events, Event{Table: t.ID, Kind: EventRemove, RowIDs: uniq, Rows: recs})
	return nil
}

func (w *writer) replaceTableData(ctx context.Context, a ReplaceTableData) ([]int64, error) {
	t, err := table(w.s, a.Table)
	if err != nil {
		return nil, err
	}
	ids, err := w.queryIDs(ctx, `SELECT "id" FROM `+w.d.QuoteIdent(t.ID)+` ORDER BY "id"`)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", t.ID, err)
	}
	limits := w.limits
	w.limits.MaxBatch = max(w.limits.MaxBatch, len(ids)) // removing everything is one action, whatever the count
	err = w.removeRecords(ctx, t.ID, ids)
	w.limits = limits
	if err != nil {
		return nil, err
	}
	return w.addRecords(ctx, t.ID, a.Rows, !a.NoParse)
}

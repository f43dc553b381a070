package client

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// DefaultPageSize is the page size All uses when the query sets no limit.
const DefaultPageSize = 1000

// Record is a table row: its id and its cells by column id. Cell values
// are decoded as encoding/json decodes into any (numbers are float64); see
// API.md "Cell values" for each column type's encoding, and Decode to
// read a record into a struct.
type Record struct {
	ID     int64          `json:"id"`
	Fields map[string]any `json:"fields"`
}

// Query selects records. The zero value (or nil) reads every record in
// row id order.
type Query struct {
	// Filter is a Grist JSON filter ({"col":["a","b"]}) or a Rowhouse
	// expression (`status[eq]:"open",amount[gt]:10`).
	Filter string
	// Sort is a comma-separated list of column ids, "-" for descending:
	// "name,-amount".
	Sort string
	// Limit is the page size (0: every record, in one answer). With a
	// limit the answer has PageInfo; it may not exceed the server's
	// maximum page size (10,000 by default).
	Limit int
	// StartingAfter and EndingBefore are cursors from a previous page.
	StartingAfter, EndingBefore string
	// Count asks for the total number of matching records.
	Count bool
	// Hidden adds the hidden fields manualSort, createdAt and updatedAt.
	Hidden bool
	// Typed asks for typed cells (["d", ts] for a Date...).
	Typed bool
}

func (q *Query) values() url.Values {
	v := url.Values{}
	if q == nil {
		return v
	}
	if q.Filter != "" {
		v.Set("filter", q.Filter)
	}
	if q.Sort != "" {
		v.Set("sort", q.Sort)
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.StartingAfter != "" {
		v.Set("starting_after", q.StartingAfter)
	}
	if q.EndingBefore != "" {
		v.Set("ending_before", q.EndingBefore)
	}
	if q.Count {
		v.Set("count", "1")
	}
	if q.Hidden {
		v.Set("hidden", "1")
	}
	if q.Typed {
		v.Set("cellFormat", "typed")
	}
	return v
}

// PageInfo says where a page sits; cursors are "" for an empty page.
type PageInfo struct {
	HasNextPage     bool   `json:"hasNextPage"`
	HasPreviousPage bool   `json:"hasPreviousPage"`
	StartCursor     string `json:"startCursor"`
	EndCursor       string `json:"endCursor"`
}

// Page is the answer to a records read. PageInfo is set when the query
// had a limit, TotalCount when it asked for a count.
type Page struct {
	Records    []Record  `json:"records"`
	PageInfo   *PageInfo `json:"pageInfo"`
	TotalCount *int64    `json:"totalCount"`
}

// Records reads the records of a table that q selects.
func (d *Doc) Records(ctx context.Context, table string, q *Query) (*Page, error) {
	r, err := jsonRequest(http.MethodGet, tablePath(d, table, "/records"), nil)
	if err != nil {
		return nil, err
	}
	r.query = q.values()
	var p Page
	if err := d.c.do(ctx, r, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// All iterates over every record q selects, reading pages of q.Limit
// records (DefaultPageSize if 0) by cursor, starting after
// q.StartingAfter. A failed read is yielded as the last pair. Records
// written while the iteration runs are seen or not depending on where
// they sort; none is seen twice.
func (d *Doc) All(ctx context.Context, table string, q *Query) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		pq := Query{}
		if q != nil {
			pq = *q
		}
		if pq.Limit <= 0 {
			pq.Limit = DefaultPageSize
		}
		pq.EndingBefore, pq.Count = "", false
		for {
			p, err := d.Records(ctx, table, &pq)
			if err != nil {
				yield(Record{}, err)
				return
			}
			for _, rec := range p.Records {
				if !yield(rec, nil) {
					return
				}
			}
			if p.PageInfo == nil {
				yield(Record{}, fmt.Errorf("read %s: the server did not page the answer (no pageInfo)", table))
				return
			}
			if !p.PageInfo.HasNextPage || p.PageInfo.EndCursor == "" {
				return
			}
			pq.StartingAfter = p.PageInfo.EndCursor
		}
	}
}

// WriteError is a chunked write that failed partway: the first Written
// records of the input were applied (each chunk is atomic), the rest were
// not. Err is the failure, usually an *Error.
type WriteError struct {
	Written int
	Total   int
	Err     error
}

// Error gives the failure and which records were and were not written.
func (e *WriteError) Error() string {
	if e.Written == 0 {
		return fmt.Sprintf("%v (none of the %d records were written)", e.Err, e.Total)
	}
	return fmt.Sprintf("%v (records 1-%d of %d were written, %d-%d were not)", e.Err, e.Written, e.Total, e.Written+1, e.Total)
}

// Unwrap returns the failure.
func (e *WriteError) Unwrap() error { return e.Err }

// chunks calls send for consecutive slices of at most size items of n,
// cut also where cut(i) says a new chunk must start; it turns a failure
// into a *WriteError.
func chunks(n, size int, cut func(i int) bool, send func(lo, hi, chunk int) error) error {
	lo, chunk := 0, 0
	for lo < n {
		hi := lo + 1
		for hi < n && hi-lo < size && (cut == nil || !cut(hi)) {
			hi++
		}
		if err := send(lo, hi, chunk); err != nil {
			return &WriteError{Written: lo, Total: n, Err: err}
		}
		lo, chunk = hi, chunk+1
	}
	return nil
}

// writeChunk sends one chunk of a write with an Idempotency-Key made of
// the call's key and the chunk's number, so a retry is applied once.
func (d *Doc) writeChunk(ctx context.Context, method, path string, q url.Values, body any, key string, chunk int, out any) error {
	r, err := jsonRequest(method, path, body)
	if err != nil {
		return err
	}
	r.query = q
	return d.c.do(ctx, r.withKey(key+"-"+strconv.Itoa(chunk)), out)
}

// AddRecords adds one record per map of cells (column id -> value), in
// chunks of the client's chunk size, and returns the new row ids in
// order. A failure partway is a *WriteError.
func (d *Doc) AddRecords(ctx context.Context, table string, rows []map[string]any) ([]int64, error) {
	ids := make([]int64, 0, len(rows))
	key := newKey()
	err := chunks(len(rows), d.c.chunkSize, nil, func(lo, hi, chunk int) error {
		recs := make([]map[string]any, hi-lo)
		for i, f := range rows[lo:hi] {
			if f == nil {
				f = map[string]any{}
			}
			recs[i] = map[string]any{"fields": f}
		}
		var out struct {
			Records []struct {
				ID int64 `json:"id"`
			} `json:"records"`
		}
		if err := d.writeChunk(ctx, http.MethodPost, tablePath(d, table, "/records"), nil, map[string]any{"records": recs}, key, chunk, &out); err != nil {
			return err
		}
		if len(out.Records) != hi-lo {
			return fmt.Errorf("add records to %s: the server returned %d ids for %d records", table, len(out.Records), hi-lo)
		}
		for _, r := range out.Records {
			ids = append(ids, r.ID)
		}
		return nil
	})
	return ids, err
}

// UpdateRecords changes cells of existing records, in chunks. Records
// that change different sets of columns go in separate requests, as the
// API requires. A failure partway is a *WriteError.
func (d *Doc) UpdateRecords(ctx context.Context, table string, recs []Record) error {
	keyset := func(m map[string]any) string { return strings.Join(slices.Sorted(maps.Keys(m)), "\x00") }
	key := newKey()
	return chunks(len(recs), d.c.chunkSize, func(i int) bool {
		return keyset(recs[i].Fields) != keyset(recs[i-1].Fields)
	}, func(lo, hi, chunk int) error {
		return d.writeChunk(ctx, http.MethodPatch, tablePath(d, table, "/records"), nil, map[string]any{"records": recs[lo:hi]}, key, chunk, nil)
	})
}

// Upsert is one add-or-update: the record matching Require (column id ->
// value; may include "id") gets Fields; without a match a record is added
// with Require and Fields.
type Upsert struct {
	Require map[string]any `json:"require"`
	Fields  map[string]any `json:"fields,omitempty"`
}

// UpsertOptions are the flags of PUT .../records.
type UpsertOptions struct {
	NoAdd             bool   // never add: only update matches
	NoUpdate          bool   // never update: only add records without a match
	OnMany            string // first (default), none or all: what a Require matching several records updates
	AllowEmptyRequire bool   // an empty Require matches every record
}

func (o *UpsertOptions) values() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	if o.NoAdd {
		v.Set("noadd", "1")
	}
	if o.NoUpdate {
		v.Set("noupdate", "1")
	}
	if o.OnMany != "" {
		v.Set("onmany", o.OnMany)
	}
	if o.AllowEmptyRequire {
		v.Set("allow_empty_require", "1")
	}
	return v
}

// UpsertResult says what an upsert did, per input record: the ids it
// matched or added (RecordIDs[i]), the ids added (Added) and the ids
// updated per record (Updated).
type UpsertResult struct {
	RecordIDs [][]int64 `json:"recordIds"`
	Added     []int64   `json:"addRecordIds"`
	Updated   [][]int64 `json:"updateRecordIds"`
}

// UpsertRecords adds or updates records (PUT .../records), in chunks, and
// merges the chunks' results. A failure partway is a *WriteError, and the
// result holds what the written chunks did.
func (d *Doc) UpsertRecords(ctx context.Context, table string, recs []Upsert, opts *UpsertOptions) (UpsertResult, error) {
	var res UpsertResult
	key := newKey()
	q := opts.values()
	err := chunks(len(recs), d.c.chunkSize, nil, func(lo, hi, chunk int) error {
		var out UpsertResult
		if err := d.writeChunk(ctx, http.MethodPut, tablePath(d, table, "/records"), q, map[string]any{"records": recs[lo:hi]}, key, chunk, &out); err != nil {
			return err
		}
		res.RecordIDs = append(res.RecordIDs, out.RecordIDs...)
		res.Added = append(res.Added, out.Added...)
		res.Updated = append(res.Updated, out.Updated...)
		return nil
	})
	return res, err
}

// DeleteRecords removes records by row id, in chunks. A failure partway
// is a *WriteError.
func (d *Doc) DeleteRecords(ctx context.Context, table string, ids []int64) error {
	key := newKey()
	return chunks(len(ids), d.c.chunkSize, nil, func(lo, hi, chunk int) error {
		return d.writeChunk(ctx, http.MethodPost, tablePath(d, table, "/records/delete"), nil, ids[lo:hi], key, chunk, nil)
	})
}

// Decode reads a record into a struct (or map) of type T through JSON:
// fields match T's json tags, and the row id is offered as "id" unless a
// column has that name.
func Decode[T any](r Record) (T, error) {
	var out T
	m := make(map[string]any, len(r.Fields)+1)
	maps.Copy(m, r.Fields)
	if _, ok := m["id"]; !ok {
		m["id"] = r.ID
	}
	b, err := json.Marshal(m)
	if err != nil {
		return out, fmt.Errorf("decode record %d: %w", r.ID, err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, fmt.Errorf("decode record %d: %w", r.ID, err)
	}
	return out, nil
}

// FieldsOf turns a struct (or map) into cells through JSON, for the
// writes: fields are named by T's json tags. A field "id" is dropped: row
// ids are not cells.
func FieldsOf(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("fields of %T: %w", v, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("fields of %T: not a JSON object: %w", v, err)
	}
	delete(m, "id")
	return m, nil
}

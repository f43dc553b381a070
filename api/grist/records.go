package grist

import (
	"bufio"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/internal/jsonenc"
	"github.com/rowhouse/rowhouse/query"
)

// listBody is the body of POST .../records/list: the same options as the
// query string of GET .../records.
type listBody struct {
	Filter        json.RawMessage `json:"filter"` // a JSON object (Grist) or a string (expression)
	Sort          json.RawMessage `json:"sort"`   // a string or an array of strings
	Limit         *int            `json:"limit"`
	Offset        *int            `json:"offset"`
	Hidden        bool            `json:"hidden"`
	CellFormat    string          `json:"cellFormat"`
	StartingAfter string          `json:"starting_after"`
	EndingBefore  string          `json:"ending_before"`
	Count         bool            `json:"count"`
}

// readRequest is a records read as the client wrote it, from the query
// string or from a listBody, before parsing.
type readRequest struct {
	filter, sort, limit, offset, startingAfter, endingBefore, cellFormat string
	sortList                                                             []string // the array form of sort, from a body
	hidden, count                                                        bool
}

// queryRead reads a readRequest from the URL, with Grist's X-Sort and
// X-Limit headers standing in for sort and limit.
func queryRead(r *http.Request) readRequest {
	q := r.URL.Query()
	req := readRequest{filter: q.Get("filter"), sort: q.Get("sort"), limit: q.Get("limit"), offset: q.Get("offset"),
		startingAfter: q.Get("starting_after"), endingBefore: q.Get("ending_before"), cellFormat: q.Get("cellFormat"),
		hidden: boolParam(r, "hidden"), count: boolParam(r, "count")}
	if req.sort == "" {
		req.sort = r.Header.Get("X-Sort")
	}
	if req.limit == "" {
		req.limit = r.Header.Get("X-Limit")
	}
	return req
}

// bodyRead reads a readRequest from a POST .../records/list body.
func bodyRead(r *http.Request) (readRequest, error) {
	var b listBody
	if err := api.DecodeJSON(r, &b); err != nil {
		return readRequest{}, err
	}
	req := readRequest{startingAfter: b.StartingAfter, endingBefore: b.EndingBefore, cellFormat: b.CellFormat, hidden: b.Hidden, count: b.Count}
	if b.Limit != nil {
		req.limit = strconv.Itoa(*b.Limit)
	}
	if b.Offset != nil {
		req.offset = strconv.Itoa(*b.Offset)
	}
	if len(b.Filter) > 0 && string(b.Filter) != "null" {
		if err := json.Unmarshal(b.Filter, &req.filter); err != nil {
			req.filter = string(b.Filter) // Grist's JSON object form
		}
	}
	if len(b.Sort) > 0 && string(b.Sort) != "null" {
		if err := json.Unmarshal(b.Sort, &req.sort); err != nil {
			if err := json.Unmarshal(b.Sort, &req.sortList); err != nil {
				return req, rowhouse.InvalidPayload("sort must be a string or an array of strings")
			}
		}
	}
	return req, nil
}

// selection parses a read into a core.Select, and says whether cells are
// wanted in typed format.
func (a *API) selection(table string, req readRequest) (core.Select, bool, error) {
	sel := core.Select{Table: table, Count: req.count, Timestamps: req.hidden}
	typed := false
	switch req.cellFormat {
	case "", "normal":
	case "typed":
		typed = true
	default:
		return sel, false, rowhouse.Invalidf("cellFormat must be normal or typed, not %q", req.cellFormat)
	}
	var err error
	if sel.Filter, err = query.ParseFilter(req.filter); err != nil {
		return sel, false, err
	}
	if req.sortList != nil {
		sel.Sort, err = query.ParseSortList(req.sortList)
	} else {
		sel.Sort, err = query.ParseSort(req.sort)
	}
	if err != nil {
		return sel, false, err
	}
	page, err := query.ParsePage(req.limit, req.offset, req.startingAfter, req.endingBefore, a.docs.Limits().MaxPage)
	if err != nil {
		return sel, false, err
	}
	sel.Limit, sel.Offset, sel.After, sel.Before = page.Limit, page.Offset, page.After, page.Before
	return sel, typed, nil
}

// openRows checks view access and runs the read. The caller closes the
// rows, then the document.
func (a *API) openRows(r *http.Request, req readRequest) (*core.Doc, *core.Rows, bool, error) {
	sel, typed, err := a.selection(tableID(r), req)
	if err != nil {
		return nil, nil, false, err
	}
	d, _, err := a.openDoc(r, rowhouse.RoleViewers)
	if err != nil {
		return nil, nil, false, err
	}
	rows, err := d.Query(r.Context(), sel)
	if err != nil {
		d.Close()
		return nil, nil, false, err
	}
	return d, rows, typed, nil
}

func (a *API) getRecords(w http.ResponseWriter, r *http.Request) error {
	return a.readRecords(w, r, queryRead(r))
}

func (a *API) listRecords(w http.ResponseWriter, r *http.Request) error {
	req, err := bodyRead(r)
	if err != nil {
		return err
	}
	return a.readRecords(w, r, req)
}

func (a *API) readRecords(w http.ResponseWriter, r *http.Request, req readRequest) error {
	d, rows, typed, err := a.openRows(r, req)
	if err != nil {
		return err
	}
	defer d.Close()
	defer rows.Close()
	bw := a.writer(w)
	defer a.putWriter(bw)
	return writeRecords(w, bw, rows, req.hidden, typed)
}

// streamBuffer is the buffer of a streamed answer: large enough that a big
// answer goes out in few writes through the middleware.
const streamBuffer = 32 << 10

// writer returns a buffered writer onto w, reused across requests (a fresh
// 32 KiB buffer per request cost more than reading one record); put it back
// with putWriter when done.
func (a *API) writer(w http.ResponseWriter) *bufio.Writer {
	if bw, ok := a.bufs.Get().(*bufio.Writer); ok {
		bw.Reset(w)
		return bw
	}
	return bufio.NewWriterSize(w, streamBuffer)
}

// putWriter returns bw to the pool, dropping what it held.
func (a *API) putWriter(bw *bufio.Writer) {
	bw.Reset(nil) // so that the pool does not keep the response alive
	a.bufs.Put(bw)
}

// writeRecords streams {"records":[{"id":..,"fields":{..}},...]} and, for
// pages, pageInfo and totalCount. Memory does not grow with the result.
func writeRecords(w http.ResponseWriter, bw *bufio.Writer, rows *core.Rows, hidden, typed bool) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	keys := make([][]byte, len(rows.Columns))
	var userCols map[string]bool // for hidden: the columns named like hidden fields
	if hidden {
		userCols = map[string]bool{}
	}
	for i, c := range rows.Columns {
		keys[i] = jsonenc.AppendString(nil, c.ID)
		if hidden {
			userCols[c.ID] = true
		}
	}
	bw.WriteString(`{"records":[`)
	n := 0
	for rows.Next() {
		if n > 0 {
			bw.WriteByte(',')
		}
		n++
		bw.WriteString(`{"id":`)
		bw.WriteString(strconv.FormatInt(rows.ID(), 10))
		bw.WriteString(`,"fields":{`)
		for i := range rows.Columns {
			if i > 0 {
				bw.WriteByte(',')
			}
			bw.Write(keys[i])
			bw.WriteByte(':')
			b, err := rows.AppendJSON(bw.AvailableBuffer(), i, typed)
			if err != nil {
				return err
			}
			bw.Write(b)
		}
		if hidden {
			sep := len(rows.Columns) > 0
			if !userCols["manualSort"] {
				if sep {
					bw.WriteByte(',')
				}
				bw.WriteString(`"manualSort":` + strconv.FormatInt(rows.ID(), 10))
				sep = true
			}
			for _, ts := range []struct {
				name string
				v    float64
			}{{"createdAt", rows.CreatedAt()}, {"updatedAt", rows.UpdatedAt()}} {
				if userCols[ts.name] {
					continue
				}
				if sep {
					bw.WriteByte(',')
				}
				bw.WriteString(`"` + ts.name + `":` + strconv.FormatFloat(ts.v, 'f', -1, 64))
				sep = true
			}
		}
		bw.WriteString("}}")
	}
	if err := rows.Err(); err != nil {
		return err // api.Handle answers with an error, or cuts a started answer
	}
	bw.WriteByte(']')
	if rows.Page != nil {
		bw.WriteString(`,"pageInfo":`)
		if err := writeValue(bw, rows.Page); err != nil {
			return err
		}
	}
	if rows.TotalCount != nil {
		bw.WriteString(`,"totalCount":` + strconv.FormatInt(*rows.TotalCount, 10))
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

func writeValue(bw *bufio.Writer, v any) error {
	b, err := jsonenc.AppendValue(bw.AvailableBuffer(), v)
	if err != nil {
		return err
	}
	bw.Write(b)
	return nil
}

// ---- writes

type recordIn struct {
	ID      *int64         `json:"id"`
	Fields  map[string]any `json:"fields"`
	Require map[string]any `json:"require"`
}

// decodeRecords reads a {"records": [...]} body; the raw body is kept for
// the idempotency fingerprint.
func decodeRecords(r *http.Request) ([]byte, []recordIn, error) {
	body, err := api.ReadBody(r)
	if err != nil {
		return nil, nil, err
	}
	var in struct {
		Records []recordIn `json:"records"`
	}
	if err := api.DecodeJSONBytes(body, &in); err != nil {
		return nil, nil, err
	}
	if in.Records == nil {
		return nil, nil, rowhouse.InvalidPayload("records is missing")
	}
	return body, in.Records, nil
}

func (a *API) addRecords(w http.ResponseWriter, r *http.Request) error {
	var body []byte
	var recs []recordIn
	var err error
	if boolParam(r, "flat") {
		body, recs, err = decodeFlatRecords(r)
	} else {
		body, recs, err = decodeRecords(r)
	}
	if err != nil {
		return err
	}
	rows := make([]core.Row, len(recs))
	for i, rec := range recs {
		if rec.ID != nil || rec.Require != nil {
			return rowhouse.InvalidPayload("records[%d]: only fields may be given when adding records", i)
		}
		rows[i] = core.Row{Fields: rec.Fields}
	}
	d, _, err := a.openDoc(r, rowhouse.RoleEditors)
	if err != nil {
		return err
	}
	defer d.Close()
	act := core.AddRecords{Table: tableID(r), Rows: rows, NoParse: boolParam(r, "noparse")}
	return a.write(w, r, d, body, []core.Action{act}, func(res core.Applied) any {
		ids := res.RetValues[0].([]int64)
		out := make([]map[string]int64, len(ids))
		for i, id := range ids {
			out[i] = map[string]int64{"id": id}
		}
		return map[string]any{"records": out}
	})
}

// decodeFlatRecords reads the body of POST .../records?flat=1, as Grist
// does: a JSON array whose items are either records ({"fields": ...}) or
// plain objects of fields, whose "id" (which cannot be honoured) is
// dropped; a {"records": [...]} body is read as without flat.
func decodeFlatRecords(r *http.Request) ([]byte, []recordIn, error) {
	body, err := api.ReadBody(r)
	if err != nil {
		return nil, nil, err
	}
	var items []json.RawMessage
	if err := api.DecodeJSONBytes(nonEmptyArray(body), &items); err != nil || items == nil {
		var in struct {
			Records []recordIn `json:"records"`
		}
		if err := api.DecodeJSONBytes(body, &in); err != nil {
			return nil, nil, err
		}
		if in.Records == nil {
			return nil, nil, rowhouse.InvalidPayload("records is missing")
		}
		return body, in.Records, nil
	}
	recs := make([]recordIn, len(items))
	for i, raw := range items {
		var obj map[string]json.RawMessage
		if err := api.DecodeJSONBytes(raw, &obj); err != nil || obj == nil {
			return nil, nil, rowhouse.InvalidPayload("records[%d]: expected an object", i)
		}
		if _, ok := obj["fields"]; ok {
			if err := api.DecodeJSONBytes(raw, &recs[i]); err != nil {
				return nil, nil, err
			}
			continue
		}
		delete(obj, "id")
		recs[i].Fields = make(map[string]any, len(obj))
		for k, v := range obj {
			var x any
			if err := api.DecodeJSONBytes(v, &x); err != nil {
				return nil, nil, err
			}
			recs[i].Fields[k] = x
		}
	}
	return body, recs, nil
}

func (a *API) updateRecords(w http.ResponseWriter, r *http.Request) error {
	body, recs, err := decodeRecords(r)
	if err != nil {
		return err
	}
	rows := make([]core.Row, len(recs))
	var keys string
	for i, rec := range recs {
		if rec.ID == nil {
			return rowhouse.InvalidPayload("records[%d]: id is missing", i)
		}
		if rec.Require != nil {
			return rowhouse.InvalidPayload("records[%d]: require is only for PUT", i)
		}
		k := fieldKeys(rec.Fields)
		if i == 0 {
			keys = k
		} else if k != keys {
			return rowhouse.Invalidf("PATCH requires all records to have same fields")
		}
		rows[i] = core.Row{ID: *rec.ID, Fields: rec.Fields}
	}
	d, _, err := a.openDoc(r, rowhouse.RoleEditors)
	if err != nil {
		return err
	}
	defer d.Close()
	act := core.UpdateRecords{Table: tableID(r), Rows: rows, NoParse: boolParam(r, "noparse")}
	return a.write(w, r, d, body, []core.Action{act}, func(core.Applied) any { return nil })
}

func fieldKeys(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, "\x00")
}

func (a *API) upsertRecords(w http.ResponseWriter, r *http.Request) error {
	body, recs, err := decodeRecords(r)
	if err != nil {
		return err
	}
	act := core.AddOrUpdateRecords{Table: tableID(r), NoAdd: boolParam(r, "noadd"), NoUpdate: boolParam(r, "noupdate"),
		AllowEmptyRequire: boolParam(r, "allow_empty_require"), NoParse: boolParam(r, "noparse")}
	act.OnMany = core.OnMany(r.URL.Query().Get("onmany")) // checked by the core
	for i, rec := range recs {
		if rec.ID != nil {
			return rowhouse.InvalidPayload("records[%d]: put the id in require", i)
		}
		if rec.Require == nil && !act.AllowEmptyRequire {
			return rowhouse.InvalidPayload("records[%d]: require is missing", i)
		}
		act.Records = append(act.Records, core.Upsert{Require: rec.Require, Fields: rec.Fields})
	}
	d, _, err := a.openDoc(r, rowhouse.RoleEditors)
	if err != nil {
		return err
	}
	defer d.Close()
	return a.write(w, r, d, body, []core.Action{act}, func(res core.Applied) any { return res.RetValues[0] })
}

func (a *API) deleteRecords(w http.ResponseWriter, r *http.Request) error {
	body, err := api.ReadBody(r)
	if err != nil {
		return err
	}
	var ids []int64
	if err := api.DecodeJSONBytes(nonEmptyArray(body), &ids); err != nil {
		return err
	}
	if ids == nil {
		return rowhouse.InvalidPayload("expected a JSON array of row ids")
	}
	d, _, err := a.openDoc(r, rowhouse.RoleEditors)
	if err != nil {
		return err
	}
	defer d.Close()
	return a.write(w, r, d, body, []core.Action{core.RemoveRecords{Table: tableID(r), IDs: ids}}, func(core.Applied) any { return nil })
}

// nonEmptyArray keeps DecodeJSONBytes from reading an empty body as {}
// where an array is required.
func nonEmptyArray(body []byte) []byte {
	if len(strings.TrimSpace(string(body))) == 0 {
		return []byte("null")
	}
	return body
}

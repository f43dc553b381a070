package twenty

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/query"
	"github.com/rowhouse/rowhouse/schema"
)

// The core API: records of each table under its plural name, in Twenty's
// envelopes:
//
//	GET    /rest/{plural}            {data: {companies: [...]}, totalCount, pageInfo}
//	GET    /rest/{plural}/{id}       {data: {company: {...}}}
//	POST   /rest/{plural}            {data: {createCompany: {...}}}       201
//	POST   /rest/batch/{plural}      {data: {createCompanies: [...]}}     201
//	PATCH  /rest/{plural}/{id}       {data: {updateCompany: {...}}}
//	PATCH  /rest/{plural}?filter=    {data: {updateCompanies: [...]}}
//	DELETE /rest/{plural}/{id}       {data: {deleteCompany: {id}}}
//	DELETE /rest/{plural}?filter=    {data: {deleteCompanies: [{id}...]}}
//
// (PUT is taken as PATCH, as Twenty does.) Every write is one core.Apply:
// the matching, the write and the reading of its answer happen in its one
// transaction, with its events, an Idempotency-Key honoured.

// Parameters of each operation.
var (
	findManyParams   = []string{paramFilter, paramOrderBy, paramLimit, paramDepth, paramFields, paramStartingAfter, paramEndingBefore}
	findOneParams    = []string{paramDepth, paramFields}
	createParams     = []string{paramDepth, paramFields, paramUpsert}
	updateOneParams  = []string{paramDepth, paramFields}
	updateManyParams = []string{paramFilter, paramDepth, paramFields}
	deleteOneParams  = []string{paramSoftDelete}
	deleteManyParams = []string{paramFilter, paramSoftDelete}
)

// docFor checks the caller's access to the request's document (at least
// role want, with the /o/{orgDomain} rule) and opens it.
func (a *API) docFor(r *http.Request, want rowhouse.Role) (*core.Doc, error) {
	v, err := a.home.Doc(r.Context(), api.ActorFrom(r.Context()), r.PathValue("doc"), want)
	if _, err = api.UnderPrefix(r, v, err); err != nil {
		return nil, err
	}
	return a.docs.Open(r.Context(), v.ID)
}

// shape is what a records answer shows: the depth of related records and
// the fields.
type shape struct {
	depth  int
	fields []string
}

func parseShape(q url.Values) (shape, error) {
	var sh shape
	var err error
	if sh.depth, err = parseDepth(q.Get(paramDepth)); err != nil {
		return sh, err
	}
	sh.fields, err = parseFields(q[paramFields])
	return sh, err
}

// writeData answers {"data": {name: value}} (and what extra appends)
// with status.
func writeData(w http.ResponseWriter, status int, body []byte) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(append(body, '\n'))
	return err
}

// dataOpen starts {"data":{"<name>":.
func dataOpen(b []byte, name string) []byte {
	b = append(b, `{"data":{`...)
	b = appendJSON(b, name)
	return append(b, ':')
}

// ---- reads

func (a *API) findMany(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, findManyParams...); err != nil {
		return err
	}
	sh, err := parseShape(q)
	if err != nil {
		return err
	}
	limit, err := parseLimit(q.Get(paramLimit), a.docs.Limits().MaxPage)
	if err != nil {
		return err
	}
	terms, err := parseOrderBy(q.Get(paramOrderBy))
	if err != nil {
		return err
	}
	filter, err := query.ParseExpr(q.Get(paramFilter))
	if err != nil {
		return err
	}
	if q.Get(paramStartingAfter) != "" && q.Get(paramEndingBefore) != "" {
		return rowhouse.Invalidf("use either starting_after or ending_before, not both")
	}
	doc, err := a.docFor(r, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	defer doc.Close()
	snap, err := doc.Snapshot(r.Context(), surface)
	if err != nil {
		return err
	}
	defer snap.Close()
	s := snap.Schema()
	t, err := tableByPlural(s, r.PathValue("plural"))
	if err != nil {
		return err
	}
	v, err := newView(s, t, sh.depth, sh.fields)
	if err != nil {
		return err
	}
	sel := core.Select{Limit: limit, Sort: sortKeys(t, terms)}
	if sel.Filter, err = filterExpr(s, t, filter); err != nil {
		return err
	}
	fp := fingerprint(t.ID, sel.Sort, sel.Filter)
	if c := q.Get(paramStartingAfter); c != "" {
		if sel.After, err = decodeCursor(paramStartingAfter, c, fp); err != nil {
			return err
		}
	}
	if c := q.Get(paramEndingBefore); c != "" {
		if sel.Before, err = decodeCursor(paramEndingBefore, c, fp); err != nil {
			return err
		}
	}
	// The total: counted with the page when a cursor says it is not the
	// first; else known from the page when it holds every record, and
	// counted apart only when there are more.
	sel.Count = sel.After != nil || sel.Before != nil
	f := a.fetcher(snap)
	recs, rows, err := f.scan(r.Context(), v, sel, false)
	if err != nil {
		return err
	}
	var total int64
	switch {
	case rows.TotalCount != nil:
		total = *rows.TotalCount
	case !rows.Page.HasNextPage:
		total = int64(len(recs))
	default:
		counted, err := snap.Query(r.Context(), core.Select{Table: t.ID, Filter: sel.Filter, CountOnly: true, Surface: surface})
		if err != nil {
			return err
		}
		total = *counted.TotalCount
		counted.Close()
	}
	if err := f.relations(r.Context(), v, recs); err != nil {
		return err
	}
	b := dataOpen(make([]byte, 0, 4096), t.NamePlural)
	b = appendRecords(b, v, recs)
	b = append(b, `},"totalCount":`...)
	b = strconv.AppendInt(b, total, 10)
	b = append(b, `,"pageInfo":{"hasNextPage":`...)
	b = strconv.AppendBool(b, rows.Page.HasNextPage)
	b = append(b, `,"hasPreviousPage":`...)
	b = strconv.AppendBool(b, rows.Page.HasPreviousPage)
	for _, c := range []struct {
		name string
		cur  *string
	}{{"startCursor", rows.Page.StartCursor}, {"endCursor", rows.Page.EndCursor}} {
		b = append(b, `,"`+c.name+`":`...)
		if c.cur == nil {
			b = append(b, "null"...)
		} else {
			b = appendJSON(b, encodeCursor(*c.cur, fp))
		}
	}
	b = append(b, "}}"...)
	return writeData(w, http.StatusOK, b)
}

// appendRecords appends a JSON array of records.
func appendRecords(b []byte, v *view, recs []*record) []byte {
	b = append(b, '[')
	for i, rec := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		b = v.appendRecord(b, rec)
	}
	return append(b, ']')
}

// pathID reads the {id} of the request's path.
func pathID(r *http.Request) (int64, error) {
	s := r.PathValue("id")
	id, ok := schema.ParseRowUUID(s)
	if !ok {
		return 0, rowhouse.Invalidf("'%s' is not a valid id: ids look like %s (the record id 42), or are that number", clip(s), schema.RowUUID(42))
	}
	return id, nil
}

// errRecordNotFound is Twenty's answer for an id that names no record.
func errRecordNotFound() error { return rowhouse.NotFoundf("Record not found") }

func (a *API) findOne(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, findOneParams...); err != nil {
		return err
	}
	sh, err := parseShape(q)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	doc, err := a.docFor(r, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	defer doc.Close()
	snap, err := doc.Snapshot(r.Context(), surface)
	if err != nil {
		return err
	}
	defer snap.Close()
	s := snap.Schema()
	t, err := tableByPlural(s, r.PathValue("plural"))
	if err != nil {
		return err
	}
	v, err := newView(s, t, sh.depth, sh.fields)
	if err != nil {
		return err
	}
	f := a.fetcher(snap)
	recs, _, err := f.scan(r.Context(), v, core.Select{Filter: idCond(id)}, false)
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return errRecordNotFound()
	}
	if err := f.relations(r.Context(), v, recs); err != nil {
		return err
	}
	b := dataOpen(nil, t.NameSingular)
	b = v.appendRecord(b, recs[0])
	return writeData(w, http.StatusOK, append(b, "}}"...))
}

// idCond selects one record by id.
func idCond(id int64) query.Expr {
	return query.Cond{Path: []string{"id"}, Op: query.OpEq, Value: id}
}

// ---- writes

// write is one write request made ready for core.Apply.
type write struct {
	status int
	// name is the member of data the answer goes in (createCompany...).
	name    string
	actions []core.Action
	// ids are the records the answer shows, from the actions' results.
	ids func(res core.Applied) ([]int64, error)
	// one answers one record rather than a list; idsOnly answers {id}
	// objects (deletes).
	one, idsOnly bool
	sh           shape
}

// run applies a write and answers with the records it names, read in its
// transaction.
func (a *API) run(w http.ResponseWriter, r *http.Request, doc *core.Doc, t *schema.Table, body []byte, wr write) error {
	var out []byte
	opts := core.ApplyOptions{Surface: surface}
	opts.Then = func(ctx context.Context, rd core.Reader, res core.Applied) error {
		ids, err := wr.ids(res)
		if err != nil {
			return err
		}
		out = dataOpen(make([]byte, 0, 1024), wr.name)
		if wr.idsOnly {
			out = appendIDObjects(out, ids, wr.one)
			out = append(out, "}}"...)
			return nil
		}
		s := rd.Schema()
		t2 := s.Table(t.ID)
		if t2 == nil {
			return rowhouse.NotFoundf("object %s is gone", t.NamePlural)
		}
		v, err := newView(s, t2, wr.sh.depth, wr.sh.fields)
		if err != nil {
			return err
		}
		recs, err := a.fetcher(rd).byIDs(ctx, v, ids)
		if err != nil {
			return err
		}
		if wr.one {
			if len(recs) != 1 {
				return rowhouse.Errorf(rowhouse.EINTERNAL, "%s: %d records for one", wr.name, len(recs))
			}
			out = v.appendRecord(out, recs[0])
		} else {
			out = appendRecords(out, v, recs)
		}
		out = append(out, "}}"...)
		return nil
	}
	actor := api.ActorFrom(r.Context())
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		if len(key) > 255 {
			return rowhouse.Invalidf("Idempotency-Key is longer than 255 characters")
		}
		h := sha256.New()
		h.Write([]byte(r.Method + " " + r.URL.Path + "?" + r.URL.RawQuery + "\n"))
		h.Write(body)
		opts.Idempotency = &core.Idempotency{UserID: actor.User.ID, Key: key, Fingerprint: hex.EncodeToString(h.Sum(nil)),
			Render: func(core.Applied) ([]byte, error) { return out, nil }}
	}
	res, err := doc.Apply(r.Context(), actor, wr.actions, opts)
	if err != nil {
		return err
	}
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
		out = res.Response
	}
	return writeData(w, wr.status, out)
}

// appendIDObjects appends {"id": ...} objects: one, or an array.
func appendIDObjects(b []byte, ids []int64, one bool) []byte {
	if one {
		if len(ids) == 0 {
			return append(b, "null"...)
		}
		b = append(b, `{"id":`...)
		return append(appendID(b, ids[0]), '}')
	}
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = append(appendID(b, id), '}')
	}
	return append(b, ']')
}

// writeTarget checks write access, opens the document and finds the
// request's table.
func (a *API) writeTarget(r *http.Request) (*core.Doc, *schema.Table, error) {
	doc, err := a.docFor(r, rowhouse.RoleEditors)
	if err != nil {
		return nil, nil, err
	}
	s, err := doc.Schema(r.Context())
	if err != nil {
		doc.Close()
		return nil, nil, err
	}
	t, err := tableByPlural(s, r.PathValue("plural"))
	if err != nil {
		doc.Close()
		return nil, nil, err
	}
	return doc, t, nil
}

// decodeBody reads the request's JSON body into dst (numbers as
// json.Number), keeping the bytes for the idempotency fingerprint.
func decodeBody(r *http.Request, dst any) ([]byte, error) {
	body, err := api.ReadBody(r)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return body, rowhouse.Invalidf("the body is empty: send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return body, rowhouse.Invalidf("the body is not valid JSON: %v", err)
	}
	if dec.More() {
		return body, rowhouse.Invalidf("unexpected data after the JSON body")
	}
	return body, nil
}

func (a *API) createOne(w http.ResponseWriter, r *http.Request) error {
	return a.create(w, r, false)
}

func (a *API) createMany(w http.ResponseWriter, r *http.Request) error {
	return a.create(w, r, true)
}

// create adds records, or with upsert=true adds or updates them: a
// record matches an existing one by id, else by the table's unique
// columns (matching two is an error naming them).
func (a *API) create(w http.ResponseWriter, r *http.Request, batch bool) error {
	q := r.URL.Query()
	if err := checkParams(q, createParams...); err != nil {
		return err
	}
	sh, err := parseShape(q)
	if err != nil {
		return err
	}
	upsert, err := parseBool(paramUpsert, q.Get(paramUpsert))
	if err != nil {
		return err
	}
	var in any
	body, err := decodeBody(r, &in)
	if err != nil {
		return err
	}
	var items []map[string]any
	if batch {
		list, ok := in.([]any)
		if !ok {
			return rowhouse.Invalidf("Body must be an array")
		}
		if len(list) == 0 {
			return rowhouse.Invalidf("Input must not be empty")
		}
		items = make([]map[string]any, len(list))
		for i, x := range list {
			if items[i], ok = x.(map[string]any); !ok {
				return rowhouse.Invalidf("record %d is not a JSON object", i)
			}
		}
	} else {
		one, ok := in.(map[string]any)
		if !ok {
			return rowhouse.Invalidf("the body must be a JSON object")
		}
		items = []map[string]any{one}
	}
	if n, most := len(items), a.docs.Limits().MaxBatch; n > most {
		return rowhouse.Errorf(rowhouse.ETOOLARGE, "too many records in one request: %d (the limit is %d)", n, most)
	}
	doc, t, err := a.writeTarget(r)
	if err != nil {
		return err
	}
	defer doc.Close()
	rows := make([]core.Row, len(items))
	ups := make([]core.Upsert, len(items))
	for i, item := range items {
		fl, id, err := recordFields(t, item, 0, true)
		if err != nil {
			if batch {
				return annotate(err, "record "+strconv.Itoa(i))
			}
			return err
		}
		rows[i] = core.Row{ID: id, Fields: fl}
		ups[i] = core.Upsert{Fields: fl}
		if id != 0 {
			ups[i].Require = map[string]any{"id": id}
		}
	}
	var action core.Action = core.AddRecords{Table: t.ID, Rows: rows}
	if upsert {
		action = core.AddOrUpdateRecords{Table: t.ID, Records: ups, MatchUnique: true, RecordLabel: "record"}
	}
	names := schema.GraphQLNamesOf(t.NameSingular, t.NamePlural)
	wr := write{status: http.StatusCreated, name: names.CreateOne, actions: []core.Action{action}, ids: createdIDs, one: !batch, sh: sh}
	if batch {
		wr.name = names.CreateMany
	}
	return a.run(w, r, doc, t, body, wr)
}

// annotate prefixes a user error's message with where it happened.
func annotate(err error, where string) error {
	var e *rowhouse.Error
	if errors.As(err, &e) && e.Kind != rowhouse.EINTERNAL {
		c := *e
		c.Message = where + ": " + e.Message
		return &c
	}
	return err
}

// createdIDs are the ids a create's action returned, one per record.
func createdIDs(res core.Applied) ([]int64, error) {
	switch v := res.RetValues[0].(type) {
	case []int64:
		return v, nil
	case core.UpsertResult:
		ids := make([]int64, 0, len(v.RecordIDs))
		for _, r := range v.RecordIDs {
			if len(r) != 1 {
				return nil, rowhouse.Errorf(rowhouse.EINTERNAL, "upsert matched %d records", len(r))
			}
			ids = append(ids, r[0])
		}
		return ids, nil
	}
	return nil, rowhouse.Errorf(rowhouse.EINTERNAL, "create returned %T", res.RetValues[0])
}

// whereIDs are the ids an UpdateRecordsWhere or RemoveRecordsWhere
// changed; for a write of one record, none is Twenty's 404.
func whereIDs(one bool) func(core.Applied) ([]int64, error) {
	return func(res core.Applied) ([]int64, error) {
		ids, ok := res.RetValues[0].([]int64)
		if !ok {
			return nil, rowhouse.Errorf(rowhouse.EINTERNAL, "write returned %T", res.RetValues[0])
		}
		if one && len(ids) == 0 {
			return nil, errRecordNotFound()
		}
		return ids, nil
	}
}

// requiredFilter reads the filter of a write to several records, which
// must select something explicitly.
func requiredFilter(q url.Values, what string) (query.Expr, error) {
	s := q.Get(paramFilter)
	e, err := query.ParseExpr(s)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, rowhouse.Invalidf("Filters are mandatory for bulk %s operations. Please provide at least one filter to prevent accidental %s of all records.", what, map[string]string{"update": "update", "destroy": "deletion"}[what])
	}
	return e, nil
}

func (a *API) updateOne(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, updateOneParams...); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return a.update(w, r, q, idCond(id), id)
}

func (a *API) updateMany(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, updateManyParams...); err != nil {
		return err
	}
	filter, err := requiredFilter(q, "update")
	if err != nil {
		return err
	}
	return a.update(w, r, q, filter, 0)
}

// update sets the body's fields on the records filter selects: the one
// with id for PATCH /rest/{plural}/{id} (id 0 for a filter's).
func (a *API) update(w http.ResponseWriter, r *http.Request, q url.Values, filter query.Expr, id int64) error {
	one := id != 0
	sh, err := parseShape(q)
	if err != nil {
		return err
	}
	var in map[string]any
	body, err := decodeBody(r, &in)
	if err != nil {
		return err
	}
	if in == nil {
		return rowhouse.Invalidf("the body must be a JSON object")
	}
	doc, t, err := a.writeTarget(r)
	if err != nil {
		return err
	}
	defer doc.Close()
	s, err := doc.Schema(r.Context())
	if err != nil {
		return err
	}
	if filter, err = filterExpr(s, t, filter); err != nil {
		return err
	}
	fl, _, err := recordFields(t, in, id, false)
	if err != nil {
		return err
	}
	names := schema.GraphQLNamesOf(t.NameSingular, t.NamePlural)
	wr := write{status: http.StatusOK, name: names.UpdateMany, one: one, sh: sh, ids: whereIDs(one),
		actions: []core.Action{core.UpdateRecordsWhere{Table: t.ID, Filter: filter, Fields: fl}}}
	if one {
		wr.name = names.UpdateOne
	}
	return a.run(w, r, doc, t, body, wr)
}

func (a *API) deleteOne(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, deleteOneParams...); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return a.remove(w, r, q, idCond(id), true)
}

func (a *API) deleteMany(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, deleteManyParams...); err != nil {
		return err
	}
	filter, err := requiredFilter(q, "destroy")
	if err != nil {
		return err
	}
	return a.remove(w, r, q, filter, false)
}

// remove removes the records filter selects, for good: Rowhouse keeps no
// deleted records, so Twenty's soft_delete=true is refused rather than
// taken as a destroy.
func (a *API) remove(w http.ResponseWriter, r *http.Request, q url.Values, filter query.Expr, one bool) error {
	soft, err := parseBool(paramSoftDelete, q.Get(paramSoftDelete))
	if err != nil {
		return err
	}
	if soft {
		return rowhouse.Invalidf("soft_delete=true is not supported: Rowhouse removes records for good (send soft_delete=false, or leave it out)")
	}
	body, err := api.ReadBody(r)
	if err != nil {
		return err
	}
	doc, t, err := a.writeTarget(r)
	if err != nil {
		return err
	}
	defer doc.Close()
	s, err := doc.Schema(r.Context())
	if err != nil {
		return err
	}
	if filter, err = filterExpr(s, t, filter); err != nil {
		return err
	}
	names := schema.GraphQLNamesOf(t.NameSingular, t.NamePlural)
	wr := write{status: http.StatusOK, name: names.DeleteMany, one: one, idsOnly: true, ids: whereIDs(one),
		actions: []core.Action{core.RemoveRecordsWhere{Table: t.ID, Filter: filter}}}
	if one {
		wr.name = names.DeleteOne
	}
	return a.run(w, r, doc, t, body, wr)
}

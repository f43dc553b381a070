package twenty_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/internal/testserver"
)

// count is the number of records of a table, read through the Grist API.
func (f *fixture) count(t *testing.T, table string) int {
	t.Helper()
	res := f.must(t, "GET", "/api/docs/"+f.doc+"/tables/"+table+"/records", nil)
	return len(res.JSON.(map[string]any)["records"].([]any))
}

// events are the kinds and row ids of the document's change events after
// seq.
func (f *fixture) events(t *testing.T, after int64) []string {
	t.Helper()
	d, err := f.s.Docs.Open(context.Background(), f.doc)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	evs, err := d.Events(context.Background(), after, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		if e.Kind != core.EventSchema {
			out = append(out, fmt.Sprintf("%s %s %v", e.Kind, e.Table, e.RowIDs))
		}
	}
	return out
}

func (f *fixture) lastSeq(t *testing.T) int64 {
	t.Helper()
	d, err := f.s.Docs.Open(context.Background(), f.doc)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	n, err := d.LastSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Writes are the core's actions, answered with the records as written, in
// Twenty's envelopes; a bad record fails the whole request.
func TestWrites(t *testing.T) {
	f := newFixture(t)
	e := f.editor
	hooli := `{"id":"` + uuid(4) + `",` + stamps + `,"name":"Hooli","domain":"hooli.com","employees":5,"country":"US","founded":"2020-01-02","tags":["b2c","b2b"]}`
	for _, sc := range []testserver.Scenario{
		{Name: "create", Method: "POST", URL: f.rest("/companies"), Key: e, Status: 201,
			Body: map[string]any{"name": "Hooli", "domain": "hooli.com", "employees": 5, "country": "US", "founded": "2020-01-02", "tags": []any{"b2c", "b2b"}},
			JSON: `{"data":{"createCompany":` + hooli + `}}`},
		{Name: "create with depth", Method: "POST", URL: f.rest("/people?depth=1"), Key: e, Status: 201,
			Body: map[string]any{"name": "Eve", "companyId": uuid(4), "friends": []any{uuid(1), 2}},
			JSON: `{"data":{"createPerson":{"id":"` + uuid(5) + `",` + stamps + `,"name":"Eve","email":"","companyId":"` + uuid(4) + `","company":` + hooli + `,"friends":[` + ann + `,` + bob + `],"seen":null}}}`},
		{Name: "create with fields", Method: "POST", URL: f.rest("/people?fields=name"), Key: e, Status: 201,
			Body: map[string]any{"name": "Fay", "seen": "2024-06-01T12:00:00+02:00"}, JSON: `{"data":{"createPerson":{"id":"` + uuid(6) + `","name":"Fay"}}}`},
		{Name: "create with a chosen id", Method: "POST", URL: f.rest("/companies?fields=name"), Key: e, Status: 201,
			Body: map[string]any{"id": uuid(42), "name": "Chosen"}, JSON: `{"data":{"createCompany":{"id":"` + uuid(42) + `","name":"Chosen"}}}`},
		{Name: "create an existing id", Method: "POST", URL: f.rest("/companies"), Key: e, Status: 400,
			Body: map[string]any{"id": uuid(42), "name": "Again"}, JSON: badRequest(`Duplicate row id in table "Companies"`)},
		{Name: "create unknown field", Method: "POST", URL: f.rest("/companies"), Key: e, Status: 400,
			Body: map[string]any{"name": "X", "revenue": 3}, JSON: badRequest(`Object company doesn't have any "revenue" field.`)},
		{Name: "create a value that does not fit", Method: "POST", URL: f.rest("/companies"), Key: e, Status: 400,
			Body: map[string]any{"employees": "many"}, JSON: badRequest(`field employees (Int) cannot hold "many"`)},
		{Name: "create a bad relation id", Method: "POST", URL: f.rest("/people"), Key: e, Status: 400,
			Body: map[string]any{"companyId": "acme"}, JSON: badRequest(`field company: "acme" is not a valid id: ids look like 00000000-0000-4000-8000-000000000042 (the record id 42), or are that number`)},
		{Name: "create the reverse side", Method: "POST", URL: f.rest("/companies"), Key: e, Status: 400,
			Body: map[string]any{"staff": []any{uuid(1)}}, JSON: badRequest(`staff is the reverse side of a relation: set company on People instead`)},
		{Name: "create read-only fields", Method: "POST", URL: f.rest("/companies"), Key: e, Status: 400,
			Body: map[string]any{"createdAt": "2020-01-01T00:00:00Z"}, JSON: badRequest(`createdAt is read-only`)},
		{Name: "create an array", Method: "POST", URL: f.rest("/companies"), Key: e, Status: 400, Body: []any{}, JSON: badRequest(`the body must be a JSON object`)},
		{Name: "create not JSON", Method: "POST", URL: f.rest("/companies"), Key: e, Status: 400, Body: "{", Contains: []string{"the body is not valid JSON"}},
		{Name: "create as a viewer", Method: "POST", URL: f.rest("/companies"), Key: f.viewer, Status: 403, Body: map[string]any{"name": "V"}, JSON: twentyError(403, "ForbiddenException", "No write access")},
		{Name: "create unknown parameter", Method: "POST", URL: f.rest("/companies?noparse=1"), Key: e, Status: 400, Body: map[string]any{},
			JSON: badRequest(`unknown query parameter "noparse": this route takes depth, fields, upsert`)},
		{Name: "create bad upsert", Method: "POST", URL: f.rest("/companies?upsert=yes"), Key: e, Status: 400, Body: map[string]any{},
			JSON: badRequest(`'upsert=yes' parameter invalid. Allowed values are true, false`)},

		// batch
		{Name: "batch", Method: "POST", URL: f.rest("/batch/companies?fields=name"), Key: e, Status: 201,
			Body: []any{map[string]any{"name": "B1"}, map[string]any{"name": "B2"}},
			JSON: `{"data":{"createCompanies":[{"id":"` + uuid(43) + `","name":"B1"},{"id":"` + uuid(44) + `","name":"B2"}]}}`},
		{Name: "batch not an array", Method: "POST", URL: f.rest("/batch/companies"), Key: e, Status: 400, Body: map[string]any{"name": "B"}, JSON: badRequest("Body must be an array")},
		{Name: "batch empty", Method: "POST", URL: f.rest("/batch/companies"), Key: e, Status: 400, Body: []any{}, JSON: badRequest("Input must not be empty")},
		{Name: "batch all or nothing", Method: "POST", URL: f.rest("/batch/companies"), Key: e, Status: 400,
			Body: []any{map[string]any{"name": "B3"}, map[string]any{"name": "B4", "domain": "acme.com"}}, JSON: badRequest(`Duplicate value in unique column "domain"`)},
		{Name: "batch a bad record", Method: "POST", URL: f.rest("/batch/companies"), Key: e, Status: 400,
			Body: []any{map[string]any{"name": "B3"}, map[string]any{"employees": true}}, JSON: badRequest(`record 1: field employees (Int) cannot hold true`)},

		// upsert
		{Name: "upsert by a unique field", Method: "POST", URL: f.rest("/companies?upsert=true&fields=name,employees"), Key: e, Status: 201,
			Body: map[string]any{"domain": "globex.com", "employees": 41}, JSON: `{"data":{"createCompany":{"id":"` + uuid(2) + `","name":"Globex","employees":41}}}`},
		{Name: "upsert by id", Method: "POST", URL: f.rest("/companies?upsert=true&fields=name"), Key: e, Status: 201,
			Body: map[string]any{"id": uuid(3), "name": "Initech Inc"}, JSON: `{"data":{"createCompany":{"id":"` + uuid(3) + `","name":"Initech Inc"}}}`},
		{Name: "upsert adds", Method: "POST", URL: f.rest("/batch/companies?upsert=true&fields=name"), Key: e, Status: 201,
			Body: []any{map[string]any{"domain": "acme.com", "name": "Acme SA"}, map[string]any{"domain": "new.com", "name": "New"}},
			JSON: `{"data":{"createCompanies":[{"id":"` + uuid(1) + `","name":"Acme SA"},{"id":"` + uuid(45) + `","name":"New"}]}}`},
		{Name: "upsert by id onto a taken unique value", Method: "POST", URL: f.rest("/companies?upsert=true"), Key: e, Status: 400,
			Body: map[string]any{"id": uuid(1), "domain": "globex.com"}, JSON: badRequest(`Duplicate value in unique column "domain"`)},

		// update
		{Name: "update one", Method: "PATCH", URL: f.rest("/people/" + uuid(4) + "?fields=name,companyId,friends"), Key: e, Status: 200,
			Body: map[string]any{"companyId": uuid(2), "friends": []any{uuid(3)}},
			JSON: `{"data":{"updatePerson":{"id":"` + uuid(4) + `","name":"Dee","companyId":"` + uuid(2) + `","friends":["` + uuid(3) + `"]}}}`},
		{Name: "update one with its own id", Method: "PATCH", URL: f.rest("/people/4?fields=name"), Key: e, Status: 200,
			Body: map[string]any{"id": uuid(4), "name": "Dee D"}, JSON: `{"data":{"updatePerson":{"id":"` + uuid(4) + `","name":"Dee D"}}}`},
		{Name: "update one clears a relation", Method: "PATCH", URL: f.rest("/people/4?fields=companyId&depth=1"), Key: e, Status: 200,
			Body: map[string]any{"companyId": nil}, JSON: `{"data":{"updatePerson":{"id":"` + uuid(4) + `","companyId":null}}}`},
		{Name: "update by PUT", Method: "PUT", URL: f.rest("/people/4?fields=name"), Key: e, Status: 200,
			Body: map[string]any{"name": "Dee"}, JSON: `{"data":{"updatePerson":{"id":"` + uuid(4) + `","name":"Dee"}}}`},
		{Name: "update another id", Method: "PATCH", URL: f.rest("/people/4"), Key: e, Status: 400, Body: map[string]any{"id": uuid(3)}, JSON: badRequest("id cannot be changed")},
		{Name: "update missing", Method: "PATCH", URL: f.rest("/people/99"), Key: e, Status: 404, Body: map[string]any{"name": "X"}, JSON: twentyError(404, "NotFoundException", "Record not found")},
		{Name: "update many", Method: "PATCH", URL: f.rest("/people?fields=name,seen&filter=" + q(`companyId[eq]:"`+uuid(1)+`"`)), Key: e, Status: 200,
			Body: map[string]any{"seen": "2024-07-01T00:00:00.250Z"},
			JSON: `{"data":{"updatePeople":[{"id":"` + uuid(1) + `","name":"Ann","seen":"2024-07-01T00:00:00.250Z"},{"id":"` + uuid(2) + `","name":"Bob","seen":"2024-07-01T00:00:00.250Z"}]}}`},
		{Name: "update many none", Method: "PATCH", URL: f.rest("/people?filter=" + q(`name[eq]:"Nobody"`)), Key: e, Status: 200,
			Body: map[string]any{"name": "X"}, JSON: `{"data":{"updatePeople":[]}}`},
		{Name: "update many without a filter", Method: "PATCH", URL: f.rest("/people"), Key: e, Status: 400, Body: map[string]any{"name": "X"},
			JSON: badRequest("Filters are mandatory for bulk update operations. Please provide at least one filter to prevent accidental update of all records.")},
		{Name: "update one unknown parameter", Method: "PATCH", URL: f.rest("/people/1?filter=name[eq]:x"), Key: e, Status: 400, Body: map[string]any{},
			JSON: badRequest(`unknown query parameter "filter": this route takes depth, fields`)},

		// delete
		{Name: "delete one", Method: "DELETE", URL: f.rest("/people/" + uuid(6)), Key: e, Status: 200, JSON: `{"data":{"deletePerson":{"id":"` + uuid(6) + `"}}}`},
		{Name: "delete one again", Method: "DELETE", URL: f.rest("/people/" + uuid(6)), Key: e, Status: 404, JSON: twentyError(404, "NotFoundException", "Record not found")},
		{Name: "delete many", Method: "DELETE", URL: f.rest("/companies?filter=" + q(`name[startsWith]:"B"`)), Key: e, Status: 200,
			JSON: `{"data":{"deleteCompanies":[{"id":"` + uuid(43) + `"},{"id":"` + uuid(44) + `"}]}}`},
		{Name: "delete many without a filter", Method: "DELETE", URL: f.rest("/companies"), Key: e, Status: 400,
			JSON: badRequest("Filters are mandatory for bulk destroy operations. Please provide at least one filter to prevent accidental deletion of all records.")},
		{Name: "soft delete", Method: "DELETE", URL: f.rest("/companies/1?soft_delete=true"), Key: e, Status: 400,
			JSON: badRequest("soft_delete=true is not supported: Rowhouse removes records for good (send soft_delete=false, or leave it out)")},
		{Name: "delete as a viewer", Method: "DELETE", URL: f.rest("/companies/1"), Key: f.viewer, Status: 403, JSON: twentyError(403, "ForbiddenException", "No write access")},
		{Name: "delete with depth", Method: "DELETE", URL: f.rest("/companies/1?depth=1"), Key: e, Status: 400,
			JSON: badRequest(`unknown query parameter "depth": this route takes soft_delete`)},
	} {
		sc.Run(t, f.s)
	}
	// 3, plus Hooli, Chosen, B1, B2 and New, less B1 and B2.
	if n := f.count(t, "Companies"); n != 6 {
		t.Errorf("%d companies, want 6: the failed writes wrote something", n)
	}
}

// Every write is an action with its events (webhooks and the change feed
// read them), and is done once per Idempotency-Key.
func TestWritesAreActions(t *testing.T) {
	f := newFixture(t)
	seq := f.lastSeq(t)
	created := f.s.Do(t, "POST", f.rest("/companies"), f.editor, map[string]any{"name": "Evented"})
	if created.Status != 201 {
		t.Fatalf("%d %s", created.Status, created.Body)
	}
	f.s.Do(t, "PATCH", f.rest("/companies/4"), f.editor, map[string]any{"employees": 3})
	f.s.Do(t, "DELETE", f.rest("/companies/4"), f.editor, nil)
	got := strings.Join(f.events(t, seq), "; ")
	if got != "add Companies [4]; update Companies [4]; remove Companies [4]" {
		t.Errorf("events %q", got)
	}

	key := map[string]string{"Idempotency-Key": "once"}
	body := []any{map[string]any{"name": "Once"}}
	first := f.s.Send(t, testserver.Request{Method: "POST", Path: f.rest("/batch/companies"), Key: f.editor, Body: body, Headers: key})
	again := f.s.Send(t, testserver.Request{Method: "POST", Path: f.rest("/batch/companies"), Key: f.editor, Body: body, Headers: key})
	if first.Status != 201 || again.Status != 201 || string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("first %d %s; again %d %s %v", first.Status, first.Body, again.Status, again.Body, again.Header)
	}
	if n := f.count(t, "Companies"); n != 4 {
		t.Errorf("%d companies, want 4", n)
	}
	other := f.s.Send(t, testserver.Request{Method: "POST", Path: f.rest("/batch/companies"), Key: f.editor, Body: []any{map[string]any{"name": "Twice"}}, Headers: key})
	if other.Status != http.StatusUnprocessableEntity || !strings.Contains(string(other.Body), `"UnprocessableEntityException"`) {
		t.Errorf("the key with another body: %d %s", other.Status, other.Body)
	}
}

// A batch is bounded by --max-batch, and a write that selects more than
// that by filter is refused, never cut.
func TestBatchLimit(t *testing.T) {
	f := newFixture(t)
	many := make([]any, core.DefaultMaxBatch+1)
	for i := range many {
		many[i] = map[string]any{}
	}
	res := f.s.Do(t, "POST", f.rest("/batch/companies"), f.editor, many)
	if res.Status != http.StatusRequestEntityTooLarge || !strings.Contains(string(res.Body), `"messages":["too many records in one request: 10001 (the limit is 10000)"]`) {
		t.Errorf("%d %s", res.Status, res.Body)
	}
	if n := f.count(t, "Companies"); n != 3 {
		t.Errorf("%d companies", n)
	}
}

// The default page is Twenty's 60 records.
func TestDefaultLimit(t *testing.T) {
	f := newFixture(t)
	var recs []any
	for i := range 70 {
		recs = append(recs, map[string]any{"name": fmt.Sprintf("C%02d", i)})
	}
	if res := f.s.Do(t, "POST", f.rest("/batch/companies"), f.editor, recs); res.Status != 201 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	res := f.s.Do(t, "GET", f.rest("/companies?fields=name"), f.viewer, nil)
	var body struct {
		Data struct {
			Companies []json.RawMessage `json:"companies"`
		} `json:"data"`
	}
	if err := json.Unmarshal(res.Body, &body); err != nil {
		t.Fatal(err)
	}
	if p := pageOf(t, res); len(body.Data.Companies) != 60 || p.TotalCount != 73 || !p.PageInfo.HasNextPage {
		t.Errorf("%d records, %+v", len(body.Data.Companies), p)
	}
}

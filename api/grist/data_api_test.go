package grist_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/api/grist"
	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/internal/testserver"
)

// testNow is the fixed clock of every test server here.
var testNow = time.Unix(1700000000, 0)

// env is the Grist API over a real SQLite engine in a temporary directory,
// with one owner and one document. Requests run as the owner unless the
// X-Test-User header names another user (by email) made with user.
type env struct {
	t     *testing.T
	h     http.Handler
	docs  *core.Docs
	home  *home.Service
	owner rowhouse.User
	users map[string]rowhouse.User
	doc   string
}

// newEnv builds the API with the given core limits (zero values take the
// defaults).
func newEnv(t *testing.T, limits core.Limits) *env {
	t.Helper()
	ctx := context.Background()
	engine := testserver.NewEngine(t)
	now := func() time.Time { return testNow }
	hs := home.New(engine, now, nil)
	keys := auth.NewKeys(engine.Home(), hs, now)
	docs := core.NewDocs(engine, core.Options{Now: now, Limits: limits})
	mux := http.NewServeMux()
	log := slog.New(slog.NewTextHandler(testLog{t}, nil))
	grist.New(grist.Deps{Home: hs, Keys: keys, Docs: docs, Log: log, Now: now}).Routes(mux)
	e := &env{t: t, docs: docs, home: hs, users: map[string]rowhouse.User{}}
	e.owner = e.user("owner@example.com")
	e.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := e.owner
		if email := r.Header.Get("X-Test-User"); email != "" {
			u = e.users[email]
		}
		mux.ServeHTTP(w, r.WithContext(api.WithActor(r.Context(), rowhouse.Actor{User: u})))
	})
	owner := rowhouse.Actor{User: e.owner}
	ws, err := hs.ListWorkspaces(ctx, owner, home.PersonalDomain(e.owner.ID))
	if err != nil || len(ws) == 0 {
		t.Fatalf("personal workspaces: %v %v", ws, err)
	}
	if e.doc, err = hs.CreateDoc(ctx, owner, ws[0].ID, "Data"); err != nil {
		t.Fatal(err)
	}
	return e
}

// testLog sends the server's log (internal errors) to the test's log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// forSubtest is e reporting to a subtest.
func (e *env) forSubtest(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

// user returns the user with this email, creating them.
func (e *env) user(email string) rowhouse.User {
	e.t.Helper()
	u, _, err := e.home.EnsureUser(context.Background(), email, "")
	if err != nil {
		e.t.Fatal(err)
	}
	e.users[email] = u
	return u
}

// share gives a user a role on the document.
func (e *env) share(email, role string) {
	e.t.Helper()
	e.user(email)
	e.mustJSON("PATCH", "/api/docs/"+e.doc+"/access", fmt.Sprintf(`{"delta":{"users":{%q:%q}}}`, email, role), 200)
}

// response is one recorded answer.
type response struct {
	status int
	body   []byte
	header http.Header
}

// do sends a request to the document's API: path is relative to
// /api/docs/{doc} unless it starts with /api/. body is sent as is when it
// is a string or []byte, else as its JSON. hdr are header name/value pairs.
func (e *env) do(method, path string, body any, hdr ...string) response {
	e.t.Helper()
	if !strings.HasPrefix(path, "/api/") {
		path = "/api/docs/" + e.doc + path
	}
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return response{status: rec.Code, body: rec.Body.Bytes(), header: rec.Header()}
}

// mustJSON sends a request, checks the status and decodes the answer.
func (e *env) mustJSON(method, path string, body any, status int, hdr ...string) any {
	e.t.Helper()
	res := e.do(method, path, body, hdr...)
	if res.status != status {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.status, status, res.body)
	}
	return decode(e.t, res.body)
}

// expect sends a request and checks the status and the whole JSON answer
// (compared as values, so key order and spacing do not matter).
func (e *env) expect(method, path string, body any, status int, want string, hdr ...string) {
	e.t.Helper()
	res := e.do(method, path, body, hdr...)
	if res.status != status {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.status, status, res.body)
	}
	if want == "" {
		return
	}
	got := decode(e.t, res.body)
	if w := decode(e.t, []byte(want)); !reflect.DeepEqual(got, w) {
		e.t.Fatalf("%s %s:\n got  %s\n want %s", method, path, canon(got), canon(w))
	}
}

// expectErr checks an error answer: its status and exact message.
func (e *env) expectErr(method, path string, body any, status int, msg string, hdr ...string) {
	e.t.Helper()
	e.expect(method, path, body, status, errJSON(msg), hdr...)
}

func errJSON(msg string) string {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return string(b)
}

func payloadErr(userError string) string {
	b, _ := json.Marshal(map[string]any{"error": "Invalid payload", "details": map[string]string{"userError": userError}})
	return string(b)
}

func decode(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("invalid JSON %q: %v", b, err)
	}
	if dec.More() {
		t.Fatalf("trailing data after JSON: %q", b)
	}
	return normNumbers(v)
}

// normNumbers turns json.Numbers into their canonical text so that 1 and
// 1.0 compare equal only when they are written the same way.
func normNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		return json.Number(x.String())
	case []any:
		for i := range x {
			x[i] = normNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = normNumbers(x[k])
		}
	}
	return v
}

func canon(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// records reads a table's records as the API answers them.
func (e *env) records(table, query string) []any {
	e.t.Helper()
	v := e.mustJSON("GET", "/tables/"+table+"/records"+query, nil, 200)
	return v.(map[string]any)["records"].([]any)
}

// recordsJSON is records in canonical JSON, for comparison.
func (e *env) recordsJSON(table, query string) string {
	e.t.Helper()
	return canon(e.records(table, query))
}

// snapshot is the document's whole schema and data, as the API shows them.
func (e *env) snapshot() string {
	e.t.Helper()
	v := e.mustJSON("GET", "/tables?expand=column", nil, 200)
	var b strings.Builder
	b.WriteString(canon(v))
	for _, t := range v.(map[string]any)["tables"].([]any) {
		id := t.(map[string]any)["id"].(string)
		b.WriteString("\n" + id + ": " + e.recordsJSON(id, "?hidden=1"))
	}
	return b.String()
}

// openDoc opens the document in the core, for reading its outbox.
func (e *env) openDoc() *core.Doc {
	e.t.Helper()
	d, err := e.docs.Open(context.Background(), e.doc)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { d.Close() })
	return d
}

// lastSeq is the sequence number of the newest outbox event.
func (e *env) lastSeq() int64 {
	e.t.Helper()
	n, err := e.openDoc().LastSeq(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// events returns the outbox events after seq.
func (e *env) events(after int64) []core.Event {
	e.t.Helper()
	ev, err := e.openDoc().Events(context.Background(), after, 100000)
	if err != nil {
		e.t.Fatal(err)
	}
	return ev
}

// setup applies user actions through /apply and fails the test on error.
func (e *env) setup(actions string) any {
	e.t.Helper()
	return e.mustJSON("POST", "/apply", actions, 200)
}

// people makes the tables Companies (name, country) and People (name, age
// Int, company Ref:Companies) with a few rows.
func (e *env) people() {
	e.t.Helper()
	e.setup(`[
		["AddTable", "Companies", [{"id":"name"}, {"id":"country"}]],
		["AddTable", "People", [{"id":"name"}, {"id":"age","type":"Int"}, {"id":"company","type":"Ref:Companies"}]],
		["BulkAddRecord", "Companies", [null,null], {"name":["Acme","Globex"], "country":["FR","US"]}],
		["BulkAddRecord", "People", [null,null,null], {"name":["Ann","Bob","Cy"], "age":[30,41,25], "company":[1,2,1]}]
	]`)
}

// step is one request of a scenario and the answer it must get: the
// status and, unless want is empty, the whole JSON body.
type step struct {
	name   string
	method string
	path   string
	body   any
	status int
	want   string
}

// run plays steps in order; each sees what the earlier ones did.
func (e *env) run(steps []step) {
	e.t.Helper()
	for _, s := range steps {
		res := e.do(s.method, s.path, s.body)
		if res.status != s.status {
			e.t.Fatalf("%s: %s %s: status %d, want %d: %s", s.name, s.method, s.path, res.status, s.status, res.body)
		}
		if s.want == "" {
			continue
		}
		got := decode(e.t, res.body)
		if w := decode(e.t, []byte(s.want)); !reflect.DeepEqual(got, w) {
			e.t.Fatalf("%s: %s %s:\n got  %s\n want %s", s.name, s.method, s.path, canon(got), canon(w))
		}
	}
}

// col is a column as GET .../columns shows it.
type col struct {
	id, typ, label string
	isUnique       bool
	reverseCol     string
	description    string
	widgetOptions  string
}

// columnsJSON renders columns the way the API must show them.
func columnsJSON(cols ...col) string {
	out := make([]any, len(cols))
	for i, c := range cols {
		label := c.label
		if label == "" {
			label = c.id
		}
		out[i] = map[string]any{"id": c.id, "fields": map[string]any{
			"colRef": i + 1, "parentPos": i + 1, "type": c.typ, "label": label, "description": c.description,
			"widgetOptions": c.widgetOptions, "isFormula": false, "formula": "", "isUnique": c.isUnique,
			"reverseCol": c.reverseCol, "untieColIdFromLabel": false, "visibleCol": 0, "displayCol": 0,
			"recalcWhen": 0, "recalcDeps": nil, "rules": nil,
		}}
	}
	b, _ := json.Marshal(map[string]any{"columns": out})
	return string(b)
}

func tableJSON(ref int, id, singular, plural string) string {
	return fmt.Sprintf(`{"id":%q,"fields":{"tableRef":%d,"onDemand":false,"nameSingular":%q,"namePlural":%q}}`, id, ref, singular, plural)
}

var (
	companiesCols = []col{{id: "name", typ: "Text"}, {id: "country", typ: "Text"}}
	peopleCols    = []col{{id: "name", typ: "Text"}, {id: "age", typ: "Int"}, {id: "company", typ: "Ref:Companies"}}
)

func TestTablesCreate(t *testing.T) {
	e := newEnv(t, core.Limits{})
	e.people()
	e.run([]step{
		{"sanitized ids", "POST", "/tables", `{"tables":[
			{"id":"my table","columns":[{"id":"a b"},{},{"fields":{"label":"Full name","type":"Int"}}]},
			{"id":"people"}, {"id":"People2"}, {}, {"columns":[]}, {"id":"1abc"}, {"id":"Café"}, {"id":"_x"}, {"id":"__"}]}`,
			200, `{"tables":[{"id":"My_table"},{"id":"People2"},{"id":"People2_2"},{"id":"Table1"},{"id":"Table2"},
			{"id":"T1abc"},{"id":"Cafe"},{"id":"X"},{"id":"Table3"}]}`},
		{"columns of the new table", "GET", "/tables/My_table/columns", nil, 200,
			columnsJSON(col{id: "a_b", typ: "Text"}, col{id: "A", typ: "Text"}, col{id: "Full_name", typ: "Int", label: "Full name"})},
		{"records of the new table", "GET", "/tables/My_table/records", nil, 200, `{"records":[]}`},
		{"tables missing", "POST", "/tables", `{}`, 400, payloadErr("tables is missing")},
		{"unknown property", "POST", "/tables", `{"tables":[{"id":"Q","bogus":1}]}`, 400, payloadErr(`unknown property "bogus"`)},
		{"formula column", "POST", "/tables", `{"tables":[{"id":"Q","columns":[{"id":"f","fields":{"isFormula":true,"formula":"1"}}]}]}`, 400,
			payloadErr("formula columns are not supported: Rowhouse stores data columns only")},
		{"bad type", "POST", "/tables", `{"tables":[{"id":"Q","columns":[{"id":"f","fields":{"type":"Bogus"}}]}]}`, 400, errJSON(`unknown column type "Bogus"`)},
		{"GraphQL names given", "POST", "/tables", `{"tables":[{"id":"Geese","nameSingular":"goose","namePlural":"geese"}]}`, 200, `{"tables":[{"id":"Geese"}]}`},
		{"GraphQL names clash", "POST", "/tables", `{"tables":[{"id":"Birds","nameSingular":"goose","namePlural":"birds"}]}`, 400,
			errJSON(`GraphQL name "goose" of table Birds is already used by table Geese; set nameSingular and namePlural`)},
	})
}

func TestTablesListRenameDelete(t *testing.T) {
	e := newEnv(t, core.Limits{})
	e.people()
	cols := func(cs []col) string {
		s := columnsJSON(cs...)
		return strings.TrimSuffix(strings.TrimPrefix(s, `{"columns":`), "}")
	}
	withCols := func(table string, cs []col) string {
		return strings.TrimSuffix(table, "}") + `,"columns":` + cols(cs) + "}"
	}
	people := tableJSON(2, "People", "person", "people")
	e.run([]step{
		{"list", "GET", "/tables", nil, 200, `{"tables":[` + tableJSON(1, "Companies", "company", "companies") + "," + people + `]}`},
		{"list expanded", "GET", "/tables?expand=column", nil, 200, `{"tables":[` +
			withCols(tableJSON(1, "Companies", "company", "companies"), companiesCols) + "," + withCols(people, peopleCols) + `]}`},
		{"rename", "PATCH", "/tables", `{"tables":[{"id":"Companies","fields":{"tableId":"Firms"}}]}`, 200, `null`},
		{"renamed, derived names follow", "GET", "/tables", nil, 200, `{"tables":[` + tableJSON(1, "Firms", "firm", "firms") + "," + people + `]}`},
		{"references follow", "GET", "/tables/People/columns", nil, 200,
			columnsJSON(col{id: "name", typ: "Text"}, col{id: "age", typ: "Int"}, col{id: "company", typ: "Ref:Firms"})},
		{"data follows", "GET", "/tables/Firms/records", nil, 200, `{"records":[
			{"id":1,"fields":{"name":"Acme","country":"FR"}},{"id":2,"fields":{"name":"Globex","country":"US"}}]}`},
		{"old id gone", "GET", "/tables/Companies/records", nil, 404, errJSON(`Table not found "Companies"`)},
		{"typed refs name the new table", "GET", "/tables/People/records?cellFormat=typed&limit=1", nil, 200, ""},
		{"rename sanitized against a clash", "PATCH", "/tables", `{"tables":[{"id":"Firms","fields":{"tableId":"people"}}]}`, 200, `null`},
		{"clash got a suffix", "GET", "/tables", nil, 200, `{"tables":[` + tableJSON(1, "People2", "people2", "people2List") + "," + people + `]}`},
		{"rename back", "PATCH", "/tables", `{"tables":[{"id":"People2","fields":{"tableId":"Firms"}}]}`, 200, `null`},
		{"GraphQL names", "PATCH", "/tables", `{"tables":[{"id":"People","fields":{"nameSingular":"human","namePlural":"humans"}}]}`, 200, `null`},
		{"GraphQL names shown", "GET", "/tables", nil, 200, `{"tables":[` + tableJSON(1, "Firms", "firm", "firms") + "," +
			tableJSON(2, "People", "human", "humans") + `]}`},
		{"GraphQL name clash", "PATCH", "/tables", `{"tables":[{"id":"Firms","fields":{"namePlural":"humans"}}]}`, 400,
			errJSON(`GraphQL name "humans" of table Firms is already used by table People; set nameSingular and namePlural`)},
		{"GraphQL names must differ", "PATCH", "/tables", `{"tables":[{"id":"Firms","fields":{"nameSingular":"x","namePlural":"x"}}]}`, 400,
			errJSON(`nameSingular and namePlural of table Firms must differ (both "x")`)},
		{"invalid GraphQL name", "PATCH", "/tables", `{"tables":[{"id":"Firms","fields":{"nameSingular":"1x"}}]}`, 400,
			errJSON(`"1x" cannot be a GraphQL name (table Firms): use letters, digits and '_', not starting with a digit, and not a reserved name`)},
		{"custom names survive a rename", "PATCH", "/tables", `{"tables":[{"id":"People","fields":{"tableId":"Persons"}}]}`, 200, `null`},
		{"custom names kept", "GET", "/tables", nil, 200, `{"tables":[` + tableJSON(1, "Firms", "firm", "firms") + "," +
			tableJSON(2, "Persons", "human", "humans") + `]}`},
		{"names and rename together", "PATCH", "/tables", `{"tables":[{"id":"Persons","fields":{"tableId":"People","nameSingular":"person","namePlural":"people"}}]}`, 200, `null`},
		{"both applied", "GET", "/tables", nil, 200, `{"tables":[` + tableJSON(1, "Firms", "firm", "firms") + "," + people + `]}`},
		{"empty change of a known table", "PATCH", "/tables", `{"tables":[{"id":"People","fields":{}}]}`, 200, `null`},
		{"unknown table", "PATCH", "/tables", `{"tables":[{"id":"Nope","fields":{"tableId":"Y"}}]}`, 404, errJSON(`Table not found "Nope"`)},
		{"unknown table among several", "PATCH", "/tables", `{"tables":[{"id":"Firms","fields":{"tableId":"X"}},{"id":"Nope","fields":{"tableId":"Y","nameSingular":"y"}}]}`, 404, errJSON(`Table not found "Nope"`)},
		{"nothing renamed", "GET", "/tables", nil, 200, `{"tables":[` + tableJSON(1, "Firms", "firm", "firms") + "," + people + `]}`},
		{"id missing", "PATCH", "/tables", `{"tables":[{"fields":{"tableId":"Y"}}]}`, 400, payloadErr("table id is missing")},
		{"delete", "DELETE", "/tables/Firms", nil, 200, `null`},
		{"deleted", "GET", "/tables/Firms/records", nil, 404, errJSON(`Table not found "Firms"`)},
		{"references become Int, ids kept", "GET", "/tables/People/columns", nil, 200,
			columnsJSON(col{id: "name", typ: "Text"}, col{id: "age", typ: "Int"}, col{id: "company", typ: "Int"})},
		{"ids kept", "GET", "/tables/People/data", nil, 200, `{"id":[1,2,3],"manualSort":[1,2,3],"name":["Ann","Bob","Cy"],"age":[30,41,25],"company":[1,2,1]}`},
		{"delete unknown", "DELETE", "/tables/Firms", nil, 404, errJSON(`Table not found "Firms"`)},
		{"list after delete", "GET", "/tables", nil, 200, `{"tables":[` + tableJSON(1, "People", "person", "people") + `]}`},
	})
}

// Every route on an unknown table is 404 with Grist's message.
func TestUnknownTable(t *testing.T) {
	e := newEnv(t, core.Limits{})
	e.people()
	before := e.lastSeq()
	msg := `Table not found "Nope"`
	for _, s := range []step{
		{"records", "GET", "/tables/Nope/records", nil, 404, errJSON(msg)},
		{"records/list", "POST", "/tables/Nope/records/list", `{}`, 404, errJSON(msg)},
		{"data", "GET", "/tables/Nope/data", nil, 404, errJSON(msg)},
		{"columns", "GET", "/tables/Nope/columns", nil, 404, errJSON(msg)},
		{"add records", "POST", "/tables/Nope/records", `{"records":[{}]}`, 404, errJSON(msg)},
		{"update records", "PATCH", "/tables/Nope/records", `{"records":[{"id":1,"fields":{}}]}`, 404, errJSON(msg)},
		{"upsert records", "PUT", "/tables/Nope/records", `{"records":[{"require":{"a":1}}]}`, 404, errJSON(msg)},
		{"delete records", "POST", "/tables/Nope/records/delete", `[1]`, 404, errJSON(msg)},
		{"add data", "POST", "/tables/Nope/data", `{"a":[1]}`, 404, errJSON(msg)},
		{"update data", "PATCH", "/tables/Nope/data", `{"id":[1],"a":[1]}`, 404, errJSON(msg)},
		{"delete data", "POST", "/tables/Nope/data/delete", `[1]`, 404, errJSON(msg)},
		{"add columns", "POST", "/tables/Nope/columns", `{"columns":[{"id":"a"}]}`, 404, errJSON(msg)},
		{"update columns", "PATCH", "/tables/Nope/columns", `{"columns":[{"id":"a","fields":{}}]}`, 404, errJSON(msg)},
		{"put columns", "PUT", "/tables/Nope/columns", `{"columns":[{"id":"a"}]}`, 404, errJSON(msg)},
		{"delete column", "DELETE", "/tables/Nope/columns/a", nil, 404, errJSON(`Table or column not found "Nope.a"`)},
		{"delete table", "DELETE", "/tables/Nope", nil, 404, errJSON(msg)},
		{"apply", "POST", "/apply", `[["AddRecord","Nope",null,{}]]`, 404, errJSON(msg)},
	} {
		e.run([]step{s})
	}
	if got := e.lastSeq(); got != before {
		t.Fatalf("outbox moved from %d to %d", before, got)
	}
}

func TestColumns(t *testing.T) {
	e := newEnv(t, core.Limits{})
	e.people()
	e.run([]step{
		{"add", "POST", "/tables/People/columns", `{"columns":[
			{"id":"score","fields":{"type":"Numeric","label":"Score","description":"how good","widgetOptions":{"decimals":2}}},
			{"fields":{"label":"Full name"}},
			{"id":"email","fields":{"isUnique":true}},
			{"id":"boss","fields":{"type":"Ref:Companies","reverseCol":"staff"}},
			{},
			{"id":"name"},
			{"id":"when","fields":{"type":"Date","widgetOptions":"{\"dateFormat\":\"YYYY\"}"}}]}`, 200,
			`{"columns":[{"id":"score"},{"id":"Full_name"},{"id":"email"},{"id":"boss"},{"id":"A"},{"id":"name2"},{"id":"when"}]}`},
		{"listed", "GET", "/tables/People/columns", nil, 200, columnsJSON(append(peopleCols[:3:3],
			col{id: "score", typ: "Numeric", label: "Score", description: "how good", widgetOptions: `{"decimals":2}`},
			col{id: "Full_name", typ: "Text", label: "Full name"},
			col{id: "email", typ: "Text", isUnique: true},
			col{id: "boss", typ: "Ref:Companies", reverseCol: "staff"},
			col{id: "A", typ: "Text"},
			col{id: "name2", typ: "Text"},
			col{id: "when", typ: "Date", widgetOptions: `{"dateFormat":"YYYY"}`})...)},
		{"reverse side", "GET", "/tables/Companies/columns", nil, 200, columnsJSON(append(companiesCols[:2:2],
			col{id: "staff", typ: "RefList:People", reverseCol: "boss"})...)},
		{"set a reference", "PATCH", "/tables/People/records", `{"records":[{"id":1,"fields":{"boss":2}},{"id":3,"fields":{"boss":2}}]}`, 200, `null`},
		{"reverse computed", "GET", "/tables/Companies/records", nil, 200, `{"records":[
			{"id":1,"fields":{"name":"Acme","country":"FR","staff":null}},
			{"id":2,"fields":{"name":"Globex","country":"US","staff":["L",1,3]}}]}`},
		{"reverse not writable", "PATCH", "/tables/Companies/records", `{"records":[{"id":1,"fields":{"staff":["L",2]}}]}`, 400,
			errJSON(`Column "staff" is the reverse side of a two-way reference: set People.boss instead`)},
		{"unique on Bool refused", "POST", "/tables/People/columns", `{"columns":[{"id":"f","fields":{"type":"Bool","isUnique":true}}]}`, 400,
			errJSON(`isUnique is not supported on Bool columns (column "f")`)},
		{"reverseCol needs a Ref", "POST", "/tables/People/columns", `{"columns":[{"id":"f","fields":{"type":"Int","reverseCol":"x"}}]}`, 400,
			errJSON(`reverseCol needs a Ref column; "f" is Int`)},
		{"Ref to an unknown table", "POST", "/tables/People/columns", `{"columns":[{"id":"f","fields":{"type":"Ref:Nope"}}]}`, 400,
			errJSON(`column type Ref:Nope refers to an unknown table "Nope"`)},
		{"formula refused", "POST", "/tables/People/columns", `{"columns":[{"id":"f","fields":{"isFormula":true,"formula":"$name"}}]}`, 400,
			payloadErr("formula columns are not supported: Rowhouse stores data columns only")},
		{"formula text refused", "POST", "/tables/People/columns", `{"columns":[{"id":"f","fields":{"formula":"$name"}}]}`, 400,
			payloadErr("formula columns are not supported: Rowhouse stores data columns only")},
		{"formula refused on PATCH", "PATCH", "/tables/People/columns", `{"columns":[{"id":"name","fields":{"isFormula":true,"formula":"1"}}]}`, 400,
			payloadErr("formula columns are not supported: Rowhouse stores data columns only")},
		{"formula refused on PUT", "PUT", "/tables/People/columns", `{"columns":[{"id":"zz","fields":{"formula":"1"}}]}`, 400,
			payloadErr("formula columns are not supported: Rowhouse stores data columns only")},
		{"isFormula false is fine", "POST", "/tables/People/columns", `{"columns":[{"id":"plain","fields":{"isFormula":false,"formula":""}}]}`, 200, `{"columns":[{"id":"plain"}]}`},
		{"columns missing", "POST", "/tables/People/columns", `{}`, 400, payloadErr("columns is missing")},
		{"reverseCol on PATCH", "PATCH", "/tables/People/columns", `{"columns":[{"id":"boss","fields":{"reverseCol":"x"}}]}`, 400,
			payloadErr("reverseCol can only be set when a column is added")},
		{"delete", "DELETE", "/tables/People/columns/plain", nil, 200, `null`},
		{"delete unknown", "DELETE", "/tables/People/columns/plain", nil, 404, errJSON(`Table or column not found "People.plain"`)},
		{"delete the Ref drops the reverse", "DELETE", "/tables/People/columns/boss", nil, 200, `null`},
		{"reverse gone", "GET", "/tables/Companies/columns", nil, 200, columnsJSON(companiesCols...)},
	})
}

func TestColumnsModify(t *testing.T) {
	e := newEnv(t, core.Limits{})
	e.people()
	e.setup(`[["AddRecord","People",null,{"name":"Ann","age":"abc"}]]`)
	e.run([]step{
		{"label", "PATCH", "/tables/People/columns", `{"columns":[{"id":"name","fields":{"label":"Name","description":"who"}}]}`, 200, `null`},
		{"label shown", "GET", "/tables/People/columns", nil, 200, columnsJSON(
			col{id: "name", typ: "Text", label: "Name", description: "who"}, peopleCols[1], peopleCols[2])},
		{"Int to Text", "PATCH", "/tables/People/columns", `{"columns":[{"id":"age","fields":{"type":"Text"}}]}`, 200, `null`},
		{"as text", "GET", "/tables/People/data", nil, 200, `{"id":[1,2,3,4],"manualSort":[1,2,3,4],"name":["Ann","Bob","Cy","Ann"],"age":["30","41","25","abc"],"company":[1,2,1,0]}`},
		{"Text to Int", "PATCH", "/tables/People/columns", `{"columns":[{"id":"age","fields":{"type":"Int"}}]}`, 200, `null`},
		{"back to numbers, abc kept", "GET", "/tables/People/data", nil, 200, `{"id":[1,2,3,4],"manualSort":[1,2,3,4],"name":["Ann","Bob","Cy","Ann"],"age":[30,41,25,"abc"],"company":[1,2,1,0]}`},
		{"type shown", "GET", "/tables/People/columns", nil, 200, columnsJSON(
			col{id: "name", typ: "Text", label: "Name", description: "who"}, peopleCols[1], peopleCols[2])},
		{"Int to Numeric", "PATCH", "/tables/People/columns", `{"columns":[{"id":"age","fields":{"type":"Numeric"}}]}`, 200, `null`},
		{"as numeric", "GET", "/tables/People/data", nil, 200, `{"id":[1,2,3,4],"manualSort":[1,2,3,4],"name":["Ann","Bob","Cy","Ann"],"age":[30,41,25,"abc"],"company":[1,2,1,0]}`},
		{"rename", "PATCH", "/tables/People/columns", `{"columns":[{"id":"age","fields":{"colId":"years","type":"Int"}}]}`, 200, `null`},
		{"renamed, wrong value follows", "GET", "/tables/People/data", nil, 200, `{"id":[1,2,3,4],"manualSort":[1,2,3,4],"name":["Ann","Bob","Cy","Ann"],"years":[30,41,25,"abc"],"company":[1,2,1,0]}`},
		{"filter on the new id", "GET", "/tables/People/records?filter=" + qs(`{"years":[41]}`), nil, 200, `{"records":[{"id":2,"fields":{"name":"Bob","years":41,"company":2}}]}`},
		{"old id gone", "GET", "/tables/People/records?filter=" + qs(`{"age":[41]}`), nil, 400, errJSON(`Invalid column "age" in table People`)},
		{"rename to a taken id", "PATCH", "/tables/People/columns", `{"columns":[{"id":"years","fields":{"colId":"name"}}]}`, 200, `null`},
		{"got a suffix", "GET", "/tables/People/columns", nil, 200, columnsJSON(
			col{id: "name", typ: "Text", label: "Name", description: "who"}, col{id: "name2", typ: "Int", label: "age"}, peopleCols[2])},
		{"unique with duplicates", "PATCH", "/tables/People/columns", `{"columns":[{"id":"name","fields":{"isUnique":true}}]}`, 400,
			errJSON(`Column "name" cannot be made unique: it holds duplicate values`)},
		{"still not unique", "GET", "/tables/People/columns", nil, 200, columnsJSON(
			col{id: "name", typ: "Text", label: "Name", description: "who"}, col{id: "name2", typ: "Int", label: "age"}, peopleCols[2])},
		{"remove the duplicate", "POST", "/tables/People/records/delete", `[4]`, 200, `null`},
		{"unique now", "PATCH", "/tables/People/columns", `{"columns":[{"id":"name","fields":{"isUnique":true}}]}`, 200, `null`},
		{"duplicate refused", "POST", "/tables/People/records", `{"records":[{"fields":{"name":"Bob"}}]}`, 400, errJSON(`Duplicate value in unique column "name"`)},
		{"blanks are not duplicates", "POST", "/tables/People/records", `{"records":[{},{}]}`, 200, `{"records":[{"id":5},{"id":6}]}`},
		{"unknown column", "PATCH", "/tables/People/columns", `{"columns":[{"id":"nope","fields":{"label":"x"}}]}`, 404, errJSON(`Column not found "nope"`)},
		{"id missing", "PATCH", "/tables/People/columns", `{"columns":[{"fields":{"label":"x"}}]}`, 400, payloadErr("column id is missing")},
		{"bad type", "PATCH", "/tables/People/columns", `{"columns":[{"id":"name","fields":{"type":"Nope"}}]}`, 400, errJSON(`unknown column type "Nope"`)},
	})
}

func TestColumnsPut(t *testing.T) {
	e := newEnv(t, core.Limits{})
	e.people()
	e.run([]step{
		{"noadd", "PUT", "/tables/People/columns?noadd=1", `{"columns":[{"id":"zz","fields":{"label":"x"}},{"id":"name","fields":{"label":"N"}}]}`, 200, `null`},
		{"updated only", "GET", "/tables/People/columns", nil, 200, columnsJSON(col{id: "name", typ: "Text", label: "N"}, peopleCols[1], peopleCols[2])},
		{"noupdate", "PUT", "/tables/People/columns?noupdate=1", `{"columns":[{"id":"zz","fields":{"label":"Z","type":"Bool"}},{"id":"name","fields":{"label":"M"}}]}`, 200, `null`},
		{"added only", "GET", "/tables/People/columns", nil, 200, columnsJSON(col{id: "name", typ: "Text", label: "N"}, peopleCols[1], peopleCols[2], col{id: "zz", typ: "Bool", label: "Z"})},
		{"add and update", "PUT", "/tables/People/columns", `{"columns":[{"id":"yy","fields":{"type":"Int"}},{"id":"age","fields":{"label":"Age"}}]}`, 200, `null`},
		{"both", "GET", "/tables/People/columns", nil, 200, columnsJSON(col{id: "name", typ: "Text", label: "N"}, col{id: "age", typ: "Int", label: "Age"},
			peopleCols[2], col{id: "zz", typ: "Bool", label: "Z"}, col{id: "yy", typ: "Int"})},
		{"replaceall", "PUT", "/tables/People/columns?replaceall=1", `{"columns":[{"id":"zz","fields":{"label":"Zed"}},{"id":"name"}]}`, 200, `null`},
		{"others removed", "GET", "/tables/People/columns", nil, 200, columnsJSON(col{id: "name", typ: "Text", label: "N"}, col{id: "zz", typ: "Bool", label: "Zed"})},
		{"values of the kept columns", "GET", "/tables/People/records", nil, 200, `{"records":[
			{"id":1,"fields":{"name":"Ann","zz":false}},{"id":2,"fields":{"name":"Bob","zz":false}},{"id":3,"fields":{"name":"Cy","zz":false}}]}`},
		{"id missing", "PUT", "/tables/People/columns", `{"columns":[{"fields":{"label":"x"}}]}`, 400, payloadErr("column id is missing")},
	})
}

// qs escapes a query-string value.
func qs(s string) string { return url.QueryEscape(s) }

// filterFixture adds to people() a ChoiceList column and rows with empty
// and odd values:
//
//	1 Ann     30  Acme    [a b]
//	2 Bob     41  Globex  [b]
//	3 Cy      25  Acme    null
//	4 ""      null  0     [c]
//	5 ann_x%  30  Globex  null
func filterFixture(e *env) {
	e.t.Helper()
	e.people()
	e.setup(`[
		["AddColumn", "People", "tags", {"type":"ChoiceList"}],
		["BulkUpdateRecord", "People", [1,2], {"tags":[["L","a","b"],["L","b"]]}],
		["BulkAddRecord", "People", [null,null], {"name":["","ann_x%"], "age":[null,30], "company":[0,2], "tags":[["L","c"],null]}]
	]`)
}

// ids reads the ids a records query answers, in order.
func (e *env) ids(table, query string) []int64 {
	e.t.Helper()
	var out []int64
	for _, r := range e.records(table, query) {
		n, err := r.(map[string]any)["id"].(json.Number).Int64()
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func TestRecordsFilters(t *testing.T) {
	e := newEnv(t, core.Limits{})
	filterFixture(e)
	for _, c := range []struct {
		filter string
		want   []int64
	}{
		// Grist's JSON form.
		{``, []int64{1, 2, 3, 4, 5}},
		{`{}`, []int64{1, 2, 3, 4, 5}},
		{`{"name":["Ann","Cy"]}`, []int64{1, 3}},
		{`{"name":["Ann"],"age":[30]}`, []int64{1}},
		{`{"age":[30,25]}`, []int64{1, 3, 5}},
		{`{"age":["30"]}`, []int64{1, 5}},
		{`{"age":[null]}`, []int64{4}},
		{`{"name":[]}`, nil},
		{`{"company":[1]}`, []int64{1, 3}},
		{`{"id":[2,4]}`, []int64{2, 4}},
		// Expressions: every operator.
		{`name[eq]:Ann`, []int64{1}},
		{`name[eq]:"Ann"`, []int64{1}},
		{`name[neq]:Ann`, []int64{2, 3, 4, 5}},
		{`age[neq]:30`, []int64{2, 3, 4}},
		{`age[eq]:null`, []int64{4}},
		{`age[neq]:null`, []int64{1, 2, 3, 5}},
		{`name[in]:[Ann,Bob]`, []int64{1, 2}},
		{`age[in]:[25,null]`, []int64{3, 4}},
		{`age[gt]:30`, []int64{2}},
		{`age[gte]:30`, []int64{1, 2, 5}},
		{`age[lt]:30`, []int64{3}},
		{`age[lte]:30`, []int64{1, 3, 5}},
		{`name[like]:A%`, []int64{1}},
		{`name[like]:%n`, []int64{1}},
		{`name[ilike]:a%`, []int64{1, 5}},
		{`name[startsWith]:ann_`, []int64{5}},
		{`name[startsWith]:an`, []int64{5}},
		{`name[endsWith]:x%`, []int64{5}},
		{`name[endsWith]:%`, []int64{5}},
		{`name[is]:NULL`, []int64{4}},
		{`name[is]:NOT_NULL`, []int64{1, 2, 3, 5}},
		{`age[is]:NULL`, []int64{4}},
		{`company[is]:NULL`, []int64{4}},
		{`tags[is]:NULL`, []int64{3, 5}},
		{`tags[containsAny]:[a,c]`, []int64{1, 4}},
		{`tags[containsAny]:[b]`, []int64{1, 2}},
		{`tags[containsAny]:[z]`, nil},
		{`id[gt]:3`, []int64{4, 5}},
		// Groups.
		{`age[gte]:30,company[eq]:2`, []int64{2, 5}},
		{`and(age[gte]:30,company[eq]:2)`, []int64{2, 5}},
		{`or(name[eq]:Cy,age[gt]:40)`, []int64{2, 3}},
		{`not(age[eq]:30)`, []int64{2, 3, 4}},
		{`or(and(age[eq]:30,company[eq]:1),not(or(age[lte]:30,age[is]:NULL)))`, []int64{1, 2}},
		{`and()`, []int64{1, 2, 3, 4, 5}},
		{`or()`, nil},
		// Dotted paths through a Ref.
		{`company.country[eq]:"FR"`, []int64{1, 3}},
		{`company.country[neq]:FR`, []int64{2, 5}},
		{`company.name[startsWith]:Glo`, []int64{2, 5}},
		{`company.id[eq]:2`, []int64{2, 5}},
		{`not(company.country[eq]:FR)`, []int64{2, 4, 5}},
	} {
		q := ""
		if c.filter != "" {
			q = "?filter=" + qs(c.filter)
		}
		if got := e.ids("People", q); !reflect.DeepEqual(got, c.want) {
			t.Errorf("filter %s: ids %v, want %v", c.filter, got, c.want)
		}
		// The same filter in a records/list body.
		body := map[string]any{}
		if c.filter != "" {
			if c.filter[0] == '{' {
				body["filter"] = json.RawMessage(c.filter)
			} else {
				body["filter"] = c.filter
			}
		}
		v := e.mustJSON("POST", "/tables/People/records/list", body, 200)
		var got []int64
		for _, r := range v.(map[string]any)["records"].([]any) {
			n, _ := r.(map[string]any)["id"].(json.Number).Int64()
			got = append(got, n)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("records/list filter %s: ids %v, want %v", c.filter, got, c.want)
		}
	}
	for _, c := range []struct{ filter, msg string }{
		{`{"name":"Ann"}`, "Invalid query: filter values must be arrays"},
		{`{"name":{"a":1}}`, "Invalid query: filter values must be arrays"},
		{`{"name":[["Ann"]]}`, `Invalid query: filter value 0 of column "name" must be a string, number, boolean or null`},
		{`{"nope":["Ann"]}`, `Invalid column "nope" in table People`},
		{`{bad`, "Invalid query: filter is not a valid JSON object"},
		{`nope[eq]:1`, `Invalid column "nope" in table People`},
		{`name.country[eq]:1`, `People.name is not a Ref column: cannot filter by name.country`},
		{`company.nope[eq]:1`, `Invalid column "nope" in table Companies`},
		{`name[bogus]:1`, `invalid filter at offset 5: unknown operator "bogus"; expected one of eq, neq, in, gt, gte, lt, lte, like, ilike, startsWith, endsWith, is, containsAny`},
		{`tags[eq]:a`, `use containsAny to filter the list column "tags"`},
		{`age[like]:3%`, `like needs a text column; "age" is Int`},
		{`name[containsAny]:[a]`, `containsAny needs a list column; "name" is Text`},
	} {
		e.expectErr("GET", "/tables/People/records?filter="+qs(c.filter), nil, 400, c.msg)
	}
}

func TestRecordsSortLimitHidden(t *testing.T) {
	e := newEnv(t, core.Limits{MaxPage: 50})
	filterFixture(e)
	for _, c := range []struct {
		query string
		hdr   []string
		want  []int64
	}{
		{"?sort=age", nil, []int64{4, 3, 1, 5, 2}},
		{"?sort=-age", nil, []int64{2, 1, 5, 3, 4}},
		{"?sort=age,-name", nil, []int64{4, 3, 5, 1, 2}},
		{"?sort=-age,name", nil, []int64{2, 1, 5, 3, 4}},
		{"?sort=company,-id", nil, []int64{4, 3, 1, 5, 2}},
		{"?sort=-id", nil, []int64{5, 4, 3, 2, 1}},
		{"?sort=company.country,name", nil, []int64{4, 1, 3, 2, 5}},
		{"?sort=name&limit=2", nil, []int64{4, 1}},
		{"?limit=0", nil, []int64{1, 2, 3, 4, 5}},
		{"", []string{"X-Sort", "-age,name"}, []int64{2, 1, 5, 3, 4}},
		{"", []string{"X-Limit", "3"}, []int64{1, 2, 3}},
		{"", []string{"X-Sort", "-id", "X-Limit", "2"}, []int64{5, 4}},
		{"?sort=id", []string{"X-Sort", "-id"}, []int64{1, 2, 3, 4, 5}}, // the query string wins
	} {
		v := e.mustJSON("GET", "/tables/People/records"+c.query, nil, 200, c.hdr...)
		var got []int64
		for _, r := range v.(map[string]any)["records"].([]any) {
			n, _ := r.(map[string]any)["id"].(json.Number).Int64()
			got = append(got, n)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %v: ids %v, want %v", c.query, c.hdr, got, c.want)
		}
	}
	e.run([]step{
		{"sort in records/list", "POST", "/tables/People/records/list", `{"sort":["-age","name"],"limit":2}`, 200, ""},
		{"limit above the maximum", "GET", "/tables/People/records?limit=51", nil, 400, errJSON("limit 51 is above the maximum page size 50")},
		{"limit above the maximum in the body", "POST", "/tables/People/records/list", `{"limit":51}`, 400, errJSON("limit 51 is above the maximum page size 50")},
		{"limit at the maximum", "GET", "/tables/People/records?limit=50", nil, 200, ""},
		{"negative limit", "GET", "/tables/People/records?limit=-1", nil, 400, errJSON(`invalid limit "-1": expected a non-negative integer`)},
		{"bad limit", "GET", "/tables/People/records?limit=x", nil, 400, errJSON(`invalid limit "x": expected a non-negative integer`)},
		{"sort by an unknown column", "GET", "/tables/People/records?sort=nope", nil, 400, errJSON(`Invalid column "nope" in table People`)},
		{"bad cellFormat", "GET", "/tables/People/records?cellFormat=bogus", nil, 400, errJSON(`cellFormat must be normal or typed, not "bogus"`)},
		{"unknown body property", "POST", "/tables/People/records/list", `{"bogus":1}`, 400, payloadErr(`unknown property "bogus"`)},
		{"bad sort type", "POST", "/tables/People/records/list", `{"sort":5}`, 400, payloadErr("sort must be a string or an array of strings")},
		{"hidden", "GET", "/tables/People/records?hidden=1&filter=" + qs(`{"id":[1]}`), nil, 200, `{"records":[{"id":1,"fields":{
			"name":"Ann","age":30,"company":1,"tags":["L","a","b"],"manualSort":1,"createdAt":1700000000,"updatedAt":1700000000}}]}`},
		{"hidden=0", "GET", "/tables/People/records?hidden=0&filter=" + qs(`{"id":[1]}`), nil, 200, `{"records":[{"id":1,"fields":{
			"name":"Ann","age":30,"company":1,"tags":["L","a","b"]}}]}`},
		{"hidden in the body", "POST", "/tables/People/records/list", `{"hidden":true,"filter":{"id":[2]}}`, 200, `{"records":[{"id":2,"fields":{
			"name":"Bob","age":41,"company":2,"tags":["L","b"],"manualSort":2,"createdAt":1700000000,"updatedAt":1700000000}}]}`},
		{"count", "GET", "/tables/People/records?limit=2&count=1&filter=" + qs(`age[gte]:30`), nil, 200, ""},
	})
	v := e.mustJSON("GET", "/tables/People/records?limit=2&count=1&filter="+qs(`age[gte]:30`), nil, 200).(map[string]any)
	if v["totalCount"] != json.Number("3") || len(v["records"].([]any)) != 2 {
		t.Fatalf("count: %s", canon(v))
	}
	if _, ok := e.mustJSON("GET", "/tables/People/records?count=1", nil, 200).(map[string]any)["pageInfo"]; ok {
		t.Fatal("pageInfo without a limit")
	}
	if v := e.mustJSON("GET", "/tables/People/records?count=1", nil, 200).(map[string]any); v["totalCount"] != json.Number("5") {
		t.Fatalf("count without limit: %s", canon(v))
	}
	if v := e.mustJSON("GET", "/tables/People/records", nil, 200).(map[string]any); len(v) != 1 {
		t.Fatalf("a plain read has only records: %s", canon(v))
	}
}

func TestRecordsTypedFormat(t *testing.T) {
	e := newEnv(t, core.Limits{})
	e.people()
	e.setup(`[
		["AddTable", "V", [{"id":"d","type":"Date"}, {"id":"dt","type":"DateTime:America/New_York"}, {"id":"r","type":"Ref:People"},
			{"id":"rl","type":"RefList:People"}, {"id":"cl","type":"ChoiceList"}, {"id":"n","type":"Int"}]],
		["AddRecord", "V", null, {"d":"2024-01-31", "dt":"2024-01-31T10:00", "r":2, "rl":["L",1,3], "cl":["L","x","y"], "n":7}],
		["AddRecord", "V", null, {}]
	]`)
	e.run([]step{
		{"typed", "GET", "/tables/V/records?cellFormat=typed", nil, 200, `{"records":[
			{"id":1,"fields":{"d":["d",1706659200],"dt":["D",1706713200,"America/New_York"],"r":["R","People",2],"rl":["r","People",[1,3]],"cl":["L","x","y"],"n":7}},
			{"id":2,"fields":{"d":null,"dt":null,"r":["R","People",0],"rl":null,"cl":null,"n":0}}]}`},
		{"normal", "GET", "/tables/V/records?cellFormat=normal", nil, 200, `{"records":[
			{"id":1,"fields":{"d":1706659200,"dt":1706713200,"r":2,"rl":["L",1,3],"cl":["L","x","y"],"n":7}},
			{"id":2,"fields":{"d":null,"dt":null,"r":0,"rl":null,"cl":null,"n":0}}]}`},
		{"typed in records/list", "POST", "/tables/V/records/list", `{"cellFormat":"typed","filter":{"id":[1]}}`, 200, `{"records":[
			{"id":1,"fields":{"d":["d",1706659200],"dt":["D",1706713200,"America/New_York"],"r":["R","People",2],"rl":["r","People",[1,3]],"cl":["L","x","y"],"n":7}}]}`},
		{"typed values written back", "PATCH", "/tables/V/records", `{"records":[{"id":2,"fields":{"d":["d",1706659200],"dt":["D",1706713200,"America/New_York"],"r":["R","People",2],"rl":["r","People",[1,3]],"cl":["L","x","y"],"n":7}}]}`, 200, `null`},
		{"read the same", "GET", "/tables/V/data", nil, 200, `{"id":[1,2],"manualSort":[1,2],"d":[1706659200,1706659200],"dt":[1706713200,1706713200],
			"r":[2,2],"rl":[["L",1,3],["L",1,3]],"cl":[["L","x","y"],["L","x","y"]],"n":[7,7]}`},
	})
}

// pageRow is one row of the pagination fixture, with nil for empty cells.
type pageRow struct {
	id  int64
	cat *string
	n   *int64
}

// paginationFixture adds table P with 250 rows whose sort keys repeat and
// are often empty: cat cycles through null, "", "a", "b" and n through
// null, 1, 2 with another period.
func paginationFixture(e *env) []pageRow {
	e.t.Helper()
	e.setup(`[["AddTable", "P", [{"id":"cat"}, {"id":"n","type":"Int"}]]]`)
	cats := []any{nil, "", "a", "b"}
	ns := []any{nil, 1, 2, 1, nil}
	var cat, n, idsIn []any
	var rows []pageRow
	for i := range 250 {
		c, v := cats[(i*7)%4], ns[i%5]
		cat, n, idsIn = append(cat, c), append(n, v), append(idsIn, nil)
		r := pageRow{id: int64(i + 1)}
		if s, ok := c.(string); ok {
			r.cat = &s
		}
		if x, ok := v.(int); ok {
			y := int64(x)
			r.n = &y
		}
		rows = append(rows, r)
	}
	b, _ := json.Marshal([]any{[]any{"BulkAddRecord", "P", idsIn, map[string]any{"cat": cat, "n": n}}})
	e.setup(string(b))
	return rows
}

// cmpNullable orders empty values first, as an ascending sort does.
func cmpNullable[T int64 | string](a, b *T) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	case *a < *b:
		return -1
	case *a > *b:
		return 1
	}
	return 0
}

// expectedOrder sorts rows by keys like "cat" or "-n", then by id.
func expectedOrder(rows []pageRow, keys []string) []int64 {
	sorted := append([]pageRow(nil), rows...)
	cmp := func(a, b pageRow) int {
		for _, k := range keys {
			desc := strings.HasPrefix(k, "-")
			var c int
			switch strings.TrimPrefix(k, "-") {
			case "cat":
				c = cmpNullable(a.cat, b.cat)
			case "n":
				c = cmpNullable(a.n, b.n)
			case "id":
				c = cmpNullable(&a.id, &b.id)
			}
			if desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmpNullable(&a.id, &b.id)
	}
	// Insertion sort: small, stable and obviously right.
	for i := 1; i < len(sorted); i++ {
		for j := i; j > 0 && cmp(sorted[j-1], sorted[j]) > 0; j-- {
			sorted[j-1], sorted[j] = sorted[j], sorted[j-1]
		}
	}
	ids := make([]int64, len(sorted))
	for i, r := range sorted {
		ids[i] = r.id
	}
	return ids
}

type page struct {
	ids  []int64
	info map[string]any
}

// readPage reads one page; cursorParam is "starting_after=..." or
// "ending_before=..." or "". With viaList the read is a records/list POST.
func (e *env) readPage(sort string, limit int, cursorParam string, viaList bool) page {
	e.t.Helper()
	var v any
	if viaList {
		body := map[string]any{"sort": strings.Split(sort, ","), "limit": limit}
		if k, c, ok := strings.Cut(cursorParam, "="); ok {
			body[k] = c
		}
		v = e.mustJSON("POST", "/tables/P/records/list", body, 200)
	} else {
		q := fmt.Sprintf("?sort=%s&limit=%d", qs(sort), limit)
		if cursorParam != "" {
			q += "&" + cursorParam
		}
		v = e.mustJSON("GET", "/tables/P/records"+q, nil, 200)
	}
	m := v.(map[string]any)
	var p page
	for _, r := range m["records"].([]any) {
		n, _ := r.(map[string]any)["id"].(json.Number).Int64()
		p.ids = append(p.ids, n)
	}
	p.info, _ = m["pageInfo"].(map[string]any)
	if p.info == nil {
		e.t.Fatalf("no pageInfo: %s", canon(v))
	}
	return p
}

func TestRecordsCursorPagination(t *testing.T) {
	e := newEnv(t, core.Limits{})
	rows := paginationFixture(e)
	for _, c := range []struct {
		sort    string
		limit   int
		viaList bool
	}{
		{"cat,-n", 7, false},
		{"-cat,n", 7, false},
		{"n,cat", 10, false},
		{"-n,-cat", 13, true},
		{"-id", 25, false},
		{"cat", 250, false},
		{"n", 1, false},
	} {
		t.Run(c.sort, func(t *testing.T) {
			e := e.forSubtest(t)
			want := expectedOrder(rows, strings.Split(c.sort, ","))
			// The whole read, unpaged, is in the expected order.
			if got := e.ids("P", "?sort="+qs(c.sort)); !reflect.DeepEqual(got, want) {
				t.Fatalf("unpaged order\n got  %v\n want %v", got, want)
			}
			// Forward.
			var fwd []int64
			cursor := ""
			var last page
			for i := 0; ; i++ {
				p := e.readPage(c.sort, c.limit, cursor, c.viaList)
				if p.info["hasPreviousPage"] != (i > 0) {
					t.Fatalf("forward page %d: hasPreviousPage %v", i, p.info["hasPreviousPage"])
				}
				if len(p.ids) > c.limit || (len(p.ids) < c.limit && p.info["hasNextPage"] == true) {
					t.Fatalf("forward page %d: %d rows, pageInfo %v", i, len(p.ids), p.info)
				}
				if len(p.ids) == 0 || p.info["startCursor"] == nil || p.info["endCursor"] == nil {
					t.Fatalf("forward page %d: empty page or no cursors: %v %v", i, p.ids, p.info)
				}
				fwd = append(fwd, p.ids...)
				last = p
				if p.info["hasNextPage"] != true {
					break
				}
				cursor = "starting_after=" + p.info["endCursor"].(string)
				if i > 300 {
					t.Fatal("no end")
				}
			}
			if !reflect.DeepEqual(fwd, want) {
				t.Fatalf("forward pages\n got  %v\n want %v", fwd, want)
			}
			// After the last row there is nothing.
			end := e.readPage(c.sort, c.limit, "starting_after="+last.info["endCursor"].(string), c.viaList)
			if len(end.ids) != 0 || end.info["hasNextPage"] != false || end.info["startCursor"] != nil || end.info["endCursor"] != nil {
				t.Fatalf("past the end: %v %v", end.ids, end.info)
			}
			// Backward, from the last row.
			bwd := []int64{want[len(want)-1]}
			cursor = "ending_before=" + last.info["endCursor"].(string)
			for i := 0; ; i++ {
				p := e.readPage(c.sort, c.limit, cursor, c.viaList)
				if p.info["hasNextPage"] != true {
					t.Fatalf("backward page %d: hasNextPage %v", i, p.info["hasNextPage"])
				}
				if len(p.ids) == 0 && len(bwd) < len(want) {
					t.Fatalf("backward page %d empty", i)
				}
				bwd = append(append([]int64(nil), p.ids...), bwd...)
				if p.info["hasPreviousPage"] != true {
					break
				}
				if len(p.ids) != c.limit {
					t.Fatalf("backward page %d: %d rows with more before", i, len(p.ids))
				}
				cursor = "ending_before=" + p.info["startCursor"].(string)
				if i > 300 {
					t.Fatal("no start")
				}
			}
			if !reflect.DeepEqual(bwd, want) {
				t.Fatalf("backward pages\n got  %v\n want %v", bwd, want)
			}
		})
	}
	first := e.readPage("cat,-n", 5, "", false)
	cur := first.info["endCursor"].(string)
	// A cursor is for the read that made it: another sort or filter is a
	// 400, not a page of some other order.
	anotherRead := errJSON("invalid cursor: it was made for a read with another sort or filter; read the first page again with this sort and filter")
	e.run([]step{
		{"cursor of another sort", "GET", "/tables/P/records?sort=cat&limit=5&starting_after=" + cur, nil, 400, anotherRead},
		{"cursor of another direction", "GET", "/tables/P/records?sort=cat,n&limit=5&starting_after=" + cur, nil, 400, anotherRead},
		{"cursor with a filter added", "GET", "/tables/P/records?sort=cat,-n&limit=5&filter=" + qs(`cat[eq]:"a"`) + "&starting_after=" + cur, nil, 400, anotherRead},
		{"cursor backwards with another sort", "GET", "/tables/P/records?sort=-cat,-n&limit=5&ending_before=" + cur, nil, 400, anotherRead},
		{"cursor in a list body with another sort", "POST", "/tables/P/records/list", map[string]any{"sort": []string{"n"}, "limit": 5, "starting_after": cur}, 400, anotherRead},
		{"cursor of the same read", "GET", "/tables/P/records?sort=" + qs("cat,-n") + "&limit=1&starting_after=" + cur, nil, 200, ""},
		{"the same read through the list body", "POST", "/tables/P/records/list", map[string]any{"sort": []string{"cat", "-n"}, "limit": 1, "starting_after": cur}, 200, ""},
		{"cursor without limit", "GET", "/tables/P/records?sort=cat,-n&starting_after=" + cur, nil, 400, errJSON("a cursor needs a limit")},
		{"both cursors", "GET", "/tables/P/records?sort=cat,-n&limit=5&starting_after=" + cur + "&ending_before=" + cur, nil, 400,
			errJSON("use either starting_after or ending_before, not both")},
		{"garbage cursor", "GET", "/tables/P/records?limit=5&starting_after=garbage", nil, 400, errJSON("invalid cursor in starting_after")},
	})
	// count=1 gives the total whatever the page.
	firstA := e.mustJSON("GET", "/tables/P/records?limit=5&filter="+qs(`cat[eq]:a`)+"&sort=id", nil, 200).(map[string]any)
	v := e.mustJSON("GET", "/tables/P/records?limit=5&count=1&filter="+qs(`cat[eq]:a`)+"&starting_after="+
		firstA["pageInfo"].(map[string]any)["endCursor"].(string)+"&sort=id", nil, 200).(map[string]any)
	var na int64
	for _, r := range rows {
		if r.cat != nil && *r.cat == "a" {
			na++
		}
	}
	if v["totalCount"] != json.Number(fmt.Sprint(na)) {
		t.Fatalf("totalCount %v, want %d", v["totalCount"], na)
	}
}

// offset with limit jumps to a position of the sorted rows (by query
// string and by records/list body), its cursors page on from there, and
// offset without a limit or with a cursor is a 400 naming the mistake.
func TestRecordsOffset(t *testing.T) {
	e := newEnv(t, core.Limits{})
	rows := paginationFixture(e)
	want := expectedOrder(rows, []string{"cat", "-n"})
	ids := func(v any) []int64 {
		var out []int64
		for _, r := range v.(map[string]any)["records"].([]any) {
			n, _ := r.(map[string]any)["id"].(json.Number).Int64()
			out = append(out, n)
		}
		return out
	}
	for _, off := range []int{0, 1, 9, len(want) - 2} {
		v := e.mustJSON("GET", fmt.Sprintf("/tables/P/records?sort=%s&limit=4&offset=%d&count=1", qs("cat,-n"), off), nil, 200)
		if got, w := ids(v), want[off:min(off+4, len(want))]; !reflect.DeepEqual(got, w) {
			t.Fatalf("offset %d: %v, want %v", off, got, w)
		}
		m := v.(map[string]any)
		info := m["pageInfo"].(map[string]any)
		if info["hasPreviousPage"] != (off > 0) || m["totalCount"] != json.Number(fmt.Sprint(len(want))) {
			t.Errorf("offset %d: pageInfo %v, totalCount %v", off, info, m["totalCount"])
		}
		list := e.mustJSON("POST", "/tables/P/records/list", map[string]any{"sort": []string{"cat", "-n"}, "limit": 4, "offset": off}, 200)
		if got := ids(list); !reflect.DeepEqual(got, ids(v)) {
			t.Errorf("records/list offset %d: %v, GET %v", off, got, ids(v))
		}
		if off == 9 { // on by cursor
			next := e.mustJSON("GET", "/tables/P/records?sort="+qs("cat,-n")+"&limit=3&starting_after="+info["endCursor"].(string), nil, 200)
			if got := ids(next); !reflect.DeepEqual(got, want[13:16]) {
				t.Errorf("the page after offset 9: %v, want %v", got, want[13:16])
			}
		}
	}
	cur := e.readPage("cat,-n", 5, "", false).info["endCursor"].(string)
	e.run([]step{
		{"offset without limit", "GET", "/tables/P/records?offset=5", nil, 400, errJSON("offset needs a limit")},
		{"offset with a cursor", "GET", "/tables/P/records?sort=cat,-n&limit=5&offset=5&starting_after=" + cur, nil, 400,
			errJSON("offset cannot be combined with starting_after or ending_before")},
		{"negative offset", "GET", "/tables/P/records?limit=5&offset=-5", nil, 400, errJSON(`invalid offset "-5": expected a non-negative integer`)},
		{"offset in a body without limit", "POST", "/tables/P/records/list", map[string]any{"offset": 3}, 400, errJSON("offset needs a limit")},
	})
}

// A read without a limit returns every row, streamed, as valid JSON.
func TestRecordsStreamLargeRead(t *testing.T) {
	if testing.Short() {
		t.Skip("large read")
	}
	e := newEnv(t, core.Limits{})
	e.setup(`[["AddTable", "Big", [{"id":"s"}, {"id":"n","type":"Numeric"}]]]`)
	const total = 20000
	for start := 0; start < total; start += 10000 {
		ids := make([]any, 10000)
		s := make([]any, 10000)
		n := make([]any, 10000)
		for i := range ids {
			s[i] = fmt.Sprintf("row \"%d\" é\n", start+i)
			n[i] = float64(start+i) / 4
		}
		b, _ := json.Marshal([]any{[]any{"BulkAddRecord", "Big", ids, map[string]any{"s": s, "n": n}}})
		e.setup(string(b))
	}
	res := e.do("GET", "/tables/Big/records", nil)
	if res.status != 200 {
		t.Fatalf("status %d", res.status)
	}
	var out struct {
		Records []struct {
			ID     int64 `json:"id"`
			Fields struct {
				S string  `json:"s"`
				N float64 `json:"n"`
			} `json:"fields"`
		} `json:"records"`
	}
	if err := json.Unmarshal(res.body, &out); err != nil {
		t.Fatalf("invalid JSON: %v", err)
	}
	if len(out.Records) != total {
		t.Fatalf("%d records, want %d", len(out.Records), total)
	}
	for i, r := range out.Records {
		if r.ID != int64(i+1) || r.Fields.S != fmt.Sprintf("row \"%d\" é\n", i) || r.Fields.N != float64(i)/4 {
			t.Fatalf("record %d: %+v", i, r)
		}
	}
	// The legacy read too.
	var data map[string][]any
	if err := json.Unmarshal(e.do("GET", "/tables/Big/data", nil).body, &data); err != nil || len(data["id"]) != total || len(data["s"]) != total {
		t.Fatalf("data: %v, %d ids", err, len(data["id"]))
	}
}

func TestRecordsAdd(t *testing.T) {
	e := newEnv(t, core.Limits{})
	e.people()
	e.setup(`[["AddColumn", "People", "born", {"type":"Date"}], ["AddColumn", "People", "ok", {"type":"Bool"}]]`)
	e.run([]step{
		{"add", "POST", "/tables/People/records", `{"records":[{"fields":{"name":"Dee","age":"42","born":"2024-01-31","ok":"yes"}},{},{"fields":{}}]}`, 200,
			`{"records":[{"id":4},{"id":5},{"id":6}]}`},
		{"parsed, blanks", "GET", "/tables/People/records?filter=" + qs(`id[gte]:4`), nil, 200, `{"records":[
			{"id":4,"fields":{"name":"Dee","age":42,"company":0,"born":1706659200,"ok":true}},
			{"id":5,"fields":{"name":"","age":0,"company":0,"born":null,"ok":false}},
			{"id":6,"fields":{"name":"","age":0,"company":0,"born":null,"ok":false}}]}`},
		// Without parsing, text is still converted as Grist's data engine
		// converts it ("42", ISO dates, "yes"), but not read the way a
		// person types it (separators, spaces).
		{"noparse", "POST", "/tables/People/records?noparse=1", `{"records":[{"fields":{"name":"Eve","age":"1,234","born":" 2024-01-31","ok":" yes"}},
			{"fields":{"age":"42","born":"2024-01-31","ok":"yes"}}]}`, 200, `{"records":[{"id":7},{"id":8}]}`},
		{"kept as given", "GET", "/tables/People/records?filter=" + qs(`{"id":[7,8]}`), nil, 200, `{"records":[
			{"id":7,"fields":{"name":"Eve","age":"1,234","company":0,"born":" 2024-01-31","ok":" yes"}},
			{"id":8,"fields":{"name":"","age":42,"company":0,"born":1706659200,"ok":true}}]}`},
		{"noparse=0 parses", "POST", "/tables/People/records?noparse=0", `{"records":[{"fields":{"age":"1,234","born":" 2024-01-31","ok":" yes"}}]}`, 200, `{"records":[{"id":9}]}`},
		{"parsed with separators", "GET", "/tables/People/records?filter=" + qs(`{"id":[9]}`), nil, 200, `{"records":[
			{"id":9,"fields":{"name":"","age":1234,"company":0,"born":1706659200,"ok":true}}]}`},
		{"empty list", "POST", "/tables/People/records", `{"records":[]}`, 200, `{"records":[]}`},
		{"records missing", "POST", "/tables/People/records", `{}`, 400, payloadErr("records is missing")},
		{"empty body", "POST", "/tables/People/records", ``, 400, payloadErr("records is missing")},
		{"not JSON", "POST", "/tables/People/records", `{"records":`, 400, `{"error":"request body must be JSON","details":{"userError":"malformed JSON: unexpected end of input"}}`},
		{"form-encoded", "POST", "/tables/People/records", `records=1`, 400, `{"error":"request body must be JSON","details":{"userError":"malformed JSON at byte 1: invalid character 'r' looking for beginning of value"}}`},
		{"id given", "POST", "/tables/People/records", `{"records":[{"id":50,"fields":{}}]}`, 400, payloadErr("records[0]: only fields may be given when adding records")},
		{"unknown column", "POST", "/tables/People/records", `{"records":[{"fields":{"name":"x"}},{"fields":{"nope":1}}]}`, 400, errJSON(`Invalid column "nope"`)},
		{"ids are never reused", "POST", "/tables/People/records/delete", `[9]`, 200, `null`},
		{"next id", "POST", "/tables/People/records", `{"records":[{}]}`, 200, `{"records":[{"id":10}]}`},
	})
}

func TestRecordsUpdate(t *testing.T) {
	e := newEnv(t, core.Limits{})
	e.people()
	e.run([]step{
		{"update", "PATCH", "/tables/People/records", `{"records":[{"id":1,"fields":{"name":"Ann B","age":"31"}},{"id":3,"fields":{"age":26,"name":"Cy"}}]}`, 200, `null`},
		{"updated", "GET", "/tables/People/data", nil, 200, `{"id":[1,2,3],"manualSort":[1,2,3],"name":["Ann B","Bob","Cy"],"age":[31,41,26],"company":[1,2,1]}`},
		{"noparse", "PATCH", "/tables/People/records?noparse=1", `{"records":[{"id":2,"fields":{"age":"7,000"}}]}`, 200, `null`},
		{"kept as text", "GET", "/tables/People/records?filter=" + qs(`{"id":[2]}`), nil, 200, `{"records":[{"id":2,"fields":{"name":"Bob","age":"7,000","company":2}}]}`},
		{"fixed by a later write", "PATCH", "/tables/People/records", `{"records":[{"id":2,"fields":{"age":8}}]}`, 200, `null`},
		{"now a number", "GET", "/tables/People/records?filter=" + qs(`{"id":[2]}`), nil, 200, `{"records":[{"id":2,"fields":{"name":"Bob","age":8,"company":2}}]}`},
		{"same fields rule", "PATCH", "/tables/People/records", `{"records":[{"id":1,"fields":{"name":"x"}},{"id":2,"fields":{"age":3}}]}`, 400,
			errJSON("PATCH requires all records to have same fields")},
		{"same fields rule, subset", "PATCH", "/tables/People/records", `{"records":[{"id":1,"fields":{"name":"x","age":1}},{"id":2,"fields":{"age":3}}]}`, 400,
			errJSON("PATCH requires all records to have same fields")},
		{"invalid row id", "PATCH", "/tables/People/records", `{"records":[{"id":1,"fields":{"name":"x"}},{"id":99,"fields":{"name":"y"}}]}`, 400, errJSON("Invalid row id 99")},
		{"row id 0", "PATCH", "/tables/People/records", `{"records":[{"id":0,"fields":{"name":"x"}}]}`, 400, errJSON("Invalid row id 0")},
		{"negative row id", "PATCH", "/tables/People/records", `{"records":[{"id":-3,"fields":{"name":"x"}}]}`, 400, errJSON("Invalid row id -3")},
		{"invalid column", "PATCH", "/tables/People/records", `{"records":[{"id":1,"fields":{"nope":"x"}}]}`, 400, errJSON(`Invalid column "nope"`)},
		{"id missing", "PATCH", "/tables/People/records", `{"records":[{"fields":{"name":"x"}}]}`, 400, payloadErr("records[0]: id is missing")},
		{"require refused", "PATCH", "/tables/People/records", `{"records":[{"id":1,"require":{"name":"x"}}]}`, 400, payloadErr("records[0]: require is only for PUT")},
		{"id not a number", "PATCH", "/tables/People/records", `{"records":[{"id":"a","fields":{}}]}`, 400, payloadErr(`records.id: expected an integer, got string`)},
		{"nothing changed", "GET", "/tables/People/data", nil, 200, `{"id":[1,2,3],"manualSort":[1,2,3],"name":["Ann B","Bob","Cy"],"age":[31,8,26],"company":[1,2,1]}`},
	})
}

func TestRecordsUpsert(t *testing.T) {
	e := newEnv(t, core.Limits{})
	e.people()
	e.setup(`[["AddRecord", "People", null, {"name":"Ann","age":50}]]`) // 4: a second Ann
	data := func(ages string) string {
		return `{"id":[1,2,3,4],"manualSort":[1,2,3,4],"name":["Ann","Bob","Cy","Ann"],"age":` + ages + `,"company":[1,2,1,0]}`
	}
	e.run([]step{
		{"first by default", "PUT", "/tables/People/records", `{"records":[{"require":{"name":"Ann"},"fields":{"age":1}}]}`, 200,
			`{"recordIds":[[1]],"addRecordIds":[],"updateRecordIds":[[1]]}`},
		{"first updated", "GET", "/tables/People/data", nil, 200, data("[1,41,25,50]")},
		{"onmany=first", "PUT", "/tables/People/records?onmany=first", `{"records":[{"require":{"name":"Ann"},"fields":{"age":2}}]}`, 200,
			`{"recordIds":[[1]],"addRecordIds":[],"updateRecordIds":[[1]]}`},
		{"onmany=none", "PUT", "/tables/People/records?onmany=none", `{"records":[{"require":{"name":"Ann"},"fields":{"age":3}}]}`, 200,
			`{"recordIds":[[]],"addRecordIds":[],"updateRecordIds":[]}`},
		{"none updated", "GET", "/tables/People/data", nil, 200, data("[2,41,25,50]")},
		{"onmany=all", "PUT", "/tables/People/records?onmany=all", `{"records":[{"require":{"name":"Ann"},"fields":{"age":4}}]}`, 200,
			`{"recordIds":[[1,4]],"addRecordIds":[],"updateRecordIds":[[1,4]]}`},
		{"all updated", "GET", "/tables/People/data", nil, 200, data("[4,41,25,4]")},
		{"onmany bad", "PUT", "/tables/People/records?onmany=some", `{"records":[{"require":{"name":"Ann"}}]}`, 400,
			errJSON(`onmany "some" should be one of first, none, all`)},
		{"noupdate", "PUT", "/tables/People/records?noupdate=1", `{"records":[{"require":{"name":"Bob"},"fields":{"age":5}}]}`, 200,
			`{"recordIds":[[2]],"addRecordIds":[],"updateRecordIds":[]}`},
		{"noadd", "PUT", "/tables/People/records?noadd=1", `{"records":[{"require":{"name":"Zed"},"fields":{"age":5}}]}`, 200,
			`{"recordIds":[[]],"addRecordIds":[],"updateRecordIds":[]}`},
		{"neither happened", "GET", "/tables/People/data", nil, 200, data("[4,41,25,4]")},
		{"add: require then fields", "PUT", "/tables/People/records", `{"records":[{"require":{"name":"Dee","age":9},"fields":{"age":10,"company":2}}]}`, 200,
			`{"recordIds":[[5]],"addRecordIds":[5],"updateRecordIds":[]}`},
		{"added", "GET", "/tables/People/records?filter=" + qs(`{"id":[5]}`), nil, 200, `{"records":[{"id":5,"fields":{"name":"Dee","age":10,"company":2}}]}`},
		{"a later record sees an earlier add", "PUT", "/tables/People/records", `{"records":[
			{"require":{"name":"Eve"},"fields":{"age":1}},{"require":{"name":"Eve"},"fields":{"age":2}}]}`, 200,
			`{"recordIds":[[6],[6]],"addRecordIds":[6],"updateRecordIds":[[6]]}`},
		{"require by id", "PUT", "/tables/People/records", `{"records":[{"require":{"id":2},"fields":{"age":42}}]}`, 200,
			`{"recordIds":[[2]],"addRecordIds":[],"updateRecordIds":[[2]]}`},
		{"require a new id", "PUT", "/tables/People/records", `{"records":[{"require":{"id":100},"fields":{"name":"Hal"}}]}`, 200,
			`{"recordIds":[[100]],"addRecordIds":[100],"updateRecordIds":[]}`},
		{"parsed require", "PUT", "/tables/People/records", `{"records":[{"require":{"age":"42"},"fields":{"name":"Bobby"}}]}`, 200,
			`{"recordIds":[[2]],"addRecordIds":[],"updateRecordIds":[[2]]}`},
		{"empty require", "PUT", "/tables/People/records", `{"records":[{"require":{},"fields":{"age":1}}]}`, 400,
			errJSON("record 0: require is empty (set allow_empty_require to match every record)")},
		{"require missing", "PUT", "/tables/People/records", `{"records":[{"fields":{"age":1}}]}`, 400, payloadErr("records[0]: require is missing")},
		{"allow_empty_require", "PUT", "/tables/People/records?allow_empty_require=1&onmany=all", `{"records":[{"fields":{"company":1}}]}`, 200,
			`{"recordIds":[[1,2,3,4,5,6,100]],"addRecordIds":[],"updateRecordIds":[[1,2,3,4,5,6,100]]}`},
		{"every row", "GET", "/tables/People/data", nil, 200, `{"id":[1,2,3,4,5,6,100],"manualSort":[1,2,3,4,5,6,100],
			"name":["Ann","Bobby","Cy","Ann","Dee","Eve","Hal"],"age":[4,42,25,4,10,2,0],"company":[1,1,1,1,1,1,1]}`},
		{"id outside require", "PUT", "/tables/People/records", `{"records":[{"id":1,"require":{"name":"x"}}]}`, 400, payloadErr("records[0]: put the id in require")},
		{"invalid column in require", "PUT", "/tables/People/records", `{"records":[{"require":{"nope":1}}]}`, 400, errJSON(`Invalid column "nope"`)},
		{"invalid column in fields", "PUT", "/tables/People/records", `{"records":[{"require":{"name":"x"},"fields":{"nope":1}}]}`, 400, errJSON(`Invalid column "nope"`)},
	})
}

func TestRecordsDelete(t *testing.T) {
	e := newEnv(t, core.Limits{})
	e.people()
	e.run([]step{
		{"delete", "POST", "/tables/People/records/delete", `[1,3]`, 200, `null`},
		{"deleted", "GET", "/tables/People/data", nil, 200, `{"id":[2],"manualSort":[2],"name":["Bob"],"age":[41],"company":[2]}`},
		{"invalid row id", "POST", "/tables/People/records/delete", `[2,1]`, 400, errJSON("Invalid row id 1")},
		{"not an array", "POST", "/tables/People/records/delete", `{"ids":[2]}`, 400, payloadErr("expected an array, got object")},
		{"empty body", "POST", "/tables/People/records/delete", ``, 400, payloadErr("expected a JSON array of row ids")},
		{"nothing", "POST", "/tables/People/records/delete", `[]`, 200, `null`},
		{"still there", "GET", "/tables/People/data", nil, 200, `{"id":[2],"manualSort":[2],"name":["Bob"],"age":[41],"company":[2]}`},
	})
}

// A write of more records than --max-batch is 413 naming the limit.
func TestBatchLimit(t *testing.T) {
	e := newEnv(t, core.Limits{MaxBatch: 3})
	e.people()
	before := e.snapshot()
	seq := e.lastSeq()
	msg := "too many records in one request: 4 (the limit is 3)"
	four := `{"records":[{},{},{},{}]}`
	for _, s := range []step{
		{"POST records", "POST", "/tables/People/records", four, 413, errJSON(msg)},
		{"PATCH records", "PATCH", "/tables/People/records", `{"records":[{"id":1,"fields":{}},{"id":2,"fields":{}},{"id":3,"fields":{}},{"id":1,"fields":{}}]}`, 413, errJSON(msg)},
		{"PUT records", "PUT", "/tables/People/records", `{"records":[{"require":{"id":1}},{"require":{"id":2}},{"require":{"id":3}},{"require":{"id":4}}]}`, 413, errJSON(msg)},
		{"delete records", "POST", "/tables/People/records/delete", `[1,2,3,4]`, 413, errJSON(msg)},
		{"POST data", "POST", "/tables/People/data", `{"name":["a","b","c","d"]}`, 413, errJSON(msg)},
		{"PATCH data", "PATCH", "/tables/People/data", `{"id":[1,2,3,1],"name":["a","b","c","d"]}`, 413, errJSON(msg)},
		{"delete data", "POST", "/tables/People/data/delete", `[1,2,3,4]`, 413, errJSON(msg)},
		{"apply", "POST", "/apply", `[["BulkAddRecord","People",[null,null,null,null],{}]]`, 413, errJSON(msg)},
	} {
		e.run([]step{s})
	}
	e.run([]step{{"at the limit", "POST", "/tables/People/records", `{"records":[{},{},{}]}`, 200, `{"records":[{"id":4},{"id":5},{"id":6}]}`}})
	if got := e.snapshot(); !strings.Contains(got, before[:strings.Index(before, "\n")]) {
		t.Fatalf("schema changed")
	}
	if n := len(e.events(seq)); n != 1 {
		t.Fatalf("%d events, want 1 (the write at the limit)", n)
	}
}

// atomicityFixture is people() with a unique email column filled in.
func atomicityFixture(e *env) {
	e.t.Helper()
	e.people()
	e.setup(`[["AddColumn", "People", "email", {"isUnique":true}],
		["BulkUpdateRecord", "People", [1,2,3], {"email":["a@x","b@x","c@x"]}]]`)
}

// Every write path fails as a whole: after an error the data and the
// schema are exactly as before and no event was written.
func TestWritesAreAtomic(t *testing.T) {
	dup := `Duplicate value in unique column "email"`
	for _, s := range []step{
		{"records POST", "POST", "/tables/People/records", `{"records":[{"fields":{"name":"Dee","email":"d@x"}},{"fields":{"email":"a@x"}}]}`, 400, errJSON(dup)},
		{"records POST, bad column last", "POST", "/tables/People/records", `{"records":[{"fields":{"name":"Dee"}},{"fields":{"nope":1}}]}`, 400, errJSON(`Invalid column "nope"`)},
		{"records PATCH", "PATCH", "/tables/People/records", `{"records":[{"id":1,"fields":{"email":"n@x"}},{"id":2,"fields":{"email":"n@x"}}]}`, 400, errJSON(dup)},
		{"records PATCH, bad row last", "PATCH", "/tables/People/records", `{"records":[{"id":1,"fields":{"name":"X"}},{"id":7,"fields":{"name":"Y"}}]}`, 400, errJSON("Invalid row id 7")},
		{"records PUT", "PUT", "/tables/People/records", `{"records":[{"require":{"name":"Dee"},"fields":{"email":"d@x"}},
			{"require":{"name":"Bob"},"fields":{"age":1}},{"require":{"name":"Ann"},"fields":{"email":"b@x"}}]}`, 400, errJSON(dup)},
		{"records delete", "POST", "/tables/People/records/delete", `[1,2,99]`, 400, errJSON("Invalid row id 99")},
		{"data POST", "POST", "/tables/People/data", `{"name":["x","y"],"email":["z@x","z@x"]}`, 400, errJSON(dup)},
		{"data PATCH", "PATCH", "/tables/People/data", `{"id":[1,2],"email":["q@x","q@x"]}`, 400, errJSON(dup)},
		{"data delete", "POST", "/tables/People/data/delete", `[2,3,0]`, 400, errJSON("Invalid row id 0")},
		{"apply, the last action fails", "POST", "/apply", `[
			["AddTable", "X", [{"id":"a"}]],
			["BulkAddRecord", "X", [null,null], {"a":["1","2"]}],
			["AddRecord", "People", null, {"name":"Dee"}],
			["UpdateRecord", "People", 1, {"name":"Ann2"}],
			["BulkUpdateRecord", "People", [2,3], {"age":[1,2]}],
			["RemoveRecord", "People", 2],
			["AddColumn", "People", "extra", {"type":"Int"}],
			["RenameColumn", "People", "age", "years"],
			["ModifyColumn", "People", "years", {"type":"Text"}],
			["RemoveColumn", "People", "name"],
			["RenameTable", "Companies", "Firms"],
			["ReplaceTableData", "Firms", [null], {"name":["Only"]}],
			["RemoveTable", "X"],
			["BulkRemoveRecord", "People", [1,99]]]`, 400, errJSON("action 13 (BulkRemoveRecord): Invalid row id 99")},
		{"tables POST, bad second table", "POST", "/tables", `{"tables":[{"id":"Good","columns":[{"id":"a"}]},{"id":"Bad","columns":[{"id":"b","fields":{"type":"Bogus"}}]}]}`, 400,
			errJSON(`action 1 (AddTable): unknown column type "Bogus"`)},
		{"columns POST, bad second column", "POST", "/tables/People/columns", `{"columns":[{"id":"good","fields":{"type":"Int"}},{"id":"bad","fields":{"type":"Ref:Nope"}}]}`, 400,
			errJSON(`action 1 (AddColumn): column type Ref:Nope refers to an unknown table "Nope"`)},
		{"columns PATCH, bad second column", "PATCH", "/tables/People/columns", `{"columns":[{"id":"age","fields":{"type":"Text","colId":"years"}},{"id":"company","fields":{"type":"Ref:Nope"}}]}`, 400,
			errJSON(`action 1 (ModifyColumn): column type Ref:Nope refers to an unknown table "Nope"`)},
		{"columns PATCH, unique on duplicates last", "PATCH", "/tables/People/columns", `{"columns":[{"id":"name","fields":{"label":"N"}},{"id":"company","fields":{"isUnique":true}}]}`, 400,
			errJSON(`action 1 (ModifyColumn): Column "company" cannot be made unique: it holds duplicate values`)},
		{"columns PUT with replaceall", "PUT", "/tables/People/columns?replaceall=1", `{"columns":[{"id":"name","fields":{"label":"N"}},{"id":"new","fields":{"type":"Ref:Nope"}}]}`, 400,
			errJSON(`action 1 (AddColumn): column type Ref:Nope refers to an unknown table "Nope"`)},
		{"tables PATCH", "PATCH", "/tables", `{"tables":[{"id":"People","fields":{"tableId":"Humans"}},{"id":"Companies","fields":{"namePlural":"humans"}}]}`, 400,
			errJSON(`action 1 (UpdateTable): GraphQL name "humans" of table Companies is already used by table Humans; set nameSingular and namePlural`)},
	} {
		t.Run(s.name, func(t *testing.T) {
			e := newEnv(t, core.Limits{})
			atomicityFixture(e)
			before := e.snapshot()
			seq := e.lastSeq()
			e.run([]step{s})
			if after := e.snapshot(); after != before {
				t.Fatalf("changed by a failed write:\nbefore %s\nafter  %s", before, after)
			}
			if ev := e.events(seq); len(ev) != 0 {
				t.Fatalf("a failed write left %d events: %+v", len(ev), ev)
			}
			// The document still takes writes.
			e.run([]step{{"write after", "POST", "/tables/People/records", `{"records":[{"fields":{"email":"d@x"}}]}`, 200, `{"records":[{"id":4}]}`}})
		})
	}
}

// eventView is an event without its time, sequence and action numbers.
type eventView struct {
	Kind    string        `json:"action"`
	Table   string        `json:"table"`
	RowIDs  []int64       `json:"rowIds"`
	Columns []string      `json:"columns,omitempty"`
	Rows    []core.Record `json:"rows"`
	Before  []core.Record `json:"before,omitempty"`
}

// expectEvents checks the events written since seq, and that they carry
// the owner and one action number.
func (e *env) expectEvents(name string, seq int64, want string) {
	e.t.Helper()
	evs := e.events(seq)
	views := make([]eventView, len(evs))
	for i, ev := range evs {
		views[i] = eventView{ev.Kind, ev.Table, ev.RowIDs, ev.Columns, ev.Rows, ev.Before}
		if ev.ActorID != e.owner.ID || ev.ActionNum != evs[0].ActionNum || ev.At.Unix() != testNow.Unix() {
			e.t.Errorf("%s: event %d: actor %d, action %d, at %v", name, i, ev.ActorID, ev.ActionNum, ev.At)
		}
	}
	got := decode(e.t, []byte(canon(views)))
	if w := decode(e.t, []byte(want)); !reflect.DeepEqual(got, w) {
		e.t.Fatalf("%s: events\n got  %s\n want %s", name, canon(got), canon(w))
	}
}

func TestWriteEvents(t *testing.T) {
	e := newEnv(t, core.Limits{})
	e.people()
	for _, c := range []struct {
		step
		events string
	}{
		{step{"records POST", "POST", "/tables/People/records", `{"records":[{"fields":{"name":"Dee","age":"7"}},{}]}`, 200, `{"records":[{"id":4},{"id":5}]}`},
			`[{"action":"add","table":"People","rowIds":[4,5],"rows":[
				{"id":4,"fields":{"name":"Dee","age":7,"company":0}},{"id":5,"fields":{"name":"","age":0,"company":0}}]}]`},
		{step{"records PATCH", "PATCH", "/tables/People/records", `{"records":[{"id":4,"fields":{"age":8}},{"id":1,"fields":{"age":"x"}}]}`, 200, `null`},
			`[{"action":"update","table":"People","rowIds":[4,1],"columns":["age"],
				"rows":[{"id":4,"fields":{"name":"Dee","age":8,"company":0}},{"id":1,"fields":{"name":"Ann","age":"x","company":1}}],
				"before":[{"id":4,"fields":{"name":"Dee","age":7,"company":0}},{"id":1,"fields":{"name":"Ann","age":30,"company":1}}]}]`},
		{step{"records PUT", "PUT", "/tables/People/records", `{"records":[{"require":{"name":"Bob"},"fields":{"company":1}},{"require":{"name":"Eve"},"fields":{"age":1}}]}`, 200,
			`{"recordIds":[[2],[6]],"addRecordIds":[6],"updateRecordIds":[[2]]}`},
			`[{"action":"update","table":"People","rowIds":[2],"columns":["company"],
				"rows":[{"id":2,"fields":{"name":"Bob","age":41,"company":1}}],"before":[{"id":2,"fields":{"name":"Bob","age":41,"company":2}}]},
			  {"action":"add","table":"People","rowIds":[6],"rows":[{"id":6,"fields":{"name":"Eve","age":1,"company":0}}]}]`},
		{step{"records delete", "POST", "/tables/People/records/delete", `[6,5]`, 200, `null`},
			`[{"action":"remove","table":"People","rowIds":[5,6],"rows":[
				{"id":5,"fields":{"name":"","age":0,"company":0}},{"id":6,"fields":{"name":"Eve","age":1,"company":0}}]}]`},
		{step{"data POST", "POST", "/tables/People/data", `{"name":["Fay","Gus"],"age":[1,2]}`, 200, `[7,8]`},
			`[{"action":"add","table":"People","rowIds":[7,8],"rows":[
				{"id":7,"fields":{"name":"Fay","age":1,"company":0}},{"id":8,"fields":{"name":"Gus","age":2,"company":0}}]}]`},
		{step{"data PATCH", "PATCH", "/tables/People/data", `{"id":[7,8],"name":["Fay2","Gus2"],"company":[2,2]}`, 200, `null`},
			`[{"action":"update","table":"People","rowIds":[7,8],"columns":["name","company"],
				"rows":[{"id":7,"fields":{"name":"Fay2","age":1,"company":2}},{"id":8,"fields":{"name":"Gus2","age":2,"company":2}}],
				"before":[{"id":7,"fields":{"name":"Fay","age":1,"company":0}},{"id":8,"fields":{"name":"Gus","age":2,"company":0}}]}]`},
		{step{"data delete", "POST", "/tables/People/data/delete", `[8]`, 200, `null`},
			`[{"action":"remove","table":"People","rowIds":[8],"rows":[{"id":8,"fields":{"name":"Gus2","age":2,"company":2}}]}]`},
		{step{"apply", "POST", "/apply", `[["AddRecord","Companies",null,{"name":"Initech"}],["UpdateRecord","Companies",3,{"country":"US"}],["RemoveRecord","People",7]]`, 200,
			`{"actionNum":9,"retValues":[3,null,null],"isModification":true}`},
			`[{"action":"add","table":"Companies","rowIds":[3],"rows":[{"id":3,"fields":{"name":"Initech","country":""}}]},
			  {"action":"update","table":"Companies","rowIds":[3],"columns":["country"],
				"rows":[{"id":3,"fields":{"name":"Initech","country":"US"}}],"before":[{"id":3,"fields":{"name":"Initech","country":""}}]},
			  {"action":"remove","table":"People","rowIds":[7],"rows":[{"id":7,"fields":{"name":"Fay2","age":1,"company":2}}]}]`},
		{step{"tables POST", "POST", "/tables", `{"tables":[{"id":"T","columns":[{"id":"a"}]}]}`, 200, `{"tables":[{"id":"T"}]}`},
			`[{"action":"schema","table":"T","rowIds":[],"columns":["AddTable","T"],"rows":[]}]`},
		{step{"tables PATCH", "PATCH", "/tables", `{"tables":[{"id":"T","fields":{"tableId":"U"}}]}`, 200, `null`},
			`[{"action":"schema","table":"U","rowIds":[],"columns":["RenameTable","T","U"],"rows":[]}]`},
		{step{"columns POST", "POST", "/tables/U/columns", `{"columns":[{"id":"b"}]}`, 200, `{"columns":[{"id":"b"}]}`},
			`[{"action":"schema","table":"U","rowIds":[],"columns":["AddColumn","b"],"rows":[]}]`},
		{step{"columns PATCH", "PATCH", "/tables/U/columns", `{"columns":[{"id":"b","fields":{"type":"Int"}}]}`, 200, `null`},
			`[{"action":"schema","table":"U","rowIds":[],"columns":["ModifyColumn","b"],"rows":[]}]`},
		{step{"column DELETE", "DELETE", "/tables/U/columns/b", nil, 200, `null`},
			`[{"action":"schema","table":"U","rowIds":[],"columns":["RemoveColumn","b"],"rows":[]}]`},
		{step{"table DELETE", "DELETE", "/tables/U", nil, 200, `null`},
			`[{"action":"schema","table":"U","rowIds":[],"columns":["RemoveTable","U"],"rows":[]}]`},
		{step{"an empty write", "POST", "/tables/People/records", `{"records":[]}`, 200, `{"records":[]}`}, `[]`},
		{step{"a label change", "PATCH", "/tables/People/columns", `{"columns":[{"id":"name","fields":{"label":"Name"}}]}`, 200, `null`},
			`[{"action":"schema","table":"People","rowIds":[],"columns":["ModifyColumn","name"],"rows":[]}]`},
	} {
		seq := e.lastSeq()
		e.run([]step{c.step})
		e.expectEvents(c.name, seq, c.events)
	}
	// Action numbers increase by one per write.
	evs := e.events(0)
	for i := 1; i < len(evs); i++ {
		if d := evs[i].ActionNum - evs[i-1].ActionNum; d != 0 && d != 1 {
			t.Fatalf("action numbers jump from %d to %d", evs[i-1].ActionNum, evs[i].ActionNum)
		}
		if evs[i].Seq <= evs[i-1].Seq {
			t.Fatalf("sequence numbers not increasing")
		}
	}
}

func TestLegacyData(t *testing.T) {
	e := newEnv(t, core.Limits{})
	e.people()
	e.run([]step{
		{"GET", "GET", "/tables/People/data", nil, 200, `{"id":[1,2,3],"manualSort":[1,2,3],"name":["Ann","Bob","Cy"],"age":[30,41,25],"company":[1,2,1]}`},
		{"GET with query options", "GET", "/tables/People/data?sort=-age&limit=2&filter=" + qs(`{"company":[1,2]}`), nil, 200,
			`{"id":[2,1],"manualSort":[2,1],"name":["Bob","Ann"],"age":[41,30],"company":[2,1]}`},
		{"GET typed", "GET", "/tables/People/data?cellFormat=typed&filter=" + qs(`{"id":[1]}`), nil, 200,
			`{"id":[1],"manualSort":[1],"name":["Ann"],"age":[30],"company":[["R","Companies",1]]}`},
		{"GET empty", "GET", "/tables/People/data?filter=" + qs(`{"id":[]}`), nil, 200, `{"id":[],"manualSort":[],"name":[],"age":[],"company":[]}`},
		{"POST", "POST", "/tables/People/data", `{"name":["Dee","Eve"],"age":["4",5]}`, 200, `[4,5]`},
		{"added, a missing key is empty", "GET", "/tables/People/data?filter=" + qs(`id[gte]:4`), nil, 200,
			`{"id":[4,5],"manualSort":[4,5],"name":["Dee","Eve"],"age":[4,5],"company":[0,0]}`},
		{"POST noparse", "POST", "/tables/People/data?noparse=1", `{"age":["1,000"]}`, 200, `[6]`},
		{"POST empty object", "POST", "/tables/People/data", `{}`, 200, `[]`},
		{"POST uneven columns", "POST", "/tables/People/data", `{"name":["a","b"],"age":[1]}`, 400, payloadErr(`column "name" has 2 values; every column must have 1`)},
		{"POST with id", "POST", "/tables/People/data", `{"id":[9],"name":["a"]}`, 400, payloadErr("id cannot be given when adding records")},
		{"POST not columns", "POST", "/tables/People/data", `{"name":"a"}`, 400, payloadErr("expected an array, got string")},
		{"POST unknown column", "POST", "/tables/People/data", `{"nope":[1]}`, 400, errJSON(`Invalid column "nope"`)},
		{"PATCH", "PATCH", "/tables/People/data", `{"id":[4,5],"age":[40,50],"company":[2,"1"]}`, 200, `null`},
		{"patched", "GET", "/tables/People/data?filter=" + qs(`id[gte]:4`), nil, 200,
			`{"id":[4,5,6],"manualSort":[4,5,6],"name":["Dee","Eve",""],"age":[40,50,"1,000"],"company":[2,1,0]}`},
		{"PATCH without id", "PATCH", "/tables/People/data", `{"age":[1]}`, 400, payloadErr("id must be an array of row ids")},
		{"PATCH uneven", "PATCH", "/tables/People/data", `{"id":[4,5],"age":[1]}`, 400, payloadErr(`column "age" has 1 values; every column must have 2`)},
		{"PATCH not an array", "PATCH", "/tables/People/data", `{"id":[4],"age":1}`, 400, payloadErr(`column "age" must be an array`)},
		{"PATCH invalid row", "PATCH", "/tables/People/data", `{"id":[4,77],"age":[1,2]}`, 400, errJSON("Invalid row id 77")},
		{"delete", "POST", "/tables/People/data/delete", `[4,6]`, 200, `null`},
		{"deleted", "GET", "/tables/People/data", nil, 200, `{"id":[1,2,3,5],"manualSort":[1,2,3,5],"name":["Ann","Bob","Cy","Eve"],"age":[30,41,25,50],"company":[1,2,1,1]}`},
		{"delete invalid", "POST", "/tables/People/data/delete", `[4]`, 400, errJSON("Invalid row id 4")},
	})
}

func TestApplyActions(t *testing.T) {
	e := newEnv(t, core.Limits{})
	e.people()
	e.run([]step{
		{"every supported action", "POST", "/apply", `[
			["AddTable", "T", [{"id":"a"}, {"id":"n","type":"Int"}, {"id":"r","type":"Ref:People","label":"Person"}]],
			["AddRecord", "T", null, {"a":"x","n":"1"}],
			["BulkAddRecord", "T", [null,null], {"a":["y","z"],"r":[1,2]}],
			["AddRecord", "T", 10, {"a":"ten"}],
			["UpdateRecord", "T", 1, {"n":5}],
			["BulkUpdateRecord", "T", [2,3], {"n":[6,7]}],
			["RemoveRecord", "T", 1],
			["BulkRemoveRecord", "T", [2]],
			["AddColumn", "T", "b", {"type":"Bool"}],
			["AddColumn", "T", "b", {}],
			["RenameColumn", "T", "b", "flag"],
			["ModifyColumn", "T", "n", {"type":"Text","label":"N"}],
			["RemoveColumn", "T", "b2"],
			["AddTable", "Scratch", []],
			["RenameTable", "Scratch", "Gone"],
			["RemoveTable", "Gone"]]`, 200,
			`{"actionNum":2,"isModification":true,"retValues":[
				{"table_id":"T","columns":["a","n","r"]}, 1, [2,3], 10, null, null, null, null,
				{"colId":"b"}, {"colId":"b2"}, null, null, null, {"table_id":"Scratch","columns":[]}, null, null]}`},
		{"the result", "GET", "/tables/T/data", nil, 200, `{"id":[3,10],"manualSort":[3,10],"a":["z","ten"],"n":["7","0"],"r":[2,0],"flag":[false,false]}`},
		{"its columns", "GET", "/tables/T/columns", nil, 200, columnsJSON(col{id: "a", typ: "Text"}, col{id: "n", typ: "Text", label: "N"},
			col{id: "r", typ: "Ref:People", label: "Person"}, col{id: "flag", typ: "Bool", label: "b"})},
		{"the tables", "GET", "/tables", nil, 200, `{"tables":[` + tableJSON(1, "Companies", "company", "companies") + "," +
			tableJSON(2, "People", "person", "people") + "," + tableJSON(3, "T", "t", "ts") + `]}`},
		{"ReplaceTableData", "POST", "/apply", `[["ReplaceTableData", "T", [null,null], {"a":["p","q"]}]]`, 200,
			`{"actionNum":3,"isModification":true,"retValues":[[11,12]]}`},
		{"replaced", "GET", "/tables/T/data", nil, 200, `{"id":[11,12],"manualSort":[11,12],"a":["p","q"],"n":["",""],"r":[0,0],"flag":[false,false]}`},
		{"nothing to do", "POST", "/apply", `[]`, 200, `{"actionNum":0,"isModification":false,"retValues":[]}`},
		{"unsupported action", "POST", "/apply", `[["AddRecord","T",null,{}],["SetDisplayFormula","T",null,1,"$a"]]`, 400, errJSON(`Unsupported action "SetDisplayFormula"`)},
		{"unsupported AddOrUpdateRecord", "POST", "/apply", `[["AddOrUpdateRecord","T",{},{},{}]]`, 400, errJSON(`Unsupported action "AddOrUpdateRecord"`)},
		{"not an action", "POST", "/apply", `[[]]`, 400, payloadErr("each action must be an array starting with the action's name")},
		{"not an array", "POST", "/apply", `{"actions":[]}`, 400, payloadErr("expected an array, got object")},
		{"empty body", "POST", "/apply", ``, 400, payloadErr("expected a JSON array of actions")},
		{"wrong arity", "POST", "/apply", `[["RemoveRecord","T"]]`, 400, payloadErr("RemoveRecord takes 2 to 2 arguments, not 1")},
		{"wrong argument", "POST", "/apply", `[["RemoveRecord","T","x"]]`, 400, payloadErr("RemoveRecord: argument 2: expected an integer, got string")},
		{"UpdateRecord without id", "POST", "/apply", `[["UpdateRecord","T",null,{"a":"x"}]]`, 400, payloadErr("UpdateRecord needs a row id")},
		{"BulkUpdateRecord without id", "POST", "/apply", `[["BulkUpdateRecord","T",[11,null],{"a":["x","y"]}]]`, 400, payloadErr("BulkUpdateRecord needs a row id for every record")},
		{"uneven bulk", "POST", "/apply", `[["BulkAddRecord","T",[null],{"a":["x","y"]}]]`, 400, payloadErr(`column "a" has 2 values; every column must have 1`)},
		{"formula column", "POST", "/apply", `[["AddColumn","T","f",{"isFormula":true,"formula":"1"}]]`, 400, payloadErr("formula columns are not supported: Rowhouse stores data columns only")},
		{"duplicate row id", "POST", "/apply", `[["AddRecord","T",11,{}]]`, 400, errJSON(`Duplicate row id in table "T"`)},
		{"unchanged", "GET", "/tables/T/data", nil, 200, `{"id":[11,12],"manualSort":[11,12],"a":["p","q"],"n":["",""],"r":[0,0],"flag":[false,false]}`},
	})
}

func TestIdempotencyKey(t *testing.T) {
	e := newEnv(t, core.Limits{})
	e.people()
	e.share("editor@example.com", "editors")
	count := func() int { return len(e.records("People", "")) }
	post := `{"records":[{"fields":{"name":"Dee"}}]}`
	first := e.do("POST", "/tables/People/records", post, "Idempotency-Key", "k1")
	if first.status != 200 || string(bytes.TrimSpace(first.body)) != `{"records":[{"id":4}]}` || first.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first: %d %s %v", first.status, first.body, first.header)
	}
	seq := e.lastSeq()
	for i := range 3 {
		again := e.do("POST", "/tables/People/records", post, "Idempotency-Key", "k1")
		if again.status != 200 || !bytes.Equal(again.body, first.body) || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay %d: %d %s %v", i, again.status, again.body, again.header)
		}
	}
	if n := count(); n != 4 {
		t.Fatalf("%d rows after replays, want 4", n)
	}
	if ev := e.events(seq); len(ev) != 0 {
		t.Fatalf("replays wrote %d events", len(ev))
	}
	// The same key with another body, or another route, is 422.
	e.expectErr("POST", "/tables/People/records", `{"records":[{"fields":{"name":"Eve"}}]}`, 422,
		`Idempotency-Key "k1" was already used for a different request`, "Idempotency-Key", "k1")
	e.expectErr("POST", "/tables/Companies/records", post, 422,
		`Idempotency-Key "k1" was already used for a different request`, "Idempotency-Key", "k1")
	e.expectErr("POST", "/tables/People/records?noparse=1", post, 422,
		`Idempotency-Key "k1" was already used for a different request`, "Idempotency-Key", "k1")
	// Another user's same key is theirs.
	other := e.do("POST", "/tables/People/records", post, "Idempotency-Key", "k1", "X-Test-User", "editor@example.com")
	if other.status != 200 || string(bytes.TrimSpace(other.body)) != `{"records":[{"id":5}]}` || other.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("other user: %d %s %v", other.status, other.body, other.header)
	}
	replayOther := e.do("POST", "/tables/People/records", post, "Idempotency-Key", "k1", "X-Test-User", "editor@example.com")
	if !bytes.Equal(replayOther.body, other.body) || replayOther.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("other user's replay: %s %v", replayOther.body, replayOther.header)
	}
	if n := count(); n != 5 {
		t.Fatalf("%d rows, want 5", n)
	}
	// Writes answering null, and /apply, replay too.
	for _, c := range []struct{ method, path, body string }{
		{"PATCH", "/tables/People/records", `{"records":[{"id":1,"fields":{"age":99}}]}`},
		{"PUT", "/tables/People/records", `{"records":[{"require":{"name":"Zed"}}]}`},
		{"POST", "/apply", `[["AddRecord","People",null,{"name":"Apply"}]]`},
		{"POST", "/tables/People/data", `{"name":["D1"]}`},
		{"POST", "/tables", `{"tables":[{"id":"Idem"}]}`},
		{"POST", "/tables/People/records/delete", `[5]`},
	} {
		key := "key " + c.method + c.path
		a := e.do(c.method, c.path, c.body, "Idempotency-Key", key)
		seq := e.lastSeq()
		snap := e.snapshot()
		b := e.do(c.method, c.path, c.body, "Idempotency-Key", key)
		if a.status != 200 || b.status != 200 || !bytes.Equal(a.body, b.body) || b.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("%s %s: %d %s then %d %s %v", c.method, c.path, a.status, a.body, b.status, b.body, b.header)
		}
		if e.lastSeq() != seq || e.snapshot() != snap {
			t.Fatalf("%s %s: the replay changed the document", c.method, c.path)
		}
	}
	// A failed write stores nothing: the key may be used again.
	e.expectErr("PATCH", "/tables/People/records", `{"records":[{"id":99,"fields":{"age":1}}]}`, 400, "Invalid row id 99", "Idempotency-Key", "k-fail")
	e.expect("POST", "/tables/People/records", `{"records":[{}]}`, 200, `{"records":[{"id":9}]}`, "Idempotency-Key", "k-fail")
	// A key longer than 255 characters is refused.
	e.expectErr("POST", "/tables/People/records", post, 400, "Idempotency-Key is longer than 255 characters", "Idempotency-Key", strings.Repeat("k", 256))
}

// Every column type's values go through the API and come back as Grist
// shows them; values that do not fit a column come back exactly as given.
func TestValuesRoundTrip(t *testing.T) {
	e := newEnv(t, core.Limits{})
	e.people()
	e.run([]step{{"table", "POST", "/tables", `{"tables":[{"id":"V","columns":[
		{"id":"text"}, {"id":"num","fields":{"type":"Numeric"}}, {"id":"int","fields":{"type":"Int"}}, {"id":"bool","fields":{"type":"Bool"}},
		{"id":"date","fields":{"type":"Date"}}, {"id":"dt","fields":{"type":"DateTime:America/New_York"}}, {"id":"choice","fields":{"type":"Choice"}},
		{"id":"choices","fields":{"type":"ChoiceList"}}, {"id":"ref","fields":{"type":"Ref:People"}}, {"id":"refs","fields":{"type":"RefList:People"}},
		{"id":"att","fields":{"type":"Attachments"}}, {"id":"any","fields":{"type":"Any"}}]}]}`, 200, `{"tables":[{"id":"V"}]}`}})
	for _, c := range []struct {
		name, in, out string // out "" means the same as in
	}{
		{"empty record", `{}`, `{"text":"","num":0,"int":0,"bool":false,"date":null,"dt":null,"choice":"","choices":null,"ref":0,"refs":null,"att":null,"any":null}`},
		{"every type", `{"text":"héllo \"w\"\n","num":-2.5,"int":9007199254740993,"bool":true,"date":1706659200,"dt":1706713200.25,"choice":"red",
			"choices":["L","a","b c"],"ref":2,"refs":["L",1,3],"att":["L",7],"any":{"k":[1,"x",null,true]}}`, ""},
		{"nulls", `{"text":null,"num":null,"int":null,"bool":null,"date":null,"dt":null,"choice":null,"choices":null,"ref":null,"refs":null,"att":null,"any":null}`,
			`{"text":null,"num":null,"int":null,"bool":false,"date":null,"dt":null,"choice":null,"choices":null,"ref":0,"refs":null,"att":null,"any":null}`},
		{"empty strings", `{"text":"","num":"","int":"","bool":"","date":"","dt":"","choice":"","choices":"","ref":"","refs":"","att":"","any":""}`,
			`{"text":"","num":null,"int":null,"bool":false,"date":null,"dt":null,"choice":"","choices":null,"ref":0,"refs":null,"att":null,"any":""}`},
		{"parsed text", `{"text":42,"num":"1,234.5","int":"42","bool":"no","date":"2024-01-31","dt":"2024-01-31T10:00","choice":7,
			"choices":"a, b","ref":"2","refs":"1, 3","att":"[7]","any":"text"}`,
			`{"text":"42","num":1234.5,"int":42,"bool":false,"date":1706659200,"dt":1706713200,"choice":"7",
			"choices":["L","a","b"],"ref":2,"refs":["L",1,3],"att":["L",7],"any":"text"}`},
		{"ISO with an offset", `{"dt":"2024-01-31T10:00:00Z","date":"2024-01-31T23:59:00"}`,
			`{"text":"","num":0,"int":0,"bool":false,"date":1706659200,"dt":1706695200,"choice":"","choices":null,"ref":0,"refs":null,"att":null,"any":null}`},
		{"plain arrays", `{"choices":["x"],"refs":[2],"att":[5,6]}`,
			`{"text":"","num":0,"int":0,"bool":false,"date":null,"dt":null,"choice":"","choices":["L","x"],"ref":0,"refs":["L",2],"att":["L",5,6],"any":null}`},
		{"typed inputs", `{"date":["d",1706659200],"dt":["D",1706713200,"America/New_York"],"ref":["R","People",3],"refs":["r","People",[2]]}`,
			`{"text":"","num":0,"int":0,"bool":false,"date":1706659200,"dt":1706713200,"choice":"","choices":null,"ref":3,"refs":["L",2],"att":null,"any":null}`},
		{"wrong types kept", `{"text":{"a":1},"num":"abc","int":3.5,"bool":"maybe","date":"not a date","dt":true,"choice":["L","x"],
			"choices":5,"ref":"x","refs":"zz","att":{"a":1},"any":[1,2]}`, ""},
		{"more wrong types", `{"text":[1],"num":true,"int":"12abc","bool":2,"date":1.5,"dt":"31/01/2024","choice":false,
			"choices":["L",1],"ref":-1,"refs":["L","a"],"att":["L",-2],"any":"[1]"}`, ""},
		{"Int out of range kept", `{"int":1e30,"ref":["R","Other",1]}`,
			`{"text":"","num":0,"int":1e30,"bool":false,"date":null,"dt":null,"choice":"","choices":null,"ref":["R","Other",1],"refs":null,"att":null,"any":null}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := e.forSubtest(t)
			v := e.mustJSON("POST", "/tables/V/records", `{"records":[{"fields":`+c.in+`}]}`, 200)
			id := v.(map[string]any)["records"].([]any)[0].(map[string]any)["id"].(json.Number).String()
			out := c.out
			if out == "" {
				out = c.in
			}
			want := `{"records":[{"id":` + id + `,"fields":` + out + `}]}`
			e.expect("GET", "/tables/V/records?filter="+qs(`{"id":[`+id+`]}`), nil, 200, want)
			// The legacy read shows the same values.
			got := e.mustJSON("GET", "/tables/V/data?filter="+qs(`{"id":[`+id+`]}`), nil, 200).(map[string]any)
			fields := decode(t, []byte(out)).(map[string]any)
			for k, w := range fields {
				if g := got[k].([]any)[0]; !reflect.DeepEqual(g, w) {
					t.Errorf("data %s: %s, want %s", k, canon(g), canon(w))
				}
			}
			// Writing the values read back (PATCH) keeps them.
			e.run([]step{{"rewrite", "PATCH", "/tables/V/records", `{"records":[{"id":` + id + `,"fields":` + out + `}]}`, 200, `null`}})
			e.expect("GET", "/tables/V/records?filter="+qs(`{"id":[`+id+`]}`), nil, 200, want)
		})
	}
}

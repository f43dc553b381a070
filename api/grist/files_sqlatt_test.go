package grist_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/ncruces/go-sqlite3/driver"
	"github.com/xuri/excelize/v2"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/internal/testserver"
)

// filesWorld is a real server with a document "Zoo" owned by owner and
// shared with editor and viewer; stranger has no access. The document
// holds a table Pets.
type filesWorld struct {
	s                               *testserver.Server
	owner, editor, viewer, stranger string // keys
	doc, other                      string
}

func newFilesWorld(t *testing.T, opts ...testserver.Option) *filesWorld {
	t.Helper()
	s := testserver.New(t, opts...)
	w := &filesWorld{s: s}
	var ou rowhouse.User
	ou, w.owner = s.UserWithKey("owner@example.com")
	_, w.editor = s.UserWithKey("editor@example.com")
	_, w.viewer = s.UserWithKey("viewer@example.com")
	_, w.stranger = s.UserWithKey("stranger@example.com")
	ctx := context.Background()
	owner := rowhouse.Actor{User: ou}
	ws, err := s.Home.ListWorkspaces(ctx, owner, home.PersonalDomain(ou.ID))
	if err != nil || len(ws) == 0 {
		t.Fatalf("workspaces: %v %v", ws, err)
	}
	if w.doc, err = s.Home.CreateDoc(ctx, owner, ws[0].ID, `Zoo "2024"/é`); err != nil {
		t.Fatal(err)
	}
	if w.other, err = s.Home.CreateDoc(ctx, owner, ws[0].ID, "Other"); err != nil {
		t.Fatal(err)
	}
	if err := s.Home.UpdateDocAccess(ctx, owner, w.doc, home.AccessDelta{Users: map[string]rowhouse.Role{
		"editor@example.com": rowhouse.RoleEditors, "viewer@example.com": rowhouse.RoleViewers,
	}}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{w.doc, w.other} {
		d, err := s.Docs.Open(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		_, err = d.Apply(ctx, owner, []core.Action{
			core.AddTable{ID: "Pets", Columns: []core.ColumnSpec{{ID: "name", Label: "Pet name"}, {ID: "legs", Type: "Int"}, {ID: "born", Type: "Date"}}},
			core.AddRecords{Table: "Pets", Rows: []core.Row{
				{Fields: map[string]any{"name": "Rex", "legs": 4, "born": "2024-01-02"}},
				{Fields: map[string]any{"name": "Tweety", "legs": 2}},
			}},
		}, core.ApplyOptions{})
		d.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *filesWorld) url(path string) string { return "/api/docs/" + w.doc + path }

func TestSQLEndpoint(t *testing.T) {
	w := newFilesWorld(t)
	w.s.SQLiteOnly(t)
	home := filepath.Join(w.s.SQLite.Dir(), "home.db")
	other := w.s.SQLite.DocPath(w.other)
	onlySelect := "only select statements are supported"
	cases := []testserver.Scenario{
		{Name: "GET as viewer", Method: "GET", URL: w.url("/sql?q=" + urlq("select name, legs from Pets order by id")), Key: w.viewer, Status: 200,
			JSON: `{"statement":"select * from (select name, legs from Pets order by id)","records":[{"fields":{"name":"Rex","legs":4}},{"fields":{"name":"Tweety","legs":2}}]}`},
		{Name: "POST with args", Method: "POST", URL: w.url("/sql"), Key: w.viewer, Body: map[string]any{"sql": "select name from Pets where legs = ?;", "args": []any{2}}, Status: 200,
			JSON: `{"statement":"select * from (select name from Pets where legs = ?)","records":[{"fields":{"name":"Tweety"}}]}`},
		{Name: "raw values", Method: "POST", URL: w.url("/sql"), Key: w.owner, Body: map[string]any{"sql": "select born, 1.5 as f, null as n, 'x' as s from Pets where id = 1"}, Status: 200,
			JSON: `{"statement":"<str>","records":[{"fields":{"born":1704153600,"f":1.5,"n":null,"s":"x"}}]}`},
		{Name: "no rows", Method: "GET", URL: w.url("/sql?q=" + urlq("select * from Pets where 0")), Key: w.viewer, Status: 200,
			JSON: `{"statement":"select * from (select * from Pets where 0)","records":[]}`},
		{Name: "stranger", Method: "GET", URL: w.url("/sql?q=select+1"), Key: w.stranger, Status: 403, Error: "No view access"},
		{Name: "anonymous", Method: "GET", URL: w.url("/sql?q=select+1"), Status: 403, Error: "No view access"},
		{Name: "missing q", Method: "GET", URL: w.url("/sql"), Key: w.viewer, Status: 400, Error: onlySelect},
		{Name: "not a select", Method: "GET", URL: w.url("/sql?q=" + urlq("delete from Pets")), Key: w.owner, Status: 400, Error: onlySelect},
		{Name: "two statements", Method: "POST", URL: w.url("/sql"), Key: w.owner, Body: map[string]any{"sql": "select 1; select 2"}, Status: 400, Error: onlySelect},
		{Name: "attach statement", Method: "POST", URL: w.url("/sql"), Key: w.owner, Body: map[string]any{"sql": "attach '" + home + "' as h"}, Status: 400, Error: onlySelect},
		{Name: "attach after a select", Method: "POST", URL: w.url("/sql"), Key: w.owner, Body: map[string]any{"sql": "select 1; attach '" + other + "' as o"}, Status: 400, Error: onlySelect},
		{Name: "attach in a WITH", Method: "POST", URL: w.url("/sql"), Key: w.owner, Body: map[string]any{"sql": "with x as (select 1) attach '" + other + "' as o"}, Status: 400, Contains: []string{"syntax error"}},
		{Name: "system table", Method: "POST", URL: w.url("/sql"), Key: w.owner, Body: map[string]any{"sql": "select * from _rh_meta"}, Status: 400, Error: "SQLite: access to _rh_meta.key is prohibited"},
		{Name: "database list", Method: "POST", URL: w.url("/sql"), Key: w.owner, Body: map[string]any{"sql": "select file from pragma_database_list"}, Status: 400, NotContains: []string{w.s.SQLite.Dir()}},
		{Name: "other files", Method: "POST", URL: w.url("/sql"), Key: w.owner, Body: map[string]any{"sql": "select file from pragma_database_list"}, Status: 400, Error: "SQLite: access to pragma_database_list.file is prohibited"},
		{Name: "unknown table", Method: "POST", URL: w.url("/sql"), Key: w.owner, Body: map[string]any{"sql": "select * from Nope"}, Status: 400, Error: "SQLite: no such table: Nope"},
		// Syntax errors are the database's words about the caller's own
		// statement, not about the wrapping select * from (...).
		{Name: "syntax error at the end", Method: "POST", URL: w.url("/sql"), Key: w.owner, Body: map[string]any{"sql": "select name from Pets where"}, Status: 400, Error: "SQLite: incomplete input"},
		{Name: "syntax error", Method: "POST", URL: w.url("/sql"), Key: w.owner, Body: map[string]any{"sql": "select name frm Pets"}, Status: 400, Error: `SQLite: near "Pets": syntax error`},
		{Name: "unknown column", Method: "POST", URL: w.url("/sql"), Key: w.owner, Body: map[string]any{"sql": "select nme from Pets"}, Status: 400, Error: "SQLite: no such column: nme"},
		{Name: "slow", Method: "POST", URL: w.url("/sql"), Key: w.viewer,
			Body:   map[string]any{"sql": "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c", "timeout": 20},
			Status: 400, Error: "a slow statement resulted in a database interrupt"},
		{Name: "missing sql", Method: "POST", URL: w.url("/sql"), Key: w.viewer, Body: map[string]any{}, Status: 400, Error: "Invalid payload", UserError: "sql is missing"},
		{Name: "bad timeout", Method: "POST", URL: w.url("/sql"), Key: w.viewer, Body: map[string]any{"sql": "select 1", "timeout": -1}, Status: 400, Error: "Invalid payload"},
		{Name: "object arg", Method: "POST", URL: w.url("/sql"), Key: w.viewer, Body: map[string]any{"sql": "select ?", "args": []any{map[string]any{}}}, Status: 400,
			Error: "args[0]: only numbers, strings, booleans and null can be bound"},
	}
	for _, c := range cases {
		c.Run(t, w.s)
	}
	// The other document was not touched, nor attached.
	if res := w.s.Do(t, "GET", w.url("/sql?q="+urlq("select name from pragma_table_list where schema <> 'main'")), w.owner, nil); res.Status != 200 || !strings.Contains(string(res.Body), `"records":[{"fields":{"name":"sqlite_temp_schema"}}]`) {
		t.Errorf("schemas after the attempts: %s", res.Body)
	}
}

func urlq(s string) string {
	return strings.NewReplacer("%", "%25", " ", "+", "&", "%26", "#", "%23", "?", "%3F", ";", "%3B", "=", "%3D", "'", "%27").Replace(s)
}

// multipartBody builds an upload with files in the field "upload".
func multipartBody(t *testing.T, files ...[3]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="upload"; filename="`+f[0]+`"`)
		if f[1] != "" {
			h.Set("Content-Type", f[1])
		}
		pw, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write([]byte(f[2]))
	}
	mw.WriteField("other", "ignored")
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func upload(t *testing.T, w *filesWorld, key string, files ...[3]string) *testserver.Response {
	t.Helper()
	ct, body := multipartBody(t, files...)
	return w.s.Send(t, testserver.Request{Method: "POST", Path: w.url("/attachments"), Key: key, Body: body, Headers: map[string]string{"Content-Type": ct}})
}

func TestAttachmentsEndpoints(t *testing.T) {
	w := newFilesWorld(t)
	res := upload(t, w, w.editor, [3]string{"hello.txt", "text/plain", "hello"}, [3]string{"page.html", "text/html", "<script>alert(1)</script>"})
	if res.Status != 200 || string(bytes.TrimSpace(res.Body)) != "[1,2]" {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	res = upload(t, w, w.owner, [3]string{"na;me ü.pdf", "", "%PDF"})
	if res.Status != 200 || string(bytes.TrimSpace(res.Body)) != "[3]" {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	ct, empty := multipartBody(t, [3]string{"empty.txt", "text/plain", ""})
	ct2, none := multipartBody(t)
	cases := []testserver.Scenario{
		{Name: "list as viewer", Method: "GET", URL: w.url("/attachments"), Key: w.viewer, Status: 200,
			JSON: `{"records":[` +
				`{"id":1,"fields":{"fileName":"hello.txt","fileSize":5,"timeUploaded":"` + testserver.EpochJSON + `"}},` +
				`{"id":2,"fields":{"fileName":"page.html","fileSize":25,"timeUploaded":"` + testserver.EpochJSON + `"}},` +
				`{"id":3,"fields":{"fileName":"na;me ü.pdf","fileSize":4,"timeUploaded":"` + testserver.EpochJSON + `"}}]}`},
		{Name: "one", Method: "GET", URL: w.url("/attachments/1"), Key: w.viewer, Status: 200,
			JSON: `{"fileName":"hello.txt","fileSize":5,"timeUploaded":"` + testserver.EpochJSON + `"}`},
		{Name: "missing", Method: "GET", URL: w.url("/attachments/9"), Key: w.viewer, Status: 404, Error: "Attachment not found: 9"},
		{Name: "missing download", Method: "GET", URL: w.url("/attachments/9/download"), Key: w.viewer, Status: 404, Error: "Attachment not found: 9"},
		{Name: "bad id", Method: "GET", URL: w.url("/attachments/x"), Key: w.viewer, Status: 400, Error: "attachment id must be a positive integer"},
		{Name: "stranger lists", Method: "GET", URL: w.url("/attachments"), Key: w.stranger, Status: 403, Error: "No view access"},
		{Name: "stranger downloads", Method: "GET", URL: w.url("/attachments/1/download"), Key: w.stranger, Status: 403, Error: "No view access"},
		{Name: "viewer uploads", Method: "POST", URL: w.url("/attachments"), Key: w.viewer, Body: empty, Headers: map[string]string{"Content-Type": ct}, Status: 403, Error: "No write access"},
		{Name: "empty file", Method: "POST", URL: w.url("/attachments"), Key: w.editor, Body: empty, Headers: map[string]string{"Content-Type": ct}, Status: 400, Error: `uploaded file "empty.txt" is empty`},
		{Name: "no file", Method: "POST", URL: w.url("/attachments"), Key: w.editor, Body: none, Headers: map[string]string{"Content-Type": ct2}, Status: 400, Error: "no files were uploaded"},
		{Name: "not multipart", Method: "POST", URL: w.url("/attachments"), Key: w.editor, Body: `{}`, Status: 400, Error: `expected a multipart/form-data body with files in the field "upload"`},
		{Name: "download", Method: "GET", URL: w.url("/attachments/1/download"), Key: w.viewer, Status: 200, Check: func(t *testing.T, res *testserver.Response) {
			if string(res.Body) != "hello" {
				t.Errorf("body %q", res.Body)
			}
			for k, v := range map[string]string{
				"Content-Type":            "text/plain",
				"Content-Disposition":     `attachment; filename="hello.txt"; filename*=UTF-8''hello.txt`,
				"Content-Security-Policy": "sandbox; default-src 'none'",
				"X-Content-Type-Options":  "nosniff",
				"Content-Length":          "5",
			} {
				if got := res.Header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
		}},
		{Name: "html is not served as html", Method: "GET", URL: w.url("/attachments/2/download"), Key: w.viewer, Status: 200, Check: func(t *testing.T, res *testserver.Response) {
			if got := res.Header.Get("Content-Type"); got != "application/octet-stream" {
				t.Errorf("Content-Type %q", got)
			}
			if got := res.Header.Get("Content-Security-Policy"); got != "sandbox; default-src 'none'" {
				t.Errorf("CSP %q", got)
			}
		}},
		{Name: "odd name", Method: "GET", URL: w.url("/attachments/3/download"), Key: w.viewer, Status: 200, Check: func(t *testing.T, res *testserver.Response) {
			if got := res.Header.Get("Content-Disposition"); got != `attachment; filename="na;me _.pdf"; filename*=UTF-8''na%3Bme%20%C3%BC.pdf` {
				t.Errorf("Content-Disposition %q", got)
			}
			if got := res.Header.Get("Content-Type"); got != "application/octet-stream" {
				t.Errorf("Content-Type %q", got)
			}
		}},
	}
	for _, c := range cases {
		c.Run(t, w.s)
	}
}

func TestAttachmentsBodyLimit(t *testing.T) {
	w := newFilesWorld(t, testserver.WithMaxBody(1000))
	res := upload(t, w, w.editor, [3]string{"big.bin", "", strings.Repeat("x", 5000)})
	if res.Status != 413 || res.Error() != "request body is larger than the limit of 1000 bytes" {
		t.Fatalf("big upload: %d %s", res.Status, res.Body)
	}
	if res := w.s.Do(t, "GET", w.url("/attachments"), w.owner, nil); !strings.Contains(string(res.Body), `"records":[]`) {
		t.Fatalf("after refused upload: %s", res.Body)
	}
}

func TestDownloads(t *testing.T) {
	start := time.Now()
	w := newFilesWorld(t)
	if res := upload(t, w, w.editor, [3]string{"a.txt", "text/plain", "kept in the file"}); res.Status != 200 {
		t.Fatalf("upload %d %s", res.Status, res.Body)
	}
	cases := []testserver.Scenario{
		{Name: "sqlite", Method: "GET", URL: w.url("/download"), Key: w.viewer, Status: 200, Check: func(t *testing.T, res *testserver.Response) {
			if got := res.Header.Get("Content-Disposition"); got != `attachment; filename="Zoo _2024___.grist"; filename*=UTF-8''Zoo%20%222024%22_%C3%A9.grist` {
				t.Errorf("Content-Disposition %q", got)
			}
			if got := res.Header.Get("Content-Type"); got != "application/x-sqlite3" {
				t.Errorf("Content-Type %q", got)
			}
			if !bytes.HasPrefix(res.Body, []byte("SQLite format 3\x00")) {
				t.Fatalf("not an SQLite file: %q", res.Body[:min(len(res.Body), 32)])
			}
			path := filepath.Join(t.TempDir(), "d.grist")
			if err := os.WriteFile(path, res.Body, 0o600); err != nil {
				t.Fatal(err)
			}
			db, err := sql.Open("sqlite3", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var n int
			var data string
			if err := db.QueryRow(`SELECT (SELECT count(*) FROM "Pets"), (SELECT data FROM _rh_attachments WHERE id = 1)`).Scan(&n, &data); err != nil || n != 2 || data != "kept in the file" {
				t.Errorf("file content: %d %q %v", n, data, err)
			}
		}},
		{Name: "csv", Method: "GET", URL: w.url("/download/csv?tableId=Pets"), Key: w.viewer, Status: 200, Check: func(t *testing.T, res *testserver.Response) {
			if got := res.Header.Get("Content-Type"); got != "text/csv; charset=utf-8" {
				t.Errorf("Content-Type %q", got)
			}
			if got := res.Header.Get("Content-Disposition"); !strings.HasPrefix(got, `attachment; filename="Zoo _2024_`) || !strings.HasSuffix(got, `-Pets.csv`) {
				t.Errorf("Content-Disposition %q", got)
			}
			recs, err := csv.NewReader(bytes.NewReader(res.Body)).ReadAll()
			if err != nil || len(recs) != 3 || strings.Join(recs[0], "|") != "Pet name|legs|born" || strings.Join(recs[1], "|") != "Rex|4|2024-01-02" || strings.Join(recs[2], "|") != "Tweety|2|" {
				t.Errorf("csv %q %v", recs, err)
			}
		}},
		{Name: "csv by column id", Method: "GET", URL: w.url("/download/csv?tableId=Pets&header=colId"), Key: w.viewer, Status: 200, Check: func(t *testing.T, res *testserver.Response) {
			if !strings.HasPrefix(string(res.Body), "name,legs,born\n") {
				t.Errorf("csv %q", res.Body)
			}
		}},
		{Name: "csv without table", Method: "GET", URL: w.url("/download/csv"), Key: w.viewer, Status: 400, Error: "tableId parameter is required"},
		{Name: "csv bad header", Method: "GET", URL: w.url("/download/csv?tableId=Pets&header=x"), Key: w.viewer, Status: 400, Error: "header must be colId or label"},
		{Name: "csv unknown table", Method: "GET", URL: w.url("/download/csv?tableId=Nope"), Key: w.viewer, Status: 404, Error: `Table not found "Nope"`,
			Check: func(t *testing.T, res *testserver.Response) {
				if res.Header.Get("Content-Disposition") != "" {
					t.Errorf("an error answer carries Content-Disposition")
				}
			}},
		{Name: "xlsx", Method: "GET", URL: w.url("/download/xlsx"), Key: w.viewer, Status: 200, Check: func(t *testing.T, res *testserver.Response) {
			if got := res.Header.Get("Content-Type"); got != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
				t.Errorf("Content-Type %q", got)
			}
			f, err := excelize.OpenReader(bytes.NewReader(res.Body))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, err := f.GetRows("Pets")
			if err != nil || len(rows) != 3 || strings.Join(rows[1], "|") != "Rex|4|2024-01-02" {
				t.Errorf("sheet %q %v", rows, err)
			}
		}},
		{Name: "stranger sqlite", Method: "GET", URL: w.url("/download"), Key: w.stranger, Status: 403, Error: "No view access"},
		{Name: "stranger csv", Method: "GET", URL: w.url("/download/csv?tableId=Pets"), Key: w.stranger, Status: 403, Error: "No view access"},
		{Name: "stranger xlsx", Method: "GET", URL: w.url("/download/xlsx"), Key: w.stranger, Status: 403, Error: "No view access"},
		{Name: "anonymous", Method: "GET", URL: w.url("/download"), Status: 403, Error: "No view access"},
		{Name: "unknown doc", Method: "GET", URL: "/api/docs/" + rowhouse.NewDocID() + "/download", Key: w.owner, Status: 404, Error: "document not found"},
	}
	for _, c := range cases {
		c.Run(t, w.s)
	}
	// No snapshot is left behind.
	left, _ := filepath.Glob(filepath.Join(os.TempDir(), "rowhouse-download-*"))
	for _, p := range left {
		if st, err := os.Stat(p); err == nil && st.ModTime().After(start) {
			t.Errorf("left behind: %s", p)
		}
	}
}

func TestSQLLargeAnswer(t *testing.T) {
	w := newFilesWorld(t)
	w.s.SQLiteOnly(t)
	// Few rows (the statement must finish within the timeout, even under
	// the race detector), each large.
	text := strings.Repeat("x", 4500)
	q := "with recursive c(x) as (select 1 union all select x + 1 from c where x < 250) select x, ? as s, x as s from c"
	res := w.s.Do(t, "POST", w.url("/sql"), w.viewer, map[string]any{"sql": q, "args": []any{text}})
	if res.Status != 200 || len(res.Body) < 1<<20 {
		t.Fatalf("status %d, %d bytes", res.Status, len(res.Body))
	}
	recs := res.JSON.(map[string]any)["records"].([]any)
	if len(recs) != 250 {
		t.Fatalf("%d records", len(recs))
	}
	last := recs[249].(map[string]any)["fields"].(map[string]any)
	// A repeated column name is made distinct by SQLite.
	if last["x"].(json.Number) != "250" || last["s:1"].(json.Number) != "250" || last["s"] != text {
		t.Fatalf("last record %v", last)
	}
}

// A statement that times out after its answer started to stream cuts the
// connection: the client sees a broken answer, never a short valid one.
func TestSQLTimeoutWhileStreaming(t *testing.T) {
	w := newFilesWorld(t)
	w.s.SQLiteOnly(t)
	srv := httptest.NewServer(w.s.Handler)
	defer srv.Close()
	body, _ := json.Marshal(map[string]any{"sql": "with recursive c(x) as (select 1 union all select x + 1 from c) select x, ? as s from c",
		"args": []any{strings.Repeat("x", 2000)}, "timeout": 200})
	req, _ := http.NewRequest("POST", srv.URL+w.url("/sql"), bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+w.viewer)
	req.Header.Set("Content-Type", "application/json")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	data, err := io.ReadAll(res.Body)
	if err == nil {
		t.Fatalf("read %d bytes without error; ends with %q", len(data), data[max(0, len(data)-20):])
	}
}

// TestSQLErrorsNameTheEngine: on either engine, a bad statement is a 400
// with the database's own words about the caller's statement, the
// database named first; names written in another case than the
// document's resolve on both (core.FoldNames).
func TestSQLErrorsNameTheEngine(t *testing.T) {
	w := newFilesWorld(t)
	type want struct{ sqlite, postgres string }
	for stmt, msg := range map[string]want{
		"select name from Pets where": {"SQLite: incomplete input", "PostgreSQL: syntax error at end of input"},
		"select name frm Pets":        {`SQLite: near "Pets": syntax error`, `PostgreSQL: syntax error at or near ""Pets""`},
		`select nme from "Pets"`:      {"SQLite: no such column: nme", `PostgreSQL: column "nme" does not exist`},
		"select name from pets":       {"", ""},
		"select Nme from Pets":        {"SQLite: no such column: Nme", `PostgreSQL: column "Nme" does not exist`},
	} {
		expected := msg.sqlite
		if w.s.Engine.Name() == "postgres" {
			expected = msg.postgres
		}
		status := 400
		if expected == "" {
			status = 200
		}
		testserver.Scenario{Name: stmt, Method: "POST", URL: w.url("/sql"), Key: w.owner, Body: map[string]any{"sql": stmt},
			Status: status, Error: expected}.Run(t, w.s)
	}
}

// TestSQLAsGristUsersWriteIt runs the statements Grist users write, with
// unquoted names in any case, on either engine: on PostgreSQL they answer
// as on SQLite (core.FoldNames), with the column names as written.
func TestSQLAsGristUsersWriteIt(t *testing.T) {
	w := newFilesWorld(t)
	if res := w.s.Do(t, "POST", w.url("/tables"), w.owner, map[string]any{"tables": []any{map[string]any{"id": "Items", "columns": []any{
		map[string]any{"id": "Name"}, map[string]any{"id": "qty", "fields": map[string]any{"type": "Int"}}, map[string]any{"id": "unitPrice", "fields": map[string]any{"type": "Numeric"}},
	}}}}); res.Status != 200 {
		t.Fatalf("add table: %d %s", res.Status, res.Body)
	}
	if res := w.s.Do(t, "POST", w.url("/tables/Items/records"), w.owner, map[string]any{"records": []any{
		map[string]any{"fields": map[string]any{"Name": "Bolt", "qty": 4, "unitPrice": 0.5}},
		map[string]any{"fields": map[string]any{"Name": "Nut", "qty": 1, "unitPrice": 0.25}},
		map[string]any{"fields": map[string]any{"Name": "Gear", "qty": 2, "unitPrice": 3}},
	}}); res.Status != 200 {
		t.Fatalf("add records: %d %s", res.Status, res.Body)
	}
	cases := []struct {
		sql  string
		args []any
		want string // the records
	}{
		{"select name, QTY from items where qty = 1", nil, `[{"fields":{"name":"Nut","QTY":1}}]`},
		{"select Name from Items where Items.qty > 1 order by id", nil, `[{"fields":{"Name":"Bolt"}},{"fields":{"Name":"Gear"}}]`},
		{"SELECT Name, qty FROM Items WHERE qty > ? ORDER BY qty DESC", []any{1}, `[{"fields":{"Name":"Bolt","qty":4}},{"fields":{"Name":"Gear","qty":2}}]`},
		{"select qty as Total from Items where Name = 'Nut'", nil, `[{"fields":{"Total":1}}]`},
		{"select sum(qty) as Total, count(*) as N from Items", nil, `[{"fields":{"Total":7,"N":3}}]`},
		{"select i.Name from Items i join Pets p on p.legs = i.qty", nil, `[{"fields":{"Name":"Bolt"}},{"fields":{"Name":"Gear"}}]`},
		{"with Big as (select * from Items where qty >= 2) select Name from Big order by Name", nil, `[{"fields":{"Name":"Bolt"}},{"fields":{"Name":"Gear"}}]`},
		{"select Total from (select qty * unitPrice as Total from Items) where Total > 1", nil, `[{"fields":{"Total":2}},{"fields":{"Total":6}}]`},
		{`select "Name" from "Items" where "Name" like 'B%'`, nil, `[{"fields":{"Name":"Bolt"}}]`},
		{"select [Name] from `Items` where Name = 'Bolt' -- a comment with Items in it", nil, `[{"fields":{"Name":"Bolt"}}]`},
		{"select 'Items.Name' as Label from Items where qty = 1", nil, `[{"fields":{"Label":"Items.Name"}}]`},
		{"select Name from Items where unitPrice = (select max(unitPrice) from Items)", nil, `[{"fields":{"Name":"Gear"}}]`},
		{"select cast(qty as text) as Q from Items where Name = 'Gear'", nil, `[{"fields":{"Q":"2"}}]`},
		{"select born from Pets where name = 'Rex'", nil, `[{"fields":{"born":1704153600}}]`},
		{"select coalesce(Name, '') as Label from Items where qty = (select min(qty) from Items)", nil, `[{"fields":{"Label":"Nut"}}]`},
	}
	for _, c := range cases {
		testserver.Scenario{Name: c.sql, Method: "POST", URL: w.url("/sql"), Key: w.viewer, Body: map[string]any{"sql": c.sql, "args": c.args},
			Status: 200, JSON: `{"statement":"<str>","records":` + c.want + `}`}.Run(t, w.s)
	}
}

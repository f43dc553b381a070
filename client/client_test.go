package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/client"
)

// countingTransport counts the requests that pass through it, by method.
type countingTransport struct {
	gets, writes atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet {
		c.gets.Add(1)
	} else {
		c.writes.Add(1)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// newDoc creates a workspace and a document on the server and returns a
// handle on it.
func newDoc(t *testing.T, c *client.Client) *client.Doc {
	t.Helper()
	ctx := t.Context()
	ws, err := c.CreateWorkspace(ctx, "current", "WS "+t.Name())
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.CreateDoc(ctx, ws, "Doc "+t.Name())
	if err != nil {
		t.Fatal(err)
	}
	return c.Doc(id)
}

// wantStatus fails unless err is an *client.Error with this status and a
// message containing msg.
func wantStatus(t *testing.T, err error, status int, msg string) {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want *client.Error %d %q", err, err, status, msg)
	}
	if e.Status != status || !strings.Contains(e.Message, msg) {
		t.Fatalf("error %d %q, want %d containing %q", e.Status, e.Message, status, msg)
	}
}

func TestHomeAgainstServer(t *testing.T) {
	srv := startServer(t)
	ctx := t.Context()
	c := client.New(srv.URL, ownerKey)

	p, err := c.Profile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.Email != "owner@localhost" || p.ID == 0 {
		t.Fatalf("profile %+v", p)
	}
	orgs, err := c.Orgs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	personal := fmt.Sprintf("docs-%d", p.ID)
	if !slices.ContainsFunc(orgs, func(o client.Org) bool { return o.Domain == personal && o.Owner != nil && o.Owner.ID == p.ID }) {
		t.Fatalf("orgs %+v: no personal org %s", orgs, personal)
	}
	cur, err := c.Org(ctx, "current")
	if err != nil {
		t.Fatal(err)
	}
	if cur.Domain != personal || cur.Access != "owners" || cur.CreatedAt.IsZero() {
		t.Fatalf("current org %+v", cur)
	}

	teamID, err := c.CreateOrg(ctx, "Team", "team-client")
	if err != nil {
		t.Fatal(err)
	}
	team, err := c.Org(ctx, "team-client")
	if err != nil {
		t.Fatal(err)
	}
	if team.ID != teamID || team.Owner != nil || team.Name != "Team" {
		t.Fatalf("team org %+v, want id %d", team, teamID)
	}

	wsID, err := c.CreateWorkspace(ctx, "team-client", "Projects")
	if err != nil {
		t.Fatal(err)
	}
	docID, err := c.CreateDoc(ctx, wsID, "Plan")
	if err != nil {
		t.Fatal(err)
	}
	if len(docID) != 22 {
		t.Fatalf("doc id %q", docID)
	}
	list, err := c.Workspaces(ctx, "team-client")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(list, func(w client.Workspace) bool { return w.ID == wsID })
	if i < 0 || list[i].Name != "Projects" || len(list[i].Docs) != 1 || list[i].Docs[0].ID != docID || list[i].OrgDomain != "team-client" {
		t.Fatalf("workspaces %+v", list)
	}
	if err := c.RenameWorkspace(ctx, wsID, "Renamed"); err != nil {
		t.Fatal(err)
	}
	ws, err := c.Workspace(ctx, wsID)
	if err != nil {
		t.Fatal(err)
	}
	if ws.Name != "Renamed" || ws.Org == nil || ws.Org.ID != teamID {
		t.Fatalf("workspace %+v", ws)
	}

	d := c.Doc(docID)
	if err := d.Rename(ctx, "Plan B"); err != nil {
		t.Fatal(err)
	}
	info, err := d.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.ID != docID || info.Name != "Plan B" || info.Workspace == nil || info.Workspace.ID != wsID || info.Access != "owners" {
		t.Fatalf("doc info %+v", info)
	}
	if err := c.DeleteDoc(ctx, docID); err != nil {
		t.Fatal(err)
	}
	_, err = d.Info(ctx)
	wantStatus(t, err, http.StatusNotFound, "document not found")

	if err := c.DeleteWorkspace(ctx, wsID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Workspace(ctx, wsID)
	if client.StatusOf(err) != http.StatusNotFound {
		t.Fatalf("deleted workspace: %v", err)
	}
	if err := c.DeleteOrg(ctx, "team-client", "team-client"); err != nil {
		t.Fatal(err)
	}
	_, err = c.Org(ctx, "team-client")
	wantStatus(t, err, http.StatusNotFound, "organization not found")

	// A bad key is the server's 401 with its message.
	_, err = client.New(srv.URL, "rh_notAKeyOfThisServer00000000000000000000").Orgs(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "invalid API key")
}

func TestTablesAndColumnsAgainstServer(t *testing.T) {
	srv := startServer(t)
	ctx := t.Context()
	c := client.New(srv.URL, ownerKey)
	d := newDoc(t, c)

	ids, err := d.CreateTables(ctx, client.NewTable{ID: "People", Columns: []client.NewColumn{
		{ID: "name"}, {ID: "age", Fields: client.ColumnFields{Type: "Int", Label: "Age"}},
	}}, client.NewTable{ID: "my table"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []string{"People", "My_table"}) {
		t.Fatalf("table ids %v", ids)
	}
	tables, err := d.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 2 || tables[0].ID != "People" || len(tables[0].Columns) != 2 ||
		tables[0].Columns[1].ID != "age" || tables[0].Columns[1].Type != "Int" || tables[0].Columns[1].Label != "Age" {
		t.Fatalf("tables %+v", tables)
	}
	if tables[0].NameSingular == "" || tables[0].NamePlural == "" {
		t.Fatalf("table names %+v", tables[0])
	}

	if err := d.UpdateTable(ctx, "My_table", client.TableChange{TableID: "Other"}); err != nil {
		t.Fatal(err)
	}
	err = d.UpdateTable(ctx, "Nope", client.TableChange{TableID: "X"})
	wantStatus(t, err, http.StatusNotFound, `Table not found "Nope"`)

	unique := true
	cols, err := d.AddColumns(ctx, "People", client.NewColumn{Fields: client.ColumnFields{Label: "E-mail", IsUnique: &unique}},
		client.NewColumn{ID: "score", Fields: client.ColumnFields{Type: "Text"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) != 2 || cols[1] != "score" {
		t.Fatalf("new columns %v", cols)
	}
	if _, err := d.AddRecords(ctx, "People", []map[string]any{{"name": "Ann", "score": "12"}}); err != nil {
		t.Fatal(err)
	}
	if err := d.ModifyColumns(ctx, "People", client.ColumnChange{ID: "score", Fields: client.ColumnFields{Type: "Numeric", ColID: "points"}}); err != nil {
		t.Fatal(err)
	}
	got, err := d.Columns(ctx, "People")
	if err != nil {
		t.Fatal(err)
	}
	var ids2 []string
	for _, col := range got {
		ids2 = append(ids2, col.ID+":"+col.Type)
	}
	if !slices.Equal(ids2, []string{"name:Text", "age:Int", cols[0] + ":Text", "points:Numeric"}) {
		t.Fatalf("columns %v", ids2)
	}
	if !got[2].IsUnique || got[2].Label != "E-mail" {
		t.Fatalf("unique column %+v", got[2])
	}
	page, err := d.Records(ctx, "People", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Records) != 1 || page.Records[0].Fields["points"] != float64(12) {
		t.Fatalf("converted values %+v", page.Records)
	}

	err = d.ModifyColumns(ctx, "People", client.ColumnChange{ID: "nope", Fields: client.ColumnFields{Label: "x"}})
	wantStatus(t, err, http.StatusNotFound, `Column not found "nope"`)
	if err := d.DeleteColumn(ctx, "People", "points"); err != nil {
		t.Fatal(err)
	}
	err = d.DeleteColumn(ctx, "People", "points")
	wantStatus(t, err, http.StatusNotFound, `Table or column not found "People.points"`)
	if err := d.DeleteTable(ctx, "Other"); err != nil {
		t.Fatal(err)
	}
	tables, err = d.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 1 || len(tables[0].Columns) != 3 {
		t.Fatalf("after deletes: %+v", tables)
	}
	_, err = d.Columns(ctx, "Other")
	wantStatus(t, err, http.StatusNotFound, `Table not found "Other"`)
}

func TestRecordsAgainstServer(t *testing.T) {
	srv := startServer(t)
	ctx := t.Context()
	ct := &countingTransport{}
	c := client.New(srv.URL, ownerKey, client.WithChunkSize(7), client.WithHTTPClient(&http.Client{Transport: ct}))
	d := newDoc(t, c)
	if _, err := d.CreateTables(ctx, client.NewTable{ID: "Items", Columns: []client.NewColumn{
		{ID: "sku"}, {ID: "qty", Fields: client.ColumnFields{Type: "Int"}}, {ID: "note"},
	}}); err != nil {
		t.Fatal(err)
	}

	const n = 100
	rows := make([]map[string]any, n)
	for i := range rows {
		rows[i] = map[string]any{"sku": fmt.Sprintf("S%03d", i), "qty": i}
	}
	ct.writes.Store(0)
	ids, err := d.AddRecords(ctx, "Items", rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != n || ids[0] != 1 || ids[n-1] != n {
		t.Fatalf("ids: %d, first %d, last %d", len(ids), ids[0], ids[len(ids)-1])
	}
	if w := ct.writes.Load(); w != (n+6)/7 {
		t.Fatalf("AddRecords sent %d requests, want %d chunks of 7", w, (n+6)/7)
	}

	// The iterator reads every record once, in order, page by page.
	ct.gets.Store(0)
	var seen []int64
	for rec, err := range d.All(ctx, "Items", &client.Query{Limit: 9}) {
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, rec.ID)
		if rec.Fields["sku"] != fmt.Sprintf("S%03d", rec.ID-1) {
			t.Fatalf("record %d: %v", rec.ID, rec.Fields)
		}
	}
	if !slices.Equal(seen, ids) {
		t.Fatalf("All saw %d records, want %d in order", len(seen), len(ids))
	}
	if g := ct.gets.Load(); g != (n+8)/9 {
		t.Fatalf("All made %d requests, want %d pages", g, (n+8)/9)
	}
	// Sorted and filtered, with an early break.
	var top []float64
	for rec, err := range d.All(ctx, "Items", &client.Query{Limit: 4, Sort: "-qty", Filter: "qty[gte]:50"}) {
		if err != nil {
			t.Fatal(err)
		}
		top = append(top, rec.Fields["qty"].(float64))
		if len(top) == 6 {
			break
		}
	}
	if !slices.Equal(top, []float64{99, 98, 97, 96, 95, 94}) {
		t.Fatalf("sorted page: %v", top)
	}
	page, err := d.Records(ctx, "Items", &client.Query{Filter: `{"sku":["S003","S010"]}`, Count: true, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Records) != 1 || page.TotalCount == nil || *page.TotalCount != 2 || page.PageInfo == nil || !page.PageInfo.HasNextPage {
		t.Fatalf("page %+v", page)
	}

	// Updates that change different columns go in separate requests.
	ct.writes.Store(0)
	if err := d.UpdateRecords(ctx, "Items", []client.Record{
		{ID: 1, Fields: map[string]any{"note": "a"}}, {ID: 2, Fields: map[string]any{"note": "b"}},
		{ID: 3, Fields: map[string]any{"qty": 1000}}, {ID: 4, Fields: map[string]any{"note": "d"}},
	}); err != nil {
		t.Fatal(err)
	}
	if w := ct.writes.Load(); w != 3 {
		t.Fatalf("UpdateRecords sent %d requests, want 3", w)
	}
	type item struct {
		ID   int64  `json:"id"`
		SKU  string `json:"sku"`
		Qty  int    `json:"qty"`
		Note string `json:"note"`
	}
	page, err = d.Records(ctx, "Items", &client.Query{Filter: "id[lte]:4"})
	if err != nil {
		t.Fatal(err)
	}
	var items []item
	for _, r := range page.Records {
		it, err := client.Decode[item](r)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
	want := []item{{1, "S000", 0, "a"}, {2, "S001", 1, "b"}, {3, "S002", 1000, ""}, {4, "S003", 3, "d"}}
	if !slices.Equal(items, want) {
		t.Fatalf("items %+v, want %+v", items, want)
	}

	// Upserts in chunks: 10 existing SKUs updated, 10 new ones added.
	var ups []client.Upsert
	for i := 90; i < 110; i++ {
		ups = append(ups, client.Upsert{Require: map[string]any{"sku": fmt.Sprintf("S%03d", i)}, Fields: map[string]any{"note": "upserted"}})
	}
	ct.writes.Store(0)
	res, err := d.UpsertRecords(ctx, "Items", ups, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Added) != 10 || len(res.RecordIDs) != 20 || res.RecordIDs[0][0] != 91 || res.Added[0] != 101 {
		t.Fatalf("upsert result %+v", res)
	}
	updated := 0
	for _, u := range res.Updated {
		updated += len(u)
	}
	if updated != 10 {
		t.Fatalf("upsert updated %d, want 10: %+v", updated, res.Updated)
	}
	if w := ct.writes.Load(); w != 3 {
		t.Fatalf("UpsertRecords sent %d requests, want 3 chunks", w)
	}
	page, err = d.Records(ctx, "Items", &client.Query{Filter: `note[eq]:"upserted"`, Count: true, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if *page.TotalCount != 20 {
		t.Fatalf("%d records upserted, want 20", *page.TotalCount)
	}
	_, err = d.UpsertRecords(ctx, "Items", ups[:1], &client.UpsertOptions{OnMany: "several"})
	wantStatus(t, err, http.StatusBadRequest, "onmany")

	if err := d.DeleteRecords(ctx, "Items", ids[:50]); err != nil {
		t.Fatal(err)
	}
	page, err = d.Records(ctx, "Items", &client.Query{Count: true, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if *page.TotalCount != 60 {
		t.Fatalf("%d records after deleting 50, want 60", *page.TotalCount)
	}

	// Error mapping: the server's status and message.
	_, err = d.Records(ctx, "Nope", nil)
	wantStatus(t, err, http.StatusNotFound, `Table not found "Nope"`)
	_, err = d.Records(ctx, "Items", &client.Query{Filter: `{"sku":"S001"}`})
	wantStatus(t, err, http.StatusBadRequest, "filter values must be arrays")
	err = d.UpdateRecords(ctx, "Items", []client.Record{{ID: 99999, Fields: map[string]any{"note": "x"}}})
	wantStatus(t, err, http.StatusBadRequest, "Invalid row id 99999")

	// A write failing partway says what was written: chunks are atomic.
	bad := make([]map[string]any, 20)
	for i := range bad {
		bad[i] = map[string]any{"sku": fmt.Sprintf("B%02d", i)}
	}
	bad[15] = map[string]any{"nope": 1}
	_, err = d.AddRecords(ctx, "Items", bad)
	var we *client.WriteError
	if !errors.As(err, &we) || we.Written != 14 || we.Total != 20 {
		t.Fatalf("partial write error %v, want 14 of 20 written", err)
	}
	wantStatus(t, err, http.StatusBadRequest, `Invalid column "nope"`)
	page, err = d.Records(ctx, "Items", &client.Query{Filter: `sku[startsWith]:"B"`, Count: true, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if *page.TotalCount != 14 {
		t.Fatalf("%d records of the failed write are stored, want 14", *page.TotalCount)
	}
}

func TestSQLAttachmentsDownloadsAgainstServer(t *testing.T) {
	srv := startServer(t)
	ctx := t.Context()
	c := client.New(srv.URL, ownerKey)
	d := newDoc(t, c)
	if _, err := d.CreateTables(ctx, client.NewTable{ID: "T", Columns: []client.NewColumn{{ID: "a"}, {ID: "n", Fields: client.ColumnFields{Type: "Int"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.AddRecords(ctx, "T", []map[string]any{{"a": "x", "n": 1}, {"a": "y,z", "n": 2}}); err != nil {
		t.Fatal(err)
	}

	rows, err := d.SQL(ctx, "select a, n * 10 as m from T where n >= ? order by n", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[1]["a"] != "y,z" || rows[1]["m"] != float64(20) {
		t.Fatalf("sql rows %v", rows)
	}
	_, err = d.SQL(ctx, "delete from T")
	wantStatus(t, err, http.StatusBadRequest, "only select statements are supported")

	ids, err := d.UploadAttachments(ctx, client.File{Name: "hello.txt", ContentType: "text/plain", Content: strings.NewReader("hello, world")},
		client.File{Name: "b.bin", Content: bytes.NewReader([]byte{0, 1, 2})})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 {
		t.Fatalf("attachment ids %v", ids)
	}
	list, err := d.Attachments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != ids[0] || list[0].FileName != "hello.txt" || list[0].FileSize != 12 || list[0].TimeUploaded.IsZero() {
		t.Fatalf("attachments %+v", list)
	}
	one, err := d.Attachment(ctx, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	if one.FileName != "b.bin" || one.FileSize != 3 {
		t.Fatalf("attachment %+v", one)
	}
	var buf bytes.Buffer
	if n, err := d.DownloadAttachment(ctx, ids[0], &buf); err != nil || n != 12 || buf.String() != "hello, world" {
		t.Fatalf("download: %d %q %v", n, buf.String(), err)
	}
	_, err = d.Attachment(ctx, 999)
	if client.StatusOf(err) != http.StatusNotFound {
		t.Fatalf("missing attachment: %v", err)
	}

	buf.Reset()
	if _, err := d.DownloadCSV(ctx, "T", "", &buf); err != nil {
		t.Fatal(err)
	}
	if got := strings.ReplaceAll(buf.String(), "\r\n", "\n"); got != "a,n\nx,1\n\"y,z\",2\n" {
		t.Fatalf("csv %q", got)
	}
	buf.Reset()
	if _, err := d.DownloadXLSX(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("PK")) {
		t.Fatalf("xlsx does not start like a zip: %q", buf.Bytes()[:min(8, buf.Len())])
	}
	buf.Reset()
	if _, err := d.DownloadSQLite(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("SQLite format 3\x00")) {
		t.Fatalf("sqlite download header %q", buf.Bytes()[:min(16, buf.Len())])
	}
	_, err = d.DownloadCSV(ctx, "Nope", "", &buf)
	wantStatus(t, err, http.StatusNotFound, `Table not found "Nope"`)
}

func TestAPIKeysAgainstServer(t *testing.T) {
	srv := startServer(t)
	ctx := t.Context()
	c := client.New(srv.URL, ownerKey)
	d := newDoc(t, c)

	exp := time.Now().Add(48 * time.Hour)
	k, err := c.CreateAPIKey(ctx, client.NewAPIKey{Name: "ci", ExpiresAt: &exp, Scopes: &client.KeyScopes{Docs: []string{d.ID()}, ReadOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(k.Key, "rh_") || k.ID == 0 || k.ExpiresAt == nil || k.ExpiresAt.Unix() != exp.Unix() || !k.Scopes.ReadOnly {
		t.Fatalf("new key %+v", k)
	}
	keys, err := c.APIKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(keys, func(x client.APIKey) bool { return x.ID == k.ID })
	if i < 0 || keys[i].Key != "" || keys[i].Name != "ci" || !slices.Equal(keys[i].Scopes.Docs, []string{d.ID()}) {
		t.Fatalf("keys %+v", keys)
	}

	scoped := client.New(srv.URL, k.Key).Doc(d.ID())
	if _, err := scoped.Tables(ctx); err != nil {
		t.Fatalf("read with the scoped key: %v", err)
	}
	_, err = scoped.CreateTables(ctx, client.NewTable{ID: "X"})
	if s := client.StatusOf(err); s != http.StatusForbidden {
		t.Fatalf("write with a read-only key: %v", err)
	}

	if err := c.DeleteAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	_, err = scoped.Tables(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "invalid API key")
}

// routeMissing reports whether err is the server's answer for an unknown
// route (API.md: 404 "not found: <path>").
func routeMissing(err error) bool {
	var e *client.Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound && strings.HasPrefix(e.Message, "not found: ")
}

func TestWebhooksAgainstServer(t *testing.T) {
	srv := startServer(t, "ROWHOUSE_WEBHOOK_ALLOW_PRIVATE=1")
	ctx := t.Context()
	c := client.New(srv.URL, ownerKey)
	d := newDoc(t, c)
	if _, err := d.CreateTables(ctx, client.NewTable{ID: "T", Columns: []client.NewColumn{{ID: "a"}}}); err != nil {
		t.Fatal(err)
	}
	hooks, err := d.Webhooks(ctx)
	if routeMissing(err) {
		t.Skip("this server has no webhook routes yet (API.md part D): skipped")
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(hooks) != 0 {
		t.Fatalf("webhooks of a new document: %+v", hooks)
	}
	// A receiver that checks deliveries with VerifySignature.
	type delivery struct {
		sig, id string
		body    []byte
	}
	got := make(chan delivery, 10)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- delivery{r.Header.Get("X-Rowhouse-Signature"), r.Header.Get("X-Rowhouse-Delivery"), b}
	}))
	defer recv.Close()
	created, err := d.CreateWebhooks(ctx, client.WebhookFields{Name: "h", URL: recv.URL + "/hook", EventTypes: []string{"add", "update"}, TableID: "T"})
	if err != nil {
		t.Fatal(err)
	}
	if len(created) != 1 || created[0].ID == "" || created[0].Secret == "" {
		t.Fatalf("created %+v", created)
	}
	if _, err := d.AddRecords(ctx, "T", []map[string]any{{"a": "signed"}}); err != nil {
		t.Fatal(err)
	}
	select {
	case dl := <-got:
		if err := client.VerifySignature(created[0].Secret, dl.sig, dl.body, time.Now(), 0); err != nil {
			t.Fatalf("delivery %s with signature %q: %v", dl.body, dl.sig, err)
		}
		if err := client.VerifySignature("wrong secret", dl.sig, dl.body, time.Now(), 0); !errors.Is(err, client.ErrBadSignature) {
			t.Fatalf("wrong secret verified: %v", err)
		}
		if !strings.Contains(string(dl.body), `"signed"`) {
			t.Fatalf("delivery body %s", dl.body)
		}
		// The delivery is listed, and can be sent again under its id.
		var list []client.Delivery
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			list, err = d.Deliveries(ctx, created[0].ID, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) == 1 && list[0].DeliveredAt != nil || time.Now().After(deadline) {
				break
			}
		}
		if len(list) != 1 || list[0].ID != dl.id || list[0].NumRecords != 1 || list[0].DeliveredAt == nil || len(list[0].AttemptLog) == 0 {
			t.Fatalf("deliveries %+v, want the one received (%s)", list, dl.id)
		}
		if err := d.Redeliver(ctx, created[0].ID, dl.id); err != nil {
			t.Fatal(err)
		}
		select {
		case again := <-got:
			if again.id != dl.id || string(again.body) != string(dl.body) {
				t.Fatalf("redelivery %s %s, want %s %s", again.id, again.body, dl.id, dl.body)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("no redelivery within 20s")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no webhook delivery within 20s")
	}
	if err := d.ClearWebhookQueue(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = d.Deliveries(ctx, "no-such-hook", 0)
	if client.StatusOf(err) != http.StatusNotFound {
		t.Fatalf("deliveries of a missing webhook: %v", err)
	}
	off := false
	if err := d.UpdateWebhook(ctx, created[0].ID, client.WebhookFields{Enabled: &off, Memo: "paused"}); err != nil {
		t.Fatal(err)
	}
	hooks, err = d.Webhooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hooks) != 1 || hooks[0].ID != created[0].ID || hooks[0].Fields.Memo != "paused" || hooks[0].Fields.Enabled == nil || *hooks[0].Fields.Enabled ||
		!slices.Equal(hooks[0].Fields.EventTypes, []string{"add", "update"}) {
		t.Fatalf("webhooks %+v", hooks)
	}
	_, err = d.CreateWebhooks(ctx, client.WebhookFields{URL: "http://127.0.0.1:1/hook", TableID: "T"})
	wantStatus(t, err, http.StatusBadRequest, "eventTypes must be a non-empty array")
	if err := d.DeleteWebhook(ctx, created[0].ID); err != nil {
		t.Fatal(err)
	}
	hooks, err = d.Webhooks(ctx)
	if err != nil || len(hooks) != 0 {
		t.Fatalf("after delete: %+v %v", hooks, err)
	}
}

func TestChangesAgainstServer(t *testing.T) {
	srv := startServer(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	c := client.New(srv.URL, ownerKey)
	d := newDoc(t, c)
	if _, err := d.CreateTables(ctx, client.NewTable{ID: "T", Columns: []client.NewColumn{{ID: "a"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.AddRecords(ctx, "T", []map[string]any{{"a": "one"}, {"a": "two"}}); err != nil {
		t.Fatal(err)
	}
	var got []client.Change
	for ch, err := range client.New(srv.URL, ownerKey, client.WithRetries(0)).Doc(d.ID()).Changes(ctx, 0) {
		if routeMissing(err) {
			t.Skip("this server has no /changes feed yet (API.md part D): skipped")
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ch)
		if ch.Table == "T" && len(ch.Rows) == 2 {
			break
		}
	}
	last := got[len(got)-1]
	if last.Rows[0].Fields["a"] != "one" || last.Rows[1].Fields["a"] != "two" {
		t.Fatalf("change %+v", last)
	}
	// Resuming after the last change sees only what comes next.
	if _, err := d.AddRecords(ctx, "T", []map[string]any{{"a": "three"}}); err != nil {
		t.Fatal(err)
	}
	for ch, err := range d.Changes(ctx, last.Seq) {
		if err != nil {
			t.Fatal(err)
		}
		if ch.Seq <= last.Seq || len(ch.Rows) != 1 || ch.Rows[0].Fields["a"] != "three" {
			t.Fatalf("resumed change %+v after seq %d", ch, last.Seq)
		}
		break
	}
}

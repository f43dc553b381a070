package main

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/query"
	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/store/postgres"
	"github.com/rowhouse/rowhouse/store/postgres/pgtest"
	"github.com/rowhouse/rowhouse/store/sqlite"
)

// rowhouse migrate, as a new user would run it: a data folder made by the
// SQLite default, migrated into PostgreSQL with its progress and
// verification on stderr; a server on the database then answers exactly
// as the SQLite one did. Migrating into a non-empty database is refused
// unless --force.
func TestProcessMigrate(t *testing.T) {
	pgtest.Skip(t)
	t.Parallel()
	dir := t.TempDir()
	p := startServer(t, dir, "ROWHOUSE_OWNER_API_KEY="+ownerKey)
	owner := p.client(ownerKey)
	var wsID int64
	owner.want(200, "POST", "/api/orgs/current/workspaces", map[string]string{"name": "Projects"}).JSON(t, &wsID)
	var docID string
	owner.want(200, "POST", "/api/workspaces/"+itoa(wsID)+"/docs", map[string]string{"name": "Tasks"}).JSON(t, &docID)
	doc := "/api/docs/" + docID
	owner.want(200, "POST", doc+"/tables", map[string]any{"tables": []any{
		map[string]any{"id": "Teams", "columns": []any{map[string]any{"id": "name", "fields": map[string]any{"type": "Text"}}}},
		map[string]any{"id": "People", "columns": []any{
			map[string]any{"id": "name", "fields": map[string]any{"type": "Text"}},
			map[string]any{"id": "age", "fields": map[string]any{"type": "Int"}},
			map[string]any{"id": "score", "fields": map[string]any{"type": "Numeric"}},
			map[string]any{"id": "active", "fields": map[string]any{"type": "Bool"}},
			map[string]any{"id": "team", "fields": map[string]any{"type": "Ref:Teams"}},
			map[string]any{"id": "tags", "fields": map[string]any{"type": "ChoiceList"}},
		}},
	}})
	owner.want(200, "POST", doc+"/tables/Teams/records", map[string]any{"records": []any{
		map[string]any{"fields": map[string]any{"name": "Red"}}, map[string]any{"fields": map[string]any{"name": "Blue"}}}})
	owner.want(200, "POST", doc+"/tables/People/records", map[string]any{"records": []any{
		map[string]any{"fields": map[string]any{"name": "Alice", "age": 30, "score": 1.5, "active": true, "team": 1, "tags": []any{"L", "a", "b"}}},
		map[string]any{"fields": map[string]any{"name": "Bob", "age": "not a number", "score": 2, "active": false, "team": 2}},
		map[string]any{"fields": map[string]any{"name": "Eve"}},
	}})
	// A wide table: 600 rows of 140 columns need more bound parameters per
	// batch than PostgreSQL takes (65,535) unless batches shrink with width.
	var wideCols, wideRecs []any
	for i := range 140 {
		wideCols = append(wideCols, map[string]any{"id": fmt.Sprintf("c%d", i), "fields": map[string]any{"type": "Int"}})
	}
	for r := range 600 {
		f := map[string]any{}
		for i := range 140 {
			f[fmt.Sprintf("c%d", i)] = r*1000 + i
		}
		wideRecs = append(wideRecs, map[string]any{"fields": f})
	}
	owner.want(200, "POST", doc+"/tables", map[string]any{"tables": []any{map[string]any{"id": "Wide", "columns": wideCols}}})
	owner.want(200, "POST", doc+"/tables/Wide/records", map[string]any{"records": wideRecs})
	// Ids are never reused: the removed row's id stays taken after the move.
	owner.want(200, "POST", doc+"/tables/People/data/delete", []int{3})
	reads := []string{"/api/orgs", "/api/orgs/current/workspaces", doc, doc + "/tables", doc + "/tables/People/columns",
		doc + "/tables/People/records", doc + "/tables/Teams/records", doc + "/tables/People/records?filter=" + url.QueryEscape(`{"active":[true]}`), doc + "/tables/Wide/records"}
	want := map[string]string{}
	for _, r := range reads {
		want[r] = string(owner.want(200, "GET", r, nil).Body)
	}
	if code := p.Signal(syscall.SIGTERM); code != 0 {
		t.Fatalf("server exit code %d", code)
	}

	// An index the core built on SQLite stays behind (see
	// store.AdvisedIndexPrefix): PostgreSQL's core builds its own.
	byName := core.Select{Table: "People", Sort: []query.SortKey{{Path: []string{"name"}, Desc: true}}}
	if got := advisedIndexes(t, mustEngine(sqlite.Open(t.Context(), dir, sqlite.Options{})), docID, &byName); len(got) == 0 {
		t.Fatal("no index advised on SQLite")
	}

	prefix := pgtest.Prefix(t)
	target, err := url.Parse(pgtest.URL())
	if err != nil {
		t.Fatal(err)
	}
	q := target.Query()
	q.Set("rowhouse_schema", prefix+"_home")
	q.Set("rowhouse_doc_prefix", prefix+"_doc_")
	target.RawQuery = q.Encode()
	db := target.String()

	res := runBinary(t, nil, "migrate", "--from", dir, "--to", db)
	if res.code != 0 {
		t.Fatalf("migrate: exit %d\n%s", res.code, res.stderr)
	}
	for _, s := range []string{"users: verified", "api_keys: verified", "document " + docID + " (1/1)", "People: verified, 2 rows", "_rh_outbox: verified"} {
		if !strings.Contains(res.stderr, s) {
			t.Errorf("migrate's stderr lacks %q:\n%s", s, res.stderr)
		}
	}
	if !strings.Contains(res.stdout, "and 1 documents") {
		t.Errorf("migrate's stdout: %q", res.stdout)
	}

	if got := advisedIndexes(t, mustEngine(postgres.Open(t.Context(), db, postgres.Options{})), docID, nil); len(got) != 0 {
		t.Errorf("advised indexes migrated: %v", got)
	}

	again := runBinary(t, nil, "migrate", "--from", dir, "--to", db)
	if again.code != 1 || !strings.Contains(again.stderr, "the target database is not empty") || !strings.Contains(again.stderr, "--force") {
		t.Errorf("migrating into the same database again: exit %d\n%s", again.code, again.stderr)
	}
	forced := runBinary(t, nil, "migrate", "--from", dir, "--to", db, "--force")
	if forced.code != 0 || !strings.Contains(forced.stderr, "--force: emptying the target") {
		t.Fatalf("migrate --force: exit %d\n%s", forced.code, forced.stderr)
	}

	pg := startServer(t, t.TempDir(), "ROWHOUSE_DB="+db)
	owner = pg.client(ownerKey) // the key moved with the users
	for _, r := range reads {
		if got := string(owner.want(200, "GET", r, nil).Body); got != want[r] {
			t.Errorf("GET %s on PostgreSQL:\n got  %s\n want %s", r, got, want[r])
		}
	}
	// And back: a backup of the PostgreSQL installation, taken while its
	// server runs, is a SQLite data folder that answers the same.
	out := filepath.Join(t.TempDir(), "backup")
	bk := runBinary(t, nil, "backup", "--db", db, "--to", out)
	if bk.code != 0 || !strings.Contains(bk.stdout, "backed up home.db and 1 documents") {
		t.Fatalf("backup --db: exit %d\n%s%s", bk.code, bk.stdout, bk.stderr)
	}
	back := startServer(t, out).client(ownerKey)
	for _, r := range reads {
		if got := string(back.want(200, "GET", r, nil).Body); got != want[r] {
			t.Errorf("GET %s on the backup:\n got  %s\n want %s", r, got, want[r])
		}
	}

	var ids struct {
		Records []struct {
			ID int64 `json:"id"`
		} `json:"records"`
	}
	owner.want(200, "POST", doc+"/tables/People/records", map[string]any{"records": []any{map[string]any{"fields": map[string]any{"name": "Zed"}}}}).JSON(t, &ids)
	if len(ids.Records) != 1 || ids.Records[0].ID != 4 {
		t.Errorf("a new row after the move got %+v, want id 4", ids.Records)
	}
}

// mustEngine is an engine opened for a test's look at a data store.
func mustEngine[E store.Engine](e E, err error) E {
	if err != nil {
		panic(err)
	}
	return e
}

// advisedIndexes reads sel (if any) on document docID of e with an index
// advisor that builds at the first read, then lists the document's
// advised indexes and closes e.
func advisedIndexes(t *testing.T, e store.Engine, docID string, sel *core.Select) map[string][][]string {
	t.Helper()
	defer e.Close()
	ctx := t.Context()
	docs := core.NewDocs(e, core.Options{IndexAdvice: core.IndexAdvice{Scans: 1, Reads: 1, MinRows: -1}})
	d, err := docs.Open(ctx, docID)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if sel != nil {
		rows, err := d.Query(ctx, *sel)
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
		docs.Wait()
	}
	got, err := d.AdvisedIndexes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

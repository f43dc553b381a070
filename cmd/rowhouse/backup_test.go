package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rowhouse backup copies a data folder while its server runs; a server on
// the copy answers as the original did; the original goes on working; a
// non-empty target is refused. (On PostgreSQL: TestProcessMigrate.)
func TestProcessBackup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := startServer(t, dir, "ROWHOUSE_OWNER_API_KEY="+ownerKey)
	owner := p.client(ownerKey)
	var wsID int64
	owner.want(200, "POST", "/api/orgs/current/workspaces", map[string]string{"name": "Projects"}).JSON(t, &wsID)
	var docID string
	owner.want(200, "POST", "/api/workspaces/"+itoa(wsID)+"/docs", map[string]string{"name": "Tasks"}).JSON(t, &docID)
	doc := "/api/docs/" + docID
	owner.want(200, "POST", doc+"/tables", map[string]any{"tables": []any{map[string]any{"id": "Items",
		"columns": []any{map[string]any{"id": "n", "fields": map[string]any{"type": "Int"}}}}}})
	owner.want(200, "POST", doc+"/tables/Items/records", map[string]any{"records": []any{
		map[string]any{"fields": map[string]any{"n": 1}}, map[string]any{"fields": map[string]any{"n": 2}}}})
	reads := []string{"/api/orgs/current/workspaces", doc, doc + "/tables/Items/records"}
	want := map[string]string{}
	for _, r := range reads {
		want[r] = string(owner.want(200, "GET", r, nil).Body)
	}

	out := filepath.Join(t.TempDir(), "copy")
	res := runBinary(t, nil, "backup", "--data", dir, "--to", out)
	if res.code != 0 || !strings.Contains(res.stdout, "backed up home.db and 1 documents") || !strings.Contains(res.stderr, "document "+docID+": copied") {
		t.Fatalf("backup: exit %d\nstdout %s\nstderr %s", res.code, res.stdout, res.stderr)
	}
	// The original server goes on writing.
	owner.want(200, "POST", doc+"/tables/Items/records", map[string]any{"records": []any{map[string]any{"fields": map[string]any{"n": 3}}}})

	copyOwner := startServer(t, out).client(ownerKey) // the key is in the copy's home.db
	for _, r := range reads {
		if got := string(copyOwner.want(200, "GET", r, nil).Body); got != want[r] {
			t.Errorf("GET %s on the copy:\n got  %s\n want %s", r, got, want[r])
		}
	}

	again := runBinary(t, nil, "backup", "--data", dir, "--to", out)
	if again.code != 1 || !strings.Contains(again.stderr, "is not empty") {
		t.Errorf("backup into a non-empty folder: exit %d, %s", again.code, again.stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "docs", docID+".db")); err != nil {
		t.Errorf("the copy's document file: %v", err)
	}
}

package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse/client"
	"github.com/rowhouse/rowhouse/internal/procserver"
)

var binary string

func TestMain(m *testing.M) { procserver.Main(m, &binary) }

func TestSyncAgainstServer(t *testing.T) {
	url := procserver.Start(t, binary).URL
	ctx := t.Context()
	c := client.New(url, procserver.OwnerKey)
	ws, err := c.CreateWorkspace(ctx, "current", "Sync")
	if err != nil {
		t.Fatal(err)
	}
	docID, err := c.CreateDoc(ctx, ws, "Sync")
	if err != nil {
		t.Fatal(err)
	}
	d := c.Doc(docID)
	if _, err := d.CreateTables(ctx, client.NewTable{ID: "People", Columns: []client.NewColumn{{ID: "email"}, {ID: "name"}, {ID: "age", Fields: client.ColumnFields{Type: "Int"}}}}); err != nil {
		t.Fatal(err)
	}

	first := "email,name,age\na@x,Ann,41\nb@x,Bob,29\nc@x,Cy,50\n"
	res, err := Sync(ctx, d, "People", "email", csv.NewReader(strings.NewReader(first)), true)
	if err != nil || res != (Result{Added: 3}) {
		t.Fatalf("first sync %+v %v", res, err)
	}
	second := "email,name,age\nb@x,Bobby,30\nd@x,Di,22\na@x,Ann,41\n"
	res, err = Sync(ctx, d, "People", "email", csv.NewReader(strings.NewReader(second)), true)
	if err != nil || res != (Result{Added: 1, Updated: 2, Removed: 1}) {
		t.Fatalf("second sync %+v %v", res, err)
	}
	var got []string
	for r, err := range d.All(ctx, "People", &client.Query{Sort: "email"}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%v %v %v", r.Fields["email"], r.Fields["name"], r.Fields["age"]))
	}
	if strings.Join(got, "|") != "a@x Ann 41|b@x Bobby 30|d@x Di 22" {
		t.Fatalf("table after sync: %v", got)
	}
	_, err = Sync(ctx, d, "People", "email", csv.NewReader(strings.NewReader("email,name\na@x,A\na@x,B\n")), false)
	if err == nil || !strings.Contains(err.Error(), `key "a@x" appears twice`) {
		t.Fatalf("duplicate keys: %v", err)
	}

	// A numeric key column: the server answers numbers, the file holds
	// text; only the record that left the file goes.
	if _, err := d.CreateTables(ctx, client.NewTable{ID: "Codes", Columns: []client.NewColumn{{ID: "code", Fields: client.ColumnFields{Type: "Int"}}, {ID: "name"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Sync(ctx, d, "Codes", "code", csv.NewReader(strings.NewReader("code,name\n1,A\n2,B\n")), true); err != nil {
		t.Fatal(err)
	}
	res, err = Sync(ctx, d, "Codes", "code", csv.NewReader(strings.NewReader("code,name\n2,Bee\n")), true)
	if err != nil || res != (Result{Updated: 1, Removed: 1}) {
		t.Fatalf("sync by an Int key %+v %v", res, err)
	}
	got = nil
	for r, err := range d.All(ctx, "Codes", nil) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%v %v", r.Fields["code"], r.Fields["name"]))
	}
	if strings.Join(got, "|") != "2 Bee" {
		t.Fatalf("Codes after sync: %v", got)
	}

	// The command itself, with the key from the environment.
	t.Setenv("ROWHOUSE_API_KEY", procserver.OwnerKey)
	path := filepath.Join(t.TempDir(), "p.csv")
	if err := os.WriteFile(path, []byte("email,name,age\ne@x,Ed,60\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"-url", url, "-doc", docID, "-table", "People", "-key", "email", path}, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "1 added, 0 updated, 0 removed\n" {
		t.Fatalf("output %q", out.String())
	}
}

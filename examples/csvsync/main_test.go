package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
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
	// The same file again changes nothing, and says so.
	res, err = Sync(ctx, d, "People", "email", csv.NewReader(strings.NewReader(first)), true)
	if err != nil || res != (Result{}) {
		t.Fatalf("an identical re-sync %+v %v, want nothing added, updated or removed", res, err)
	}
	// Ann's row is as it was (41 as text matches the Int 41): only Bob's
	// counts as updated.
	second := "email,name,age\nb@x,Bobby,30\nd@x,Di,22\na@x,Ann,41\n"
	res, err = Sync(ctx, d, "People", "email", csv.NewReader(strings.NewReader(second)), true)
	if err != nil || res != (Result{Added: 1, Updated: 1, Removed: 1}) {
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

	// The command itself, with the URL and key from the environment, and
	// --key-column naming the key column as rowhouse import does.
	getenv := func(k string) string {
		return map[string]string{"ROWHOUSE_URL": url, "ROWHOUSE_API_KEY": procserver.OwnerKey}[k]
	}
	path := filepath.Join(t.TempDir(), "p.csv")
	if err := os.WriteFile(path, []byte("email,name,age\ne@x,Ed,60\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1 added, 0 updated, 0 removed\n", "0 added, 0 updated, 0 removed\n"} {
		var out bytes.Buffer
		if err := run(ctx, []string{"--doc", docID, "--table", "People", "--key-column", "email", path}, getenv, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Fatalf("output %q, want %q", out.String(), want)
		}
	}
	// --key is the API key, as everywhere; -h prints no secret.
	var stderr bytes.Buffer
	err = run(ctx, []string{"-h"}, func(k string) string { return "rh_secret_from_the_environment" }, io.Discard, &stderr)
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr.String(), "-key-column") || strings.Contains(stderr.String(), "rh_secret") {
		t.Fatalf("-h: %v\n%s", err, stderr.String())
	}
}

package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenSchema is a document with every column type.
func goldenSchema(t *testing.T) *schema.Schema {
	t.Helper()
	col := func(id, typ, label, options string) *schema.Column {
		ty, err := schema.ParseType(typ)
		if err != nil {
			t.Fatal(err)
		}
		return &schema.Column{ID: id, Type: ty, Label: label, WidgetOptions: options}
	}
	companies := &schema.Table{ID: "Companies", NameSingular: "company", NamePlural: "companies", Columns: []*schema.Column{
		col("name", "Text", "Name", ""), col("country", "Choice", "Country", `{"choices":["FR","US"]}`),
		col("size", "Int", "Size", ""), col("revenue", "Numeric", "Revenue", ""), col("listed", "Bool", "Listed", ""),
		col("founded", "Date", "Founded", ""), col("checked", "DateTime:Europe/Paris", "Checked", ""),
		col("tags", "ChoiceList", "Tags", `{"choices":["b2b","b2c"]}`), col("logo", "Attachments", "Logo", ""),
		col("extra", "Any", "Extra", ""),
	}}
	staff := col("staff", "RefList:People", "Staff", "")
	staff.Reverse, staff.ReverseCol = true, "company"
	companies.Columns = append(companies.Columns, staff)
	company := col("company", "Ref:Companies", "Company", "")
	company.ReverseCol = "staff"
	people := &schema.Table{ID: "People", NameSingular: "person", NamePlural: "people", Columns: []*schema.Column{
		col("name", "Text", "Name", ""), company, col("friends", "RefList:People", "Friends", ""),
	}}
	return schema.New(7, []*schema.Table{companies, people})
}

// golden compares a description with testdata/<name>, or rewrites it with
// -update, after checking that it loads and validates as OpenAPI 3.1.
func golden(t *testing.T, name string, spec *openapi3.T) {
	t.Helper()
	spec.Servers = openapi3.Servers{{URL: "http://localhost:8484"}}
	data, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := loaded.Validate(context.Background()); err != nil {
		t.Fatalf("validate: %v", err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, data, "", "  "); err != nil {
		t.Fatal(err)
	}
	out.WriteByte('\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("%s differs from the generated description; review the change and run go test ./api/openapi -run TestGolden -update", path)
	}
}

// The generated descriptions, as golden files: a change in what is
// generated shows as a diff to review.
func TestGolden(t *testing.T) {
	doc, err := ForDocument("cNyXmUKqsS3fRCtS8Y2ED9", goldenSchema(t), core.Limits{MaxBatch: core.DefaultMaxBatch, MaxPage: core.DefaultMaxPage})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "document.json", doc)
	fixed, err := Fixed()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "fixed.json", fixed)
}

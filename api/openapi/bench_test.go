package openapi

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/schema"
)

// benchSchema is a document of n tables of 20 columns of every type.
func benchSchema(b *testing.B, n int) *schema.Schema {
	b.Helper()
	types := []string{"Text", "Choice", "Numeric", "Int", "Bool", "Date", "DateTime:UTC", "ChoiceList", "Ref:T0", "RefList:T0", "Attachments", "Any"}
	var tables []*schema.Table
	for i := range n {
		t := &schema.Table{ID: fmt.Sprintf("T%d", i), NameSingular: fmt.Sprintf("t%d", i), NamePlural: fmt.Sprintf("t%ds", i)}
		for j := range 20 {
			typ, err := schema.ParseType(types[j%len(types)])
			if err != nil {
				b.Fatal(err)
			}
			t.Columns = append(t.Columns, &schema.Column{ID: fmt.Sprintf("c%d", j), Type: typ, Label: fmt.Sprintf("Column %d", j),
				WidgetOptions: `{"choices":["a","b","c"]}`})
		}
		tables = append(tables, t)
	}
	return schema.New(1, tables)
}

// BenchmarkForDocument generates and encodes the description of a
// document of 50 tables of 20 columns: the work a cache miss does.
func BenchmarkForDocument(b *testing.B) {
	s := benchSchema(b, 50)
	var size int
	for b.Loop() {
		spec, err := ForDocument("AAAAAAAAAAAAAAAAAAAAAA", s, core.Limits{MaxPage: 10000, MaxBatch: 10000})
		if err != nil {
			b.Fatal(err)
		}
		body, err := json.Marshal(spec)
		if err != nil {
			b.Fatal(err)
		}
		size = len(body)
	}
	b.ReportMetric(float64(size), "bytes/doc")
}

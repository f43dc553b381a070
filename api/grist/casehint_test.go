package grist_test

import (
	"testing"

	"github.com/rowhouse/rowhouse/internal/testserver"
)

// TestCaseHints: an unknown table or column whose id differs from a real
// one only by case is refused as before, naming the right id.
func TestCaseHints(t *testing.T) {
	w := newFilesWorld(t) // table Pets: name, legs, born
	const colHint = ` (did you mean "name"? column ids are case-sensitive)`
	for _, sc := range []testserver.Scenario{
		{Name: "table", Method: "GET", URL: w.url("/tables/pets/records"), Status: 404,
			Error: `Table not found "pets" (did you mean "Pets"? table ids are case-sensitive)`},
		{Name: "unrelated table", Method: "GET", URL: w.url("/tables/Dogs/records"), Status: 404, Error: `Table not found "Dogs"`},
		{Name: "sort", Method: "GET", URL: w.url("/tables/Pets/records?sort=-Name"), Status: 400, Error: `Invalid column "Name" in table Pets` + colHint},
		{Name: "filter", Method: "GET", URL: w.url(`/tables/Pets/records?filter={"NAME":["Rex"]}`), Status: 400, Error: `Invalid column "NAME" in table Pets` + colHint},
		{Name: "write", Method: "POST", URL: w.url("/tables/Pets/records"), Body: map[string]any{"records": []any{map[string]any{"fields": map[string]any{"Name": "Tom"}}}},
			Status: 400, Error: `Invalid column "Name"` + colHint},
		{Name: "unrelated column", Method: "POST", URL: w.url("/tables/Pets/records"), Body: map[string]any{"records": []any{map[string]any{"fields": map[string]any{"tail": 1}}}},
			Status: 400, Error: `Invalid column "tail"`},
		{Name: "rename a column", Method: "PATCH", URL: w.url("/tables/Pets/columns"), Body: map[string]any{"columns": []any{map[string]any{"id": "Legs", "fields": map[string]any{"label": "x"}}}},
			Status: 404, Error: `Column not found "Legs" (did you mean "legs"? column ids are case-sensitive)`},
	} {
		sc.Key = w.owner
		sc.Run(t, w.s)
	}
}

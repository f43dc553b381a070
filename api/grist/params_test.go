package grist_test

import (
	"net/url"
	"testing"

	"github.com/rowhouse/rowhouse/internal/testserver"
)

// TestUnknownQueryParameters: on the records and data endpoints a query
// parameter the endpoint does not take is a 400 naming it (never ignored),
// while every parameter Grist's clients send, and Rowhouse's own, still
// work.
func TestUnknownQueryParameters(t *testing.T) {
	w := newFilesWorld(t) // Pets: name, legs, born; records Rex (1), Tweety (2)
	recs := w.url("/tables/Pets/records")
	data := w.url("/tables/Pets/data")
	const readTakes = " (this endpoint takes filter, sort, limit, hidden, cellFormat, immediate, starting_after, ending_before, offset, count)"
	add := map[string]any{"records": []any{map[string]any{"fields": map[string]any{"name": "Nemo", "legs": 0}}}}
	put := map[string]any{"records": []any{map[string]any{"require": map[string]any{"name": "Rex"}, "fields": map[string]any{"legs": 4}}}}
	for _, sc := range []testserver.Scenario{
		// Refused, naming the parameter, on every endpoint.
		{Name: "order_by", Method: "GET", URL: recs + "?order_by=name", Status: 400, Error: `unknown query parameter "order_by"` + readTakes},
		{Name: "depth", Method: "GET", URL: recs + "?limit=1&depth=1", Status: 400, Error: `unknown query parameter "depth"` + readTakes},
		{Name: "fields", Method: "GET", URL: data + "?fields=name", Status: 400, Error: `unknown query parameter "fields"` + readTakes},
		{Name: "escaped name", Method: "GET", URL: recs + "?sort%5B%5D=name", Status: 400, Error: `unknown query parameter "sort[]"` + readTakes},
		{Name: "upsert on POST", Method: "POST", URL: recs + "?upsert=true", Body: add, Status: 400,
			Error: `unknown query parameter "upsert" (this endpoint takes noparse, flat, utm_source)`},
		{Name: "onmany on PATCH", Method: "PATCH", URL: recs + "?onmany=all", Body: map[string]any{"records": []any{}}, Status: 400,
			Error: `unknown query parameter "onmany" (this endpoint takes noparse)`},
		{Name: "limit on PUT", Method: "PUT", URL: recs + "?limit=1", Body: put, Status: 400,
			Error: `unknown query parameter "limit" (this endpoint takes noparse, noadd, noupdate, onmany, allow_empty_require)`},
		{Name: "anything on list", Method: "POST", URL: recs + "/list?sort=name", Body: map[string]any{}, Status: 400,
			Error: `unknown query parameter "sort": this endpoint takes none`},
		{Name: "anything on delete", Method: "POST", URL: recs + "/delete?noparse=1", Body: []int{}, Status: 400,
			Error: `unknown query parameter "noparse": this endpoint takes none`},
		{Name: "anything on data delete", Method: "POST", URL: data + "/delete?x=1", Body: []int{}, Status: 400,
			Error: `unknown query parameter "x": this endpoint takes none`},
		{Name: "hidden on POST data", Method: "POST", URL: data + "?hidden=1", Body: map[string]any{"name": []string{"x"}}, Status: 400,
			Error: `unknown query parameter "hidden" (this endpoint takes noparse)`},

		// Grist's parameters, and Rowhouse's, still work.
		{Name: "read parameters", Method: "GET", URL: recs + "?" + url.Values{"filter": {`{"legs":[4]}`}, "sort": {"-name"}, "limit": {"5"},
			"hidden": {"1"}, "cellFormat": {"typed"}, "immediate": {"1"}, "count": {"1"}}.Encode(), Status: 200,
			Contains: []string{`"name":"Rex"`, `"manualSort":1`, `"totalCount":1`}, NotContains: []string{"Tweety"}},
		{Name: "data read parameters", Method: "GET", URL: data + "?sort=-id&limit=1", Status: 200, JSON: `{"id":[2],"manualSort":[2],"name":["Tweety"],"legs":[2],"born":[null]}`},
		{Name: "X-Sort and X-Limit", Method: "GET", URL: recs, Headers: map[string]string{"X-Sort": "-legs", "X-Limit": "1"}, Status: 200,
			Contains: []string{`{"records":[{"id":1,"fields":{"name":"Rex","legs":4,"born":1704153600}}],"pageInfo":`}},
		{Name: "add with noparse and utm_source", Method: "POST", URL: recs + "?noparse=1&utm_source=grist-forms", Body: add, Status: 200, JSON: `{"records":[{"id":3}]}`},
		{Name: "flat add", Method: "POST", URL: recs + "?flat=1", Body: []any{map[string]any{"name": "Dory", "legs": 0, "id": 99}, map[string]any{"fields": map[string]any{"name": "Bruce"}}},
			Status: 200, JSON: `{"records":[{"id":4},{"id":5}]}`},
		{Name: "flat records read back", Method: "GET", URL: recs + "?" + url.Values{"filter": {`{"id":[4,5]}`}}.Encode(), Status: 200,
			JSON: `{"records":[{"id":4,"fields":{"name":"Dory","legs":0,"born":null}},{"id":5,"fields":{"name":"Bruce","legs":0,"born":null}}]}`},
		{Name: "upsert parameters", Method: "PUT", URL: recs + "?noparse=1&noadd=1&noupdate=0&onmany=all&allow_empty_require=1", Body: put, Status: 200},
		{Name: "update with noparse", Method: "PATCH", URL: recs + "?noparse=1", Body: map[string]any{"records": []any{map[string]any{"id": 1, "fields": map[string]any{"legs": 3}}}}, Status: 200},
		{Name: "data add with noparse", Method: "POST", URL: data + "?noparse=0", Body: map[string]any{"name": []string{"Flipper"}}, Status: 200, JSON: `[6]`},
	} {
		sc.Key = w.owner
		sc.Run(t, w.s)
	}
}

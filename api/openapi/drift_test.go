package openapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/rowhouse/rowhouse/internal/testserver"
)

// The response validation has teeth: a real answer that validates stops
// validating when its shape drifts from the description in any of the
// ways a handler change could make it drift.
func TestValidationCatchesDrift(t *testing.T) {
	f := newFixture(t)
	c := newChecker(t, f, f.load(t, f.docPath("/openapi.json"), f.viewer))
	records := rq("GET", f.docPath("/tables/Companies/records?limit=1"), f.viewer, nil)
	real := f.s.Send(t, records)
	if err := c.validate(t, records, real, true); err != nil {
		t.Fatalf("the real answer does not validate: %v", err)
	}
	notFound := rq("GET", f.docPath("/attachments/999"), f.viewer, nil)
	realErr := f.s.Send(t, notFound)
	if err := c.validate(t, notFound, realErr, false); err != nil {
		t.Fatalf("the real error does not validate: %v", err)
	}
	replace := func(res *testserver.Response, old, new string) *testserver.Response {
		if !bytes.Contains(res.Body, []byte(old)) {
			t.Fatalf("%q is not in %s", old, res.Body)
		}
		return &testserver.Response{Status: res.Status, Header: res.Header, Body: bytes.Replace(res.Body, []byte(old), []byte(new), 1)}
	}
	cases := []struct {
		name string
		rq   testserver.Request
		res  *testserver.Response
	}{
		{"Int cell as a string", records, replace(real, `"size":12`, `"size":"12"`)},
		{"Date cell as ISO text", records, replace(real, `"founded":981158400`, `"founded":"2001-02-03"`)},
		{"list without its L", records, replace(real, `"tags":["L","b2b"]`, `"tags":["b2b"]`)},
		{"a column missing", records, replace(real, `"listed":true,`, ``)},
		{"a field renamed", records, replace(real, `"name":"Acme"`, `"title":"Acme"`)},
		{"an unknown member", records, replace(real, `"records":[`, `"rows":1,"records":[`)},
		{"pageInfo renamed", records, replace(real, `"pageInfo"`, `"page_info"`)},
		{"id as a string", records, replace(real, `"id":1,`, `"id":"1",`)},
		{"undocumented status", records, &testserver.Response{Status: http.StatusTeapot, Header: real.Header, Body: real.Body}},
		{"other content type", records, &testserver.Response{Status: real.Status, Header: http.Header{"Content-Type": {"text/html"}}, Body: real.Body}},
		{"error without error", notFound, replace(realErr, `"error":`, `"message":`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := c.validate(t, tc.rq, tc.res, false); err == nil {
				t.Errorf("the drifted answer validates: %s", tc.res.Body)
			}
		})
	}
}

// A record's fields are described twice, as read in the normal cell format
// and with cellFormat=typed, and the answer's fields may be either; here
// each format's real answer must match its own schema and not the other's
// (for tables with Date, DateTime, Ref or RefList columns, which differ).
func TestCellFormatsMatchTheirOwnSchemas(t *testing.T) {
	f := newFixture(t)
	spec := f.load(t, f.docPath("/openapi.json"), f.viewer)
	strict(spec)
	for _, table := range []string{"Companies", "People"} {
		for _, format := range []string{"normal", "typed"} {
			own, other := table+"RecordFields", table+"TypedRecordFields"
			if format == "typed" {
				own, other = other, own
			}
			res := f.s.Do(t, "GET", f.docPath("/tables/"+table+"/records?hidden=1&cellFormat="+format), f.viewer, nil)
			var body struct {
				Records []struct {
					Fields map[string]any `json:"fields"`
				} `json:"records"`
			}
			if err := json.Unmarshal(res.Body, &body); err != nil || len(body.Records) == 0 {
				t.Fatalf("%s %s: %v %s", table, format, err, res.Body)
			}
			differs := false
			for _, rec := range body.Records {
				var fields any = rec.Fields
				if err := spec.Components.Schemas[own].Value.VisitJSON(fields, openapi3.EnableJSONSchema2020()); err != nil {
					t.Errorf("%s, %s: %s refuses %v: %v", table, format, own, fields, err)
				}
				if spec.Components.Schemas[other].Value.VisitJSON(fields, openapi3.EnableJSONSchema2020()) != nil {
					differs = true
				}
			}
			if !differs {
				t.Errorf("%s, %s: every record also matches %s", table, format, other)
			}
		}
	}
}

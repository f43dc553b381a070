package openapi_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/internal/testserver"
)

const s201 = 201

// The Twenty REST core, sent for real: each answer, success and error, in
// Twenty's envelopes and error shape, matches the document's description,
// and every operation had both, on tables of every column type.
func TestTwentyResponsesMatchDescription(t *testing.T) {
	f := newFixture(t)
	c := newChecker(t, f, f.load(t, f.docPath("/openapi.json"), f.viewer))
	e, v, st := f.editor, f.viewer, f.strange
	r := func(p string) string { return f.docPath("/rest" + p) }
	id := func(n string) string { return "00000000-0000-4000-8000-00000000000" + n }

	for _, plural := range []string{"companies", "people", "scratches"} {
		c.call(t, rq("GET", r("/"+plural), v, nil), s200)
		c.call(t, rq("GET", r("/"+plural+"?depth=2&limit=1"), v, nil), s200)
		c.call(t, rq("GET", r("/"+plural+"/1?depth=1"), v, nil), s200)
		c.call(t, rq("GET", r("/"+plural+"?depth=9"), v, nil), s400)
		c.call(t, rq("GET", r("/"+plural+"/"+id("9")), v, nil), s404)
	}
	cp, pp := r("/companies"), r("/people")
	page := c.call(t, rq("GET", cp+"?limit=1&order_by="+url.QueryEscape("size[DescNullsLast]")+"&filter="+url.QueryEscape("size[is]:NOT_NULL"), v, nil), s200)
	var info struct{ PageInfo struct{ EndCursor string } }
	if err := json.Unmarshal(page.Body, &info); err != nil {
		t.Fatal(err)
	}
	c.call(t, rq("GET", cp+"?limit=1&order_by="+url.QueryEscape("size[DescNullsLast]")+"&filter="+url.QueryEscape("size[is]:NOT_NULL")+"&starting_after="+url.QueryEscape(info.PageInfo.EndCursor), v, nil), s200)
	c.call(t, rq("GET", cp+"?fields=name,logo", v, nil), s200)
	c.call(t, rq("GET", pp+"?fields=companyId,friends&filter="+url.QueryEscape(`companyId[eq]:"`+id("1")+`"`), v, nil), s200)
	c.call(t, rq("GET", pp+"/2?depth=2&fields=company,staff", v, nil), s400)
	c.call(t, rq("GET", cp, st, nil), s403)
	c.call(t, rq("GET", cp+"/1", st, nil), s403)
	if res := f.s.Do(t, "GET", f.docPath("/rest/nopes"), v, nil); res.Status != s400 { // not an operation of the description
		t.Errorf("an unknown object: %d", res.Status)
	}

	// Writes, every column type.
	company := map[string]any{"name": "Initech", "country": "US", "size": 3, "revenue": 2.5, "listed": false,
		"founded": "2024-01-01", "checked": "2024-01-01T10:30:00Z", "tags": []any{"b2b"}, "logo": []any{1}, "extra": []any{1, "x"}}
	c.call(t, rq("POST", cp+"?depth=1", e, company), s201)
	c.call(t, rq("POST", cp, v, company), s403)
	c.call(t, rq("POST", cp, e, map[string]any{"size": "big"}), s400)
	c.call(t, rq("POST", r("/batch/companies?fields=name"), e, []any{map[string]any{"name": "B1"}, map[string]any{"name": "B2"}}), s201)
	c.call(t, rq("POST", r("/batch/companies"), e, []any{}), s400)
	many := make([]any, 10_001)
	for i := range many {
		many[i] = map[string]any{}
	}
	c.call(t, rq("POST", r("/batch/companies"), e, many), s413)
	c.call(t, rq("POST", pp+"?upsert=true&depth=1", e, map[string]any{"email": "ann@example.com", "name": "Ann B", "companyId": id("2"), "friends": []any{id("2")}}), s201)
	c.call(t, testserver.Request{Method: "POST", Path: pp, Key: e, Body: map[string]any{"name": "Key"}, Headers: map[string]string{"Idempotency-Key": "t1"}}, s201)
	c.call(t, testserver.Request{Method: "POST", Path: pp, Key: e, Body: map[string]any{"name": "Other"}, Headers: map[string]string{"Idempotency-Key": "t1"}}, s422)
	c.call(t, rq("PATCH", cp+"/"+id("2")+"?depth=1", e, map[string]any{"size": 9, "tags": nil}), s200)
	c.call(t, rq("PATCH", cp+"/99", e, map[string]any{"size": 9}), s404)
	c.call(t, rq("PATCH", cp+"?filter="+url.QueryEscape(`name[startsWith]:"B"`), e, map[string]any{"listed": true}), s200)
	c.call(t, rq("PATCH", cp, e, map[string]any{"listed": true}), s400)
	c.call(t, rq("DELETE", cp+"/"+id("3"), e, nil), s200)
	c.call(t, rq("DELETE", cp+"/"+id("3"), e, nil), s404)
	c.call(t, rq("DELETE", cp+"?filter="+url.QueryEscape(`name[startsWith]:"B"`)+"&soft_delete=false", e, nil), s200)
	c.call(t, rq("DELETE", cp, e, nil), s400)
	for _, plural := range []string{"people", "scratches"} {
		one := map[string]any{"name": "n"}
		if plural == "scratches" {
			one = map[string]any{"a": "n", "b": 1}
		}
		created := c.call(t, rq("POST", r("/"+plural), e, one), s201)
		var body struct {
			Data map[string]struct{ ID string }
		}
		if err := json.Unmarshal(created.Body, &body); err != nil {
			t.Fatal(err)
		}
		var newID string
		for _, rec := range body.Data {
			newID = rec.ID
		}
		c.call(t, rq("POST", r("/batch/"+plural), e, []any{one}), s201)
		c.call(t, rq("PATCH", r("/"+plural+"/"+newID), e, one), s200)
		c.call(t, rq("PATCH", r("/"+plural+"?filter=id[eq]:"+newID), e, one), s200)
		c.call(t, rq("DELETE", r("/"+plural+"/"+newID), e, nil), s200)
		c.call(t, rq("DELETE", r("/"+plural+"?filter=id[eq]:"+newID), e, nil), s200)
		for _, bad := range []testserver.Request{
			rq("POST", r("/"+plural), e, map[string]any{"nope": 1}), rq("POST", r("/batch/"+plural), e, map[string]any{}),
			rq("PATCH", r("/"+plural+"/x"), e, one), rq("PATCH", r("/"+plural+"?bogus=1"), e, one),
			rq("DELETE", r("/"+plural+"/x"), e, nil), rq("DELETE", r("/"+plural+"?filter=nope[eq]:1"), e, nil),
		} {
			c.call(t, bad, s400)
		}
	}

	// A key scoped to the document: the same answers at /rest/ (not an
	// operation of the description, which lists the document's paths).
	owner := f.s.User("owner@example.com")
	scoped := f.s.Key(owner, auth.NewKey{Name: "twenty", Scopes: rowhouse.KeyScopes{Docs: []string{f.docID}}})
	if res := f.s.Do(t, "GET", "/rest/companies/1", scoped, nil); res.Status != s200 {
		t.Errorf("/rest/ with a scoped key: %d %s", res.Status, res.Body)
	}

	// The validation has teeth here too.
	list := rq("GET", cp+"?limit=1", v, nil)
	real := f.s.Send(t, list)
	for name, change := range map[string][2]string{
		"id as a number":         {`"id":"00000000-0000-4000-8000-000000000001"`, `"id":1`},
		"the envelope renamed":   {`{"data":{"companies"`, `{"data":{"records"`},
		"totalCount missing":     {`"totalCount":`, `"total":`},
		"a date in Grist's form": {`"founded":"2001-02-03"`, `"founded":981158400`},
	} {
		drifted := *real
		drifted.Body = []byte(strings.Replace(string(real.Body), change[0], change[1], 1))
		if string(drifted.Body) == string(real.Body) {
			t.Fatalf("%s: %q is not in %s", name, change[0], real.Body)
		}
		if err := c.validate(t, list, &drifted, false); err == nil {
			t.Errorf("%s: the drifted answer validates", name)
		}
	}

	c.badKeyEverywhere(t, map[string]string{"colId": "a", "attachmentId": "1", "webhookId": "w", "deliveryId": "d", "id": "1", "objectId": "o", "fieldId": "f"})
	c.covered(t, "Twenty records")
}

package twenty_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse/internal/testserver"
)

// A record of the fixture as the API shows it: created at the test
// clock's epoch.
const stamps = `"createdAt":"2024-03-04T05:06:07.089Z","updatedAt":"2024-03-04T05:06:07.089Z"`

var (
	acme    = `{"id":"` + uuid(1) + `",` + stamps + `,"name":"Acme","domain":"acme.com","employees":120,"country":"FR","founded":"2001-02-03","tags":["b2b"]}`
	globex  = `{"id":"` + uuid(2) + `",` + stamps + `,"name":"Globex","domain":"globex.com","employees":40,"country":"US","founded":null,"tags":null}`
	initech = `{"id":"` + uuid(3) + `",` + stamps + `,"name":"Initech","domain":"initech.com","employees":40,"country":"","founded":null,"tags":null}`
	ann     = `{"id":"` + uuid(1) + `",` + stamps + `,"name":"Ann","email":"ann@acme.com","companyId":"` + uuid(1) + `","friends":null,"seen":"2024-05-01T10:00:00.000Z"}`
	bob     = `{"id":"` + uuid(2) + `",` + stamps + `,"name":"Bob","email":"bob@acme.com","companyId":"` + uuid(1) + `","friends":["` + uuid(1) + `"],"seen":null}`
	cy      = `{"id":"` + uuid(3) + `",` + stamps + `,"name":"Cy","email":"cy@globex.com","companyId":"` + uuid(2) + `","friends":null,"seen":null}`
	dee     = `{"id":"` + uuid(4) + `",` + stamps + `,"name":"Dee","email":"dee@nowhere.com","companyId":null,"friends":null,"seen":null}`
)

// with adds members to a record's JSON.
func with(rec string, members ...string) string {
	return strings.TrimSuffix(rec, "}") + "," + strings.Join(members, ",") + "}"
}

// twentyError is Twenty's error answer.
func twentyError(status int, name, msg string) string {
	b, _ := json.Marshal(map[string]any{"statusCode": status, "error": name, "messages": []string{msg}})
	return string(b)
}

func badRequest(msg string) string { return twentyError(400, "BadRequestException", msg) }

// ids lists the record ids (row ids) of a list answer.
func ids(t *testing.T, res *testserver.Response, plural string) []int {
	t.Helper()
	var body struct {
		Data map[string][]struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(res.Body, &body); err != nil {
		t.Fatalf("%v: %s", err, res.Body)
	}
	var out []int
	for _, r := range body.Data[plural] {
		var n int
		fmt.Sscanf(r.ID[24:], "%d", &n)
		out = append(out, n)
	}
	return out
}

// page is a list answer's pageInfo and totalCount.
type page struct {
	TotalCount int `json:"totalCount"`
	PageInfo   struct {
		HasNextPage     bool    `json:"hasNextPage"`
		HasPreviousPage bool    `json:"hasPreviousPage"`
		StartCursor     *string `json:"startCursor"`
		EndCursor       *string `json:"endCursor"`
	} `json:"pageInfo"`
}

func pageOf(t *testing.T, res *testserver.Response) page {
	t.Helper()
	var p page
	if err := json.Unmarshal(res.Body, &p); err != nil {
		t.Fatalf("%v: %s", err, res.Body)
	}
	return p
}

// wantIDs checks the ids of a list answer.
func wantIDs(plural string, want ...int) func(t *testing.T, res *testserver.Response) {
	return func(t *testing.T, res *testserver.Response) {
		t.Helper()
		if got := ids(t, res, plural); !slices.Equal(got, want) {
			t.Errorf("ids %v, want %v; body %s", got, want, res.Body)
		}
	}
}

func q(s string) string { return url.QueryEscape(s) }

// Reads, in Twenty's envelopes, with its parameters.
func TestReads(t *testing.T) {
	f := newFixture(t)
	o := f.owner
	cursorOf := func(t *testing.T, path string, end bool) string {
		t.Helper()
		p := pageOf(t, f.s.Do(t, "GET", f.rest(path), o, nil))
		if end {
			return *p.PageInfo.EndCursor
		}
		return *p.PageInfo.StartCursor
	}
	for _, sc := range []testserver.Scenario{
		{Name: "list", Method: "GET", URL: f.rest("/companies"), Key: o, Status: 200,
			JSON: `{"data":{"companies":[` + acme + `,` + globex + `,` + initech + `]},"totalCount":3,"pageInfo":{"hasNextPage":false,"hasPreviousPage":false,"startCursor":"<str>","endCursor":"<str>"}}`},
		{Name: "one by UUID", Method: "GET", URL: f.rest("/companies/" + uuid(1)), Key: o, Status: 200, JSON: `{"data":{"company":` + acme + `}}`},
		{Name: "one by number", Method: "GET", URL: f.rest("/people/4"), Key: o, Status: 200, JSON: `{"data":{"person":` + dee + `}}`},
		{Name: "one missing", Method: "GET", URL: f.rest("/companies/" + uuid(9)), Key: o, Status: 404, JSON: twentyError(404, "NotFoundException", "Record not found")},
		{Name: "one with a bad id", Method: "GET", URL: f.rest("/companies/f47ac10b-58cc-4372-a567-0e02b2c3d479"), Key: o, Status: 400,
			JSON: badRequest("'f47ac10b-58cc-4372-a567-0e02b2c3d479' is not a valid id: ids look like 00000000-0000-4000-8000-000000000042 (the record id 42), or are that number")},
		{Name: "an empty list", Method: "GET", URL: f.rest("/companies?filter=" + q(`name[eq]:"Nobody"`)), Key: o, Status: 200,
			JSON: `{"data":{"companies":[]},"totalCount":0,"pageInfo":{"hasNextPage":false,"hasPreviousPage":false,"startCursor":null,"endCursor":null}}`},

		// filter: Twenty's grammar, ids in their UUID form.
		{Name: "filter eq", Method: "GET", URL: f.rest("/companies?filter=employees[eq]:40"), Key: o, Status: 200, Check: wantIDs("companies", 2, 3)},
		{Name: "filter and", Method: "GET", URL: f.rest("/companies?filter=" + q(`employees[eq]:40,country[eq]:"US"`)), Key: o, Status: 200, Check: wantIDs("companies", 2)},
		{Name: "filter or", Method: "GET", URL: f.rest("/companies?filter=" + q(`or(name[eq]:"Acme",country[eq]:US)`)), Key: o, Status: 200, Check: wantIDs("companies", 1, 2)},
		{Name: "filter not", Method: "GET", URL: f.rest("/companies?filter=" + q(`not(id[eq]:"`+uuid(1)+`")`)), Key: o, Status: 200, Check: wantIDs("companies", 2, 3)},
		{Name: "filter id in", Method: "GET", URL: f.rest("/companies?filter=" + q(`id[in]:["`+uuid(1)+`","`+uuid(3)+`"]`)), Key: o, Status: 200, Check: wantIDs("companies", 1, 3)},
		{Name: "filter startsWith", Method: "GET", URL: f.rest("/companies?filter=" + q(`name[startsWith]:"G"`)), Key: o, Status: 200, Check: wantIDs("companies", 2)},
		{Name: "filter ilike", Method: "GET", URL: f.rest("/companies?filter=" + q(`name[ilike]:"%CME%"`)), Key: o, Status: 200, Check: wantIDs("companies", 1)},
		{Name: "filter gte on a date", Method: "GET", URL: f.rest("/companies?filter=" + q(`founded[gte]:"2000-01-01"`)), Key: o, Status: 200, Check: wantIDs("companies", 1)},
		{Name: "filter is NULL", Method: "GET", URL: f.rest("/companies?filter=" + q(`founded[is]:NULL`)), Key: o, Status: 200, Check: wantIDs("companies", 2, 3)},
		{Name: "filter containsAny", Method: "GET", URL: f.rest("/companies?filter=" + q(`tags[containsAny]:["b2b"]`)), Key: o, Status: 200, Check: wantIDs("companies", 1)},
		{Name: "filter createdAt", Method: "GET", URL: f.rest("/companies?filter=" + q(`createdAt[gte]:"2024-01-01"`)), Key: o, Status: 200, Check: wantIDs("companies", 1, 2, 3)},
		{Name: "filter relation id", Method: "GET", URL: f.rest("/people?filter=" + q(`companyId[eq]:"`+uuid(1)+`"`)), Key: o, Status: 200, Check: wantIDs("people", 1, 2)},
		{Name: "filter relation id is NULL", Method: "GET", URL: f.rest("/people?filter=" + q(`companyId[is]:NULL`)), Key: o, Status: 200, Check: wantIDs("people", 4)},
		{Name: "filter relation id in", Method: "GET", URL: f.rest("/people?filter=" + q(`companyId[in]:["`+uuid(2)+`",1]`)), Key: o, Status: 200, Check: wantIDs("people", 1, 2, 3)},
		{Name: "filter through a relation", Method: "GET", URL: f.rest("/people?filter=" + q(`company.name[eq]:"Globex"`)), Key: o, Status: 200, Check: wantIDs("people", 3)},
		{Name: "filter through a relation's id", Method: "GET", URL: f.rest("/people?filter=" + q(`company.id[eq]:"`+uuid(2)+`"`)), Key: o, Status: 200, Check: wantIDs("people", 3)},
		{Name: "filter list of ids", Method: "GET", URL: f.rest("/people?filter=" + q(`friends[containsAny]:["`+uuid(1)+`"]`)), Key: o, Status: 200, Check: wantIDs("people", 2)},
		{Name: "filter bad id", Method: "GET", URL: f.rest("/people?filter=" + q(`companyId[eq]:"acme"`)), Key: o, Status: 400,
			JSON: badRequest(`filter on companyId: "acme" is not a valid id: ids look like 00000000-0000-4000-8000-000000000042 (the record id 42), or are that number`)},
		{Name: "filter syntax", Method: "GET", URL: f.rest("/people?filter=" + q(`name[eq]`)), Key: o, Status: 400, Contains: []string{`"invalid filter at offset 8`}},
		{Name: "filter unknown field", Method: "GET", URL: f.rest("/people?filter=" + q(`nope[eq]:1`)), Key: o, Status: 400, JSON: badRequest(`Invalid column "nope" in table People`)},

		// order_by
		{Name: "order_by", Method: "GET", URL: f.rest("/companies?order_by=" + q("employees[DescNullsLast],name[DescNullsFirst]")), Key: o, Status: 200, Check: wantIDs("companies", 1, 3, 2)},
		{Name: "order_by default direction", Method: "GET", URL: f.rest("/companies?order_by=employees,name"), Key: o, Status: 200, Check: wantIDs("companies", 2, 3, 1)},
		{Name: "order_by nulls last", Method: "GET", URL: f.rest("/companies?order_by=" + q("founded[AscNullsLast]")), Key: o, Status: 200, Check: wantIDs("companies", 1, 2, 3)},
		{Name: "order_by nulls first", Method: "GET", URL: f.rest("/companies?order_by=" + q("founded[DescNullsFirst]")), Key: o, Status: 200, Check: wantIDs("companies", 2, 3, 1)},
		{Name: "order_by through a relation", Method: "GET", URL: f.rest("/people?filter=" + q("companyId[is]:NOT_NULL") + "&order_by=" + q("company.name[DescNullsLast],name")), Key: o, Status: 200, Check: wantIDs("people", 3, 1, 2)},
		{Name: "order_by relation id", Method: "GET", URL: f.rest("/people?filter=" + q("companyId[is]:NOT_NULL") + "&order_by=" + q("companyId[DescNullsLast]")), Key: o, Status: 200, Check: wantIDs("people", 3, 1, 2)},
		{Name: "order_by bad direction", Method: "GET", URL: f.rest("/companies?order_by=" + q("name[Up]")), Key: o, Status: 400,
			JSON: badRequest("'order_by' direction 'Up' invalid. Allowed values are 'AscNullsFirst', 'AscNullsLast', 'DescNullsFirst', 'DescNullsLast'. eg: ?order_by=field_1[AscNullsFirst],field_2[DescNullsLast],field_3")},
		{Name: "order_by unknown field", Method: "GET", URL: f.rest("/companies?order_by=nope"), Key: o, Status: 400, JSON: badRequest(`Invalid column "nope" in table Companies`)},

		// limit and cursors
		{Name: "limit", Method: "GET", URL: f.rest("/companies?limit=2"), Key: o, Status: 200, Check: func(t *testing.T, res *testserver.Response) {
			wantIDs("companies", 1, 2)(t, res)
			if p := pageOf(t, res); p.TotalCount != 3 || !p.PageInfo.HasNextPage || p.PageInfo.HasPreviousPage {
				t.Errorf("page %+v", p)
			}
		}},
		{Name: "limit 0", Method: "GET", URL: f.rest("/companies?limit=0"), Key: o, Status: 400, JSON: badRequest("limit '0' is invalid. Should be an integer from 1 to 10000")},
		{Name: "limit not a number", Method: "GET", URL: f.rest("/companies?limit=ten"), Key: o, Status: 400, JSON: badRequest("limit 'ten' is invalid. Should be an integer from 1 to 10000")},
		{Name: "limit above the maximum", Method: "GET", URL: f.rest("/companies?limit=10001"), Key: o, Status: 400, JSON: badRequest("limit 10001 is above the maximum page size 10000")},
		{Name: "starting_after", Method: "GET", URL: f.rest("/companies?limit=2&starting_after=" + q(cursorOf(t, "/companies?limit=2", true))), Key: o, Status: 200, Check: func(t *testing.T, res *testserver.Response) {
			wantIDs("companies", 3)(t, res)
			if p := pageOf(t, res); p.TotalCount != 3 || p.PageInfo.HasNextPage || !p.PageInfo.HasPreviousPage {
				t.Errorf("page %+v", p)
			}
		}},
		{Name: "ending_before", Method: "GET", URL: f.rest("/companies?limit=1&ending_before=" + q(cursorOf(t, "/companies?starting_after="+q(cursorOf(t, "/companies?limit=1", true)), false))), Key: o, Status: 200, Check: func(t *testing.T, res *testserver.Response) {
			wantIDs("companies", 1)(t, res)
			if p := pageOf(t, res); p.TotalCount != 3 || !p.PageInfo.HasNextPage || p.PageInfo.HasPreviousPage {
				t.Errorf("page %+v", p)
			}
		}},
		{Name: "cursor under an order_by", Method: "GET", URL: f.rest("/companies?order_by=" + q("employees[DescNullsLast]") + "&limit=1&starting_after=" + q(cursorOf(t, "/companies?limit=1&order_by="+q("employees[DescNullsLast]"), true))), Key: o, Status: 200, Check: wantIDs("companies", 2)},
		{Name: "cursor with another order_by", Method: "GET", URL: f.rest("/companies?order_by=name&starting_after=" + q(cursorOf(t, "/companies?limit=1", true))), Key: o, Status: 400,
			JSON: badRequest("the cursor in starting_after was made for another order_by or filter (or another object): send the order_by and filter of the page it came from, or start again without it")},
		{Name: "cursor with another filter", Method: "GET", URL: f.rest("/companies?filter=employees[eq]:40&ending_before=" + q(cursorOf(t, "/companies?limit=1", true))), Key: o, Status: 400, Contains: []string{"the cursor in ending_before was made for another order_by or filter"}},
		{Name: "cursor of another object", Method: "GET", URL: f.rest("/people?starting_after=" + q(cursorOf(t, "/companies?limit=1", true))), Key: o, Status: 400, Contains: []string{"made for another order_by or filter (or another object)"}},
		{Name: "a Grist cursor", Method: "GET", URL: f.rest("/companies?starting_after=eyJ2IjoxLCJrIjpbXSwiaWQiOjF9"), Key: o, Status: 400, JSON: badRequest("invalid cursor in starting_after")},
		{Name: "garbage cursor", Method: "GET", URL: f.rest("/companies?starting_after=abc.def"), Key: o, Status: 400, JSON: badRequest("invalid cursor in starting_after")},
		{Name: "both cursors", Method: "GET", URL: f.rest("/companies?starting_after=a&ending_before=b"), Key: o, Status: 400, JSON: badRequest("use either starting_after or ending_before, not both")},

		// depth
		{Name: "depth 0 omits relations", Method: "GET", URL: f.rest("/companies/1?depth=0"), Key: o, Status: 200, JSON: `{"data":{"company":` + acme + `}}`},
		{Name: "depth 1", Method: "GET", URL: f.rest("/people/2?depth=1"), Key: o, Status: 200,
			JSON: `{"data":{"person":{"id":"` + uuid(2) + `",` + stamps + `,"name":"Bob","email":"bob@acme.com","companyId":"` + uuid(1) + `","company":` + acme + `,"friends":[` + ann + `],"seen":null}}}`},
		{Name: "depth 1 reverse", Method: "GET", URL: f.rest("/companies?depth=1&filter=employees[eq]:40"), Key: o, Status: 200,
			JSON: `{"data":{"companies":[` + with(globex, `"staff":[`+cy+`]`) + `,` + with(initech, `"staff":[]`) + `]},"totalCount":2,"pageInfo":{"hasNextPage":false,"hasPreviousPage":false,"startCursor":"<str>","endCursor":"<str>"}}`},
		{Name: "depth 2", Method: "GET", URL: f.rest("/people/3?depth=2"), Key: o, Status: 200,
			JSON: `{"data":{"person":{"id":"` + uuid(3) + `",` + stamps + `,"name":"Cy","email":"cy@globex.com","companyId":"` + uuid(2) + `","company":` + with(globex, `"staff":[`+cy+`]`) + `,"friends":[],"seen":null}}}`},
		{Name: "depth 1 empty relation", Method: "GET", URL: f.rest("/people/4?depth=1"), Key: o, Status: 200,
			JSON: `{"data":{"person":{"id":"` + uuid(4) + `",` + stamps + `,"name":"Dee","email":"dee@nowhere.com","companyId":null,"company":null,"friends":[],"seen":null}}}`},
		{Name: "depth 3", Method: "GET", URL: f.rest("/people?depth=3"), Key: o, Status: 400, JSON: badRequest("'depth=3' parameter invalid. Allowed values are 0, 1, 2")},
		{Name: "depth word", Method: "GET", URL: f.rest("/people/1?depth=deep"), Key: o, Status: 400, JSON: badRequest("'depth=deep' parameter invalid. Allowed values are 0, 1, 2")},

		// fields
		{Name: "fields", Method: "GET", URL: f.rest("/people/1?fields=name,companyId"), Key: o, Status: 200,
			JSON: `{"data":{"person":{"id":"` + uuid(1) + `","name":"Ann","companyId":"` + uuid(1) + `"}}}`},
		{Name: "fields repeated and spaced", Method: "GET", URL: f.rest("/companies/2?fields=" + q(" employees , name ") + "&fields=name&fields=createdAt"), Key: o, Status: 200,
			JSON: `{"data":{"company":{"id":"` + uuid(2) + `","createdAt":"2024-03-04T05:06:07.089Z","name":"Globex","employees":40}}}`},
		{Name: "fields with a relation", Method: "GET", URL: f.rest("/companies/2?depth=1&fields=staff"), Key: o, Status: 200,
			JSON: `{"data":{"company":{"id":"` + uuid(2) + `","staff":[` + cy + `]}}}`},
		{Name: "fields on a list", Method: "GET", URL: f.rest("/companies?fields=name&limit=1"), Key: o, Status: 200,
			JSON: `{"data":{"companies":[{"id":"` + uuid(1) + `","name":"Acme"}]},"totalCount":3,"pageInfo":{"hasNextPage":true,"hasPreviousPage":false,"startCursor":"<str>","endCursor":"<str>"}}`},
		{Name: "fields: a relation at depth 0", Method: "GET", URL: f.rest("/people?fields=company"), Key: o, Status: 400,
			JSON: badRequest("'fields' parameter invalid. company is a relation: ask with depth=1 or depth=2 to embed its records")},
		{Name: "fields unknown", Method: "GET", URL: f.rest("/people?fields=name,age,height"), Key: o, Status: 400,
			JSON: badRequest("'fields' parameter invalid. Unknown or unreadable fields on 'person': age, height")},
		{Name: "fields empty", Method: "GET", URL: f.rest("/people?fields=" + q(" , ")), Key: o, Status: 400,
			JSON: badRequest("'fields' parameter is empty. Expected a comma-separated list of field names, e.g. fields=id,name")},

		// Unknown and repeated parameters are refused, naming them.
		{Name: "unknown parameter", Method: "GET", URL: f.rest("/companies?sort=name"), Key: o, Status: 400,
			JSON: badRequest(`unknown query parameter "sort": this route takes filter, order_by, limit, depth, fields, starting_after, ending_before`)},
		{Name: "unknown parameter on one", Method: "GET", URL: f.rest("/companies/1?limit=1"), Key: o, Status: 400,
			JSON: badRequest(`unknown query parameter "limit": this route takes depth, fields`)},
		{Name: "repeated parameter", Method: "GET", URL: f.rest("/companies?limit=1&limit=2"), Key: o, Status: 400,
			JSON: badRequest(`query parameter "limit" is given 2 times: give it once`)},

		// Objects by their plural name.
		{Name: "unknown object", Method: "GET", URL: f.rest("/nopes"), Key: o, Status: 400, JSON: badRequest("object 'nopes' not found. eg: companies")},
		{Name: "singular name", Method: "GET", URL: f.rest("/company"), Key: o, Status: 400, JSON: badRequest("object 'company' not found. Did you mean 'companies'?")},
		{Name: "bad path", Method: "GET", URL: f.rest("/a/b/c"), Key: o, Status: 400,
			JSON: badRequest("Query path '/rest/a/b/c' invalid. Valid examples: /rest/companies/id or /rest/companies or /rest/batch/companies")},
		{Name: "bad method", Method: "POST", URL: f.rest("/companies/1"), Key: o, Status: 405,
			JSON: twentyError(405, "MethodNotAllowedException", "POST is not allowed on /rest/companies/1 (allowed: GET, PATCH, PUT, DELETE)")},

		// Access, in Twenty's error shape.
		{Name: "viewer", Method: "GET", URL: f.rest("/companies?limit=1"), Key: f.viewer, Status: 200},
		{Name: "stranger", Method: "GET", URL: f.rest("/companies"), Key: f.strange, Status: 403, JSON: twentyError(403, "ForbiddenException", "No view access")},
		{Name: "anonymous", Method: "GET", URL: f.rest("/companies/1"), Status: 403, JSON: twentyError(403, "ForbiddenException", "No view access")},
		{Name: "bad key", Method: "GET", URL: f.rest("/companies"), Key: "rh_nope", Status: 401, JSON: twentyError(401, "UnauthorizedException", "Bad request: invalid API key")},
		{Name: "no document", Method: "GET", URL: "/api/docs/AAAAAAAAAAAAAAAAAAAAAA/rest/companies", Key: o, Status: 404, JSON: twentyError(404, "NotFoundException", "document not found")},
		{Name: "under the org prefix", Method: "GET", URL: "/o/docs/api/docs/" + f.doc + "/rest/companies/1", Key: o, Status: 200, JSON: `{"data":{"company":` + acme + `}}`},
		{Name: "under another org's prefix", Method: "GET", URL: "/o/nope/api/docs/" + f.doc + "/rest/companies/1", Key: o, Status: 404, JSON: twentyError(404, "NotFoundException", "document not found")},
	} {
		sc.Run(t, f.s)
	}
}

// Twenty's own paths, /rest/..., answer for a key scoped to exactly one
// document, as /api/docs/{doc}/rest/... does; any other caller is told why
// not.
func TestScopedPaths(t *testing.T) {
	f := newFixture(t)
	const why = "Twenty's paths /rest/... need an API key scoped to exactly one document, which says which document they address; "
	const instead = ": use /api/docs/{docId}/rest/... instead, or a key created with scopes: {docs: [docId]}"
	for _, sc := range []testserver.Scenario{
		{Name: "list", Method: "GET", URL: "/rest/companies?filter=employees[eq]:120", Key: f.scoped, Status: 200,
			JSON: `{"data":{"companies":[` + acme + `]},"totalCount":1,"pageInfo":{"hasNextPage":false,"hasPreviousPage":false,"startCursor":"<str>","endCursor":"<str>"}}`},
		{Name: "one", Method: "GET", URL: "/rest/people/" + uuid(2) + "?depth=1&fields=company", Key: f.scoped, Status: 200,
			JSON: `{"data":{"person":{"id":"` + uuid(2) + `","company":` + acme + `}}}`},
		{Name: "create", Method: "POST", URL: "/rest/companies", Key: f.scoped, Body: map[string]any{"name": "Scoped"}, Status: 201, Contains: []string{`"createCompany":{"id":"` + uuid(4) + `"`}},
		{Name: "batch", Method: "POST", URL: "/rest/batch/companies", Key: f.scoped, Body: []any{map[string]any{"name": "S2"}}, Status: 201, Contains: []string{`"createCompanies":[{"id":"` + uuid(5) + `"`}},
		{Name: "read-only key", Method: "POST", URL: "/rest/companies", Key: f.scopedRO, Body: map[string]any{"name": "No"}, Status: 403, JSON: twentyError(403, "ForbiddenException", "API key is read-only")},
		{Name: "unknown object", Method: "GET", URL: "/rest/nopes", Key: f.scoped, Status: 400, JSON: badRequest("object 'nopes' not found. eg: companies")},
		{Name: "bad path", Method: "GET", URL: "/rest/a/b/c", Key: f.scoped, Status: 400, Contains: []string{"Query path '/rest/a/b/c' invalid"}},
		{Name: "unscoped key", Method: "GET", URL: "/rest/companies", Key: f.owner, Status: 400, JSON: badRequest(why + "this key is not scoped to documents" + instead)},
		{Name: "key of two documents", Method: "GET", URL: "/rest/companies", Key: f.twoDocs, Status: 400, JSON: badRequest(why + "this key is scoped to 2 documents" + instead)},
		{Name: "anonymous", Method: "GET", URL: "/rest/companies", Status: 401,
			JSON: twentyError(401, "UnauthorizedException", "Twenty's paths /rest/... need an API key scoped to exactly one document (Authorization: Bearer <key>), which says which document they address; use /api/docs/{docId}/rest/... instead, or a key created with scopes: {docs: [docId]}")},
		{Name: "bad key", Method: "GET", URL: "/rest/companies", Key: "rh_nope", Status: 401, JSON: twentyError(401, "UnauthorizedException", "Bad request: invalid API key")},
		{Name: "the scoped key elsewhere", Method: "GET", URL: "/api/docs/" + f.other + "/rest/companies", Key: f.scoped, Status: 403},
	} {
		sc.Run(t, f.s)
	}
	// A browser session names no document, so it never writes through
	// /rest/ (outside /api/, where a session's writes need its CSRF token);
	// under /api/docs/{doc}/rest/ a session's write needs the token.
	f.s.SetPassword(f.s.User("owner@example.com"), "a long password")
	b := f.s.SignIn(t, "owner@example.com", "a long password")
	cookie := map[string]string{"Cookie": b.Cookie}
	for _, sc := range []testserver.Scenario{
		{Name: "session at /rest/", Method: "POST", URL: "/rest/companies", Headers: cookie, Body: map[string]any{"name": "X"}, Status: 400,
			Contains: []string{"this request has no API key (a browser session names no document)"}},
		{Name: "session write without CSRF", Method: "POST", URL: f.rest("/companies"), Headers: cookie, Body: map[string]any{"name": "X"}, Status: 403,
			Contains: []string{`"ForbiddenException"`, "CSRF token missing or invalid"}},
		{Name: "session write with CSRF", Method: "POST", URL: f.rest("/companies?fields=name"), Headers: map[string]string{"Cookie": b.Cookie, "X-CSRF-Token": b.CSRF},
			Body: map[string]any{"name": "X"}, Status: 201, JSON: `{"data":{"createCompany":{"id":"` + uuid(6) + `","name":"X"}}}`}, // after Scoped and S2
	} {
		sc.Run(t, f.s)
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse/internal/testserver"
	"github.com/rowhouse/rowhouse/store/postgres/pgtest"
)

// serverEngines are the servers the replays of Twenty's and Grist's
// requests run against, started with the owner's key and env: SQLite in a
// data folder, and PostgreSQL when ROWHOUSE_TEST_POSTGRES is set.
func serverEngines(t *testing.T, env ...string) map[string]func(t *testing.T) *proc {
	engines := map[string]func(t *testing.T) *proc{
		"sqlite": func(t *testing.T) *proc {
			return startServer(t, t.TempDir(), append([]string{"ROWHOUSE_OWNER_API_KEY=" + ownerKey}, env...)...)
		},
	}
	if pgtest.Enabled() {
		engines["postgres"] = func(t *testing.T) *proc {
			dbURL, err := url.Parse(pgtest.URL())
			if err != nil {
				t.Fatal(err)
			}
			prefix := pgtest.Prefix(t)
			q := dbURL.Query()
			q.Set("rowhouse_schema", prefix+"_home")
			q.Set("rowhouse_doc_prefix", prefix+"_doc_")
			dbURL.RawQuery = q.Encode()
			return startServer(t, t.TempDir(), append([]string{"ROWHOUSE_DB=" + dbURL.String(), "ROWHOUSE_OWNER_API_KEY=" + ownerKey}, env...)...)
		}
	} else {
		t.Log("PostgreSQL: skipped (set ROWHOUSE_TEST_POSTGRES to run the replay on it too)")
	}
	return engines
}

// twentyID is the UUID form of row id n.
func twentyID(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

// match fails t unless a body matches want (testserver.MatchJSON: "<str>"
// stands for any string, such as a timestamp or a cursor).
func match(t *testing.T, r response, want string) {
	t.Helper()
	if err := testserver.MatchJSON(want, r.Body); err != nil {
		t.Errorf("%v\n got: %s\nwant: %s", err, r.Body, want)
	}
}

// twentyDoc makes a document with Twenty's companies and people, and a key
// scoped to it; it returns the document and the key.
func twentyDoc(t *testing.T, p *proc) (string, string) {
	t.Helper()
	owner := p.client(ownerKey)
	var wss []struct{ ID int64 }
	owner.want(200, "GET", "/api/orgs/current/workspaces", nil).JSON(t, &wss)
	var doc string
	owner.want(200, "POST", fmt.Sprintf("/api/workspaces/%d/docs", wss[0].ID), map[string]any{"name": "CRM"}).JSON(t, &doc)
	owner.want(200, "POST", "/api/docs/"+doc+"/tables", map[string]any{"tables": []any{
		map[string]any{"id": "Companies", "columns": []any{
			map[string]any{"id": "name"},
			map[string]any{"id": "domain", "fields": map[string]any{"isUnique": true}},
			map[string]any{"id": "employees", "fields": map[string]any{"type": "Int"}},
		}},
		map[string]any{"id": "People", "columns": []any{
			map[string]any{"id": "name"},
			map[string]any{"id": "email", "fields": map[string]any{"isUnique": true}},
			map[string]any{"id": "company", "fields": map[string]any{"type": "Ref:Companies", "reverseCol": "staff"}},
		}},
	}})
	var key struct{ Key string }
	owner.want(200, "POST", "/api/profile/apikeys", map[string]any{"name": "twenty", "scopes": map[string]any{"docs": []any{doc}}}).JSON(t, &key)
	return doc, key.Key
}

// Twenty's documented requests, replayed against the real server at
// Twenty's own paths with a key scoped to the document: the answers have
// Twenty's shapes, on every engine.
func TestTwentyReplay(t *testing.T) {
	for name, start := range serverEngines(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := start(t)
			doc, key := twentyDoc(t, p)
			c := p.client(key)
			ts := `"createdAt":"<str>","updatedAt":"<str>"`
			company := func(id int, name, domain string, employees int) string {
				return fmt.Sprintf(`{"id":%q,%s,"name":%q,"domain":%q,"employees":%d}`, twentyID(id), ts, name, domain, employees)
			}
			person := func(id int, name, email string, companyID int) string {
				cid := "null"
				if companyID > 0 {
					cid = strconv.Quote(twentyID(companyID))
				}
				return fmt.Sprintf(`{"id":%q,%s,"name":%q,"email":%q,"companyId":%s}`, twentyID(id), ts, name, email, cid)
			}

			// Batch create.
			match(t, c.want(201, "POST", "/rest/batch/companies", []any{
				map[string]any{"name": "Acme", "domain": "acme.com", "employees": 120},
				map[string]any{"name": "Globex", "domain": "globex.com", "employees": 40},
				map[string]any{"name": "Initech", "domain": "initech.com", "employees": 40},
			}), `{"data":{"createCompanies":[`+company(1, "Acme", "acme.com", 120)+`,`+company(2, "Globex", "globex.com", 40)+`,`+company(3, "Initech", "initech.com", 40)+`]}}`)
			match(t, c.want(201, "POST", "/rest/batch/people", []any{
				map[string]any{"name": "Ann", "email": "ann@acme.com", "companyId": twentyID(1)},
				map[string]any{"name": "Bob", "email": "bob@acme.com", "companyId": twentyID(1)},
				map[string]any{"name": "Cy", "email": "cy@globex.com", "companyId": twentyID(2)},
			}), `{"data":{"createPeople":[`+person(1, "Ann", "ann@acme.com", 1)+`,`+person(2, "Bob", "bob@acme.com", 1)+`,`+person(3, "Cy", "cy@globex.com", 2)+`]}}`)

			// Create one, by id.
			match(t, c.want(201, "POST", "/rest/people", map[string]any{"name": "Dee", "email": "dee@x.com"}),
				`{"data":{"createPerson":`+person(4, "Dee", "dee@x.com", 0)+`}}`)
			match(t, c.want(200, "GET", "/rest/people/"+twentyID(4), nil), `{"data":{"person":`+person(4, "Dee", "dee@x.com", 0)+`}}`)

			// Filter, order_by, limit and cursors.
			list := "/rest/companies?filter=" + url.QueryEscape(`employees[gte]:40`) + "&order_by=" + url.QueryEscape("employees[DescNullsLast],name[AscNullsFirst]") + "&limit=2"
			first := c.want(200, "GET", list, nil)
			match(t, first, `{"data":{"companies":[`+company(1, "Acme", "acme.com", 120)+`,`+company(2, "Globex", "globex.com", 40)+`]},"totalCount":3,`+
				`"pageInfo":{"hasNextPage":true,"hasPreviousPage":false,"startCursor":"<str>","endCursor":"<str>"}}`)
			var pg struct {
				PageInfo struct{ StartCursor, EndCursor string }
			}
			first.JSON(t, &pg)
			second := c.want(200, "GET", list+"&starting_after="+url.QueryEscape(pg.PageInfo.EndCursor), nil)
			match(t, second, `{"data":{"companies":[`+company(3, "Initech", "initech.com", 40)+`]},"totalCount":3,`+
				`"pageInfo":{"hasNextPage":false,"hasPreviousPage":true,"startCursor":"<str>","endCursor":"<str>"}}`)
			second.JSON(t, &pg)
			back := c.want(200, "GET", list+"&ending_before="+url.QueryEscape(pg.PageInfo.StartCursor), nil)
			match(t, back, `{"data":{"companies":[`+company(1, "Acme", "acme.com", 120)+`,`+company(2, "Globex", "globex.com", 40)+`]},"totalCount":3,`+
				`"pageInfo":{"hasNextPage":true,"hasPreviousPage":false,"startCursor":"<str>","endCursor":"<str>"}}`)
			match(t, c.want(400, "GET", "/rest/companies?order_by=name&starting_after="+url.QueryEscape(pg.PageInfo.EndCursor), nil),
				`{"statusCode":400,"error":"BadRequestException","messages":["the cursor in starting_after was made for another order_by or filter (or another object): send the order_by and filter of the page it came from, or start again without it"]}`)

			// depth: a relation and the reverse side.
			match(t, c.want(200, "GET", "/rest/people/"+twentyID(3)+"?depth=1", nil),
				`{"data":{"person":`+strings.TrimSuffix(person(3, "Cy", "cy@globex.com", 2), "}")+`,"company":`+company(2, "Globex", "globex.com", 40)+`}}}`)
			match(t, c.want(200, "GET", "/rest/companies?depth=1&filter="+url.QueryEscape(`name[eq]:"Acme"`), nil),
				`{"data":{"companies":[`+strings.TrimSuffix(company(1, "Acme", "acme.com", 120), "}")+`,"staff":[`+person(1, "Ann", "ann@acme.com", 1)+`,`+person(2, "Bob", "bob@acme.com", 1)+`]}]},`+
					`"totalCount":1,"pageInfo":{"hasNextPage":false,"hasPreviousPage":false,"startCursor":"<str>","endCursor":"<str>"}}`)

			// Upsert: by a unique field, and a new record.
			match(t, c.want(201, "POST", "/rest/companies?upsert=true", map[string]any{"domain": "acme.com", "employees": 121}),
				`{"data":{"createCompany":`+company(1, "Acme", "acme.com", 121)+`}}`)
			match(t, c.want(201, "POST", "/rest/batch/companies?upsert=true", []any{map[string]any{"domain": "hooli.com", "name": "Hooli"}}),
				`{"data":{"createCompanies":[`+fmt.Sprintf(`{"id":%q,%s,"name":"Hooli","domain":"hooli.com","employees":0}`, twentyID(4), ts)+`]}}`)

			// Update and delete, one and many.
			match(t, c.want(200, "PATCH", "/rest/people/"+twentyID(4), map[string]any{"companyId": twentyID(4)}),
				`{"data":{"updatePerson":`+person(4, "Dee", "dee@x.com", 4)+`}}`)
			match(t, c.want(200, "PATCH", "/rest/companies?filter="+url.QueryEscape(`employees[eq]:40`), map[string]any{"employees": 41}),
				`{"data":{"updateCompanies":[`+company(2, "Globex", "globex.com", 41)+`,`+company(3, "Initech", "initech.com", 41)+`]}}`)
			match(t, c.want(200, "DELETE", "/rest/people/"+twentyID(4), nil), `{"data":{"deletePerson":{"id":"`+twentyID(4)+`"}}}`)
			match(t, c.want(404, "DELETE", "/rest/people/"+twentyID(4), nil), `{"statusCode":404,"error":"NotFoundException","messages":["Record not found"]}`)
			match(t, c.want(200, "DELETE", "/rest/people?filter="+url.QueryEscape(`companyId[eq]:"`+twentyID(1)+`"`), nil),
				`{"data":{"deletePeople":[{"id":"`+twentyID(1)+`"},{"id":"`+twentyID(2)+`"}]}}`)

			// Errors in Twenty's shape; the document's own path answers the same.
			match(t, c.want(400, "GET", "/rest/companies?depth=5", nil),
				`{"statusCode":400,"error":"BadRequestException","messages":["'depth=5' parameter invalid. Allowed values are 0, 1, 2"]}`)
			match(t, c.want(400, "GET", "/rest/companies?sort=name", nil),
				`{"statusCode":400,"error":"BadRequestException","messages":["unknown query parameter \"sort\": this route takes filter, order_by, limit, depth, fields, starting_after, ending_before"]}`)
			owner := p.client(ownerKey)
			match(t, owner.want(200, "GET", "/api/docs/"+doc+"/rest/people", nil),
				`{"data":{"people":[`+person(3, "Cy", "cy@globex.com", 2)+`]},"totalCount":1,"pageInfo":{"hasNextPage":false,"hasPreviousPage":false,"startCursor":"<str>","endCursor":"<str>"}}`)
			r := owner.want(400, "GET", "/rest/people", nil)
			if !strings.Contains(string(r.Body), "this key is not scoped to documents") {
				t.Errorf("an unscoped key at /rest/: %s", r.Body)
			}
		})
	}
}

// statements reads rowhouse_doc_sql_statements_total for a surface from
// the server's /metrics.
func statements(t *testing.T, c *client, surface string) int {
	t.Helper()
	body := string(c.want(200, "GET", "/metrics", nil).Body)
	m := regexp.MustCompile(`(?m)^rowhouse_doc_sql_statements_total\{surface="` + surface + `"\} (\d+)`).FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// 100 companies with 10 people each, read through depth=1: two SQL
// statements (the page, and every company's staff at once), whatever the
// number of rows, as /metrics counts them.
func TestTwentyDepthStatements(t *testing.T) {
	for name, start := range serverEngines(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := start(t)
			_, key := twentyDoc(t, p)
			c := p.client(key)
			companies := make([]any, 100)
			people := make([]any, 0, 1000)
			for i := range companies {
				companies[i] = map[string]any{"name": fmt.Sprintf("C%03d", i)}
				for j := range 10 {
					people = append(people, map[string]any{"name": fmt.Sprintf("P%d-%d", i, j), "companyId": twentyID(i + 1)})
				}
			}
			c.want(201, "POST", "/rest/batch/companies?fields=id", companies)
			c.want(201, "POST", "/rest/batch/people?fields=id", people)

			before := statements(t, c, "twenty")
			res := c.want(200, "GET", "/rest/companies?depth=1&limit=100", nil)
			ran := statements(t, c, "twenty") - before
			if ran < 1 || ran > 2 {
				t.Errorf("depth=1 over 100 x 10 ran %d statements, want at most 2", ran)
			}
			var body struct {
				Data struct {
					Companies []struct {
						Name  string
						Staff []struct {
							Name      string
							CompanyID string
						}
					}
				}
				TotalCount int
			}
			if err := json.Unmarshal(res.Body, &body); err != nil {
				t.Fatal(err)
			}
			if len(body.Data.Companies) != 100 || body.TotalCount != 100 {
				t.Fatalf("%d companies of %d", len(body.Data.Companies), body.TotalCount)
			}
			for i, co := range body.Data.Companies {
				if len(co.Staff) != 10 {
					t.Fatalf("%s has %d staff", co.Name, len(co.Staff))
				}
				for j, pe := range co.Staff {
					if pe.Name != fmt.Sprintf("P%d-%d", i, j) || pe.CompanyID != twentyID(i+1) {
						t.Fatalf("%s: staff %d is %+v", co.Name, j, pe)
					}
				}
			}
			// A page that is not the whole list counts its total apart:
			// one statement more, still none per row.
			before = statements(t, c, "twenty")
			c.want(200, "GET", "/rest/companies?depth=1&limit=50", nil)
			if ran := statements(t, c, "twenty") - before; ran != 3 {
				t.Errorf("depth=1, 50 of 100 companies: %d statements, want 3 (page, COUNT, staff)", ran)
			}
		})
	}
}

// Twenty's GraphQL operations, replayed against the real server at
// Twenty's own endpoints /graphql and /metadata with a key scoped to the
// document: variables declared with Twenty's type names, the connection's
// aggregates (in the statement that counts), and the metadata API, on
// every engine.
func TestTwentyGraphQLReplay(t *testing.T) {
	for name, start := range serverEngines(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := start(t)
			_, key := twentyDoc(t, p)
			c := p.client(key)
			gql := func(path, query string, vars map[string]any) response {
				t.Helper()
				return c.want(200, "POST", path, map[string]any{"query": query, "variables": vars})
			}
			match(t, gql("/graphql", `mutation CreateCompanies($data: [CompanyCreateInput!]!) { createCompanies(data: $data) { id name employees } }`,
				map[string]any{"data": []any{
					map[string]any{"name": "Acme", "domain": "acme.com", "employees": 120},
					map[string]any{"name": "Globex", "domain": "globex.com", "employees": 40},
					map[string]any{"name": "Initech", "employees": 20},
				}}),
				`{"data":{"createCompanies":[{"id":1,"name":"Acme","employees":120},{"id":2,"name":"Globex","employees":40},{"id":3,"name":"Initech","employees":20}]}}`)
			match(t, gql("/graphql", `mutation CreatePerson($data: PersonCreateInput) { createPerson(data: $data) { id name companyId company { name } } }`,
				map[string]any{"data": map[string]any{"name": "Ann", "email": "ann@acme.com", "companyId": 1}}),
				`{"data":{"createPerson":{"id":1,"name":"Ann","companyId":1,"company":{"name":"Acme"}}}}`)

			// Find many, with Twenty's input types and aggregates: one
			// statement for the count and the aggregates, one for the page.
			before := statements(t, c, "graphql")
			match(t, gql("/graphql", `query Companies($filter: CompanyFilterInput, $orderBy: [CompanyOrderByInput]) {
				companies(filter: $filter, orderBy: $orderBy, first: 2) {
					totalCount sumEmployees avgEmployees minEmployees maxEmployees countEmptyDomain percentageNotEmptyDomain
					edges { node { id name } } pageInfo { hasNextPage } } }`,
				map[string]any{"filter": map[string]any{"employees": map[string]any{"gte": 20}}, "orderBy": map[string]any{"employees": "DescNullsLast"}}),
				`{"data":{"companies":{"totalCount":3,"sumEmployees":180,"avgEmployees":60,"minEmployees":20,"maxEmployees":120,"countEmptyDomain":1,"percentageNotEmptyDomain":66.66666666666667,`+
					`"edges":[{"node":{"id":1,"name":"Acme"}},{"node":{"id":2,"name":"Globex"}}],"pageInfo":{"hasNextPage":true}}}}`)
			if ran := statements(t, c, "graphql") - before; ran < 1 || ran > 2 {
				t.Errorf("a page with totalCount and aggregates ran %d statements, want at most 2", ran)
			}

			// Update, destroy, find one.
			match(t, gql("/graphql", `mutation UpdateCompany($id: UUID!, $data: CompanyUpdateInput) { updateCompany(id: $id, data: $data) { id employees } }`,
				map[string]any{"id": 3, "data": map[string]any{"employees": 25}}),
				`{"data":{"updateCompany":{"id":3,"employees":25}}}`)
			match(t, gql("/graphql", `mutation DestroyCompany($id: ID!) { destroyCompany(id: $id) { id name } }`, map[string]any{"id": "2"}),
				`{"data":{"destroyCompany":{"id":2,"name":"Globex"}}}`)
			match(t, gql("/graphql", `query FindOneCompany($filter: CompanyFilterInput!) { company(filter: $filter) { name staff { totalCount edges { node { name } } } } }`,
				map[string]any{"filter": map[string]any{"id": map[string]any{"eq": 1}}}),
				`{"data":{"company":{"name":"Acme","staff":{"totalCount":1,"edges":[{"node":{"name":"Ann"}}]}}}}`)

			// The metadata API at /metadata.
			match(t, gql("/metadata", `{ objects { edges { node { nameSingular namePlural } } } }`, nil),
				`{"data":{"objects":{"edges":[{"node":{"nameSingular":"company","namePlural":"companies"}},{"node":{"nameSingular":"person","namePlural":"people"}}]}}}`)

			// A key that names no one document is told why, as GraphQL.
			r := p.client(ownerKey).want(400, "POST", "/graphql", map[string]any{"query": "{ companies { totalCount } }"})
			match(t, r, `{"errors":[{"message":"Twenty's paths /graphql and /metadata need an API key scoped to exactly one document, which says which document they address; this key is not scoped to documents: use /api/docs/{docId}/graphql (and .../graphql/metadata) instead, or a key created with scopes: {docs: [docId]}","extensions":{"code":"BAD_USER_INPUT"}}]}`)
			r = p.client("").want(401, "POST", "/metadata", map[string]any{"query": "{ objects { totalCount } }"})
			if !strings.Contains(string(r.Body), `"errors"`) {
				t.Errorf("anonymous at /metadata: %s", r.Body)
			}
		})
	}
}

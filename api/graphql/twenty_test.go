package graphql_test

import (
	"testing"
)

// TestTwentyOperations replays the operations Twenty's own integration
// tests send (test/integration/graphql/utils/*-operation-factory.util.ts
// in twentyhq/twenty): variables declared with Twenty's type names, ids
// declared ID or UUID, nullable variables where the argument is non-null.
func TestTwentyOperations(t *testing.T) {
	e := newEnv(t)
	e.fixture(t)
	e.run(t, e.gqlPath, twentyCases())
}

// twentyCases are TestTwentyOperations' cases, in order, on the fixture.
func twentyCases() []gqlCase {
	return []gqlCase{
		{name: "find many with a FilterInput",
			query: `query Companies($filter: CompanyFilterInput) { companies(filter: $filter) { edges { node { id name } } } }`,
			vars:  map[string]any{"filter": map[string]any{"name": map[string]any{"eq": "Acme"}}},
			json:  `{"data":{"companies":{"edges":[{"node":{"id":1,"name":"Acme"}}]}}}`},
		{name: "find one with a non-null FilterInput",
			query: `query FindOneCompany($filter: CompanyFilterInput!) { company(filter: $filter) { id name } }`,
			vars:  map[string]any{"filter": map[string]any{"id": map[string]any{"eq": 2}}},
			json:  `{"data":{"company":{"id":2,"name":"Beta"}}}`},
		{name: "OrderByInput and OrderByDirection",
			query: `query($orderBy: [CompanyOrderByInput], $dir: OrderByDirection) { a: companies(orderBy: $orderBy, first: 1) { edges { node { name } } } b: companies(orderBy: {name: $dir}, first: 1) { edges { node { name } } } }`,
			vars:  map[string]any{"orderBy": []any{map[string]any{"name": "DescNullsLast"}}, "dir": "AscNullsLast"},
			json:  `{"data":{"a":{"edges":[{"node":{"name":"Gamma"}}]},"b":{"edges":[{"node":{"name":"Acme"}}]}}}`},
		{name: "FilterIs and UUIDFilter",
			query: `query($is: FilterIs, $ids: UUIDFilter) { people(filter: {Company: {id: {is: $is}}, id: $ids}) { edges { node { name } } } }`,
			vars:  map[string]any{"is": "NULL", "ids": map[string]any{"in": []any{"4", 3}}},
			json:  `{"data":{"people":{"edges":[{"node":{"name":"Dee"}}]}}}`},
		{name: "create one with a nullable data variable",
			query: `mutation CreateCompany($data: CompanyCreateInput) { createCompany(data: $data) { id name } }`,
			vars:  map[string]any{"data": map[string]any{"name": "Delta"}},
			json:  `{"data":{"createCompany":{"id":4,"name":"Delta"}}}`},
		{name: "a null for a non-null argument is a field error",
			query: `mutation CreateCompany($data: CompanyCreateInput) { createCompany(data: $data) { id name } }`,
			json:  `{"errors":[{"message":"data must not be null","path":["createCompany"],"extensions":{"code":"BAD_USER_INPUT"}}],"data":{"createCompany":null}}`},
		{name: "a null inside a non-null list is a field error",
			query: `mutation($data: [CompanyCreateInput]) { createCompanies(data: $data) { id } }`,
			vars:  map[string]any{"data": []any{map[string]any{"name": "X"}, nil}},
			json:  `{"errors":[{"message":"data[1] must not be null","path":["createCompanies"],"extensions":{"code":"BAD_USER_INPUT"}}],"data":null}`},
		{name: "create many",
			query: `mutation CreateCompanies($data: [CompanyCreateInput!]!) { createCompanies(data: $data) { id name } }`,
			vars:  map[string]any{"data": []any{map[string]any{"name": "Epsilon"}, map[string]any{"name": "Zeta"}}},
			json:  `{"data":{"createCompanies":[{"id":5,"name":"Epsilon"},{"id":6,"name":"Zeta"}]}}`},
		{name: "update one with an ID variable given as a string",
			query: `mutation UpdateCompany($companyId: ID, $data: CompanyUpdateInput) { updateCompany(id: $companyId, data: $data) { id name } }`,
			vars:  map[string]any{"companyId": "4", "data": map[string]any{"name": "Delta Inc"}},
			json:  `{"data":{"updateCompany":{"id":4,"name":"Delta Inc"}}}`},
		{name: "update one by the UUID form Twenty's REST surface shows",
			query: `mutation UpdateCompany($companyId: UUID!, $data: CompanyUpdateInput) { updateCompany(id: $companyId, data: $data) { id name } }`,
			vars:  map[string]any{"companyId": "00000000-0000-4000-8000-000000000004", "data": map[string]any{"name": "Delta Inc"}},
			json:  `{"data":{"updateCompany":{"id":4,"name":"Delta Inc"}}}`},
		{name: "a list of ids in the UUID form",
			query: `query($ids: [ID!]!) { companies(filter: {id: {in: $ids}}) { edges { node { id } } } }`,
			vars:  map[string]any{"ids": []any{"00000000-0000-4000-8000-000000000001", "2", 4}},
			json:  `{"data":{"companies":{"edges":[{"node":{"id":1}},{"node":{"id":2}},{"node":{"id":4}}]}}}`},
		{name: "update many with nullable data and filter",
			query: `mutation UpdateCompanies($data: CompanyUpdateInput $filter: CompanyFilterInput) { updateCompanies(data: $data, filter: $filter) { id revenue } }`,
			vars:  map[string]any{"data": map[string]any{"revenue": 9}, "filter": map[string]any{"id": map[string]any{"in": []any{"5", "6"}}}},
			json:  `{"data":{"updateCompanies":[{"id":5,"revenue":9},{"id":6,"revenue":9}]}}`},
		{name: "delete one with a UUID variable",
			query: `mutation DeleteCompany($companyId: UUID!) { deleteCompany(id: $companyId) { id name } }`,
			vars:  map[string]any{"companyId": 6},
			json:  `{"data":{"deleteCompany":{"id":6,"name":"Zeta"}}}`},
		{name: "destroy many with a nullable filter",
			query: `mutation DestroyCompanies($filter: CompanyFilterInput) { destroyCompanies(filter: $filter) { id name } }`,
			vars:  map[string]any{"filter": map[string]any{"id": map[string]any{"in": []any{5}}}},
			json:  `{"data":{"destroyCompanies":[{"id":5,"name":"Epsilon"}]}}`},
		{name: "a UUID that is not a row id",
			query: `mutation DeleteCompany($companyId: UUID!) { deleteCompany(id: $companyId) { id } }`, status: 400,
			vars: map[string]any{"companyId": "3b5e1234-abcd-0000-0000-000000000001"},
			json: `{"errors":[{"message":"cannot use string as Int (the variable is declared UUID!, read as Int!)","path":["variable","companyId"],"extensions":{"code":"BAD_USER_INPUT"}}]}`},
		{name: "another table's filter is still refused",
			query: `query($f: PersonFilterInput) { companies(filter: $f) { totalCount } }`, status: 400,
			json: `{"errors":[{"message":"Variable \"$f\" of type \"PersonFilter\" used in position expecting type \"CompanyFilter\".","locations":[{"line":1,"column":50}],"extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}]}`},
		{name: "a list is still refused where one value is expected",
			query: `query($f: [CompanyFilterInput]) { companies(filter: $f) { totalCount } }`, status: 400,
			has: []string{`"GRAPHQL_VALIDATION_FAILED"`, `Variable \"$f\" of type \"[CompanyFilter]\" used in position expecting type \"CompanyFilter\".`}},
	}
}

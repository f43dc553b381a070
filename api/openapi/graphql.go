package openapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// graphqlOps adds the GraphQL endpoints, whose errors are GraphQL's
// {"errors": [...]} rather than the REST error shape, except where the
// server answers before GraphQL runs (401, 429).
func (g *docGen) graphqlOps() {
	p := g.prefix
	var names []string
	for _, t := range g.schema.Tables {
		if t.NamePlural != "" {
			names = append(names, fmt.Sprintf("`%s`/`%s` (%s)", t.NamePlural, t.NameSingular, t.ID))
		}
	}
	fields := "none yet"
	if len(names) > 0 {
		fields = strings.Join(names, ", ")
	}
	example := "{ __typename }"
	if len(g.schema.Tables) > 0 && g.schema.Tables[0].NamePlural != "" {
		example = fmt.Sprintf("{ %s(first: 10) { edges { node { id } } totalCount } }", g.schema.Tables[0].NamePlural)
	}
	answer := jsonResponse("The answer: data, and errors for the fields that failed.", ref(schemaGraphQLAnswer), nil)
	gqlErrors := func(status int) *openapi3.ResponseRef {
		return &openapi3.ResponseRef{Value: openapi3.NewResponse().
			WithDescription(errorText(status) + " The body is a GraphQL answer with errors.").
			WithContent(jsonContent(ref(schemaGraphQLAnswer), nil))}
	}
	queryParams := openapi3.Parameters{
		func() *openapi3.ParameterRef {
			q := queryParam("query", "The GraphQL query (GET serves queries, not mutations).", str())
			q.Value.Required = true
			return q
		}(),
		queryParam("variables", "The variables, as JSON text.", str()),
		queryParam("operationName", "Which operation of the query to run.", str()),
	}
	for _, ep := range []struct{ path, id, summary, desc string }{
		{p + "/graphql", "graphql", "GraphQL over the document's records",
			"Queries, with filters, ordering and cursor pages, and mutations (create, update, delete, upsert) over this document's tables: " + fields + ". Introspection is enabled. Reads need view access, mutations write access."},
		{p + "/graphql/metadata", "graphqlMetadata", "GraphQL over the document's tables, columns and webhooks",
			"tables, table(id), createTable, updateTable, deleteTable, createColumn, updateColumn, deleteColumn, webhooks, createWebhook, updateWebhook, deleteWebhook; " +
				"and Twenty's objects, object(id), fields, field(id), createOneObject, updateOneObject, deleteOneObject, createOneField, updateOneField, deleteOneField."},
	} {
		for _, method := range []string{http.MethodPost, http.MethodGet} {
			o := operation{method: method, path: ep.path, id: ep.id + strings.ToUpper(method[:1]) + strings.ToLower(method[1:]), tags: []string{"graphql"},
				summary: ep.summary, description: ep.desc, status: http.StatusOK, response: answer}
			if method == http.MethodPost {
				o.body = jsonBody("The GraphQL request.", ref(schemaGraphQLRequest), map[string]any{"query": example})
			} else {
				o.params = queryParams
			}
			o.add(g.doc)
			op := g.doc.Paths.Value(ep.path).GetOperation(method)
			for _, status := range []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusMethodNotAllowed} {
				op.Responses.Set(fmt.Sprint(status), gqlErrors(status))
			}
			// The server's body limit and panic recovery answer before
			// GraphQL runs, with the REST error shape; GraphQL's own
			// answers have its shape.
			for _, status := range []int{http.StatusRequestEntityTooLarge, http.StatusInternalServerError} {
				op.Responses.Set(fmt.Sprint(status), &openapi3.ResponseRef{Value: openapi3.NewResponse().
					WithDescription(errorText(status) + " The body is the REST error shape when the server answers before GraphQL runs, else a GraphQL answer with errors.").
					WithContent(jsonContent(val(anyOf(ref("Error"), ref(schemaGraphQLAnswer))), nil))})
			}
		}
	}
}

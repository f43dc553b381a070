package openapi

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
)

// Small constructors for JSON Schemas and operations, so that the
// generators read as the shapes they describe.

// Version is the OpenAPI version of every document this package writes.
const Version = "3.1.0"

// types is a schema's "type" keyword; several types make a 3.1 type array
// such as ["string", "null"].
func types(ts ...string) *openapi3.Types {
	t := openapi3.Types(ts)
	return &t
}

func typed(ts ...string) *openapi3.Schema { return &openapi3.Schema{Type: types(ts...)} }

func str() *openapi3.Schema     { return typed("string") }
func integer() *openapi3.Schema { return typed("integer") }
func number() *openapi3.Schema  { return typed("number") }
func boolean() *openapi3.Schema { return typed("boolean") }
func null() *openapi3.Schema    { return typed("null") }

// anyValue is the schema every JSON value matches.
func anyValue() *openapi3.Schema { return &openapi3.Schema{} }

// constant is a schema matching exactly v.
func constant(v any) *openapi3.Schema { return &openapi3.Schema{Const: v} }

// describe sets a schema's description and returns it.
func describe(s *openapi3.Schema, d string) *openapi3.Schema {
	s.Description = d
	return s
}

// val wraps an inline schema.
func val(s *openapi3.Schema) *openapi3.SchemaRef { return &openapi3.SchemaRef{Value: s} }

// ref points at a component schema.
func ref(name string) *openapi3.SchemaRef {
	return &openapi3.SchemaRef{Ref: "#/components/schemas/" + name}
}

// arrayOf is an array of items.
func arrayOf(items *openapi3.SchemaRef) *openapi3.Schema {
	s := typed("array")
	s.Items = items
	return s
}

// field is one property of an object schema.
type field struct {
	name     string
	schema   *openapi3.SchemaRef
	optional bool
}

// req and opt name required and optional properties.
func req(name string, s *openapi3.SchemaRef) field { return field{name: name, schema: s} }
func opt(name string, s *openapi3.SchemaRef) field {
	return field{name: name, schema: s, optional: true}
}

// object is an object schema with these properties. Request bodies are
// closed (the server refuses unknown members); answers are left open, so
// that members added later are compatible.
func object(fields ...field) *openapi3.Schema {
	s := typed("object")
	s.Properties = openapi3.Schemas{}
	for _, f := range fields {
		s.Properties[f.name] = f.schema
		if !f.optional {
			s.Required = append(s.Required, f.name)
		}
	}
	return s
}

// closed forbids members other than the listed properties.
func closed(s *openapi3.Schema) *openapi3.Schema {
	no := false
	s.AdditionalProperties = openapi3.AdditionalProperties{Has: &no}
	return s
}

// mapOf is an object whose members all match values.
func mapOf(values *openapi3.SchemaRef) *openapi3.Schema {
	s := typed("object")
	s.AdditionalProperties = openapi3.AdditionalProperties{Schema: values}
	return s
}

// anyOf matches any of the schemas.
func anyOf(refs ...*openapi3.SchemaRef) *openapi3.Schema {
	return &openapi3.Schema{AnyOf: refs}
}

// enumOf is a string enumeration.
func enumOf(values ...string) *openapi3.Schema {
	s := str()
	for _, v := range values {
		s.Enum = append(s.Enum, v)
	}
	return s
}

// tuple is an array whose first items match prefix, in order, and which has
// exactly that many items.
func tuple(prefix ...*openapi3.SchemaRef) *openapi3.Schema {
	s := typed("array")
	s.PrefixItems = prefix
	n := uint64(len(prefix))
	s.MinItems, s.MaxItems = n, &n
	return s
}

// orNull adds null to the types a schema allows. The schema must have a
// type keyword.
func orNull(s *openapi3.Schema) *openapi3.Schema {
	if s.Type != nil && !s.Type.Includes("null") {
		t := append(openapi3.Types{}, (*s.Type)...)
		t = append(t, "null")
		s.Type = &t
	}
	return s
}

// jsonContent is an application/json body of schema s with an example.
func jsonContent(s *openapi3.SchemaRef, example any) openapi3.Content {
	mt := &openapi3.MediaType{Schema: s}
	if example != nil {
		mt.Example = example
	}
	return openapi3.Content{"application/json": mt}
}

// jsonBody is a required application/json request body.
func jsonBody(desc string, s *openapi3.SchemaRef, example any) *openapi3.RequestBodyRef {
	return &openapi3.RequestBodyRef{Value: &openapi3.RequestBody{
		Description: desc, Required: true, Content: jsonContent(s, example)}}
}

// Query and header parameters.

func queryParam(name, desc string, s *openapi3.Schema) *openapi3.ParameterRef {
	p := openapi3.NewQueryParameter(name).WithSchema(s)
	p.Description = desc
	return &openapi3.ParameterRef{Value: p}
}

func headerParam(name, desc string, s *openapi3.Schema) *openapi3.ParameterRef {
	p := openapi3.NewHeaderParameter(name).WithSchema(s)
	p.Description = desc
	return &openapi3.ParameterRef{Value: p}
}

func pathParam(name, desc string, s *openapi3.Schema) *openapi3.ParameterRef {
	p := openapi3.NewPathParameter(name).WithSchema(s)
	p.Description = desc
	return &openapi3.ParameterRef{Value: p}
}

// boolFlag is a Grist-style boolean query parameter: present and not 0/false
// means true.
func boolFlag(name, desc string) *openapi3.ParameterRef {
	return queryParam(name, desc, boolean())
}

// Error answers. Every operation lists the statuses it can answer with;
// each is the one error shape, api.ErrorBody.

// errorStatuses are the statuses of error answers, each described by
// errorText.
func errorStatuses() []int {
	return []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
		http.StatusMethodNotAllowed, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity,
		http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusNotImplemented,
		http.StatusServiceUnavailable}
}

// errorText describes an error status in the documents.
func errorText(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "Invalid request: a parameter or the body is wrong (validation failures are `Invalid payload` with `details.userError`)."
	case http.StatusUnauthorized:
		return "The Authorization header is not `Bearer <key>`, or the key is unknown, expired or revoked."
	case http.StatusForbidden:
		return "The caller lacks the role this operation needs (`No view access`, `No write access`, `No owner access`)."
	case http.StatusNotFound:
		return "The resource does not exist, or the caller may not know that it does."
	case http.StatusMethodNotAllowed:
		return "The method is not allowed here (GraphQL mutations need POST)."
	case http.StatusRequestEntityTooLarge:
		return "The body is larger than the server's limit, or holds more records than one write may change."
	case http.StatusUnprocessableEntity:
		return "The Idempotency-Key was already used for a different request."
	case http.StatusTooManyRequests:
		return "The caller's rate limit is used up; retry after `Retry-After` seconds."
	case http.StatusNotImplemented:
		return "The storage engine cannot do this."
	case http.StatusServiceUnavailable:
		return "The storage is not reachable."
	}
	return "An internal error; the details are in the server's log, never in the answer."
}

// errorResponseName is the component name of an error answer.
func errorResponseName(status int) string { return "Error" + strconv.Itoa(status) }

// addErrorComponents adds the Error schema and one response component per
// error status to c.
func addErrorComponents(c *openapi3.Components, errorSchema *openapi3.Schema) {
	c.Schemas["Error"] = val(errorSchema)
	if c.Responses == nil {
		c.Responses = openapi3.ResponseBodies{}
	}
	for _, status := range errorStatuses() {
		r := openapi3.NewResponse().WithDescription(errorText(status)).WithContent(jsonContent(ref("Error"), nil))
		if status == http.StatusTooManyRequests {
			r.Headers = openapi3.Headers{"Retry-After": &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: openapi3.Parameter{
				Description: "Seconds until the limit refills.", Required: true, Schema: val(integer())}}}}
		}
		c.Responses[errorResponseName(status)] = &openapi3.ResponseRef{Value: r}
	}
}

// operation is one documented operation before it is added to a document.
type operation struct {
	method, path string
	id, summary  string
	description  string
	tags         []string
	params       openapi3.Parameters
	body         *openapi3.RequestBodyRef
	// ok is the success status and answer.
	status   int
	response *openapi3.Response
	// errors are the error statuses the operation can answer with, besides
	// those every request can get (401, 429, 500).
	errors []int
	// public operations need no key (anonymous callers are served).
	public bool
	// etag operations answer with an ETag, and 304 to a matching
	// If-None-Match.
	etag bool
}

// commonErrors can happen on any request: a bad key, the rate limit, a
// server fault.
func commonErrors() []int {
	return []int{http.StatusUnauthorized, http.StatusTooManyRequests, http.StatusInternalServerError}
}

// add puts the operation in doc.
func (o operation) add(doc *openapi3.T) {
	responses := openapi3.NewResponses()
	responses.Set(strconv.Itoa(o.status), &openapi3.ResponseRef{Value: o.response})
	seen := map[int]bool{}
	all := append(append([]int{}, o.errors...), commonErrors()...)
	sort.Ints(all)
	for _, status := range all {
		if seen[status] {
			continue
		}
		seen[status] = true
		responses.Set(strconv.Itoa(status), &openapi3.ResponseRef{Ref: "#/components/responses/" + errorResponseName(status)})
	}
	op := &openapi3.Operation{
		Tags: o.tags, Summary: o.summary, Description: o.description, OperationID: o.id,
		Parameters: o.params, RequestBody: o.body, Responses: responses,
	}
	if o.etag {
		etag := &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: openapi3.Parameter{
			Description: "Changes whenever the answer does.", Required: true, Schema: val(str())}}}
		o.response.Headers = openapi3.Headers{"ETag": etag}
		responses.Set("304", &openapi3.ResponseRef{Value: openapi3.NewResponse().
			WithDescription("Not modified: If-None-Match named the current ETag.")})
		op.Parameters = append(op.Parameters, headerParam("If-None-Match", "An ETag of an earlier answer.", str()))
	}
	if o.public {
		op.Security = &openapi3.SecurityRequirements{{}, {bearerScheme: []string{}}}
	}
	doc.AddOperation(o.path, o.method, op)
}

// jsonResponse is a JSON answer.
func jsonResponse(desc string, s *openapi3.SchemaRef, example any) *openapi3.Response {
	return openapi3.NewResponse().WithDescription(desc).WithContent(jsonContent(s, example))
}

// nullResponse is the JSON null that Grist answers many writes with.
func nullResponse(desc string) *openapi3.Response {
	return jsonResponse(desc, val(null()), nil)
}

// rateLimitNote tells, in both descriptions, what every answer carries.
const rateLimitNote = "When the server limits rates, every answer carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset; " +
	"a caller past its limit gets 429 with Retry-After."

// bearerScheme is the name of the security scheme of API keys.
const bearerScheme = "bearerAuth"

// newDocument starts a document with the security scheme, the error
// components and the servers.
func newDocument(info *openapi3.Info, errorSchema *openapi3.Schema) *openapi3.T {
	doc := &openapi3.T{
		OpenAPI: Version,
		Info:    info,
		Paths:   openapi3.NewPaths(),
		Components: &openapi3.Components{
			Schemas: openapi3.Schemas{},
			SecuritySchemes: openapi3.SecuritySchemes{bearerScheme: &openapi3.SecuritySchemeRef{Value: &openapi3.SecurityScheme{
				Type: "http", Scheme: "bearer",
				Description: "An API key (`rh_...`), sent as `Authorization: Bearer <key>`. Without one the caller is the anonymous user, who sees only what is shared publicly.",
			}}},
		},
		Security: openapi3.SecurityRequirements{{bearerScheme: []string{}}},
	}
	addErrorComponents(doc.Components, errorSchema)
	return doc
}

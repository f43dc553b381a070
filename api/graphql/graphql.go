// Package graphql serves Rowhouse's GraphQL APIs (API.md part C): the core
// API at /api/docs/{doc}/graphql, generated from each document's data model
// and cached per (document, schema version), and the metadata API at
// /api/docs/{doc}/graphql/metadata. Requests are parsed and validated with
// gqlparser, checked against depth, page, batch and complexity limits
// before the document is touched, then executed by a planner: each
// relation level of a query is one core.Select over all the parents' keys,
// and each mutation field is one core.Apply (one transaction).
//
// This package never writes SQL and never notifies anyone: it translates
// onto the document core, which does both (and, for the metadata API's
// webhook fields, onto webhook.Service, shared with the REST API).
package graphql

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/internal/chunk"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/webhook"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// Error codes in errors[].extensions.code.
const (
	CodeParseFailed      = "GRAPHQL_PARSE_FAILED"
	CodeValidationFailed = "GRAPHQL_VALIDATION_FAILED"
	CodeBadUserInput     = "BAD_USER_INPUT"
	CodeBadRequest       = "BAD_REQUEST"
	CodeUnauthenticated  = "UNAUTHENTICATED"
	CodeForbidden        = "FORBIDDEN"
	CodeNotFound         = "NOT_FOUND"
	CodeConflict         = "CONFLICT"
	CodeLimitExceeded    = "LIMIT_EXCEEDED"
	CodeRateLimited      = "RATE_LIMITED"
	CodeUnavailable      = "SERVICE_UNAVAILABLE"
	CodeInternal         = "INTERNAL_SERVER_ERROR"
)

// Default limits.
const (
	DefaultMaxDepth      = 8
	DefaultPageSize      = 100 // or the core's maximum page, if smaller
	DefaultMaxComplexity = 250_000
	DefaultMaxReads      = 64
)

// Limits bound one GraphQL request. Page and batch maxima come from the
// document core's limits.
type Limits struct {
	// MaxDepth is the deepest nesting of fields, not counting a
	// connection's edges and node wrappers: people { edges { node { city
	// { name } } } } is 3 deep. Introspection fields are not counted (the
	// schema bounds them).
	MaxDepth int
	// MaxComplexity bounds the estimated number of values an answer may
	// hold: each field costs 1, and a connection multiplies what it
	// selects by its page size.
	MaxComplexity int
	// MaxReads bounds the reads of records one request may make: one per
	// root field, relation field and mutation field, whatever the number
	// of rows (part of the complexity limit).
	MaxReads int
}

// Deps are what the GraphQL API needs.
type Deps struct {
	Home   *home.Service
	Docs   *core.Docs
	Log    *slog.Logger
	Limits Limits
	// Webhooks manages webhooks for the metadata API's webhook fields,
	// shared with the REST API; nil: those fields fail as unavailable.
	Webhooks *webhook.Service
}

// API is the GraphQL surface.
type API struct {
	home    *home.Service
	docs    *core.Docs
	log     *slog.Logger
	limits  Limits
	meta    *ast.Schema
	metaLax *leniency
	metaErr error
	hooks   *webhook.Service

	mu      sync.Mutex
	schemas map[string]*docSchema // by doc id, at its latest seen version

	// bufs are answer buffers reused across requests: a 100 KB answer
	// grown from nothing is 200 KB of garbage per request.
	bufs sync.Pool
	// records and cells are the chunks records are read into, reused
	// across requests likewise: a tree's records are most of what it
	// allocates.
	records chunk.Pool[record]
	cells   chunk.Pool[core.Cell]
}

// maxCachedSchemas bounds the schema cache (it is emptied when full).
const maxCachedSchemas = 1024

// docSchema is the GraphQL schema generated from one version of a
// document's data model.
type docSchema struct {
	version int64
	gql     *ast.Schema
	// byField maps the root fields (queries and mutations) to their tables.
	byField map[string]*schema.Table
	// model is what the schema makes of the tables beyond their names.
	model *model
	// lax is what the schema accepts beyond the specification.
	lax *leniency
}

// New returns the GraphQL API.
func New(d Deps) *API {
	if d.Limits.MaxDepth <= 0 {
		d.Limits.MaxDepth = DefaultMaxDepth
	}
	if d.Limits.MaxComplexity <= 0 {
		d.Limits.MaxComplexity = DefaultMaxComplexity
	}
	if d.Limits.MaxReads <= 0 {
		d.Limits.MaxReads = DefaultMaxReads
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	// The metadata schema is a constant, loaded by the tests: an error
	// here is a bug, answered as an internal error by the metadata route.
	meta, err := gqlparser.LoadSchema(&ast.Source{Name: "metadata.graphql", Input: metadataSDL})
	if err != nil {
		err = fmt.Errorf("metadata schema: %w", err)
	}
	return &API{home: d.Home, docs: d.Docs, log: d.Log, limits: d.Limits, meta: meta, metaLax: newLeniency(nil, nil), metaErr: err,
		hooks: d.Webhooks, schemas: map[string]*docSchema{},
		records: chunk.Pool[record]{Size: recordsPerChunk}, cells: chunk.Pool[core.Cell]{Size: cellsPerChunk}}
}

// Routes registers the GraphQL routes on mux.
func (a *API) Routes(mux *http.ServeMux) {
	mux.Handle("POST /api/docs/{doc}/graphql", http.HandlerFunc(a.serveCore))
	mux.Handle("GET /api/docs/{doc}/graphql", http.HandlerFunc(a.serveCore))
	mux.Handle("POST /api/docs/{doc}/graphql/metadata", http.HandlerFunc(a.serveMeta))
	mux.Handle("GET /api/docs/{doc}/graphql/metadata", http.HandlerFunc(a.serveMeta))
}

// Schema returns the GraphQL schema of a document's data model, from the
// cache when the version matches.
func (a *API) Schema(s *schema.Schema, docID string) (*ast.Schema, error) {
	ds, err := a.schemaFor(docID, s)
	if err != nil {
		return nil, err
	}
	return ds.gql, nil
}

func (a *API) schemaFor(docID string, s *schema.Schema) (*docSchema, error) {
	a.mu.Lock()
	ds := a.schemas[docID]
	a.mu.Unlock()
	if ds != nil && ds.version == s.Version {
		return ds, nil
	}
	m := newModel(s)
	gql, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: m.sdl()})
	if err != nil {
		return nil, rowhouse.Errorf(rowhouse.EINTERNAL, "the document's GraphQL schema is invalid: %v", err)
	}
	ds = &docSchema{version: s.Version, gql: gql, byField: tablesByField(s), model: m, lax: newLeniency(m.aliases, m.stringEnums)}
	a.mu.Lock()
	if len(a.schemas) >= maxCachedSchemas {
		clear(a.schemas)
	}
	if cur := a.schemas[docID]; cur == nil || cur.version <= ds.version {
		a.schemas[docID] = ds
	}
	a.mu.Unlock()
	return ds, nil
}

// request is a GraphQL request, from a POST body or GET parameters.
type request struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables"`
	OperationName string         `json:"operationName"`
	Extensions    map[string]any `json:"extensions"`
}

// response is a GraphQL response; Data is omitted when the request failed
// before execution.
type response struct {
	data    any // an object, or nil
	hasData bool
	errors  gqlerror.List
}

// reqError is a failure before execution: an HTTP status and one error.
type reqError struct {
	status int
	err    *gqlerror.Error
}

func (e *reqError) Error() string { return e.err.Message }

func newError(code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": code}}
}

func badRequest(status int, code, msg string) *reqError {
	return &reqError{status: status, err: newError(code, msg)}
}

// codeOf maps an error kind to a GraphQL error code.
func codeOf(err error) string {
	switch rowhouse.ErrorKind(err) {
	case rowhouse.EINVALID, rowhouse.EUNPROCESSABLE:
		return CodeBadUserInput
	case rowhouse.EUNAUTHORIZED:
		return CodeUnauthenticated
	case rowhouse.EFORBIDDEN:
		return CodeForbidden
	case rowhouse.ENOTFOUND:
		return CodeNotFound
	case rowhouse.ECONFLICT:
		return CodeConflict
	case rowhouse.ETOOLARGE:
		return CodeLimitExceeded
	case rowhouse.ERATELIMIT:
		return CodeRateLimited
	case rowhouse.EUNAVAILABLE:
		return CodeUnavailable
	}
	return CodeInternal
}

// fieldError turns an error met while executing a field into a GraphQL
// error at path. Internal errors are logged and shown as "internal error".
func (a *API) fieldError(ctx context.Context, path ast.Path, err error) *gqlerror.Error {
	var ge *gqlerror.Error
	if errors.As(err, &ge) {
		if ge.Path == nil {
			ge.Path = path
		}
		return ge
	}
	code := codeOf(err)
	msg := rowhouse.ErrorMessage(err)
	if code == CodeInternal {
		a.log.ErrorContext(ctx, "graphql field failed", "path", path.String(), "err", err)
		msg = "internal error"
	}
	return &gqlerror.Error{Message: msg, Path: path, Extensions: map[string]any{"code": code}}
}

// readRequest decodes a GraphQL request from a POST body (JSON) or GET
// query parameters.
func readRequest(r *http.Request) (request, error) {
	var req request
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		req.Query, req.OperationName = q.Get("query"), q.Get("operationName")
		if v := q.Get("variables"); v != "" {
			dec := json.NewDecoder(strings.NewReader(v))
			dec.UseNumber()
			if err := dec.Decode(&req.Variables); err != nil {
				return req, badRequest(http.StatusBadRequest, CodeBadRequest, "variables must be a JSON object")
			}
		}
	} else {
		body, err := api.ReadBody(r)
		if err != nil {
			var mb *http.MaxBytesError
			if errors.As(err, &mb) {
				return req, badRequest(http.StatusRequestEntityTooLarge, CodeLimitExceeded, err.Error())
			}
			return req, badRequest(http.StatusBadRequest, CodeBadRequest, "cannot read the request body")
		}
		if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/graphql") && !strings.HasPrefix(ct, "application/graphql-response") {
			req.Query = string(body)
		} else {
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			if err := dec.Decode(&req); err != nil {
				return req, badRequest(http.StatusBadRequest, CodeBadRequest, "the body must be a JSON object {query, variables?, operationName?}: "+err.Error())
			}
		}
	}
	if strings.TrimSpace(req.Query) == "" {
		return req, badRequest(http.StatusBadRequest, CodeBadRequest, "the request has no query")
	}
	return req, nil
}

// prepared is a request parsed, validated and checked against limits.
type prepared struct {
	doc  *ast.QueryDocument
	op   *ast.OperationDefinition
	vars map[string]any
}

// parse parses and validates the request's query against gql, with what
// the schema accepts beyond the specification (lax), selects the
// operation and coerces the variables.
func parse(gql *ast.Schema, lax *leniency, req request) (*prepared, error) {
	doc, err := parser.ParseQuery(&ast.Source{Name: "query", Input: req.Query})
	if err != nil {
		ge := gqlerror.WrapIfUnwrapped(err)
		ge.Extensions = map[string]any{"code": CodeParseFailed}
		return nil, &reqError{status: http.StatusBadRequest, err: ge}
	}
	renamed, rowIDs := lax.rename(doc)
	lax.enumLiterals(gql, doc)
	if errs := validator.ValidateWithRules(gql, doc, lax.rules); len(errs) > 0 {
		for _, e := range errs {
			e.Extensions = map[string]any{"code": CodeValidationFailed}
		}
		return nil, &reqErrors{status: http.StatusBadRequest, errs: errs}
	}
	var op *ast.OperationDefinition
	switch {
	case req.OperationName != "":
		op = doc.Operations.ForName(req.OperationName)
		if op == nil {
			return nil, badRequest(http.StatusBadRequest, CodeBadRequest, "unknown operation "+req.OperationName)
		}
	case len(doc.Operations) == 1:
		op = doc.Operations[0]
	default:
		return nil, badRequest(http.StatusBadRequest, CodeBadRequest, "the query has several operations: name one with operationName")
	}
	if op.Operation == ast.Subscription {
		return nil, badRequest(http.StatusBadRequest, CodeBadRequest, "subscriptions are not supported; use GET /api/docs/{doc}/changes")
	}
	rowIDValues(req.Variables, rowIDs)
	vars, err := validator.VariableValues(gql, op, req.Variables)
	if err != nil {
		ge := gqlerror.WrapIfUnwrapped(err)
		if len(ge.Path) >= 2 {
			if how := renamed[fmt.Sprint(ge.Path[1])]; how != "" {
				ge.Message += " (the variable is " + how + ")"
			}
		}
		ge.Extensions = map[string]any{"code": CodeBadUserInput}
		return nil, &reqError{status: http.StatusBadRequest, err: ge}
	}
	return &prepared{doc: doc, op: op, vars: vars}, nil
}

// reqErrors is several failures before execution (validation).
type reqErrors struct {
	status int
	errs   gqlerror.List
}

func (e *reqErrors) Error() string { return e.errs.Error() }

// writeResponse writes a GraphQL answer.
func writeResponse(w http.ResponseWriter, status int, res response) {
	writeResponseWith(w, status, res, new(bytes.Buffer))
}

// writeResponseWith is writeResponse encoding into b.
func writeResponseWith(w http.ResponseWriter, status int, res response, b *bytes.Buffer) {
	b.WriteByte('{')
	if len(res.errors) > 0 {
		b.WriteString(`"errors":`)
		data, err := json.Marshal(res.errors)
		if err != nil {
			data = []byte(`[{"message":"internal error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]`)
		}
		b.Write(data)
		if res.hasData {
			b.WriteByte(',')
		}
	}
	if res.hasData {
		b.WriteString(`"data":`)
		writeJSON(b, res.data)
	}
	b.WriteString("}\n")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// writeFailure answers a request that failed before execution.
func (a *API) writeFailure(w http.ResponseWriter, r *http.Request, err error) {
	var re *reqError
	var res *reqErrors
	switch {
	case errors.As(err, &re):
		writeResponse(w, re.status, response{errors: gqlerror.List{re.err}})
	case errors.As(err, &res):
		writeResponse(w, res.status, response{errors: res.errs})
	default:
		status := api.Status(err)
		code := codeOf(err)
		msg := rowhouse.ErrorMessage(err)
		if code == CodeInternal {
			a.log.ErrorContext(r.Context(), "graphql request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			msg = "internal error"
		}
		writeResponse(w, status, response{errors: gqlerror.List{newError(code, msg)}})
	}
}

// Scoped serves Twenty's own GraphQL paths, /graphql (the data) and
// /metadata, for a caller whose API key is scoped to exactly one document:
// the request goes to next as /api/docs/{thatDoc}/graphql (or
// .../graphql/metadata), so that a Twenty client pointed at Rowhouse works
// with nothing but its base URL and key changed. Any other caller gets a
// GraphQL error saying why, and what to use instead.
func (a *API) Scoped(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		docID, err := api.ScopedDoc(api.ActorFrom(r.Context()), "Twenty's paths /graphql and /metadata",
			"use /api/docs/{docId}/graphql (and .../graphql/metadata) instead, or a key created with scopes: {docs: [docId]}")
		if err != nil {
			a.writeFailure(w, r, err)
			return
		}
		path := "/api/docs/" + docID + "/graphql"
		if r.URL.Path == "/metadata" {
			path += "/metadata"
		}
		api.ServeAt(next, w, r, r.Context(), path)
	})
}

// access checks the caller's role on the request's document: viewers may
// read, editors may write; failures are Grist's 404/403.
func (a *API) access(r *http.Request, want rowhouse.Role) error {
	v, err := a.home.Doc(r.Context(), api.ActorFrom(r.Context()), r.PathValue("doc"), want)
	_, err = api.UnderPrefix(r, v, err)
	return err
}

// prepare reads the request, checks the caller may use the document for
// the operation, and parses it against the schema that load returns.
func (a *API) prepare(w http.ResponseWriter, r *http.Request, load func() (*ast.Schema, *leniency, error)) (*prepared, bool) {
	req, err := readRequest(r)
	if err == nil {
		err = a.access(r, rowhouse.RoleViewers)
	}
	if err != nil {
		a.writeFailure(w, r, err)
		return nil, false
	}
	gql, lax, err := load()
	if err != nil {
		a.writeFailure(w, r, err)
		return nil, false
	}
	p, err := parse(gql, lax, req)
	if err != nil {
		a.writeFailure(w, r, err)
		return nil, false
	}
	if p.op.Operation == ast.Mutation {
		if r.Method == http.MethodGet {
			w.Header().Set("Allow", http.MethodPost)
			a.writeFailure(w, r, badRequest(http.StatusMethodNotAllowed, CodeBadRequest, "mutations need POST"))
			return nil, false
		}
		if err := a.access(r, rowhouse.RoleEditors); err != nil {
			a.writeFailure(w, r, err)
			return nil, false
		}
	}
	return p, true
}

// Package api holds what every HTTP surface of Rowhouse shares: handlers
// that return errors, the one mapping from error kinds to HTTP statuses,
// JSON encoding and decoding, and the request's actor. Surfaces (api/grist,
// and later GraphQL and the web pages) build on it; it never touches
// storage.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/rowhouse/rowhouse"
)

// HandlerFunc is an HTTP handler that returns an error instead of writing
// it; Handle turns the error into the documented JSON shape.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handle adapts h to http.Handler: a returned error becomes
// {"error": message, "details"?: {...}} with the status of its kind.
// Internal errors are logged and shown only as "internal error".
func Handle(log *slog.Logger, h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &startWriter{ResponseWriter: w}
		err := h(sw, r)
		switch {
		case err == nil:
		case !sw.started:
			WriteError(w, r, log, err)
		case errors.Is(err, http.ErrAbortHandler):
			panic(http.ErrAbortHandler) // cut the connection: the answer is incomplete
		default:
			// The answer has begun: an error can no longer be sent in its
			// place. A streamed answer that fails midway is cut off so the
			// client sees it broken rather than short.
			if r.Context().Err() == nil && log != nil {
				log.WarnContext(r.Context(), "request failed after the answer started", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			panic(http.ErrAbortHandler)
		}
	})
}

// startWriter records whether an answer has begun.
type startWriter struct {
	http.ResponseWriter
	started bool
}

func (w *startWriter) WriteHeader(code int) {
	w.started = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *startWriter) Write(b []byte) (int, error) {
	w.started = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.NewResponseController reach Flush and deadlines.
func (w *startWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes through for streamed answers.
func (w *startWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// Status returns the HTTP status of an error's kind.
func Status(err error) int {
	switch rowhouse.ErrorKind(err) {
	case rowhouse.EINVALID:
		return http.StatusBadRequest
	case rowhouse.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case rowhouse.EFORBIDDEN:
		return http.StatusForbidden
	case rowhouse.ENOTFOUND:
		return http.StatusNotFound
	case rowhouse.EMETHOD:
		return http.StatusMethodNotAllowed
	case rowhouse.ECONFLICT:
		return http.StatusConflict
	case rowhouse.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case rowhouse.EUNPROCESSABLE:
		return http.StatusUnprocessableEntity
	case rowhouse.ERATELIMIT:
		return http.StatusTooManyRequests
	case rowhouse.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON shape of every error answer.
type ErrorBody struct {
	Error   string         `json:"error"`
	Details map[string]any `json:"details,omitempty"`
}

// WriteError writes err in the documented shape. Internal errors are logged
// with the request and never shown.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = rowhouse.Errorf(rowhouse.ETOOLARGE, "request body is larger than the limit of %d bytes", mbe.Limit)
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client went away; there is nobody to answer
	}
	status := Status(err)
	body := ErrorBody{Error: rowhouse.ErrorMessage(err)}
	var e *rowhouse.Error
	if errors.As(err, &e) && status != http.StatusInternalServerError {
		body.Details = e.Details
	}
	if ri := RequestInfoFrom(r.Context()); ri != nil {
		ri.Error = body.Error
	}
	if status >= 500 && log != nil {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "request_id", RequestID(r.Context()), "err", err)
	}
	WriteJSON(w, status, body)
}

// WriteJSON writes v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // a write error means the client went away
}

// DecodeJSON reads the request body into dst, refusing unknown fields,
// trailing data and wrong types with 400 "Invalid payload" and a userError
// that says what was wrong. An empty body decodes as if it were "{}" when
// dst is a struct or map pointer, so clients that send Content-Type on
// every request are fine; it is an error for other targets.
func DecodeJSON(r *http.Request, dst any) error {
	data, err := ReadBody(r)
	if err != nil {
		return err
	}
	return DecodeJSONBytes(data, dst)
}

// ReadBody reads the whole request body, which the server's body limit
// bounds; past the limit the error is a *http.MaxBytesError (413).
func ReadBody(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, rowhouse.InvalidPayload("cannot read the request body: %v", err)
	}
	return data, nil
}

// DecodeJSONBytes is DecodeJSON on a body already read.
func DecodeJSONBytes(data []byte, dst any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		if notJSON(err) {
			return notJSONError(describeJSONError(err))
		}
		return rowhouse.InvalidPayload("%s", describeJSONError(err))
	}
	if dec.More() {
		return rowhouse.InvalidPayload("unexpected data after the JSON value")
	}
	if _, err := dec.Token(); err != io.EOF {
		return rowhouse.InvalidPayload("unexpected data after the JSON value")
	}
	return nil
}

// notJSON reports whether a decoding error means the bytes are not JSON
// at all (rather than JSON of the wrong shape).
func notJSON(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF)
}

// notJSONError says that a body is not JSON, and where it stops being so:
// a form-encoded body or a truncated one should not read like a JSON
// value of the wrong shape.
func notJSONError(where string) error {
	return &rowhouse.Error{Kind: rowhouse.EINVALID, Message: "request body must be JSON", Details: map[string]any{"userError": where}}
}

func describeJSONError(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se)
	case errors.As(err, &te):
		if te.Field != "" {
			return fmt.Sprintf("%s: expected %s, got %s", te.Field, jsonKind(te.Type.String()), te.Value)
		}
		return fmt.Sprintf("expected %s, got %s", jsonKind(te.Type.String()), te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "malformed JSON: unexpected end of input"
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return "unknown property " + f
	}
	return strings.TrimPrefix(msg, "json: ")
}

func jsonKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "an integer"
	case strings.HasPrefix(goType, "float"), goType == "json.Number":
		return "a number"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "a boolean"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "map["), strings.Contains(goType, "struct"):
		return "an object"
	}
	if strings.Contains(goType, ".") {
		return "an object"
	}
	return goType
}

type actorKey struct{}

// WithActor returns a context carrying the request's actor.
func WithActor(ctx context.Context, a rowhouse.Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the request's actor; the anonymous user if the
// authentication middleware did not run.
func ActorFrom(ctx context.Context) rowhouse.Actor {
	if a, ok := ctx.Value(actorKey{}).(rowhouse.Actor); ok {
		return a
	}
	return rowhouse.Actor{User: rowhouse.AnonymousUser()}
}

type orgDomainKey struct{}

// orgScope is the org a request is confined to, and how it was named.
type orgScope struct {
	domain string
	prefix bool // by the /o/{orgDomain} URL prefix, not by the host name
}

// WithOrgDomain records the org named by a /o/{orgDomain}/ URL prefix.
func WithOrgDomain(ctx context.Context, domain string) context.Context {
	return context.WithValue(ctx, orgDomainKey{}, orgScope{domain: domain, prefix: true})
}

// WithHostOrgDomain records the org named by the request's host name
// (<domain>.<base domain>, see HostOrgDomain). A /o/ prefix, recorded
// after it, wins.
func WithHostOrgDomain(ctx context.Context, domain string) context.Context {
	return context.WithValue(ctx, orgDomainKey{}, orgScope{domain: domain})
}

// OrgDomainFrom returns the org domain of the URL prefix or of the host
// name, "" if none.
func OrgDomainFrom(ctx context.Context) string {
	s, _ := ctx.Value(orgDomainKey{}).(orgScope)
	return s.domain
}

// PathPrefix returns the /o/{orgDomain} prefix the request came through,
// "" if none: what links back to the same org must start with. An org
// named by the host name needs no prefix.
func PathPrefix(ctx context.Context) string {
	if s, _ := ctx.Value(orgDomainKey{}).(orgScope); s.prefix {
		return "/o/" + s.domain
	}
	return ""
}

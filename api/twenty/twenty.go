// Package twenty serves Rowhouse's Twenty-compatible REST API: the core API
// (records of each table, under the table's GraphQL names: /rest/companies)
// and the metadata API (/rest/metadata/objects and /fields), in Twenty's
// request and answer shapes, so that Twenty clients work unchanged on
// Rowhouse documents. The routes answer under /api/docs/{doc}/rest/ and, for
// an API key scoped to exactly one document, at Twenty's own /rest/ paths.
//
// Like every surface it is a translator onto the document core: it never
// writes SQL and never notifies anyone.
package twenty

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/webhook"
)

// Deps are what the Twenty API needs.
type Deps struct {
	Home *home.Service
	Docs *core.Docs
	// Webhooks manages webhooks, shared with the other surfaces.
	Webhooks *webhook.Service
	Log      *slog.Logger
	Now      func() time.Time
}

// API is the Twenty-compatible REST API.
type API struct {
	home     *home.Service
	docs     *core.Docs
	webhooks *webhook.Service
	log      *slog.Logger
	now      func() time.Time
}

// New returns the API.
func New(d Deps) *API {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &API{home: d.Home, docs: d.Docs, webhooks: d.Webhooks, log: d.Log, now: d.Now}
}

// errorBody is Twenty's error answer: {"statusCode": 400, "error":
// "BadRequestException", "messages": ["..."]}.
type errorBody struct {
	StatusCode int      `json:"statusCode"`
	Error      string   `json:"error"`
	Messages   []string `json:"messages"`
}

// errorNames are the exception names Twenty answers with, by status.
var errorNames = map[int]string{
	http.StatusBadRequest:            "BadRequestException",
	http.StatusUnauthorized:          "UnauthorizedException",
	http.StatusForbidden:             "ForbiddenException",
	http.StatusNotFound:              "NotFoundException",
	http.StatusMethodNotAllowed:      "MethodNotAllowedException",
	http.StatusConflict:              "ConflictException",
	http.StatusRequestEntityTooLarge: "PayloadTooLargeException",
	http.StatusUnprocessableEntity:   "UnprocessableEntityException",
	http.StatusTooManyRequests:       "ThrottlerException",
	http.StatusServiceUnavailable:    "ServiceUnavailableException",
	http.StatusInternalServerError:   "InternalServerErrorException",
}

// handle adapts h to http.Handler, writing a returned error in Twenty's
// shape (WriteError).
func (a *API) handle(h api.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			WriteError(w, r, a.log, err)
		}
	})
}

// WriteError writes err in Twenty's shape with the status of its kind
// (api.Status). Internal errors are logged (when log is not nil) and shown
// only as "internal error". The server writes the errors it answers
// before any handler on Twenty's paths (IsPath) with it too.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = rowhouse.Errorf(rowhouse.ETOOLARGE, "request body is larger than the limit of %d bytes", mbe.Limit)
	}
	status := api.Status(err)
	if status >= 500 && log != nil {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	name, ok := errorNames[status]
	if !ok {
		name = errorNames[http.StatusBadRequest]
		if status >= 500 {
			name = errorNames[http.StatusInternalServerError]
		}
	}
	messages := []string{rowhouse.ErrorMessage(err)}
	var e *rowhouse.Error
	if errors.As(err, &e) && status < 500 {
		if u, ok := e.Details["userError"].(string); ok && u != "" {
			messages = append(messages, u) // what "Invalid payload" was about
		}
	}
	api.WriteJSON(w, status, errorBody{StatusCode: status, Error: name, Messages: messages})
}

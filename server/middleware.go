package server

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/api/twenty"
	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/ratelimit"
)

// recoverPanics turns a panicking handler into a logged 500 with the JSON
// error shape, instead of a dropped connection.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic in handler", "method", r.Method, "path", r.URL.Path, "panic", v)
				api.WriteJSON(w, http.StatusInternalServerError, api.ErrorBody{Error: "internal error"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status and size of an answer for the log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.NewResponseController reach Flush and deadlines.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes through so streamed answers are not held back.
func (w *statusWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// logRequests writes one structured line per request.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", sw.status),
			slog.Int64("bytes", sw.bytes),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote", r.RemoteAddr))
	})
}

// limitBody caps request bodies; reading past the cap fails with a
// *http.MaxBytesError, which api.WriteError answers with 413.
func limitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			writeError(w, r, nil, rowhouse.Errorf(rowhouse.ETOOLARGE, "request body is larger than the limit of %d bytes", max))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

// authenticate puts the request's actor in its context and applies the
// rate limit: per key for keyed requests, per client address for anonymous
// requests and failed authentications (so guessing keys is limited too).
func authenticate(keys *auth.Keys, sessions *auth.Sessions, log *slog.Logger, limiter *ratelimit.Limiter, next http.Handler) http.Handler {
	limit := limiter.Middleware(func(r *http.Request) string {
		a := api.ActorFrom(r.Context())
		switch {
		case a.Key != nil:
			return "k" + strconv.FormatInt(a.Key.ID, 10)
		case !a.Anonymous():
			return "u" + strconv.FormatInt(a.User.ID, 10)
		}
		return "" // by client address
	})
	ok := limit(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, err := keys.Authenticate(r.Context(), r.Header.Get("Authorization"))
		if err == nil && r.Header.Get("Authorization") == "" {
			r, actor, err = sessionActor(sessions, r, actor)
		}
		if err != nil {
			limit(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeError(w, r, log, err) })).ServeHTTP(w, r)
			return
		}
		ok.ServeHTTP(w, r.WithContext(api.WithActor(r.Context(), actor)))
	})
}

// writeError answers an error found before any handler ran, in the shape
// of the surface the path belongs to: Twenty's on its paths, else the
// REST error shape.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	if twenty.IsPath(r.URL.Path) {
		twenty.WriteError(w, r, log, err)
		return
	}
	api.WriteError(w, r, log, err)
}

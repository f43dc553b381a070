package server

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
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

// statusWriter remembers the status and size of an answer for the log,
// and the start of an error answer's body, whose message the log line
// shows when the handler did not say it through api.RequestInfo.
type statusWriter struct {
	http.ResponseWriter
	status  int
	bytes   int64
	errBody []byte // the first errBodyMax bytes of a 4xx or 5xx answer
}

// errBodyMax bounds what is kept of an error answer's body.
const errBodyMax = 1 << 10

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
	if w.status >= 400 && len(w.errBody) < errBodyMax {
		w.errBody = append(w.errBody, b[:min(len(b), errBodyMax-len(w.errBody))]...)
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.NewResponseController reach Flush and deadlines.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes through so streamed answers are not held back.
func (w *statusWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// HeaderRequestID carries a request's id, in the answer always, and in a
// request when a proxy or client already named it.
const HeaderRequestID = "X-Request-Id"

// requestID returns the incoming id if it is sane (1 to 128 characters of
// letters, digits and -_.:/+=, so that it cannot forge log fields), else a
// new random one.
func requestID(in string) string {
	if len(in) > 0 && len(in) <= 128 && !strings.ContainsFunc(in, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:/+=", r))
	}) {
		return in
	}
	var b [10]byte
	var h [20]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	hex.Encode(h[:], b[:])
	return string(h[:])
}

// logRequests writes one structured line per request: method, path,
// status, size, duration, client address, the request id (also answered
// in X-Request-Id), who asked (user and key ids, never the key) and, for
// 4xx and 5xx answers, the error message.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &api.RequestInfo{ID: requestID(r.Header.Get(HeaderRequestID))}
		w.Header().Set(HeaderRequestID, ri.ID)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(api.WithRequestInfo(r.Context(), ri)))
		if !log.Enabled(r.Context(), slog.LevelInfo) {
			return
		}
		attrs := make([]slog.Attr, 0, 11)
		attrs = append(attrs,
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", sw.status),
			slog.Int64("bytes", sw.bytes),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote", r.RemoteAddr),
			slog.String("request_id", ri.ID))
		if ri.UserID != 0 {
			attrs = append(attrs, slog.Int64("user", ri.UserID))
		}
		if ri.KeyID != 0 {
			attrs = append(attrs, slog.Int64("key", ri.KeyID))
		}
		if sw.status >= 400 {
			msg := ri.Error
			if msg == "" {
				msg = errorMessage(sw.Header().Get("Content-Type"), sw.errBody)
			}
			attrs = append(attrs, slog.String("error", msg))
		}
		log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
	})
}

// errorMessage reads the message of an error answer written without
// api.WriteError (another surface's error shape, a plain-text answer): a
// JSON "error" or "message" string, or the first line of text.
func errorMessage(contentType string, body []byte) string {
	if strings.HasPrefix(contentType, "application/json") {
		var e struct {
			Error    any      `json:"error"`
			Message  string   `json:"message"`
			Messages []string `json:"messages"`
		}
		if json.Unmarshal(body, &e) == nil {
			switch {
			case len(e.Messages) > 0:
				return e.Messages[0]
			case e.Message != "":
				return e.Message
			}
			if s, ok := e.Error.(string); ok {
				return s
			}
		}
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
	return strings.ToValidUTF8(line, "?")
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
		if ri := api.RequestInfoFrom(r.Context()); ri != nil {
			ri.UserID = actor.User.ID
			if actor.Key != nil {
				ri.KeyID = actor.Key.ID
			}
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

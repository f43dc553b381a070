// Package metrics holds Rowhouse's Prometheus instrumentation: HTTP request
// counts, latencies and concurrency, SQL statement counts from the document
// core, and the Go runtime and process collectors.
//
// Every collector lives in a private registry owned by a Metrics value, so
// several servers can run in one process (tests do this). The package must
// never register anything with prometheus.DefaultRegisterer, and no label
// may carry unbounded values (raw paths, document ids, user ids): routes are
// labelled by their ServeMux pattern.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// UnmatchedRoute is the route label of requests that no ServeMux pattern
// matched (404 and 405 answers from the mux, or requests that never reached
// it, such as those refused by rate limiting).
const UnmatchedRoute = "unmatched"

// durationBuckets spans 0.5 ms (a cached metadata read) to 10 s (a large
// export or a slow migration step).
var durationBuckets = []float64{
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5, 10,
}

// Metrics holds Rowhouse's Prometheus collectors in a private registry
// (never the global default registry), so several servers can live in one
// process. A Metrics is safe for concurrent use.
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec   // route, method, code
	duration   *prometheus.HistogramVec // route, method
	inFlight   prometheus.Gauge
	statements *prometheus.CounterVec // surface
}

// New returns a Metrics with its own registry, holding the Go runtime and
// process collectors and Rowhouse's collectors:
//
//	rowhouse_http_requests_total{route, method, code}            counter
//	rowhouse_http_request_duration_seconds{route, method}        histogram
//	rowhouse_http_requests_in_flight                             gauge
//	rowhouse_doc_sql_statements_total{surface}                   counter
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rowhouse_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rowhouse_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern and method. Streams count until they end.",
			Buckets: durationBuckets,
		}, []string{"route", "method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rowhouse_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
		statements: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rowhouse_doc_sql_statements_total",
			Help: "SQL statements run against documents, by API surface (rest, graphql, ...).",
		}, []string{"surface"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration, m.inFlight, m.statements,
	)
	return m
}

// Registry returns the private registry, for callers that add collectors of
// their own (for example the webhook dispatcher).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// SQLStatements adds n to the count of SQL statements run for the given API
// surface ("rest", "graphql", ...). The surface must come from a small fixed
// set chosen by the caller, never from request input. n <= 0 is ignored.
func (m *Metrics) SQLStatements(surface string, n int) {
	if n <= 0 {
		return
	}
	m.statements.WithLabelValues(surface).Add(float64(n))
}

// Handler serves the Prometheus exposition of this registry only (mount it
// at GET /metrics).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Middleware records the request count, duration and in-flight gauge of
// every request passed to next.
//
// The route label is the ServeMux pattern that matched (r.Pattern, which
// ServeMux.ServeHTTP sets on the request it is given), read after next
// returns; requests that matched no pattern are labelled UnmatchedRoute. If
// middleware between this one and the mux replaces the request (for example
// r.WithContext in auth), the mux sets the pattern on the copy: wrap the mux
// in CapturePattern so the pattern still reaches this middleware.
//
// The ResponseWriter is wrapped minimally: bodies are never buffered, Flush
// is always available (Server-Sent Events rely on it), and Unwrap lets
// http.NewResponseController reach the underlying writer.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.inFlight.Inc()
		rec := &recorder{ResponseWriter: w}
		holder := &patternHolder{}
		r = r.WithContext(withPatternHolder(r.Context(), holder))
		completed := false
		// Deferred so a panicking handler still leaves the gauge balanced
		// and is counted (as 500 unless it had already sent a status).
		defer func() {
			m.inFlight.Dec()
			code := rec.code
			if code == 0 {
				code = http.StatusOK
				if !completed {
					code = http.StatusInternalServerError
				}
			}
			route := r.Pattern
			if route == "" {
				route = holder.pattern
			}
			if route == "" {
				route = UnmatchedRoute
			}
			method := methodLabel(r.Method)
			m.requests.WithLabelValues(route, method, strconv.Itoa(code)).Inc()
			m.duration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(rec, r)
		completed = true
	})
}

// methodLabel bounds the method label: any method outside the standard set
// becomes "OTHER".
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions,
		http.MethodConnect, http.MethodTrace:
		return method
	}
	return "OTHER"
}

// recorder notes the status code sent through it and nothing else.
// code is 0 until a final (non-1xx) status is sent, explicitly or by the
// first Write.
type recorder struct {
	http.ResponseWriter
	code int
}

// WriteHeader records the first final status code and passes it on.
// Informational (1xx) headers such as 103 Early Hints are passed on
// without being recorded, except 101 Switching Protocols, which is final.
func (w *recorder) WriteHeader(code int) {
	if w.code == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write passes b on, recording an implicit 200 if no status was sent.
func (w *recorder) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush sends buffered data to the client, recording an implicit 200 if no
// status was sent. It is a no-op when the underlying writer cannot flush.
func (w *recorder) Flush() {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap returns the underlying ResponseWriter, for
// http.NewResponseController (Hijack, SetWriteDeadline, EnableFullDuplex).
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

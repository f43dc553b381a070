package metrics

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// newMux returns a ServeMux with a few patterns, wrapped by m.Middleware.
func newMux(m *Metrics) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/docs/{docId}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "doc "+r.PathValue("docId"))
	})
	mux.HandleFunc("POST /api/docs/{docId}/tables/{tableId}/records", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("GET /api/boom", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusInternalServerError)
	})
	mux.HandleFunc("GET /api/silent", func(w http.ResponseWriter, r *http.Request) {})
	return m.Middleware(mux)
}

func TestMiddlewareRecordsPatternAndCode(t *testing.T) {
	tests := []struct {
		name, method, path string
		route, code        string
	}{
		{"wildcard", "GET", "/api/docs/abc", "GET /api/docs/{docId}", "200"},
		{"other id same series", "GET", "/api/docs/xyz", "GET /api/docs/{docId}", "200"},
		{"explicit status", "POST", "/api/docs/d/tables/T/records", "POST /api/docs/{docId}/tables/{tableId}/records", "201"},
		{"error status", "GET", "/api/boom", "GET /api/boom", "500"},
		{"no write means 200", "GET", "/api/silent", "GET /api/silent", "200"},
		{"HEAD matches GET pattern", "HEAD", "/api/docs/abc", "GET /api/docs/{docId}", "200"},
		{"unknown path", "GET", "/nowhere/123", UnmatchedRoute, "404"},
		{"wrong method", "DELETE", "/api/docs/abc", UnmatchedRoute, "405"},
		{"odd method bounded", "BREW", "/api/docs/abc", UnmatchedRoute, "405"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New()
			h := newMux(m)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			if got := strconv.Itoa(rec.Code); got != tt.code {
				t.Fatalf("status %s, want %s", got, tt.code)
			}
			method := methodLabel(tt.method)
			if got := toFloat64(m.requests.WithLabelValues(tt.route, method, tt.code)); got != 1 {
				t.Errorf("requests{%q,%q,%q} = %v, want 1", tt.route, method, tt.code, got)
			}
			if n := collectAndCount(m.requests); n != 1 {
				t.Errorf("%d request series, want 1 (raw path must not be a label)", n)
			}
			if n := collectAndCount(m.duration); n != 1 {
				t.Errorf("%d duration series, want 1", n)
			}
			if got := toFloat64(m.inFlight); got != 0 {
				t.Errorf("in flight = %v after request, want 0", got)
			}
		})
	}
}

func itoa(n int) string {
	return strings.TrimSpace(strings.Repeat(" ", 0) + http.StatusText(0) + fmtInt(n))
}

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

// TestServeMuxSetsPatternOnGivenRequest pins the behaviour Middleware relies
// on: ServeMux.ServeHTTP sets r.Pattern on the *http.Request it was given,
// so a wrapper can read it after the call returns.
func TestServeMuxSetsPatternOnGivenRequest(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /a/{id}", func(http.ResponseWriter, *http.Request) {})
	for _, tt := range []struct{ path, want string }{
		{"/a/1", "GET /a/{id}"},
		{"/b", ""},
	} {
		r := httptest.NewRequest("GET", tt.path, nil)
		mux.ServeHTTP(httptest.NewRecorder(), r)
		if r.Pattern != tt.want {
			t.Errorf("%s: r.Pattern = %q after ServeHTTP, want %q", tt.path, r.Pattern, tt.want)
		}
	}
}

// TestCapturePattern covers middleware between Middleware and the mux that
// replaces the request, as auth does with r.WithContext.
func TestCapturePattern(t *testing.T) {
	type ctxKey struct{}
	replace := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, "user")))
		})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /a/{id}", func(http.ResponseWriter, *http.Request) {})
	for _, tt := range []struct {
		name    string
		capture bool
		want    string
	}{
		{"without CapturePattern the copy hides the pattern", false, UnmatchedRoute},
		{"with CapturePattern", true, "GET /a/{id}"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := New()
			var inner http.Handler = mux
			if tt.capture {
				inner = CapturePattern(mux)
			}
			m.Middleware(replace(inner)).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/a/7", nil))
			if got := toFloat64(m.requests.WithLabelValues(tt.want, "GET", "200")); got != 1 {
				t.Errorf("requests{route=%q} = %v, want 1", tt.want, got)
			}
		})
	}
}

func TestInFlight(t *testing.T) {
	m := New()
	entered := make(chan struct{})
	release := make(chan struct{})
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
	}))
	done := make(chan struct{})
	for range 2 {
		go func() {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
			done <- struct{}{}
		}()
	}
	<-entered
	<-entered
	if got := toFloat64(m.inFlight); got != 2 {
		t.Errorf("in flight = %v during requests, want 2", got)
	}
	close(release)
	<-done
	<-done
	if got := toFloat64(m.inFlight); got != 0 {
		t.Errorf("in flight = %v after requests, want 0", got)
	}
}

func TestPanicCountedAndGaugeBalanced(t *testing.T) {
	m := New()
	h := m.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	func() {
		defer func() { _ = recover() }()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}()
	if got := toFloat64(m.inFlight); got != 0 {
		t.Errorf("in flight = %v, want 0", got)
	}
	if got := toFloat64(m.requests.WithLabelValues(UnmatchedRoute, "GET", "500")); got != 1 {
		t.Errorf("panicking request counted %v times as 500, want 1", got)
	}
}

// TestFlusherPreserved streams two events through a real server and checks
// the first arrives before the handler finishes, so nothing is buffered.
func TestFlusherPreserved(t *testing.T) {
	m := New()
	second := make(chan struct{})
	assertErr := make(chan string, 8)
	handlerDone := make(chan struct{})
	srv := httptest.NewServer(m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(http.Flusher); !ok {
			assertErr <- "ResponseWriter is not an http.Flusher"
		}
		if _, ok := w.(interface{ Unwrap() http.ResponseWriter }); !ok {
			assertErr <- "ResponseWriter has no Unwrap"
		}
		defer close(handlerDone)
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: one\n\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			assertErr <- "ResponseController.Flush: " + err.Error()
		}
		if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			assertErr <- "ResponseController.SetWriteDeadline: " + err.Error()
		}
		<-second
		io.WriteString(w, "data: two\n\n")
	})))
	defer srv.Close()

	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, len("data: one\n\n"))
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatalf("first event: %v", err)
	}
	if string(buf) != "data: one\n\n" {
		t.Fatalf("first event = %q", buf)
	}
	close(second)
	rest, _ := io.ReadAll(resp.Body)
	if string(rest) != "data: two\n\n" {
		t.Errorf("second event = %q", rest)
	}
	<-handlerDone
	close(assertErr)
	for e := range assertErr {
		t.Error(e)
	}
}

func TestHandlerExposesSeries(t *testing.T) {
	m := New()
	h := newMux(m)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/docs/abc", nil))
	m.SQLStatements("rest", 3)
	m.SQLStatements("graphql", 1)
	m.SQLStatements("rest", 0) // ignored

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`rowhouse_http_requests_total{code="200",method="GET",route="GET /api/docs/{docId}"} 1`,
		`rowhouse_http_request_duration_seconds_bucket{method="GET",route="GET /api/docs/{docId}",le="0.0005"}`,
		`rowhouse_http_request_duration_seconds_bucket{method="GET",route="GET /api/docs/{docId}",le="10"}`,
		`rowhouse_http_request_duration_seconds_count{method="GET",route="GET /api/docs/{docId}"} 1`,
		"rowhouse_http_requests_in_flight 0",
		`rowhouse_doc_sql_statements_total{surface="rest"} 3`,
		`rowhouse_doc_sql_statements_total{surface="graphql"} 1`,
		"go_goroutines ",
		"process_start_time_seconds ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(body, "/api/docs/abc") {
		t.Error("/metrics contains a raw path")
	}
}

// TestRegistriesIndependent checks two servers in one process neither panic
// on registration nor share counts.
func TestRegistriesIndependent(t *testing.T) {
	a, b := New(), New()
	a.SQLStatements("rest", 2)
	if got := toFloat64(b.statements.WithLabelValues("rest")); got != 0 {
		t.Errorf("second Metrics sees %v statements, want 0", got)
	}
	if a.Registry() == b.Registry() {
		t.Error("registries shared")
	}
}

// toFloat64 returns the value of a collector holding exactly one counter or
// gauge (prometheus/testutil would pull in another module).
func toFloat64(c prometheus.Collector) float64 {
	ms := collect(c)
	if len(ms) != 1 {
		panic("toFloat64: collector holds " + strconv.Itoa(len(ms)) + " metrics")
	}
	var pb dto.Metric
	if err := ms[0].Write(&pb); err != nil {
		panic(err)
	}
	switch {
	case pb.Counter != nil:
		return pb.Counter.GetValue()
	case pb.Gauge != nil:
		return pb.Gauge.GetValue()
	}
	panic("toFloat64: not a counter or gauge")
}

// collectAndCount returns the number of series c holds.
func collectAndCount(c prometheus.Collector) int { return len(collect(c)) }

func collect(c prometheus.Collector) []prometheus.Metric {
	ch := make(chan prometheus.Metric)
	go func() { c.Collect(ch); close(ch) }()
	var ms []prometheus.Metric
	for m := range ch {
		ms = append(ms, m)
	}
	return ms
}

package api_test

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
)

func TestHandleErrors(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	cases := []struct {
		name   string
		err    error
		status int
		body   string
	}{
		{"invalid", rowhouse.Invalidf("bad %s", "thing"), 400, `{"error":"bad thing"}`},
		{"payload", rowhouse.InvalidPayload("x is missing"), 400, `{"error":"Invalid payload","details":{"userError":"x is missing"}}`},
		{"unauthorized", rowhouse.Errorf(rowhouse.EUNAUTHORIZED, "no"), 401, `{"error":"no"}`},
		{"forbidden", rowhouse.Forbiddenf("No view access"), 403, `{"error":"No view access"}`},
		{"not found", rowhouse.NotFoundf("document not found"), 404, `{"error":"document not found"}`},
		{"too large", rowhouse.Errorf(rowhouse.ETOOLARGE, "big"), 413, `{"error":"big"}`},
		{"unprocessable", rowhouse.Errorf(rowhouse.EUNPROCESSABLE, "reused"), 422, `{"error":"reused"}`},
		{"unavailable", rowhouse.Errorf(rowhouse.EUNAVAILABLE, "down"), 503, `{"error":"down"}`},
		{"internal is hidden", errors.New("disk on fire at /secret/path"), 500, `{"error":"internal error"}`},
		{"body limit", &http.MaxBytesError{Limit: 10}, 413, `{"error":"request body is larger than the limit of 10 bytes"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			api.Handle(log, func(http.ResponseWriter, *http.Request) error { return c.err }).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			if rec.Code != c.status || strings.TrimSpace(rec.Body.String()) != c.body {
				t.Errorf("got %d %s, want %d %s", rec.Code, rec.Body, c.status, c.body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("content type %q", ct)
			}
		})
	}
}

func TestDecodeJSON(t *testing.T) {
	type target struct {
		Name *string `json:"name"`
		N    int     `json:"n"`
	}
	cases := []struct {
		body, userError string
	}{
		{`{"name":"a"}`, ""},
		{``, ""},
		{`{"name":"a","x":1}`, `unknown property "x"`},
		{`{"n":"three"}`, `n: expected an integer, got string`},
		{`{"name":"a"} {}`, `unexpected data after the JSON value`},
	}
	for _, c := range cases {
		var dst target
		err := api.DecodeJSONBytes([]byte(c.body), &dst)
		if c.userError == "" {
			if err != nil {
				t.Errorf("%q: %v", c.body, err)
			}
			continue
		}
		var e *rowhouse.Error
		if !errors.As(err, &e) || e.Message != "Invalid payload" || e.Details["userError"] != c.userError {
			t.Errorf("%q: got %#v, want userError %q", c.body, err, c.userError)
		}
	}
	// A body that is not JSON says so, then where.
	for body, where := range map[string]string{
		`{"name":`:   "malformed JSON: unexpected end of input",
		`name=a&n=1`: "malformed JSON at byte 2: invalid character 'a' in literal null (expecting 'u')",
		`<xml/>`:     "malformed JSON at byte 1: invalid character '<' looking for beginning of value",
	} {
		var dst target
		var e *rowhouse.Error
		err := api.DecodeJSONBytes([]byte(body), &dst)
		if !errors.As(err, &e) || e.Kind != rowhouse.EINVALID || e.Message != "request body must be JSON" || e.Details["userError"] != where {
			t.Errorf("%q: got %#v, want \"request body must be JSON\" with userError %q", body, err, where)
		}
	}
}

// A handler that fails after its answer began must not send a second
// status: the connection is cut, so the client sees a broken answer.
func TestErrorAfterAnswerStarted(t *testing.T) {
	srv := httptest.NewServer(api.Handle(slog.New(slog.DiscardHandler), func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"records":[`))
		w.(http.Flusher).Flush()
		return errors.New("read failed midway")
	}))
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err == nil {
		t.Fatalf("read a complete answer %q; want a cut connection", body)
	}
	if res.StatusCode != 200 || json.Valid(body) {
		t.Errorf("status %d body %q", res.StatusCode, body)
	}
}

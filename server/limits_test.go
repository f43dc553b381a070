package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/internal/testserver"
)

func TestMaxBody(t *testing.T) {
	t.Parallel()
	s := testserver.New(t, testserver.WithMaxBody(100))
	_, key := s.UserWithKey("owner@example.com")
	big := `{"name":"` + strings.Repeat("x", 120) + `","domain":"big"}`
	tooLarge := `{"error":"request body is larger than the limit of 100 bytes"}`
	cases := []testserver.Scenario{
		{Name: "declared length over the limit", Method: "POST", URL: "/api/orgs", Key: key, Body: big, Status: 413, JSON: tooLarge},
		{Name: "at the limit is fine", Method: "POST", URL: "/api/orgs", Key: key,
			Body: `{"name":"` + strings.Repeat("x", 100-len(`{"name":"","domain":"fits"}`)) + `","domain":"fits"}`, Status: 200, JSON: `"<int>"`},
		{Name: "anonymous callers too", Method: "POST", URL: "/api/orgs", Body: big, Status: 413, JSON: tooLarge},
	}
	for _, sc := range cases {
		sc.Run(t, s)
	}
	t.Run("undeclared length over the limit", func(t *testing.T) {
		req := httptest.NewRequest("POST", "/api/orgs", io.MultiReader(strings.NewReader(big)))
		req.ContentLength = -1 // chunked: the limit is found while reading
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if err := testserver.MatchJSON(tooLarge, rec.Body.Bytes()); err != nil {
			t.Error(err)
		}
	})
	if res := s.Do(t, "GET", "/api/orgs/big", key, nil); res.Status != 404 {
		t.Errorf("an org from a refused body exists: %d %s", res.Status, res.Body)
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	s := testserver.New(t, testserver.WithRateLimit(3, time.Minute))
	_, key := s.UserWithKey("owner@example.com")
	_, other := s.UserWithKey("other@example.com")
	tooMany := `{"error":"Too many requests: limit of 3 requests per minute exceeded"}`
	headers := func(remaining string) func(*testing.T, *testserver.Response) {
		return func(t *testing.T, res *testserver.Response) {
			t.Helper()
			for h, want := range map[string]string{"RateLimit-Limit": "3", "RateLimit-Remaining": remaining, "RateLimit-Reset": "60"} {
				if got := res.Header.Get(h); got != want {
					t.Errorf("%s: %q, want %q", h, got, want)
				}
			}
		}
	}
	retry := func(t *testing.T, res *testserver.Response) {
		t.Helper()
		headers("0")(t, res)
		if got := res.Header.Get("Retry-After"); got != "60" {
			t.Errorf("Retry-After: %q, want 60", got)
		}
	}
	steps := []testserver.Scenario{
		{Name: "1st", Method: "GET", URL: "/api/profile/user", Key: key, Status: 200, Check: headers("2")},
		{Name: "2nd", Method: "GET", URL: "/api/orgs", Key: key, Status: 200, Check: headers("1")},
		{Name: "3rd", Method: "GET", URL: "/api/nope", Key: key, Status: 404, Check: headers("0")},
		{Name: "4th is refused", Method: "GET", URL: "/api/profile/user", Key: key, Status: 429, JSON: tooMany, Check: retry},
		{Name: "writes are refused too", Method: "POST", URL: "/api/orgs", Key: key, Body: `{"name":"x","domain":"x"}`, Status: 429, JSON: tooMany, Check: retry},
		{Name: "another key has its own budget", Method: "GET", URL: "/api/profile/user", Key: other, Status: 200, Check: headers("2")},
		{Name: "anonymous 1", Method: "GET", URL: "/api/orgs", Status: 200, Check: headers("2")},
		{Name: "bad keys spend the address's budget", Method: "GET", URL: "/api/orgs", Key: "rh_wrong", Status: 401, JSON: `{"error":"Bad request: invalid API key"}`, Check: headers("1")},
		{Name: "anonymous 3", Method: "GET", URL: "/healthz", Status: 200, Check: headers("0")},
		{Name: "anonymous 4 is refused", Method: "GET", URL: "/api/orgs", Status: 429, JSON: tooMany, Check: retry},
		{Name: "a guessed key is refused before it is checked", Method: "GET", URL: "/api/orgs", Key: "rh_guess", Status: 429, JSON: tooMany, Check: retry},
	}
	for _, sc := range steps {
		sc.Run(t, s)
	}
	if res := s.Do(t, "POST", "/api/orgs", key, nil); res.Status != 429 {
		t.Fatalf("still limited: %d", res.Status)
	}
	s.Clock.Advance(30 * time.Second)
	testserver.Scenario{Name: "half a window later", Method: "GET", URL: "/api/profile/user", Key: key, Status: 429, JSON: tooMany,
		Check: func(t *testing.T, res *testserver.Response) {
			if got := res.Header.Get("Retry-After"); got != "30" {
				t.Errorf("Retry-After: %q, want 30", got)
			}
		}}.Run(t, s)
	s.Clock.Advance(30 * time.Second)
	testserver.Scenario{Name: "a new window", Method: "GET", URL: "/api/profile/user", Key: key, Status: 200, Check: headers("2")}.Run(t, s)
	if res := s.Do(t, "GET", "/api/orgs/x", key, nil); res.Status != 404 {
		t.Errorf("a refused write happened: %d %s", res.Status, res.Body)
	}
}

package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/rowhouse/rowhouse/internal/testserver"
)

// checker sends real requests through the test server and validates each
// answer (status, content type, headers, body) against a description with
// openapi3filter.ValidateResponse. Requests expected to succeed are
// validated against the description too, so that what the description
// tells clients to send is what the server accepts.
type checker struct {
	f      *fixture
	spec   *openapi3.T
	router routers.Router
	// seen holds the statuses validated per operation ("GET /api/orgs").
	seen map[string]map[int]bool
}

func newChecker(t *testing.T, f *fixture, spec *openapi3.T) *checker {
	t.Helper()
	strict(spec)
	r, err := legacy.NewRouter(spec)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	return &checker{f: f, spec: spec, router: r, seen: map[string]map[int]bool{}}
}

// strict closes every object schema that answers use and that does not say
// otherwise: the description leaves answers open so that members added
// later stay compatible, but the test must notice a member the
// description does not know (a renamed or added field).
func strict(spec *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(*openapi3.SchemaRef)
	walk = func(r *openapi3.SchemaRef) {
		if r == nil || r.Value == nil || seen[r.Value] {
			return
		}
		s := r.Value
		seen[s] = true
		if s.Properties != nil && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			no := false
			s.AdditionalProperties.Has = &no
		}
		for _, p := range s.Properties {
			walk(p)
		}
		for _, l := range []openapi3.SchemaRefs{s.AnyOf, s.OneOf, s.AllOf, s.PrefixItems} {
			for _, x := range l {
				walk(x)
			}
		}
		walk(s.Items)
		walk(s.AdditionalProperties.Schema)
	}
	for _, item := range spec.Paths.Map() {
		for _, op := range item.Operations() {
			for _, resp := range op.Responses.Map() {
				for _, mt := range resp.Value.Content {
					walk(mt.Schema)
				}
			}
		}
	}
}

// encodeBody encodes a request body as testserver.Send does.
func encodeBody(t *testing.T, body any) []byte {
	t.Helper()
	switch b := body.(type) {
	case nil:
		return nil
	case string:
		return []byte(b)
	case []byte:
		return b
	}
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatalf("encode body: %v", err)
	}
	return data
}

// call sends rq, fails t unless the status is want, and validates the
// answer against the description (and, for a success, the request too).
func (c *checker) call(t *testing.T, rq testserver.Request, want int) *testserver.Response {
	t.Helper()
	res := c.f.s.Send(t, rq)
	what := rq.Method + " " + rq.Path
	if res.Status != want {
		t.Errorf("%s: status %d, want %d; body %s", what, res.Status, want, res.Body)
		return res
	}
	if err := c.validate(t, rq, res, want < 300); err != nil {
		msg := err.Error()
		if len(msg) > 3000 {
			msg = msg[:3000] + "..."
		}
		t.Errorf("%s (%d): the answer does not match the description: %s", what, res.Status, msg)
	}
	return res
}

// validate checks one exchange against the description.
func (c *checker) validate(t *testing.T, rq testserver.Request, res *testserver.Response, checkRequest bool) error {
	t.Helper()
	body := encodeBody(t, rq.Body)
	req := httptest.NewRequest(rq.Method, "http://example.com"+rq.Path, bytes.NewReader(body))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if rq.Key != "" {
		req.Header.Set("Authorization", "Bearer "+rq.Key)
	}
	for k, v := range rq.Headers {
		req.Header.Set(k, v)
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		t.Errorf("%s %s is not in the description: %v", rq.Method, rq.Path, err)
		return nil
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if checkRequest {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("%s %s: the request does not match the description: %v", rq.Method, rq.Path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.Status, Header: res.Header, Options: opts}
	out.SetBodyBytes(res.Body)
	key := route.Method + " " + route.Path
	if c.seen[key] == nil {
		c.seen[key] = map[int]bool{}
	}
	c.seen[key][res.Status] = true
	return openapi3filter.ValidateResponse(context.Background(), out)
}

// operations lists every operation of the description as "METHOD path".
func operations(spec *openapi3.T) []string {
	var out []string
	for path, item := range spec.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, method+" "+path)
		}
	}
	sort.Strings(out)
	return out
}

// covered fails t for every operation of the description that did not
// have both a success and an error answer validated, among the operations
// that have one of the tags (all operations without tags).
func (c *checker) covered(t *testing.T, tags ...string) {
	t.Helper()
	ops, documented, validated := 0, 0, 0
	for _, op := range operations(c.spec) {
		if len(tags) > 0 && !c.tagged(op, tags) {
			continue
		}
		method, path, _ := strings.Cut(op, " ")
		ops++
		for code := range c.spec.Paths.Value(path).GetOperation(method).Responses.Map() {
			documented++
			if n, err := strconv.Atoi(code); err == nil && c.seen[op][n] {
				validated++
			}
		}
		ok, bad := false, false
		for status := range c.seen[op] {
			ok = ok || status < 300
			bad = bad || status >= 400
		}
		if !ok {
			t.Errorf("%s: no success answer was validated", op)
		}
		if !bad {
			t.Errorf("%s: no error answer was validated", op)
		}
	}
	t.Logf("%d operations; %d of their %d documented answers (operation, status) were validated against real answers", ops, validated, documented)
}

// tagged reports whether the operation "METHOD path" has one of the tags.
func (c *checker) tagged(op string, tags []string) bool {
	method, path, _ := strings.Cut(op, " ")
	o := c.spec.Paths.Value(path).GetOperation(method)
	for _, have := range o.Tags {
		for _, want := range tags {
			if have == want {
				return true
			}
		}
	}
	return false
}

// everywhere sends base (its key, body and headers) to every operation of
// the description that want accepts (all when want is nil), with the
// sample values of path parameters, and expects status from each.
func (c *checker) everywhere(t *testing.T, sample map[string]string, want func(*openapi3.Operation) bool, base testserver.Request, status int) []*testserver.Response {
	t.Helper()
	var out []*testserver.Response
	for _, op := range operations(c.spec) {
		method, path, _ := strings.Cut(op, " ")
		if want != nil && !want(c.spec.Paths.Value(path).GetOperation(method)) {
			continue
		}
		for name, v := range sample {
			path = strings.ReplaceAll(path, "{"+name+"}", v)
		}
		if strings.Contains(path, "{") {
			t.Errorf("%s: no sample value for a path parameter", op)
			continue
		}
		r := base
		r.Method, r.Path = method, path
		out = append(out, c.call(t, r, status))
	}
	return out
}

// badKeyEverywhere calls every operation of the description with an
// unknown key: 401 with the error shape, which each operation documents.
func (c *checker) badKeyEverywhere(t *testing.T, sample map[string]string) {
	t.Helper()
	for _, res := range c.everywhere(t, sample, nil, testserver.Request{Key: "rh_1111111111111111111111111111111111111111"}, http.StatusUnauthorized) {
		msg := res.Error()
		if m, _ := res.JSON.(map[string]any); m["messages"] != nil { // Twenty's error shape
			msgs, _ := m["messages"].([]any)
			msg, _ = msgs[0].(string)
		}
		if msg != "Bad request: invalid API key" {
			t.Errorf("401 with error %q", msg)
		}
	}
}

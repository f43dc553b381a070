package server

import "testing"

func TestErrorMessage(t *testing.T) {
	for _, tc := range []struct{ ct, body, want string }{
		{"application/json; charset=utf-8", `{"error":"Table not found \"X\""}`, `Table not found "X"`},
		{"application/json", `{"statusCode":400,"error":"BadRequestException","messages":["limit must be a number"]}`, "limit must be a number"},
		{"application/json", `{"errors":[],"message":"boom"}`, "boom"},
		{"text/plain; charset=utf-8", "Method Not Allowed\n", "Method Not Allowed"},
		{"application/json", `{"error":`, `{"error":`},
	} {
		if got := errorMessage(tc.ct, []byte(tc.body)); got != tc.want {
			t.Errorf("errorMessage(%q, %q) = %q, want %q", tc.ct, tc.body, got, tc.want)
		}
	}
}

func TestRequestID(t *testing.T) {
	for _, in := range []string{"abc", "edge-1:2/3+4=", "A_b.C"} {
		if got := requestID(in); got != in {
			t.Errorf("requestID(%q) = %q, want it kept", in, got)
		}
	}
	for _, in := range []string{"", "a b", "x\ny", "é", string(make([]byte, 129))} {
		if got := requestID(in); got == in || len(got) != 20 {
			t.Errorf("requestID(%q) = %q, want a new id", in, got)
		}
	}
	if requestID("") == requestID("") {
		t.Error("two generated ids are equal")
	}
}

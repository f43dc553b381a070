package query

import (
	"encoding/base64"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestCursorRoundTrip(t *testing.T) {
	tests := []Cursor{
		{Values: []any{}, ID: 1},
		{Values: []any{"Acme", num("12.50"), true, false, nil}, ID: 42},
		{Values: []any{"<&> \"quoted\" é 😀 \n"}, ID: math.MaxInt64},
		{Values: []any{num("-1e300")}, ID: 7},
	}
	for _, c := range tests {
		s := c.Encode()
		if strings.ContainsAny(s, "+/=") {
			t.Errorf("Encode(%v) = %q is not URL-safe", c, s)
		}
		got, err := DecodeCursor(s)
		if err != nil {
			t.Errorf("DecodeCursor(Encode(%v)): %v", c, err)
			continue
		}
		if !reflect.DeepEqual(got, c) {
			t.Errorf("DecodeCursor(Encode(%v)) = %v", c, got)
		}
		if got.Encode() != s {
			t.Errorf("re-encoding %v gives %q, want %q", c, got.Encode(), s)
		}
	}
}

func TestCursorEncodeGoValues(t *testing.T) {
	c := Cursor{Values: []any{3, int64(-4), uint8(5), 1.5, float32(0.25), math.NaN(), math.Inf(-1), []int{1}, struct{}{}}, ID: 9}
	got, err := DecodeCursor(c.Encode())
	if err != nil {
		t.Fatalf("DecodeCursor: %v", err)
	}
	want := []any{num("3"), num("-4"), num("5"), num("1.5"), num("0.25"), "NaN", "-Inf", "[1]", "{}"}
	if !reflect.DeepEqual(got.Values, want) || got.ID != 9 {
		t.Errorf("DecodeCursor(Encode(%v)) = %#v, want values %#v", c, got, want)
	}
}

func TestDecodeCursorRejects(t *testing.T) {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	good := Cursor{Values: []any{"a", num("1")}, ID: 3}.Encode()
	bad := []string{
		"",
		"!!!",
		"not a cursor",
		good + "A",                // a byte too many
		good[:len(good)-1],        // truncated
		good[:len(good)-2] + "xx", // altered
		strings.ToUpper(good),     // altered
		base64.URLEncoding.EncodeToString([]byte(`{"v":1,"k":[],"id":12}`)), // padded
		enc(`{"v":2,"k":[],"id":1}`),                                        // another version
		enc(`{"k":[],"id":1}`),                                              // no version
		enc(`{"v":1,"id":1}`),                                               // no values
		enc(`{"v":1,"k":null,"id":1}`),
		enc(`{"v":1,"k":[]}`), // no id
		enc(`{"v":1,"k":[],"id":0}`),
		enc(`{"v":1,"k":[],"id":-5}`),
		enc(`{"v":1,"k":[],"id":1.5}`),
		enc(`{"v":1,"k":[],"id":"1"}`),
		enc(`{"v":1,"k":[],"id":99999999999999999999}`),
		enc(`{"v":"1","k":[],"id":1}`),
		enc(`{"v":1,"k":[[1]],"id":1}`),
		enc(`{"v":1,"k":[{}],"id":1}`),
		enc(`{"v":1,"k":{},"id":1}`),
		enc(`{"v":1,"k":[],"id":1,"x":2}`),
		enc(`{"v":1,"k":[],"id":1} {}`),
		enc(`{"v":1,"k":[],"id":1`),
		enc(`[]`),
		enc(`null`),
		strings.Repeat("A", MaxCursorLength+1),
	}
	for _, s := range bad {
		got, err := DecodeCursor(s)
		if err == nil {
			t.Errorf("DecodeCursor(%.60q) = %v, want an error", s, got)
			continue
		}
		checkInvalid(t, err, "invalid cursor", "DecodeCursor(%.60q)", s)
	}
}

func TestCursorCheck(t *testing.T) {
	c := Cursor{Values: []any{"a"}, ID: 1}
	if err := c.Check([]SortKey{key("name", false, 0)}); err != nil {
		t.Errorf("Check: %v", err)
	}
	checkInvalid(t, c.Check(nil), "invalid cursor", "Check(nil)")
	checkInvalid(t, c.Check([]SortKey{key("a", false, 0), key("b", false, 0)}), "invalid cursor", "Check(2 keys)")
}

func TestCursorFingerprint(t *testing.T) {
	f1, err := ParseFilter(`cat[eq]:"a"`)
	if err != nil {
		t.Fatal(err)
	}
	s1, _ := ParseSort("cat,-n")
	s2, _ := ParseSort("cat,n")
	fp := Fingerprint(f1, s1)
	if fp != Fingerprint(f1, s1) || len(fp) != 12 {
		t.Fatalf("fingerprint %q is not stable or not 12 characters", fp)
	}
	for name, other := range map[string]string{
		"no filter":      Fingerprint(nil, s1),
		"other sort":     Fingerprint(f1, s2),
		"no sort":        Fingerprint(f1, nil),
		"nothing at all": Fingerprint(nil, nil),
	} {
		if other == fp {
			t.Errorf("%s: same fingerprint %q", name, fp)
		}
	}
	c := Cursor{Values: []any{"a", num("3")}, ID: 7, Query: fp}
	back, err := DecodeCursor(c.Encode())
	if err != nil || back.Query != fp || back.ID != 7 {
		t.Fatalf("round trip %+v %v", back, err)
	}
	// Cursors made before fingerprints decode, with no Query to check.
	old := base64.RawURLEncoding.EncodeToString([]byte(`{"v":1,"k":["a"],"id":3}`))
	if back, err := DecodeCursor(old); err != nil || back.Query != "" {
		t.Fatalf("a cursor without q: %+v %v", back, err)
	}
	bad := base64.RawURLEncoding.EncodeToString([]byte(`{"v":1,"k":["a"],"id":3,"q":"a\nb"}`))
	if _, err := DecodeCursor(bad); err == nil {
		t.Fatal("a cursor with a control character in q decoded")
	}
}

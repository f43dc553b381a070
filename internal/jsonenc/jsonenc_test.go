package jsonenc

import (
	"encoding/json"
	"math"
	"testing"
)

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain text 123", `quote " back \ slash`, "<b>&amp;</b>", "tab\there\nnewline", "é ünïcödé", "\u2028\u2029", "bad \xff utf-8", "\x00\x1f\x7f"} {
		want, _ := json.Marshal(s)
		if got := string(AppendString([]byte("x"), s)); got != "x"+string(want) {
			t.Errorf("%q: %s, want x%s", s, got, want)
		}
	}
}

func TestAppendFloat(t *testing.T) {
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1.5, 0.1, 1e-6, 9.99e-7, 1e-7, 123456789, 1e20, 1e21, 1.5e300, -2.5e-300, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		want, _ := json.Marshal(f)
		got, ok := AppendFloat(nil, f)
		if !ok || string(got) != string(want) {
			t.Errorf("%v: %s %v, want %s", f, got, ok, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got, ok := AppendFloat([]byte("x"), f); ok || string(got) != "x" {
			t.Errorf("%v: %q %v, want nothing appended and false", f, got, ok)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("plain")
	f.Add("<tag> & \"quotes\"")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Errorf("%q: %s, want %s", s, got, want)
		}
	})
}

func FuzzAppendFloat(f *testing.F) {
	f.Add(1.5)
	f.Add(1e-7)
	f.Fuzz(func(t *testing.T, x float64) {
		want, err := json.Marshal(x)
		got, ok := AppendFloat(nil, x)
		if ok != (err == nil) || (ok && string(got) != string(want)) {
			t.Errorf("%v: %s %v, want %s %v", x, got, ok, want, err)
		}
	})
}

func TestAppendValue(t *testing.T) {
	for _, v := range []any{nil, "a<b", int64(-1 << 62), 2.5, 1e-7, true, false, json.Number("12.50"), []any{"L", int64(1), "x"}, map[string]any{"k": 1.5}} {
		want, _ := json.Marshal(v)
		got, err := AppendValue([]byte("x"), v)
		if err != nil || string(got) != "x"+string(want) {
			t.Errorf("%#v: %s %v, want x%s", v, got, err, want)
		}
	}
	for _, v := range []any{math.NaN(), math.Inf(1), []any{math.Inf(-1)}} {
		if got, err := AppendValue([]byte("x"), v); err == nil || string(got) != "x" {
			t.Errorf("%v: %q %v, want an error and nothing appended", v, got, err)
		}
	}
}

package schema

import (
	"math"
	"testing"
)

func TestRowUUID(t *testing.T) {
	for _, tc := range []struct {
		id   int64
		want string
	}{
		{1, "00000000-0000-4000-8000-000000000001"},
		{42, "00000000-0000-4000-8000-000000000042"},
		{999_999_999_999, "00000000-0000-4000-8000-999999999999"},
		{1_000_000_000_000, "00000001-0000-4000-8000-000000000000"},
		{math.MaxInt64, "09223372-0000-4000-8000-036854775807"},
	} {
		got := RowUUID(tc.id)
		if got != tc.want {
			t.Errorf("RowUUID(%d) = %q, want %q", tc.id, got, tc.want)
		}
		back, ok := ParseRowUUID(got)
		if !ok || back != tc.id {
			t.Errorf("ParseRowUUID(%q) = %d, %v", got, back, ok)
		}
	}
}

func TestParseRowUUID(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"42", 42, true},
		{"0042", 42, true},
		{"9223372036854775807", math.MaxInt64, true},
		{"00000000-0000-4000-8000-000000000007", 7, true},
		{"", 0, false},
		{"0", 0, false},
		{"00000000-0000-4000-8000-000000000000", 0, false},
		{"-3", 0, false},
		{"+3", 0, false},
		{"3.0", 0, false},
		{"9223372036854775808", 0, false},
		{"99999999-0000-4000-8000-999999999999", 0, false}, // past int64
		{"12345678901234567890", 0, false},
		{"00000000-0000-4000-8000-00000000000a", 0, false},
		{"00000000-0000-0000-0000-000000000007", 0, false}, // another UUID
		{"f47ac10b-58cc-4372-a567-0e02b2c3d479", 0, false}, // a Twenty UUID
		{"00000000-0000-4000-8000-0000000000007", 0, false},
	} {
		got, ok := ParseRowUUID(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseRowUUID(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

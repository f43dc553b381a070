package query

import (
	"reflect"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse"
)

// The seed corpora live in testdata/fuzz/<FuzzName>/.

// noLimits is loose enough that the canonical text of anything a parser
// accepted within the defaults (which may be longer than the input) parses.
var noLimits = Limits{MaxLength: 1 << 30}

// tight is a small set of limits, to check that they hold.
var tight = Limits{MaxLength: 200, MaxConds: 5, MaxDepth: 3, MaxValues: 6, MaxPathLen: 2, MaxSortKeys: 3}

// checkUserError fails unless err is an EINVALID *rowhouse.Error with a
// message.
func checkUserError(t *testing.T, err error) {
	t.Helper()
	if rowhouse.ErrorKind(err) != rowhouse.EINVALID || rowhouse.ErrorMessage(err) == "" {
		t.Fatalf("error %v (%T) is not an EINVALID *rowhouse.Error", err, err)
	}
}

func FuzzParseFilter(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseFilter(s)
		if err != nil {
			checkUserError(t, err)
		} else if e != nil {
			if err := CheckExpr(e); err != nil {
				t.Fatalf("ParseFilter(%q) = %v, which breaks the default limits: %v", s, e, err)
			}
			text := e.String()
			again, err := noLimits.ParseExpr(text)
			if err != nil {
				t.Fatalf("ParseFilter(%q).String() = %q does not parse: %v", s, text, err)
			}
			if !Equal(again, e) {
				t.Fatalf("ParseFilter(%q).String() = %q parses to %v", s, text, again)
			}
			if again.String() != text {
				t.Fatalf("String is not canonical: %q then %q", text, again.String())
			}
		} else if strings.TrimSpace(s) != "" && !strings.HasPrefix(strings.TrimLeft(s, " \t\r\n"), "{") {
			t.Fatalf("ParseFilter(%q) = nil for a non-blank expression", s)
		}

		// Tighter limits hold, and never accept what the defaults refuse.
		te, terr := tight.ParseFilter(s)
		if terr != nil {
			checkUserError(t, terr)
			return
		}
		if err != nil {
			t.Fatalf("ParseFilter(%q) fails with the defaults (%v) but not with tighter limits", s, err)
		}
		if err := tight.CheckExpr(te); err != nil {
			t.Fatalf("ParseFilter(%q) = %v, which breaks the limits it was parsed with: %v", s, te, err)
		}
		if !Equal(te, e) {
			t.Fatalf("ParseFilter(%q) depends on the limits: %v and %v", s, te, e)
		}
	})
}

func FuzzParseSort(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		keys, err := ParseSort(s)
		if err != nil {
			checkUserError(t, err)
		} else {
			if strings.TrimSpace(s) == "" {
				if keys != nil {
					t.Fatalf("ParseSort(%q) = %v for a blank sort", s, keys)
				}
				return
			}
			if err := CheckSort(keys); err != nil {
				t.Fatalf("ParseSort(%q) = %v, which breaks the default limits: %v", s, keys, err)
			}
			again, err := ParseSort(FormatSort(keys))
			if err != nil || !reflect.DeepEqual(again, keys) {
				t.Fatalf("ParseSort(FormatSort(%v)) = %v, %v", keys, again, err)
			}
			listed, err := ParseSortList(strings.Split(s, ","))
			if err != nil || !reflect.DeepEqual(listed, keys) {
				t.Fatalf("ParseSortList(split %q) = %v, %v; ParseSort gives %v", s, listed, err, keys)
			}
		}
		tk, terr := tight.ParseSort(s)
		if terr != nil {
			checkUserError(t, terr)
			return
		}
		if err != nil {
			t.Fatalf("ParseSort(%q) fails with the defaults (%v) but not with tighter limits", s, err)
		}
		if err := tight.CheckSort(tk); err != nil || !reflect.DeepEqual(tk, keys) {
			t.Fatalf("tight.ParseSort(%q) = %v, %v; want %v within the limits", s, tk, err, keys)
		}
	})
}

func FuzzDecodeCursor(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		c, err := DecodeCursor(s)
		if err != nil {
			checkUserError(t, err)
			if msg := rowhouse.ErrorMessage(err); msg != "invalid cursor" {
				t.Fatalf("DecodeCursor(%q) error %q, want \"invalid cursor\"", s, msg)
			}
			return
		}
		if c.ID <= 0 || c.Values == nil {
			t.Fatalf("DecodeCursor(%q) = %#v", s, c)
		}
		for _, v := range c.Values {
			if !isScalar(v) {
				t.Fatalf("DecodeCursor(%q) has a non-scalar value %#v", s, v)
			}
		}
		again, err := DecodeCursor(c.Encode())
		if err != nil || !reflect.DeepEqual(again, c) {
			t.Fatalf("DecodeCursor(Encode(%#v)) = %#v, %v", c, again, err)
		}
		if again.Encode() != c.Encode() {
			t.Fatalf("Encode is not canonical for %#v", c)
		}
	})
}

package schema

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// num is a finite number read from JSON, a Go scalar or a string. When isInt
// is set, i holds the value exactly (it is integral and fits an int64); f
// always holds the nearest float64.
type num struct {
	f     float64
	i     int64
	isInt bool
}

// int64 bounds as float64: -2^63 is exact, 2^63 is the first value past the top.
const (
	minInt64F = -9223372036854775808.0
	maxInt64F = 9223372036854775808.0
)

func fromFloat(f float64) (num, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return num{}, false
	}
	n := num{f: f}
	if f == math.Trunc(f) && f >= minInt64F && f < maxInt64F {
		n.i, n.isInt = int64(f), true
	}
	return n, true
}

func fromInt(i int64) num { return num{f: float64(i), i: i, isInt: true} }

// toNum reads the numeric Go values that JSON decoding and SQL drivers
// produce. Strings are not numbers here: parsing them is a separate,
// explicit step (parseStrict, parseLenient).
func toNum(v any) (num, bool) {
	switch x := v.(type) {
	case json.Number:
		return numberText(string(x))
	case float64:
		return fromFloat(x)
	case float32:
		return fromFloat(float64(x))
	case int:
		return fromInt(int64(x)), true
	case int8:
		return fromInt(int64(x)), true
	case int16:
		return fromInt(int64(x)), true
	case int32:
		return fromInt(int64(x)), true
	case int64:
		return fromInt(x), true
	case uint:
		return fromUint(uint64(x))
	case uint8:
		return fromInt(int64(x)), true
	case uint16:
		return fromInt(int64(x)), true
	case uint32:
		return fromInt(int64(x)), true
	case uint64:
		return fromUint(x)
	}
	return num{}, false
}

func fromUint(u uint64) (num, bool) {
	if u <= math.MaxInt64 {
		return fromInt(int64(u)), true
	}
	return fromFloat(float64(u))
}

// numberText reads a decimal number as JSON writes it, keeping integers
// exact beyond 2^53.
func numberText(s string) (num, bool) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return fromInt(i), true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return num{}, false
	}
	return fromFloat(f)
}

// decimalRE is a plain decimal number, as Python's float() reads it (less
// its "inf", "nan" and digit-underscore forms, which JSON cannot carry).
var decimalRE = regexp.MustCompile(`^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$`)

// parseStrict reads a number from a string the way Grist's data engine
// does whatever the parse setting: a plain decimal with optional
// surrounding white space.
func parseStrict(s string) (num, bool) {
	s = strings.TrimFunc(s, unicode.IsSpace)
	if !decimalRE.MatchString(s) {
		return num{}, false
	}
	return numberText(strings.TrimPrefix(s, "+"))
}

// groupedRE is a number with thousands separators: 1,234,567.89
var groupedRE = regexp.MustCompile(`^[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?$`)

// parseLenient reads a number the way Grist's number parser reads what a
// person typed (en-US, USD): surrounding spaces, a sign (also the Unicode
// minus), accounting parentheses for negatives, a "$" currency sign, a
// trailing "%" (which divides by 100) and thousands separators.
func parseLenient(s string) (num, bool) {
	s = strings.TrimFunc(s, unicode.IsSpace)
	neg := false
	if len(s) >= 2 && s[0] == '(' && s[len(s)-1] == ')' {
		neg = true
		s = strings.TrimFunc(s[1:len(s)-1], unicode.IsSpace)
	}
	s = strings.ReplaceAll(s, "\u2212", "-")
	sign := func() {
		if s != "" && (s[0] == '-' || s[0] == '+') {
			if s[0] == '-' {
				neg = !neg
			}
			s = strings.TrimFunc(s[1:], unicode.IsSpace)
		}
	}
	sign()
	if strings.HasPrefix(s, "$") {
		s = strings.TrimFunc(s[1:], unicode.IsSpace)
		sign()
	}
	pct := false
	if strings.HasSuffix(s, "%") {
		pct = true
		s = strings.TrimFunc(s[:len(s)-1], unicode.IsSpace)
	}
	if strings.Contains(s, ",") {
		if !groupedRE.MatchString(s) {
			return num{}, false
		}
		s = strings.ReplaceAll(s, ",", "")
	}
	if s == "" || s[0] == '+' || s[0] == '-' || !decimalRE.MatchString(s) {
		return num{}, false
	}
	n, ok := numberText(s)
	if !ok {
		return num{}, false
	}
	if pct {
		n, ok = fromFloat(n.f / 100)
		if !ok {
			return num{}, false
		}
	}
	if neg {
		if n.isInt && n.i != math.MinInt64 {
			return fromInt(-n.i), true
		}
		return fromFloat(-n.f)
	}
	return n, true
}

// formatNum writes a number as text the way a JavaScript client shows it:
// integers without a decimal point, other numbers in their shortest exact
// form, in exponent notation only when very large or very small. (Grist's
// engine rounds to 15 significant digits; we keep every digit.)
func formatNum(n num) string {
	if n.isInt {
		return strconv.FormatInt(n.i, 10)
	}
	if a := math.Abs(n.f); a >= 1e-6 && a < 1e21 {
		return strconv.FormatFloat(n.f, 'f', -1, 64)
	}
	return strconv.FormatFloat(n.f, 'g', -1, 64)
}

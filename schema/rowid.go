package schema

import (
	"math"
	"strconv"
)

// Row ids are integers (the id column, as in Grist). Twenty's APIs show and
// take record ids as UUID strings, and Twenty clients check that they are
// (Twenty's own REST API refuses an id that is not a valid UUID, and
// generated clients type ids as format: uuid). The Twenty-compatible
// surfaces therefore show a row id in a UUID form that still reads as the
// id:
//
//	42 -> "00000000-0000-4000-8000-000000000042"
//
// the id in decimal, zero-padded to 20 digits, split into the first group
// (8 digits) and the last (12 digits), with the fixed middle groups
// "0000-4000-8000" that make it a well-formed version 4, variant 1 UUID.
// Every int64 fits (19 digits at most). The form is a rule, not a lookup:
// no UUID is stored, and every surface formats and reads ids with these
// two functions.

// uuidMiddle is the fixed part of a row's UUID form, between its first
// and last groups.
const uuidMiddle = "-0000-4000-8000-"

// RowUUID returns the UUID form of a row id (see above). It is meant for
// positive ids; others are formatted as their absolute value.
func RowUUID(id int64) string {
	u := uint64(id)
	if id < 0 {
		u = uint64(-id)
	}
	var digits [20]byte
	for i := len(digits) - 1; i >= 0; i-- {
		digits[i] = byte('0' + u%10)
		u /= 10
	}
	b := make([]byte, 0, 36)
	b = append(b, digits[:8]...)
	b = append(b, uuidMiddle...)
	b = append(b, digits[8:]...)
	return string(b)
}

// ParseRowUUID reads a row id written in its UUID form (RowUUID) or as
// plain decimal digits ("42"). ok is false for anything else, and for ids
// that are not positive or do not fit an int64.
func ParseRowUUID(s string) (id int64, ok bool) {
	var digits string
	switch {
	case len(s) == 36 && s[8:24] == uuidMiddle:
		digits = s[:8] + s[24:]
	case len(s) > 0 && len(s) <= 19:
		digits = s
	default:
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || n == 0 || n > math.MaxInt64 {
		return 0, false
	}
	return int64(n), true
}

package openapi

import (
	"strconv"
	"strings"
)

// Per-table component schemas are named <base><suffix>, where base comes
// from the table id. A name must match OpenAPI's ^[a-zA-Z0-9._-]+$ and
// should be unique even ignoring case, because code generators turn
// component names into file and type names.

// tableSuffixes are the suffixes of every table's components.
func tableSuffixes() []string {
	return []string{
		"Fields", "Require", "RecordFields", "TypedRecordFields", "Record", "RecordList",
		"NewRecords", "RecordUpdates", "RecordUpserts", "ColumnData", "NewColumnData", "ColumnDataUpdate",
		"TwentyRecord", "TwentyInput",
	}
}

// sanitizeName makes a component name base from a table id: characters
// outside [A-Za-z0-9_] become "_", and a name that does not start with a
// letter gets the prefix "T" (as Grist's table ids do).
func sanitizeName(id string) string {
	var b strings.Builder
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		s = "T" + s
	}
	return s
}

// namer hands out component name bases for tables, unique (ignoring case)
// among themselves and against the names already taken.
type namer struct {
	taken map[string]bool // lower-cased names in use
}

// newNamer starts a namer with the fixed component names of a document.
func newNamer(fixed []string) *namer {
	n := &namer{taken: map[string]bool{}}
	for _, f := range fixed {
		n.taken[strings.ToLower(f)] = true
	}
	return n
}

// base returns the name base for a table id and reserves every component
// name made from it: the sanitized id, or with a number appended ("2",
// "3", ...) when one of its names is already taken.
func (n *namer) base(tableID string) string {
	b := sanitizeName(tableID)
	for i := 1; ; i++ {
		cand := b
		if i > 1 {
			cand = b + strconv.Itoa(i)
		}
		if n.free(cand) {
			for _, s := range tableSuffixes() {
				n.taken[strings.ToLower(cand+s)] = true
			}
			n.taken[strings.ToLower(cand)] = true
			return cand
		}
	}
}

func (n *namer) free(base string) bool {
	if n.taken[strings.ToLower(base)] {
		return false
	}
	for _, s := range tableSuffixes() {
		if n.taken[strings.ToLower(base+s)] {
			return false
		}
	}
	return true
}

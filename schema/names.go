package schema

import (
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// MaxIdentLen is the longest table or column id, in bytes (ids are ASCII).
// It is PostgreSQL's identifier limit (NAMEDATALEN-1), so an id is never
// silently truncated by the database; SQLite has no limit of its own. The
// sanitizers truncate to it before adding a uniqueness suffix, and shorten
// the base further when the suffix would not fit.
const MaxIdentLen = 63

// ValidIdent reports whether s is a well-formed table or column id: an
// ASCII letter followed by ASCII letters, digits and underscores, at most
// MaxIdentLen bytes. Such a name is safe to quote as an SQL identifier on
// SQLite and PostgreSQL; the core puts no other user-supplied name into
// SQL. (The core's own system tables and columns, which start with an
// underscore, are constants, not user input.)
func ValidIdent(s string) bool {
	if len(s) == 0 || len(s) > MaxIdentLen || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isLetter(c) && !isDigit(c) && c != '_' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

// ReservedTable reports whether a table id belongs to the system rather
// than to users: Grist's metadata tables ("_grist_" prefix) and the tables
// the core keeps for itself ("_rh_" prefix). The prefixes are matched
// without regard to case, as SQLite matches identifiers.
func ReservedTable(id string) bool {
	return hasPrefixFold(id, "_grist_") || hasPrefixFold(id, "_rh_")
}

// ReservedColumn reports whether a column id is not available to users:
// "id" and "manualSort" (which every table has; case-insensitive, like all
// id clashes) and Grist's helper columns, "gristHelper_...".
func ReservedColumn(id string) bool {
	return strings.EqualFold(id, "id") || strings.EqualFold(id, "manualSort") ||
		strings.HasPrefix(id, "gristHelper_")
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// pythonKeywords are the names Grist refuses because formulas are Python:
// Python 3's keywords, None, True and False included.
var pythonKeywords = map[string]bool{
	"False": true, "None": true, "True": true, "and": true, "as": true, "assert": true,
	"async": true, "await": true, "break": true, "class": true, "continue": true,
	"def": true, "del": true, "elif": true, "else": true, "except": true,
	"finally": true, "for": true, "from": true, "global": true, "if": true,
	"import": true, "in": true, "is": true, "lambda": true, "nonlocal": true,
	"not": true, "or": true, "pass": true, "raise": true, "return": true,
	"try": true, "while": true, "with": true, "yield": true,
}

// sanitize applies Grist's identifier rules to a suggested name, returning
// "" when nothing usable is left:
//
//  1. Unicode compatibility decomposition (NFKD), dropping combining
//     marks, so "é" becomes "e" and "ﬁ" becomes "fi".
//  2. Every run of characters outside [A-Za-z0-9_] becomes one "_".
//  3. Leading underscores are removed.
//  4. A leading digit gets the prefix.
//  5. Tables: the first letter is capitalised (the rest is left alone).
//  6. Python keywords get the prefix (repeatedly, as in Grist, though once
//     always suffices); so do column ids starting "gristHelper_".
//  7. The result is cut to MaxIdentLen.
func sanitize(name, prefix string, capitalize, column bool) string {
	var b strings.Builder
	inRun := false
	for _, r := range norm.NFKD.String(name) {
		if r < 0x80 && (isLetter(byte(r)) || isDigit(byte(r)) || r == '_') {
			b.WriteByte(byte(r))
			inRun = false
			continue
		}
		if norm.NFD.PropertiesString(string(r)).CCC() != 0 {
			continue // a combining mark: the accent of a letter already written
		}
		if !inRun {
			b.WriteByte('_')
			inRun = true
		}
	}
	id := strings.TrimLeft(b.String(), "_")
	if id == "" {
		return ""
	}
	if isDigit(id[0]) {
		id = prefix + id
	}
	if capitalize && 'a' <= id[0] && id[0] <= 'z' {
		id = string(id[0]-'a'+'A') + id[1:]
	}
	for pythonKeywords[id] || column && strings.HasPrefix(id, "gristHelper_") {
		id = prefix + id
	}
	if len(id) > MaxIdentLen {
		id = id[:MaxIdentLen]
	}
	return id
}

// avoidSet holds ids in upper case, for case-insensitive clash checks.
type avoidSet map[string]bool

func newAvoidSet(existing []string, extra ...string) avoidSet {
	a := make(avoidSet, len(existing)+len(extra))
	for _, s := range existing {
		a[strings.ToUpper(s)] = true
	}
	for _, s := range extra {
		a[strings.ToUpper(s)] = true
	}
	return a
}

func (a avoidSet) has(id string) bool { return a[strings.ToUpper(id)] }

// withSuffix returns the first of base+n, base+(n+1), ... not in avoid. A
// base ending in a digit gets "_" first (Foo2 -> Foo2_2), so the number
// stays readable. The base is shortened when the result would pass
// MaxIdentLen.
func withSuffix(base string, avoid avoidSet, n int) string {
	for ; ; n++ {
		suffix := strconv.Itoa(n)
		b := base
		for {
			id := b
			if id != "" && isDigit(id[len(id)-1]) {
				id += "_"
			}
			id += suffix
			if len(id) <= MaxIdentLen {
				if !avoid.has(id) {
					return id
				}
				break
			}
			b = b[:len(b)-1]
		}
	}
}

// SanitizeTableID turns a suggested table name into a table id that passes
// ValidIdent and clashes (case-insensitively) with none of existing, by
// Grist's rules (API.md "Name rules"): accents are stripped, invalid
// characters become "_", leading underscores go, a leading digit gets the
// prefix "T", the first letter is capitalised, Python keywords get the
// prefix ("None" -> "TNone"). A name with nothing usable becomes Table1,
// Table2, ...; a clash adds a suffix: Foo -> Foo2, Foo2 -> Foo2_2. The
// result is at most MaxIdentLen bytes.
func SanitizeTableID(name string, existing []string) string {
	avoid := newAvoidSet(existing)
	id := sanitize(name, "T", true, false)
	if id == "" {
		return withSuffix("Table", avoid, 1)
	}
	if !avoid.has(id) {
		return id
	}
	return withSuffix(id, avoid, 2)
}

// SanitizeColID is SanitizeTableID for column ids: the prefix is "c" and
// nothing is capitalised ("2nd" -> "c2nd", "class" -> "cclass"). Reserved
// ids count as taken, as every table already has them: "id" -> "id2",
// "manualSort" -> "manualSort2"; names starting "gristHelper_" get the
// prefix. A name with nothing usable becomes the first free letter name:
// A, B, ..., Z, AA, AB, ...
func SanitizeColID(name string, existing []string) string {
	avoid := newAvoidSet(existing, "id", "manualSort")
	id := sanitize(name, "c", false, true)
	if id == "" {
		return letterName(avoid)
	}
	if !avoid.has(id) {
		return id
	}
	return withSuffix(id, avoid, 2)
}

// letterName returns the first of A, B, ..., Z, AA, AB, ... (spreadsheet
// column names) not in avoid.
func letterName(avoid avoidSet) string {
	for i := 0; ; i++ {
		if s := lettersFor(i); !avoid.has(s) {
			return s
		}
	}
}

// lettersFor is the i-th spreadsheet column name, counting from 0 = "A".
func lettersFor(i int) string {
	var buf [16]byte
	p := len(buf)
	for i++; i > 0; i = (i - 1) / 26 {
		p--
		buf[p] = byte('A' + (i-1)%26)
	}
	return string(buf[p:])
}

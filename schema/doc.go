// Package schema holds the vocabulary of a Rowhouse document: column types,
// the encoding of cell values between Grist's JSON shapes and SQL scalars,
// the rules that turn user-supplied names into table and column ids, and the
// GraphQL names derived from table ids.
//
// Everything here is pure: functions of their arguments, deterministic and
// safe for concurrent use. The package must never touch SQL, files, the
// network or the clock, nor keep mutable state; the document core and the
// storage engines build on it, never the other way round. The one contact
// with the outside is time.LoadLocation, which reads the zone database to
// place date-time text without an offset in a DateTime column's zone (a
// binary that must not depend on the host's zone files imports time/tzdata).
//
// # Representation
//
// A cell has three faces:
//
//   - its JSON value, exactly as Grist's REST API shows it (API.md, "Cell
//     values"): a string for Text, a number for Numeric, ["L", ...] for lists,
//     and so on. JSON input is expected as encoding/json produces it with
//     UseNumber: json.Number, string, bool, nil, []any, map[string]any.
//   - its SQL value, one of nil, string, int64, float64 or bool, in the
//     column's [Storage] class. Lists and Any are stored as JSON text.
//   - for a value that does not fit its column (the text "abc" in an Int
//     column), SQL NULL plus the original JSON value kept aside by the core
//     (the "alt" value). Grist keeps such values and so do we: a write never
//     loses what the caller sent.
//
// Identifiers that pass [ValidIdent] are the only names the core may quote
// into SQL; the sanitizers always return such identifiers.
package schema

// Package query holds the representation of what a read asks for — a
// boolean filter expression ([Expr]), a sort order ([SortKey]) and a keyset
// page ([Page], [Cursor]) — shared by the REST and GraphQL surfaces, together
// with the parsers for the REST forms: Grist's JSON filter, Rowhouse's filter
// expressions, Grist's sort strings and opaque page cursors.
//
// Everything here is pure data and text: the package never builds SQL, never
// touches storage and knows nothing of any document or table. In particular
// it does not check that a column exists or that a value suits a column's
// type; that is the document core's job, which walks the tree with [Walk].
// What it does enforce is shape and cost: every parser is bounded by
// [Limits], so that a hostile filter is rejected before it can cost
// anything, and every user error is a *rowhouse.Error of kind EINVALID whose
// message names the offending part and, for expressions, its offset.
package query

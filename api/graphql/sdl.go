package graphql

import (
	"fmt"
	"strings"

	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/schema"
)

// names are the types and fields generated for one table.
type names = schema.GraphQLNames

func tableNames(t *schema.Table) names { return schema.GraphQLNamesOf(t.NameSingular, t.NamePlural) }

// fixedSDL defines the types every generated schema has whatever the
// tables; no table's type may take one of their names (core refuses such
// table names: see core's reservedGraphQL and graphQLFixedTypes).
const fixedSDL = `"""A calendar date, ISO 8601 YYYY-MM-DD."""
scalar Date
"""An instant, RFC 3339 (answers are in UTC)."""
scalar DateTime
"""Any JSON value."""
scalar JSON

"""Whether a cell is empty: NULL matches empty cells ("", 0 for a reference, an empty list, null)."""
enum NullCheck {
  NULL
  NOT_NULL
}

"""A sort direction with the place of empty values."""
enum SortOrder {
  AscNullsFirst
  AscNullsLast
  DescNullsFirst
  DescNullsLast
}

"""Where a page sits in the whole list."""
type PageInfo {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}

input IntFilter {
  eq: Int
  neq: Int
  in: [Int]
  gt: Int
  gte: Int
  lt: Int
  lte: Int
  is: NullCheck
}

input FloatFilter {
  eq: Float
  neq: Float
  in: [Float]
  gt: Float
  gte: Float
  lt: Float
  lte: Float
  is: NullCheck
}

input StringFilter {
  eq: String
  neq: String
  in: [String]
  gt: String
  gte: String
  lt: String
  lte: String
  """SQL LIKE pattern (% and _), case-sensitive."""
  like: String
  """SQL LIKE pattern, case-insensitive."""
  ilike: String
  startsWith: String
  endsWith: String
  is: NullCheck
}

input BooleanFilter {
  eq: Boolean
  neq: Boolean
  is: NullCheck
}

input DateFilter {
  eq: Date
  neq: Date
  in: [Date]
  gt: Date
  gte: Date
  lt: Date
  lte: Date
  is: NullCheck
}

input DateTimeFilter {
  eq: DateTime
  neq: DateTime
  in: [DateTime]
  gt: DateTime
  gte: DateTime
  lt: DateTime
  lte: DateTime
  is: NullCheck
}

input JSONFilter {
  eq: JSON
  neq: JSON
  in: [JSON]
  is: NullCheck
}

"""A filter on a list cell (ChoiceList)."""
input StringListFilter {
  """The list holds at least one of these."""
  containsAny: [String!]
  is: NullCheck
}

"""A filter on a list of ids (RefList, reverse references, Attachments)."""
input IntListFilter {
  """The list holds at least one of these."""
  containsAny: [Int!]
  is: NullCheck
}
`

// connArgs are the arguments of every connection field.
func connArgs(n names) string {
	return "(filter: " + n.Filter + ", orderBy: [" + n.OrderBy + "!], first: Int, after: String, last: Int, before: String, offset: Int)"
}

// fieldKind says how a column appears in the object type.
type fieldKind int

const (
	kindScalar fieldKind = iota // a scalar or a list of scalars
	kindRef                     // the related object
	kindConn                    // a nested connection (RefList, reverse)
	kindRefID                   // the row id a Ref column holds (see refIDColumn)
)

// refIDColumn returns the Ref column of t whose id field (schema.RefIDField:
// companyId for the column company) is name, or nil.
func refIDColumn(t *schema.Table, name string) *schema.Column {
	for _, c := range t.Columns {
		if n, ok := schema.RefIDField(t, c); ok && n == name {
			return c
		}
	}
	return nil
}

// columnKind classifies a column; a reference to a table that no longer
// exists reads as its ids.
func columnKind(s *schema.Schema, c *schema.Column) fieldKind {
	switch c.Type.Kind {
	case schema.KindRef:
		if s.Table(c.Type.Table) != nil {
			return kindRef
		}
	case schema.KindRefList:
		if s.Table(c.Type.Table) != nil {
			return kindConn
		}
	}
	return kindScalar
}

// outputType is a scalar column's GraphQL type.
func outputType(c *schema.Column) string {
	switch c.Type.Kind {
	case schema.KindNumeric:
		return "Float"
	case schema.KindInt, schema.KindRef:
		return "Int"
	case schema.KindBool:
		return "Boolean"
	case schema.KindDate:
		return "Date"
	case schema.KindDateTime:
		return "DateTime"
	case schema.KindChoiceList:
		return "[String!]"
	case schema.KindRefList, schema.KindAttachments:
		return "[Int!]"
	case schema.KindAny:
		return "JSON"
	}
	return "String"
}

// aggregateField is the connection field of a statistic of a column, as
// Twenty names it: sumAmount, countEmptyName.
func aggregateField(op core.AggOp, colID string) string {
	return string(op) + strings.ToUpper(colID[:1]) + colID[1:]
}

// aggregateType is the GraphQL type of a statistic: Float for sums,
// averages, percentages and the extremes of numbers, the column's type
// for the extremes of dates, Int! for counts.
func aggregateType(op core.AggOp, c *schema.Column) string {
	switch op {
	case core.AggCountEmpty, core.AggCountNotEmpty, core.AggCountUniqueValues:
		return "Int!"
	case core.AggPercentageEmpty, core.AggPercentageNotEmpty:
		return "Float!"
	case core.AggMin, core.AggMax:
		if c.Type.Kind == schema.KindDate || c.Type.Kind == schema.KindDateTime {
			return outputType(c)
		}
	}
	return "Float"
}

// aggregateWords describe each statistic in the schema.
var aggregateWords = map[core.AggOp]string{
	core.AggSum:                "The sum of %s over the records matching the filter.",
	core.AggAvg:                "The average of %s over the records matching the filter.",
	core.AggMin:                "The smallest %s among the records matching the filter.",
	core.AggMax:                "The largest %s among the records matching the filter.",
	core.AggCountEmpty:         "How many of the records matching the filter have no %s.",
	core.AggCountNotEmpty:      "How many of the records matching the filter have a %s.",
	core.AggCountUniqueValues:  "How many different values of %s the records matching the filter hold.",
	core.AggPercentageEmpty:    "The percentage of the records matching the filter that have no %s.",
	core.AggPercentageNotEmpty: "The percentage of the records matching the filter that have a %s.",
}

// writeAggregateFields writes a connection's statistics of t's columns
// (Twenty's aggregates), each over the records matching the filter.
func writeAggregateFields(b *strings.Builder, t *schema.Table) {
	for _, f := range aggregateFields(t) {
		c := t.Column(f.agg.Column)
		description(b, "  ", fmt.Sprintf(aggregateWords[f.agg.Op], c.ID)+" On top-level connections only.")
		fmt.Fprintf(b, "  %s: %s\n", f.name, aggregateType(f.agg.Op, c))
	}
}

// aggField is a statistic a connection answers, by its field name.
type aggField struct {
	name string
	agg  core.Aggregate
}

// aggregateFields are the statistics of t's connection, in the schema's
// order: by column, then as core.AggOps lists them.
func aggregateFields(t *schema.Table) []aggField {
	var out []aggField
	for _, c := range t.Columns {
		for _, op := range core.AggOps {
			if core.AggregateApplies(op, c) {
				out = append(out, aggField{name: aggregateField(op, c.ID), agg: core.Aggregate{Op: op, Column: c.ID}})
			}
		}
	}
	return out
}

// valueType is a scalar column's GraphQL type: its enum, or outputType.
func (m *model) valueType(t *schema.Table, c *schema.Column) string {
	if e := m.enumOf(t, c); e != nil {
		return e.name
	}
	return outputType(c)
}

// writeEnum writes a Choice column's enum and its filter, which keeps
// StringFilter's operators (values compare as text).
func writeEnum(b *strings.Builder, t *schema.Table, c *schema.Column, e *choiceEnum) {
	description(b, "", "The choices of "+t.ID+"."+c.ID+"; an empty cell is null.")
	fmt.Fprintf(b, "enum %s {\n", e.name)
	for _, v := range e.values {
		fmt.Fprintf(b, "  %s\n", v)
	}
	b.WriteString("}\n\n")
	description(b, "", "A filter on "+t.ID+"."+c.ID+": values compare as text.")
	fmt.Fprintf(b, "input %s {\n", e.filter)
	for _, op := range []string{"eq", "neq"} {
		fmt.Fprintf(b, "  %s: %s\n", op, e.name)
	}
	fmt.Fprintf(b, "  in: [%s]\n", e.name)
	for _, op := range []string{"gt", "gte", "lt", "lte"} {
		fmt.Fprintf(b, "  %s: %s\n", op, e.name)
	}
	b.WriteString("  like: String\n  ilike: String\n  startsWith: String\n  endsWith: String\n  is: NullCheck\n}\n\n")
}

// filterType is the filter input of a non-relation column.
func filterType(c *schema.Column) string {
	if c.Reverse {
		return "IntListFilter"
	}
	switch c.Type.Kind {
	case schema.KindNumeric:
		return "FloatFilter"
	case schema.KindInt, schema.KindRef:
		return "IntFilter"
	case schema.KindBool:
		return "BooleanFilter"
	case schema.KindDate:
		return "DateFilter"
	case schema.KindDateTime:
		return "DateTimeFilter"
	case schema.KindChoiceList:
		return "StringListFilter"
	case schema.KindRefList, schema.KindAttachments:
		return "IntListFilter"
	case schema.KindAny:
		return "JSONFilter"
	}
	return "StringFilter"
}

// sortable reports whether orderBy may name the column.
func sortable(c *schema.Column) bool {
	return !c.Reverse && !c.Type.IsList() && c.Type.Kind != schema.KindAny
}

// hasSystemField reports whether the table's type shows the system field
// name (createdAt, updatedAt, deletedAt): a user column of that name takes
// its place, as it does in filters.
func hasSystemField(t *schema.Table, name string) bool { return t.Column(name) == nil }

func description(b *strings.Builder, indent, text string) {
	if text == "" {
		return
	}
	text = strings.ReplaceAll(text, `"""`, `\"""`)
	fmt.Fprintf(b, "%s\"\"\"%s\"\"\"\n", indent, text)
}

// SDL renders the GraphQL schema of a document's data model: per table an
// object type, a connection and an edge, a filter, an order-by and create
// and update inputs; the queries and mutations of API.md part C. The text
// is deterministic (tables and columns in their order) so that it can be
// compared with a golden file.
func SDL(s *schema.Schema) string { return newModel(s).sdl() }

// sdl renders the model's schema (see SDL).
func (m *model) sdl() string {
	s := m.s
	var b strings.Builder
	b.WriteString(fixedSDL)
	for _, t := range s.Tables {
		n := tableNames(t)
		b.WriteString("\n")
		description(&b, "", "A record of table "+t.ID+".")
		fmt.Fprintf(&b, "type %s {\n  id: Int!\n", n.Type)
		for _, sys := range []string{"createdAt", "updatedAt"} {
			if hasSystemField(t, sys) {
				fmt.Fprintf(&b, "  %s: DateTime!\n", sys)
			}
		}
		if hasSystemField(t, "deletedAt") {
			description(&b, "  ", "Always null: a deleted record is removed (Twenty's soft-deleted records have a date here).")
			b.WriteString("  deletedAt: DateTime\n")
		}
		for _, c := range t.Columns {
			desc := c.Description
			if desc == "" && c.Label != "" && c.Label != c.ID {
				desc = c.Label
			}
			description(&b, "  ", desc)
			switch columnKind(s, c) {
			case kindRef:
				fmt.Fprintf(&b, "  %s: %s\n", c.ID, tableNames(s.Table(c.Type.Table)).Type)
			case kindConn:
				tn := tableNames(s.Table(c.Type.Table))
				fmt.Fprintf(&b, "  %s%s: %s!\n", c.ID, connArgs(tn), tn.Connection)
			default:
				fmt.Fprintf(&b, "  %s: %s\n", c.ID, m.valueType(t, c))
			}
			if idf, ok := schema.RefIDField(t, c); ok {
				description(&b, "  ", "The row id "+c.ID+" holds; null when empty.")
				fmt.Fprintf(&b, "  %s: Int\n", idf)
			}
		}
		b.WriteString("}\n\n")
		fmt.Fprintf(&b, "type %s {\n  edges: [%s!]!\n  pageInfo: PageInfo!\n  \"\"\"The number of records matching the filter.\"\"\"\n  totalCount: Int!\n", n.Connection, n.Edge)
		writeAggregateFields(&b, t)
		b.WriteString("}\n\n")
		fmt.Fprintf(&b, "type %s {\n  node: %s!\n  cursor: String!\n}\n\n", n.Edge, n.Type)

		fmt.Fprintf(&b, "input %s {\n  and: [%s!]\n  or: [%s!]\n  not: %s\n  id: IntFilter\n", n.Filter, n.Filter, n.Filter, n.Filter)
		for _, sys := range []string{"createdAt", "updatedAt", "deletedAt"} {
			if hasSystemField(t, sys) {
				fmt.Fprintf(&b, "  %s: DateTimeFilter\n", sys)
			}
		}
		for _, c := range t.Columns {
			if columnKind(s, c) == kindRef {
				fmt.Fprintf(&b, "  %s: %s\n", c.ID, tableNames(s.Table(c.Type.Table)).Filter)
			} else if e := m.enumOf(t, c); e != nil {
				fmt.Fprintf(&b, "  %s: %s\n", c.ID, e.filter)
			} else {
				fmt.Fprintf(&b, "  %s: %s\n", c.ID, filterType(c))
			}
			if idf, ok := schema.RefIDField(t, c); ok {
				fmt.Fprintf(&b, "  %s: IntFilter\n", idf)
			}
		}
		b.WriteString("}\n\n")

		description(&b, "", "One sort key: name exactly one field.")
		fmt.Fprintf(&b, "input %s {\n  id: SortOrder\n", n.OrderBy)
		for _, sys := range []string{"createdAt", "updatedAt"} {
			if hasSystemField(t, sys) {
				fmt.Fprintf(&b, "  %s: SortOrder\n", sys)
			}
		}
		for _, c := range t.Columns {
			if sortable(c) {
				fmt.Fprintf(&b, "  %s: SortOrder\n", c.ID)
			}
			if idf, ok := schema.RefIDField(t, c); ok {
				fmt.Fprintf(&b, "  %s: SortOrder\n", idf)
			}
		}
		b.WriteString("}\n\n")

		for _, in := range []struct {
			name string
			id   bool
		}{{n.Create, true}, {n.Update, false}} {
			fmt.Fprintf(&b, "input %s {\n", in.name)
			if in.id {
				description(&b, "  ", "With upsert: the id of the record to update.")
				b.WriteString("  id: Int\n")
			}
			writable := 0
			for _, c := range t.Columns {
				if c.Reverse {
					continue
				}
				writable++
				fmt.Fprintf(&b, "  %s: %s\n", c.ID, m.valueType(t, c))
				if idf, ok := schema.RefIDField(t, c); ok {
					description(&b, "  ", "Sets "+c.ID+" by row id (give one of the two).")
					fmt.Fprintf(&b, "  %s: Int\n", idf)
				}
			}
			if !in.id && writable == 0 {
				// An input object needs a field; a table without columns
				// has nothing to update, and says so.
				description(&b, "  ", "This table has no columns to update.")
				b.WriteString("  _none: Boolean\n")
			}
			b.WriteString("}\n\n")
		}
		for _, c := range t.Columns {
			if e := m.enumOf(t, c); e != nil {
				writeEnum(&b, t, c, e)
			}
		}
	}

	b.WriteString("\ntype Query {\n")
	description(&b, "  ", "The document's schema version: the schema changes when it does.")
	b.WriteString("  _schemaVersion: Int!\n")
	for _, t := range s.Tables {
		n := tableNames(t)
		fmt.Fprintf(&b, "  %s%s: %s!\n", n.Plural, connArgs(n), n.Connection)
		fmt.Fprintf(&b, "  %s(id: Int, filter: %s): %s\n", n.Singular, n.Filter, n.Type)
	}
	b.WriteString("}\n")
	if len(s.Tables) > 0 {
		byField := tablesByField(s)
		b.WriteString("\ntype Mutation {\n")
		for _, t := range s.Tables {
			n := tableNames(t)
			fmt.Fprintf(&b, "  %s(data: %s!, upsert: Boolean): %s\n", n.CreateOne, n.Create, n.Type)
			fmt.Fprintf(&b, "  %s(data: [%s!]!, upsert: Boolean): [%s!]!\n", n.CreateMany, n.Create, n.Type)
			fmt.Fprintf(&b, "  %s(id: Int!, data: %s!): %s\n", n.UpdateOne, n.Update, n.Type)
			fmt.Fprintf(&b, "  %s(filter: %s!, data: %s!): [%s!]!\n", n.UpdateMany, n.Filter, n.Update, n.Type)
			fmt.Fprintf(&b, "  %s(id: Int!): %s\n", n.DeleteOne, n.Type)
			fmt.Fprintf(&b, "  %s(filter: %s!): [%s!]!\n", n.DeleteMany, n.Filter, n.Type)
			if byField[n.DestroyOne] == t {
				description(&b, "  ", "Twenty's name of "+n.DeleteOne+": removes the record (Rowhouse keeps no deleted records).")
				fmt.Fprintf(&b, "  %s(id: Int!): %s\n", n.DestroyOne, n.Type)
			}
			if byField[n.DestroyMany] == t {
				description(&b, "  ", "Twenty's name of "+n.DeleteMany+": removes the records (Rowhouse keeps no deleted records).")
				fmt.Fprintf(&b, "  %s(filter: %s!): [%s!]!\n", n.DestroyMany, n.Filter, n.Type)
			}
		}
		b.WriteString("}\n")
	}
	return strings.ReplaceAll(b.String(), "\n\n\n", "\n\n")
}

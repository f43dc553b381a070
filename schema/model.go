package schema

import (
	"encoding/json"
	"strings"
)

// Schema is a document's data model at one version: its tables, in order,
// with their columns. A Schema is immutable once built; a schema change
// produces a new one with a higher Version, and everything generated from
// a schema (GraphQL schema, OpenAPI document) is cached per version.
type Schema struct {
	Version int64
	Tables  []*Table
	byID    map[string]*Table
}

// Table is one table of a document.
type Table struct {
	ID           string // the table id, also its SQL table name
	NameSingular string // GraphQL names, e.g. "company" / "companies"
	NamePlural   string
	Columns      []*Column
	byID         map[string]*Column

	// UUID is the table's stable id, given when it is made and kept
	// through renames (Twenty's object id).
	UUID string
	// LabelSingular, LabelPlural, Description and Icon describe the table
	// to people (Twenty's object labels and icon); "" when unset.
	LabelSingular, LabelPlural, Description, Icon string
}

// Column is one user column of a table. The id column and the system
// columns (manualSort, timestamps) are not listed.
type Column struct {
	ID            string // the column id, also its SQL column name (for stored columns)
	Type          Type
	Label         string
	Description   string
	WidgetOptions string // JSON text, "" when unset
	IsUnique      bool
	// ReverseCol names the column on the referenced table that is the
	// other side of a two-way reference ("" for none).
	ReverseCol string
	// Reverse marks the reverse side of a two-way reference: a RefList
	// computed from the forward Ref column, not stored in this table.
	Reverse bool
	// UUID is the column's stable id, given when it is made and kept
	// through renames and type changes (Twenty's field id).
	UUID string
	// Icon names an icon for the column (Twenty's field icon); "" when unset.
	Icon string
}

// New builds a schema from its tables and indexes it.
func New(version int64, tables []*Table) *Schema {
	s := &Schema{Version: version, Tables: tables, byID: make(map[string]*Table, len(tables))}
	for _, t := range tables {
		t.index()
		s.byID[t.ID] = t
	}
	return s
}

func (t *Table) index() {
	t.byID = make(map[string]*Column, len(t.Columns))
	for _, c := range t.Columns {
		t.byID[c.ID] = c
	}
}

// Table returns the table with this id (exact match), or nil.
func (s *Schema) Table(id string) *Table { return s.byID[id] }

// TableFold returns the table whose id equals id ignoring case, or nil:
// what an error names when asked for an id that differs only by case
// (ids are unique case-insensitively, so there is at most one).
func (s *Schema) TableFold(id string) *Table {
	for _, t := range s.Tables {
		if strings.EqualFold(t.ID, id) {
			return t
		}
	}
	return nil
}

// TableIDs returns the ids of every table, in order.
func (s *Schema) TableIDs() []string {
	ids := make([]string, len(s.Tables))
	for i, t := range s.Tables {
		ids[i] = t.ID
	}
	return ids
}

// Column returns the column with this id (exact match), or nil.
func (t *Table) Column(id string) *Column { return t.byID[id] }

// ColumnFold returns the column whose id equals id ignoring case, or nil
// (see TableFold).
func (t *Table) ColumnFold(id string) *Column {
	for _, c := range t.Columns {
		if strings.EqualFold(c.ID, id) {
			return c
		}
	}
	return nil
}

// ColumnIDs returns the ids of every column, in order.
func (t *Table) ColumnIDs() []string {
	ids := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		ids[i] = c.ID
	}
	return ids
}

// StoredColumns returns the columns that have an SQL column of their own
// (all but the reverse sides of two-way references), in order.
func (t *Table) StoredColumns() []*Column {
	out := make([]*Column, 0, len(t.Columns))
	for _, c := range t.Columns {
		if c.Stored() {
			out = append(out, c)
		}
	}
	return out
}

// Stored reports whether the column has a column of its own in SQL.
func (c *Column) Stored() bool { return !c.Reverse }

// Choices returns the "choices" of a Choice or ChoiceList column's
// widgetOptions, in order, or nil when there are none. ok is false when a
// choice is not a string (Grist allows it), which a caller that needs
// strings must take as "no usable list".
func (c *Column) Choices() (choices []string, ok bool) {
	if c.WidgetOptions == "" {
		return nil, true
	}
	var wo struct {
		Choices []any `json:"choices"`
	}
	if err := json.Unmarshal([]byte(c.WidgetOptions), &wo); err != nil {
		return nil, true // options that are not JSON have no choices
	}
	for _, v := range wo.Choices {
		s, isStr := v.(string)
		if !isStr {
			return nil, false
		}
		choices = append(choices, s)
	}
	return choices, true
}

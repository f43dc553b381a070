package core

import "github.com/rowhouse/rowhouse/query"

// Action is one change to a document. A list of actions is applied in one
// transaction by Doc.Apply: all of them or none.
type Action interface {
	// Name is the action's name as Grist spells it, for messages.
	Name() string
}

// Row is one record in a write: its id (0 for a new record whose id the
// document picks) and its fields as JSON cell values (decoded with
// UseNumber, so numbers are json.Number).
type Row struct {
	ID     int64
	Fields map[string]any
}

// AddRecords adds records. Returns the new ids ([]int64).
type AddRecords struct {
	Table string
	Rows  []Row
	// NoParse stores strings as given instead of parsing them into the
	// column's type (?noparse=1).
	NoParse bool
}

// UpdateRecords changes fields of existing records. Returns nil.
type UpdateRecords struct {
	Table   string
	Rows    []Row
	NoParse bool
}

// RemoveRecords removes records by id. Returns nil.
type RemoveRecords struct {
	Table string
	IDs   []int64
}

// UpdateRecordsWhere sets Fields on every record that Filter selects, the
// selection made in the write transaction. Returns the ids changed, lowest
// first ([]int64, empty when none matched). Its events are UpdateRecords'.
type UpdateRecordsWhere struct {
	Table  string
	Filter query.Expr // nil selects every record
	Fields map[string]any
	// Max is the most records it may change; 0 (or more than the batch
	// limit) is the batch limit. Matching more is an error, never a cut.
	Max     int
	NoParse bool
}

// RemoveRecordsWhere removes every record that Filter selects, the
// selection made in the write transaction. Returns the ids removed,
// lowest first ([]int64). Its events are RemoveRecords'.
type RemoveRecordsWhere struct {
	Table  string
	Filter query.Expr // nil selects every record
	// Max is as in UpdateRecordsWhere.
	Max int
}

// ReplaceTableData removes every record of a table and adds Rows. Returns
// the new ids.
type ReplaceTableData struct {
	Table   string
	Rows    []Row
	NoParse bool
}

// Upsert is one record of AddOrUpdateRecords: Require selects the records
// to update (or is copied into a new record), Fields are set on them.
type Upsert struct {
	Require map[string]any
	Fields  map[string]any
}

// OnMany says what AddOrUpdateRecords does when Require matches several
// records.
type OnMany string

// OnMany values, as Grist names them.
const (
	OnManyFirst OnMany = "first" // update the one with the lowest id
	OnManyNone  OnMany = "none"  // update none of them
	OnManyAll   OnMany = "all"   // update all of them
)

// AddOrUpdateRecords adds records or updates the ones that match, record by
// record in order (a later record sees what an earlier one added). Returns
// an UpsertResult.
type AddOrUpdateRecords struct {
	Table             string
	Records           []Upsert
	NoAdd, NoUpdate   bool
	OnMany            OnMany // default first
	AllowEmptyRequire bool
	NoParse           bool
	// UniqueMatch makes a match of several records an error naming them
	// (GraphQL upsert), instead of following OnMany.
	UniqueMatch bool
	// MatchUnique matches a record whose Require has no "id" by the
	// table's isUnique columns instead: the records holding one of its
	// non-empty unique values (in Fields or Require). It matches by id when
	// Require has one; a record with neither is added. Matching several
	// records is an error naming them and the columns that matched, as
	// with UniqueMatch. The match runs in the write transaction, so it
	// sees the records the same Apply added before.
	MatchUnique bool
	// RecordLabel is how errors name the records: RecordLabel[i] ("data"
	// gives data[1]); empty names them "record i".
	RecordLabel string
	// oneByOne matches each record with its own query after the writes
	// of the records before it, as upserts used to: the reference the
	// tests hold batch matching to.
	oneByOne bool
}

// UpsertResult is what AddOrUpdateRecords returns: per record, the ids it
// now applies to; which were added, and which updated.
type UpsertResult struct {
	RecordIDs [][]int64 `json:"recordIds"`
	Added     []int64   `json:"addRecordIds"`
	Updated   [][]int64 `json:"updateRecordIds"`
}

// ColumnSpec describes a column to add.
type ColumnSpec struct {
	ID            string // sanitized into a valid, unique id; "" derives it from Label
	Type          string // Grist type string; "" is Text (Any for a column with no type in Grist is not used)
	Label         string
	Description   string
	WidgetOptions string
	IsUnique      bool
	// ReverseCol, on a Ref column, names a reverse column to create on the
	// referenced table (two-way reference); ReverseLabel and ReverseIcon
	// describe it ("" gives its id as its label).
	ReverseCol                string
	ReverseLabel, ReverseIcon string
	Icon                      string
}

// AddTable adds a table with columns. Returns AddTableResult.
type AddTable struct {
	ID           string // sanitized; "" gives Table1, Table2, ...
	Columns      []ColumnSpec
	NameSingular string // GraphQL names; "" derives them from the id
	NamePlural   string
	// Labels, description and icon for people (Twenty's object fields).
	LabelSingular, LabelPlural, Description, Icon string
}

// AddTableResult is what AddTable returns: the final ids.
type AddTableResult struct {
	TableID string
	Columns []string
}

// RenameTable changes a table's id. Returns nil.
type RenameTable struct {
	Table, NewID string
}

// UpdateTable changes a table's GraphQL names, labels, description or
// icon; nil fields stay. Returns nil.
type UpdateTable struct {
	Table         string
	NameSingular  *string
	NamePlural    *string
	LabelSingular *string
	LabelPlural   *string
	Description   *string
	Icon          *string
}

// RemoveTable removes a table and its records. Returns nil.
type RemoveTable struct {
	Table string
}

// AddColumn adds a column. Returns the final column id (string).
type AddColumn struct {
	Table  string
	Column ColumnSpec
}

// ColumnUpdate lists the column fields to change; nil fields stay.
type ColumnUpdate struct {
	ID            *string // rename
	Type          *string // convert values to the new type
	Label         *string
	Description   *string
	WidgetOptions *string
	IsUnique      *bool
	Icon          *string
}

// ModifyColumn changes a column's fields, converting its values when its
// type changes. Returns nil.
type ModifyColumn struct {
	Table, Column string
	Update        ColumnUpdate
}

// RenameColumn changes a column's id. Returns nil.
type RenameColumn struct {
	Table, Column, NewID string
}

// RemoveColumn removes a column and its values. Returns nil.
type RemoveColumn struct {
	Table, Column string
}

// Name implements Action.
func (AddRecords) Name() string         { return "BulkAddRecord" }
func (UpdateRecords) Name() string      { return "BulkUpdateRecord" }
func (RemoveRecords) Name() string      { return "BulkRemoveRecord" }
func (ReplaceTableData) Name() string   { return "ReplaceTableData" }
func (UpdateRecordsWhere) Name() string { return "UpdateRecordsWhere" }
func (RemoveRecordsWhere) Name() string { return "RemoveRecordsWhere" }
func (AddOrUpdateRecords) Name() string { return "AddOrUpdateRecord" }
func (AddTable) Name() string           { return "AddTable" }
func (RenameTable) Name() string        { return "RenameTable" }
func (UpdateTable) Name() string        { return "UpdateTable" }
func (RemoveTable) Name() string        { return "RemoveTable" }
func (AddColumn) Name() string          { return "AddColumn" }
func (ModifyColumn) Name() string       { return "ModifyColumn" }
func (RenameColumn) Name() string       { return "RenameColumn" }
func (RemoveColumn) Name() string       { return "RemoveColumn" }

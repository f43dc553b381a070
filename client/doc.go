package client

import (
	"context"
	"encoding/json"
	"net/http"
)

// Doc is a handle on one document: it holds the client and the document's
// id and makes no request until a method is called.
type Doc struct {
	c  *Client
	id string
}

// Doc returns a handle on the document docID.
func (c *Client) Doc(docID string) *Doc { return &Doc{c: c, id: docID} }

// ID is the document's id.
func (d *Doc) ID() string { return d.id }

func (d *Doc) path(rest string) string { return "/api/docs/" + seg(d.id) + rest }

func tablePath(d *Doc, table, rest string) string { return d.path("/tables/" + seg(table) + rest) }

// Info returns the document's entry, with its workspace and org.
func (d *Doc) Info(ctx context.Context) (DocInfo, error) {
	var out DocInfo
	err := d.c.call(ctx, http.MethodGet, d.path(""), nil, &out)
	return out, err
}

// Rename renames the document.
func (d *Doc) Rename(ctx context.Context, name string) error {
	return d.c.call(ctx, http.MethodPatch, d.path(""), map[string]string{"name": name}, nil)
}

// Table is a table with, from Tables, its columns.
type Table struct {
	ID           string
	NameSingular string // GraphQL's singular name
	NamePlural   string // GraphQL's plural name
	Columns      []Column
}

// UnmarshalJSON reads the REST shape {id, fields:{...}, columns?}.
func (t *Table) UnmarshalJSON(b []byte) error {
	var in struct {
		ID     string `json:"id"`
		Fields struct {
			NameSingular string `json:"nameSingular"`
			NamePlural   string `json:"namePlural"`
		} `json:"fields"`
		Columns []Column `json:"columns"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*t = Table{ID: in.ID, NameSingular: in.Fields.NameSingular, NamePlural: in.Fields.NamePlural, Columns: in.Columns}
	return nil
}

// Column is a column as the server describes it.
type Column struct {
	ID            string
	Type          string // Grist type: Text, Numeric, Int, Bool, Date, DateTime:<tz>, Choice, ChoiceList, Ref:<T>, RefList:<T>, Attachments, Any
	Label         string
	Description   string
	WidgetOptions string
	IsUnique      bool
	ReverseCol    string
}

// UnmarshalJSON reads the REST shape {id, fields:{...}}.
func (c *Column) UnmarshalJSON(b []byte) error {
	var in struct {
		ID     string `json:"id"`
		Fields struct {
			Type          string `json:"type"`
			Label         string `json:"label"`
			Description   string `json:"description"`
			WidgetOptions string `json:"widgetOptions"`
			IsUnique      bool   `json:"isUnique"`
			ReverseCol    any    `json:"reverseCol"`
		} `json:"fields"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*c = Column{ID: in.ID, Type: in.Fields.Type, Label: in.Fields.Label, Description: in.Fields.Description,
		WidgetOptions: in.Fields.WidgetOptions, IsUnique: in.Fields.IsUnique}
	if s, ok := in.Fields.ReverseCol.(string); ok {
		c.ReverseCol = s
	}
	return nil
}

// ColumnFields are a column's settable fields. Zero values are left out of
// the request: when modifying, they mean "unchanged".
type ColumnFields struct {
	ColID         string `json:"colId,omitempty"` // new id (rename); only for ModifyColumns
	Type          string `json:"type,omitempty"`  // "" is Text for a new column
	Label         string `json:"label,omitempty"`
	Description   string `json:"description,omitempty"`
	WidgetOptions string `json:"widgetOptions,omitempty"`
	IsUnique      *bool  `json:"isUnique,omitempty"`
	ReverseCol    string `json:"reverseCol,omitempty"` // only when adding a Ref column: make it two-way
}

// NewColumn is a column to add; an empty ID is derived from the label.
type NewColumn struct {
	ID     string       `json:"id,omitempty"`
	Fields ColumnFields `json:"fields"`
}

// NewTable is a table to create; an empty ID gets Table1, Table2...
type NewTable struct {
	ID           string      `json:"id,omitempty"`
	NameSingular string      `json:"nameSingular,omitempty"`
	NamePlural   string      `json:"namePlural,omitempty"`
	Columns      []NewColumn `json:"columns"`
}

// TableChange changes a table's id or GraphQL names; zero values are left
// unchanged.
type TableChange struct {
	TableID      string `json:"tableId,omitempty"`
	NameSingular string `json:"nameSingular,omitempty"`
	NamePlural   string `json:"namePlural,omitempty"`
}

// Tables lists the document's tables with their columns.
func (d *Doc) Tables(ctx context.Context) ([]Table, error) {
	r, err := jsonRequest(http.MethodGet, d.path("/tables"), nil)
	if err != nil {
		return nil, err
	}
	r.query = map[string][]string{"expand": {"column"}}
	var out struct {
		Tables []Table `json:"tables"`
	}
	err = d.c.do(ctx, r, &out)
	return out.Tables, err
}

// CreateTables creates tables in one atomic request and returns their
// final ids (sanitized, made unique).
func (d *Doc) CreateTables(ctx context.Context, tables ...NewTable) ([]string, error) {
	for i := range tables {
		if tables[i].Columns == nil {
			tables[i].Columns = []NewColumn{}
		}
	}
	r, err := jsonRequest(http.MethodPost, d.path("/tables"), map[string]any{"tables": tables})
	if err != nil {
		return nil, err
	}
	var out struct {
		Tables []struct {
			ID string `json:"id"`
		} `json:"tables"`
	}
	if err := d.c.do(ctx, r.withKey(newKey()), &out); err != nil {
		return nil, err
	}
	ids := make([]string, len(out.Tables))
	for i, t := range out.Tables {
		ids[i] = t.ID
	}
	return ids, nil
}

// UpdateTable renames a table or changes its GraphQL names.
func (d *Doc) UpdateTable(ctx context.Context, table string, ch TableChange) error {
	body := map[string]any{"tables": []any{map[string]any{"id": table, "fields": ch}}}
	r, err := jsonRequest(http.MethodPatch, d.path("/tables"), body)
	if err != nil {
		return err
	}
	return d.c.do(ctx, r.withKey(newKey()), nil)
}

// DeleteTable removes a table and its data.
func (d *Doc) DeleteTable(ctx context.Context, table string) error {
	return d.c.call(ctx, http.MethodDelete, tablePath(d, table, ""), nil, nil)
}

// Columns lists a table's columns.
func (d *Doc) Columns(ctx context.Context, table string) ([]Column, error) {
	var out struct {
		Columns []Column `json:"columns"`
	}
	err := d.c.call(ctx, http.MethodGet, tablePath(d, table, "/columns"), nil, &out)
	return out.Columns, err
}

// AddColumns adds columns to a table and returns their final ids.
func (d *Doc) AddColumns(ctx context.Context, table string, cols ...NewColumn) ([]string, error) {
	r, err := jsonRequest(http.MethodPost, tablePath(d, table, "/columns"), map[string]any{"columns": cols})
	if err != nil {
		return nil, err
	}
	var out struct {
		Columns []struct {
			ID string `json:"id"`
		} `json:"columns"`
	}
	if err := d.c.do(ctx, r.withKey(newKey()), &out); err != nil {
		return nil, err
	}
	ids := make([]string, len(out.Columns))
	for i, col := range out.Columns {
		ids[i] = col.ID
	}
	return ids, nil
}

// ColumnChange changes one column: a new id (Fields.ColID), type
// (existing values are converted), label and so on.
type ColumnChange struct {
	ID     string       `json:"id"`
	Fields ColumnFields `json:"fields"`
}

// ModifyColumns changes columns in one atomic request.
func (d *Doc) ModifyColumns(ctx context.Context, table string, changes ...ColumnChange) error {
	r, err := jsonRequest(http.MethodPatch, tablePath(d, table, "/columns"), map[string]any{"columns": changes})
	if err != nil {
		return err
	}
	return d.c.do(ctx, r.withKey(newKey()), nil)
}

// DeleteColumn removes a column and its data.
func (d *Doc) DeleteColumn(ctx context.Context, table, col string) error {
	return d.c.call(ctx, http.MethodDelete, tablePath(d, table, "/columns/"+seg(col)), nil, nil)
}

package core

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/store"
)

// System columns of every user table. Their names start with "_rh_", which
// no user column id can (ids never start with '_').
const (
	colCreated = "_rh_created" // creation time, Unix milliseconds
	colUpdated = "_rh_updated" // last change time, Unix milliseconds
	colAlt     = "_rh_alt"     // JSON object: values that did not fit their column's type, by column id
)

func schemaVersion(ctx context.Context, q store.Querier) (int64, error) {
	var v string
	if err := q.QueryRow(ctx, `SELECT value FROM _rh_meta WHERE key = 'schema_version'`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad schema version %q", v)
	}
	return n, nil
}

func bumpSchemaVersion(ctx context.Context, q store.Querier, v int64) error {
	_, err := q.Exec(ctx, `UPDATE _rh_meta SET value = ? WHERE key = 'schema_version'`, strconv.FormatInt(v+1, 10))
	return err
}

// counters are a document's schema version and action counter, as a
// write transaction found them.
type counters struct {
	schema  int64
	action  int64
	started bool // the action counter exists (after the first action)
}

// writeCounters reads the schema version and the action counter, in one
// statement. The write lock keeps both as read until the transaction ends.
func writeCounters(ctx context.Context, q store.Querier) (counters, error) {
	var c counters
	rows, err := q.Query(ctx, `SELECT key, value FROM _rh_meta WHERE key IN ('schema_version', 'action_num')`)
	if err != nil {
		return c, fmt.Errorf("read schema version: %w", err)
	}
	defer rows.Close()
	var version bool
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return c, fmt.Errorf("read schema version: %w", err)
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return c, fmt.Errorf("bad %s %q", k, v)
		}
		if k == "schema_version" {
			c.schema, version = n, true
		} else {
			c.action, c.started = n, true
		}
	}
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("read schema version: %w", err)
	}
	if !version {
		return c, fmt.Errorf("read schema version: %w", store.ErrNoRows)
	}
	return c, nil
}

// nextActionNum returns the action number after c's and records it. Its
// write is deferred to the commit (no one reads it before), which on
// PostgreSQL saves it a round trip.
func nextActionNum(ctx context.Context, q *countingQuerier, c counters) (int64, error) {
	n := c.action + 1
	if !c.started {
		return n, q.execDeferred(ctx, `INSERT INTO _rh_meta (key, value) VALUES ('action_num', ?)`, strconv.FormatInt(n, 10))
	}
	return n, q.execDeferred(ctx, `UPDATE _rh_meta SET value = ? WHERE key = 'action_num'`, strconv.FormatInt(n, 10))
}

// loadSchema reads the metadata tables.
func loadSchema(ctx context.Context, q store.Querier, version int64) (*schema.Schema, error) {
	rows, err := q.Query(ctx, `SELECT table_id, name_singular, name_plural, uuid, label_singular, label_plural, description, icon FROM _rh_tables ORDER BY position, table_id`)
	if err != nil {
		return nil, err
	}
	var tables []*schema.Table
	byID := map[string]*schema.Table{}
	for rows.Next() {
		t := &schema.Table{}
		if err := rows.Scan(&t.ID, &t.NameSingular, &t.NamePlural, &t.UUID, &t.LabelSingular, &t.LabelPlural, &t.Description, &t.Icon); err != nil {
			rows.Close()
			return nil, err
		}
		tables = append(tables, t)
		byID[t.ID] = t
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, err
	}
	rows.Close()
	rows, err = q.Query(ctx, `SELECT table_id, col_id, type, label, description, widget_options, is_unique, reverse_col, is_reverse, uuid, icon FROM _rh_columns ORDER BY table_id, position, col_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var tableID, typ string
		c := &schema.Column{}
		if err := rows.Scan(&tableID, &c.ID, &typ, &c.Label, &c.Description, &c.WidgetOptions, &c.IsUnique, &c.ReverseCol, &c.Reverse, &c.UUID, &c.Icon); err != nil {
			return nil, err
		}
		if c.Type, err = schema.ParseType(typ); err != nil {
			return nil, fmt.Errorf("column %s.%s: %w", tableID, c.ID, err)
		}
		if t := byID[tableID]; t != nil {
			t.Columns = append(t.Columns, c)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return schema.New(version, tables), nil
}

// tableNotFound is Grist's message for an unknown table, with the table
// of s whose id differs only by case, if there is one.
func tableNotFound(s *schema.Schema, id string) error {
	if t := s.TableFold(id); t != nil {
		return rowhouse.NotFoundf("Table not found %q (did you mean %q? table ids are case-sensitive)", id, t.ID)
	}
	return rowhouse.NotFoundf("Table not found %q", id)
}

// didYouMean is the hint added to an unknown column's message when a
// column of t has the id but for case; "" if none.
func didYouMean(t *schema.Table, id string) string {
	if c := t.ColumnFold(id); c != nil {
		return fmt.Sprintf(" (did you mean %q? column ids are case-sensitive)", c.ID)
	}
	return ""
}

// ColumnNotFound is Grist's 404 for an unknown column of t, naming the
// column whose id differs only by case, if there is one.
func ColumnNotFound(t *schema.Table, id string) error {
	return rowhouse.NotFoundf("Column not found %q%s", id, didYouMean(t, id))
}

// table returns a table of s or Grist's 404.
func table(s *schema.Schema, id string) (*schema.Table, error) {
	t := s.Table(id)
	if t == nil {
		return nil, tableNotFound(s, id)
	}
	return t, nil
}

// ---- DDL

// defaultLiteral is the SQL default of a stored column: the type's empty
// value. Only these fixed literals ever reach DDL.
func defaultLiteral(t schema.Type) string {
	switch t.Storage() {
	case schema.StoreText:
		if t.Kind == schema.KindText || t.Kind == schema.KindChoice {
			return "''"
		}
	case schema.StoreReal, schema.StoreInt:
		if t.Kind == schema.KindNumeric || t.Kind == schema.KindInt || t.Kind == schema.KindRef {
			return "0"
		}
	case schema.StoreBool:
		return "FALSE"
	}
	return "NULL"
}

func columnDDL(d store.Dialect, c *schema.Column) string {
	return d.QuoteIdent(c.ID) + " " + d.ColumnType(c.Type.Storage()) + " DEFAULT " + defaultLiteral(c.Type)
}

func createTableSQL(d store.Dialect, t *schema.Table) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE " + d.QuoteIdent(t.ID) + " (" + d.IDColumn())
	b.WriteString(", " + d.QuoteIdent(colCreated) + " " + d.ColumnType(schema.StoreInt) + " NOT NULL DEFAULT 0")
	b.WriteString(", " + d.QuoteIdent(colUpdated) + " " + d.ColumnType(schema.StoreInt) + " NOT NULL DEFAULT 0")
	b.WriteString(", " + d.QuoteIdent(colAlt) + " " + d.ColumnType(schema.StoreText))
	for _, c := range t.Columns {
		if c.Stored() {
			b.WriteString(", " + columnDDL(d, c))
		}
	}
	b.WriteString(")")
	return b.String()
}

// uniqueIndexName names a column's unique index. Index names share one
// namespace per database (schema on PostgreSQL), so both ids are in it.
func uniqueIndexName(tableID, colID string) string {
	return "_rh_u_" + tableID + "__" + colID
}

// uniqueIndexSQL builds a unique index that ignores empty cells, so that
// many rows may leave a unique column blank.
func uniqueIndexSQL(d store.Dialect, tableID string, c *schema.Column) string {
	return "CREATE UNIQUE INDEX " + d.QuoteIdent(uniqueIndexName(tableID, c.ID)) + " ON " + d.QuoteIdent(tableID) + " (" + d.QuoteIdent(c.ID) + ") WHERE " + uniqueIndexWhere(d, c)
}

// uniqueIndexWhere is the condition of a unique column's partial index: the
// cell is not empty. A query can use the index only if its WHERE repeats
// this condition word for word (the planners do not prove it from "= ?").
func uniqueIndexWhere(d store.Dialect, c *schema.Column) string {
	col := d.QuoteIdent(c.ID)
	where := col + " IS NOT NULL"
	if lit := defaultLiteral(c.Type); lit != "NULL" && lit != "FALSE" {
		where += " AND " + col + " <> " + lit
	}
	return where
}

func dropIndexSQL(d store.Dialect, tableID, colID string) string {
	return "DROP INDEX IF EXISTS " + d.QuoteIdent(uniqueIndexName(tableID, colID))
}

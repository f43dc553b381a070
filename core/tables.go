package core

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/schema"
)

// reservedGraphQL are names a table's GraphQL names or type may not take.
var reservedGraphQL = map[string]bool{
	"query": true, "mutation": true, "subscription": true, "pageInfo": true, "node": true, "edges": true,
	"String": true, "Int": true, "Float": true, "Boolean": true, "ID": true, "Date": true, "DateTime": true,
	"JSON": true, "Query": true, "Mutation": true, "Subscription": true, "PageInfo": true,
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// graphQLNames settles a table's GraphQL names. Names the caller gave must
// be valid and free; derived names that clash get a numeric suffix, so a
// Grist client creating tables never fails on a GraphQL concern.
func (w *writer) graphQLNames(tableID, singular, plural string, ignore string) (string, string, error) {
	used := map[string]string{}
	for _, t := range w.s.Tables {
		if t.ID == ignore {
			continue
		}
		used[t.NameSingular] = t.ID
		used[t.NamePlural] = t.ID
		used[capitalize(t.NameSingular)] = t.ID
	}
	given := singular != "" || plural != ""
	ds, dp := schema.Inflect(tableID)
	if singular == "" {
		singular = ds
	}
	if plural == "" {
		plural = dp
	}
	check := func(s, p string) error {
		for _, n := range []string{s, p} {
			if !schema.ValidGraphQLName(n) || reservedGraphQL[n] || reservedGraphQL[capitalize(n)] {
				return rowhouse.Invalidf("%q cannot be a GraphQL name (table %s): use letters, digits and '_', not starting with a digit, and not a reserved name", n, tableID)
			}
			if other, ok := used[n]; ok {
				return rowhouse.Invalidf("GraphQL name %q of table %s is already used by table %s; set nameSingular and namePlural", n, tableID, other)
			}
		}
		if other, ok := used[capitalize(s)]; ok {
			return rowhouse.Invalidf("GraphQL type %q of table %s is already used by table %s; set nameSingular", capitalize(s), tableID, other)
		}
		if s == p {
			return rowhouse.Invalidf("nameSingular and namePlural of table %s must differ (both %q)", tableID, s)
		}
		return graphQLClash(w.s.Tables, ignore, tableID, s, p)
	}
	if given {
		return singular, plural, check(singular, plural)
	}
	for i := 1; ; i++ {
		s, p := singular, plural
		if i > 1 {
			s, p = fmt.Sprintf("%s%d", singular, i), fmt.Sprintf("%s%d", plural, i)
		}
		if err := check(s, p); err == nil {
			return s, p, nil
		} else if i > 100 {
			return "", "", err
		}
	}
}

// columnType parses a column type and checks a Ref target exists (or is
// the table being made).
func (w *writer) columnType(typ, newTable string) (schema.Type, error) {
	if typ == "" {
		typ = string(schema.KindText)
	}
	t, err := schema.ParseType(typ)
	if err != nil {
		return t, err
	}
	if t.Table != "" && t.Table != newTable && w.s.Table(t.Table) == nil {
		return t, rowhouse.Invalidf("column type %s refers to an unknown table %q", typ, t.Table)
	}
	return t, nil
}

func checkUnique(c *schema.Column) error {
	if !c.IsUnique {
		return nil
	}
	switch c.Type.Kind {
	case schema.KindText, schema.KindNumeric, schema.KindInt, schema.KindDate, schema.KindDateTime, schema.KindChoice, schema.KindRef:
		return nil
	}
	return rowhouse.Invalidf("isUnique is not supported on %s columns (column %q)", c.Type.Kind, c.ID)
}

// newColumn builds a column from a spec, with an id sanitized against the
// ids already taken.
func (w *writer) newColumn(spec ColumnSpec, tableID string, taken []string) (*schema.Column, error) {
	name := spec.ID
	if name == "" {
		name = spec.Label
	}
	id := schema.SanitizeColID(name, taken)
	typ, err := w.columnType(spec.Type, tableID)
	if err != nil {
		return nil, err
	}
	label := spec.Label
	if label == "" {
		label = id
	}
	c := &schema.Column{ID: id, Type: typ, Label: label, Description: spec.Description, WidgetOptions: spec.WidgetOptions, IsUnique: spec.IsUnique, Icon: spec.Icon}
	return c, checkUnique(c)
}

func (w *writer) nextPosition(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := w.q.QueryRow(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM `+query, args...).Scan(&n)
	return n, err
}

func (w *writer) insertColumnMeta(ctx context.Context, tableID string, c *schema.Column) error {
	pos, err := w.nextPosition(ctx, `_rh_columns WHERE table_id = ?`, tableID)
	if err != nil {
		return err
	}
	if c.UUID == "" {
		c.UUID = uuid.NewString()
	}
	_, err = w.q.Exec(ctx, `INSERT INTO _rh_columns (table_id, col_id, position, type, label, description, widget_options, is_unique, reverse_col, is_reverse, uuid, icon) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tableID, c.ID, pos, c.Type.String(), c.Label, c.Description, c.WidgetOptions, c.IsUnique, c.ReverseCol, c.Reverse, c.UUID, c.Icon)
	return err
}

func (w *writer) addTable(ctx context.Context, a AddTable) (AddTableResult, error) {
	id := schema.SanitizeTableID(a.ID, w.s.TableIDs())
	singular, plural, err := w.graphQLNames(id, a.NameSingular, a.NamePlural, "")
	if err != nil {
		return AddTableResult{}, err
	}
	t := &schema.Table{ID: id, NameSingular: singular, NamePlural: plural, UUID: uuid.NewString(),
		LabelSingular: a.LabelSingular, LabelPlural: a.LabelPlural, Description: a.Description, Icon: a.Icon}
	taken := make([]string, 0, len(a.Columns)) // never null in AddTable's retValue
	var reverses []ColumnSpec
	for _, spec := range a.Columns {
		c, err := w.newColumn(spec, id, taken)
		if err != nil {
			return AddTableResult{}, err
		}
		taken = append(taken, c.ID)
		t.Columns = append(t.Columns, c)
		if spec.ReverseCol != "" {
			reverses = append(reverses, ColumnSpec{ID: c.ID, ReverseCol: spec.ReverseCol, ReverseLabel: spec.ReverseLabel, ReverseIcon: spec.ReverseIcon})
		}
	}
	if _, err := w.q.Exec(ctx, createTableSQL(w.d, t)); err != nil {
		return AddTableResult{}, fmt.Errorf("create table %s: %w", id, err)
	}
	for _, c := range t.Columns {
		if c.IsUnique {
			if _, err := w.q.Exec(ctx, uniqueIndexSQL(w.d, id, c)); err != nil {
				return AddTableResult{}, fmt.Errorf("create unique index %s.%s: %w", id, c.ID, err)
			}
		}
	}
	pos, err := w.nextPosition(ctx, `_rh_tables`)
	if err != nil {
		return AddTableResult{}, err
	}
	if _, err := w.q.Exec(ctx, `INSERT INTO _rh_tables (table_id, position, name_singular, name_plural, uuid, label_singular, label_plural, description, icon) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, pos, singular, plural, t.UUID, t.LabelSingular, t.LabelPlural, t.Description, t.Icon); err != nil {
		return AddTableResult{}, fmt.Errorf("add table %s: %w", id, err)
	}
	for _, c := range t.Columns {
		if err := w.insertColumnMeta(ctx, id, c); err != nil {
			return AddTableResult{}, fmt.Errorf("add table %s: %w", id, err)
		}
	}
	if err := w.schemaChanged(ctx, id, "AddTable", id); err != nil {
		return AddTableResult{}, err
	}
	for _, r := range reverses {
		if _, err := w.addReverse(ctx, id, r.ID, r); err != nil {
			return AddTableResult{}, err
		}
	}
	return AddTableResult{TableID: id, Columns: taken}, nil
}

func (w *writer) renameTable(ctx context.Context, a RenameTable) error {
	t, err := table(w.s, a.Table)
	if err != nil {
		return err
	}
	var others []string
	for _, id := range w.s.TableIDs() {
		if id != t.ID {
			others = append(others, id)
		}
	}
	newID := schema.SanitizeTableID(a.NewID, others)
	if newID == t.ID {
		return nil
	}
	for _, c := range t.Columns {
		if c.IsUnique {
			if _, err := w.q.Exec(ctx, dropIndexSQL(w.d, t.ID, c.ID)); err != nil {
				return err
			}
		}
	}
	if _, err := w.q.Exec(ctx, `ALTER TABLE `+w.d.QuoteIdent(t.ID)+` RENAME TO `+w.d.QuoteIdent(newID)); err != nil {
		return fmt.Errorf("rename table %s: %w", t.ID, err)
	}
	for _, c := range t.Columns {
		if c.IsUnique {
			if _, err := w.q.Exec(ctx, uniqueIndexSQL(w.d, newID, c)); err != nil {
				return err
			}
		}
	}
	singular, plural := t.NameSingular, t.NamePlural
	if ds, dp := schema.Inflect(t.ID); ds == singular && dp == plural {
		if singular, plural, err = w.graphQLNames(newID, "", "", t.ID); err != nil {
			return err
		}
	}
	if _, err := w.q.Exec(ctx, `UPDATE _rh_tables SET table_id = ?, name_singular = ?, name_plural = ? WHERE table_id = ?`, newID, singular, plural, t.ID); err != nil {
		return err
	}
	if _, err := w.q.Exec(ctx, `UPDATE _rh_columns SET table_id = ? WHERE table_id = ?`, newID, t.ID); err != nil {
		return err
	}
	// References to the table follow it.
	for _, kind := range []schema.Kind{schema.KindRef, schema.KindRefList} {
		old, renamed := string(kind)+":"+t.ID, string(kind)+":"+newID
		if _, err := w.q.Exec(ctx, `UPDATE _rh_columns SET type = ? WHERE type = ?`, renamed, old); err != nil {
			return err
		}
	}
	return w.schemaChanged(ctx, newID, "RenameTable", t.ID, newID)
}

func (w *writer) updateTable(ctx context.Context, a UpdateTable) error {
	t, err := table(w.s, a.Table)
	if err != nil {
		return err
	}
	s, p := t.NameSingular, t.NamePlural
	if a.NameSingular != nil {
		s = *a.NameSingular
	}
	if a.NamePlural != nil {
		p = *a.NamePlural
	}
	ls, lp, desc, icon := t.LabelSingular, t.LabelPlural, t.Description, t.Icon
	for _, f := range []struct {
		dst *string
		src *string
	}{{&ls, a.LabelSingular}, {&lp, a.LabelPlural}, {&desc, a.Description}, {&icon, a.Icon}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if s == t.NameSingular && p == t.NamePlural && ls == t.LabelSingular && lp == t.LabelPlural && desc == t.Description && icon == t.Icon {
		return nil
	}
	if s != t.NameSingular || p != t.NamePlural {
		if s, p, err = w.graphQLNames(t.ID, s, p, t.ID); err != nil {
			return err
		}
	}
	if _, err := w.q.Exec(ctx, `UPDATE _rh_tables SET name_singular = ?, name_plural = ?, label_singular = ?, label_plural = ?, description = ?, icon = ? WHERE table_id = ?`,
		s, p, ls, lp, desc, icon, t.ID); err != nil {
		return err
	}
	return w.schemaChanged(ctx, t.ID, "UpdateTable", t.ID)
}

func (w *writer) removeTable(ctx context.Context, a RemoveTable) error {
	t, err := table(w.s, a.Table)
	if err != nil {
		return err
	}
	if _, err := w.q.Exec(ctx, `DROP TABLE `+w.d.QuoteIdent(t.ID)); err != nil {
		return fmt.Errorf("remove table %s: %w", t.ID, err)
	}
	if _, err := w.q.Exec(ctx, `DELETE FROM _rh_columns WHERE table_id = ?`, t.ID); err != nil {
		return err
	}
	if _, err := w.q.Exec(ctx, `DELETE FROM _rh_tables WHERE table_id = ?`, t.ID); err != nil {
		return err
	}
	// Other tables' links to it: reverse columns go; references become
	// plain integers (the ids stay, as Grist keeps them).
	if _, err := w.q.Exec(ctx, `DELETE FROM _rh_columns WHERE is_reverse = 1 AND type = ?`, "RefList:"+t.ID); err != nil {
		return err
	}
	for _, other := range w.s.Tables {
		if other.ID == t.ID {
			continue
		}
		for _, c := range other.Columns {
			if c.Reverse && c.Type.Kind == schema.KindRefList && c.Type.Table == t.ID {
				// A reverse column goes as its own removal, so that a
				// reader of the outbox (a webhook watching it) sees it.
				w.removedWith(other.ID, c.ID)
				continue
			}
			if c.Type.Table == t.ID && c.Stored() {
				newType := schema.Type{Kind: schema.KindInt}
				if c.Type.Kind == schema.KindRefList {
					newType = schema.Type{Kind: schema.KindAny}
				}
				if _, err := w.q.Exec(ctx, `UPDATE _rh_columns SET type = ?, reverse_col = '' WHERE table_id = ? AND col_id = ?`, newType.String(), other.ID, c.ID); err != nil {
					return err
				}
			}
		}
	}
	return w.schemaChanged(ctx, t.ID, "RemoveTable", t.ID)
}

func (w *writer) addColumn(ctx context.Context, a AddColumn) (string, error) {
	t, err := table(w.s, a.Table)
	if err != nil {
		return "", err
	}
	c, err := w.newColumn(a.Column, t.ID, t.ColumnIDs())
	if err != nil {
		return "", err
	}
	if a.Column.ReverseCol != "" && c.Type.Kind != schema.KindRef {
		return "", rowhouse.Invalidf("reverseCol needs a Ref column; %q is %s", c.ID, c.Type)
	}
	if _, err := w.q.Exec(ctx, `ALTER TABLE `+w.d.QuoteIdent(t.ID)+` ADD COLUMN `+columnDDL(w.d, c)); err != nil {
		return "", fmt.Errorf("add column %s.%s: %w", t.ID, c.ID, err)
	}
	if c.IsUnique {
		if _, err := w.q.Exec(ctx, uniqueIndexSQL(w.d, t.ID, c)); err != nil {
			return "", fmt.Errorf("add column %s.%s: %w", t.ID, c.ID, err)
		}
	}
	if err := w.insertColumnMeta(ctx, t.ID, c); err != nil {
		return "", err
	}
	if err := w.schemaChanged(ctx, t.ID, "AddColumn", c.ID); err != nil {
		return "", err
	}
	if a.Column.ReverseCol != "" {
		if _, err := w.addReverse(ctx, t.ID, c.ID, a.Column); err != nil {
			return "", err
		}
	}
	return c.ID, nil
}

// addReverse makes the reverse side of the Ref column tableID.colID: a
// RefList column on the referenced table, computed from the references,
// named, labelled and with an icon as spec's ReverseCol, ReverseLabel and
// ReverseIcon say.
func (w *writer) addReverse(ctx context.Context, tableID, colID string, spec ColumnSpec) (string, error) {
	name := spec.ReverseCol
	t := w.s.Table(tableID)
	fwd := t.Column(colID)
	if fwd == nil || fwd.Type.Kind != schema.KindRef {
		return "", rowhouse.Invalidf("reverseCol needs a Ref column; %q is not one", colID)
	}
	target := w.s.Table(fwd.Type.Table)
	rid := schema.SanitizeColID(name, target.ColumnIDs())
	label := spec.ReverseLabel
	if label == "" {
		label = rid
	}
	rev := &schema.Column{ID: rid, Type: schema.Type{Kind: schema.KindRefList, Table: tableID}, Label: label, ReverseCol: colID, Reverse: true, Icon: spec.ReverseIcon}
	if err := w.insertColumnMeta(ctx, target.ID, rev); err != nil {
		return "", err
	}
	if _, err := w.q.Exec(ctx, `UPDATE _rh_columns SET reverse_col = ? WHERE table_id = ? AND col_id = ?`, rid, tableID, colID); err != nil {
		return "", err
	}
	return rid, w.schemaChanged(ctx, target.ID, "AddColumn", rid)
}

func (w *writer) column(tableID, colID string) (*schema.Table, *schema.Column, error) {
	t, err := table(w.s, tableID)
	if err != nil {
		return nil, nil, err
	}
	c := t.Column(colID)
	if c == nil {
		return nil, nil, ColumnNotFound(t, colID)
	}
	return t, c, nil
}

func (w *writer) removeColumn(ctx context.Context, a RemoveColumn) error {
	t, c, err := w.column(a.Table, a.Column)
	if err != nil {
		return err
	}
	if c.Reverse {
		// The forward column stays; it just loses its reverse side.
		if _, err := w.q.Exec(ctx, `UPDATE _rh_columns SET reverse_col = '' WHERE table_id = ? AND col_id = ?`, c.Type.Table, c.ReverseCol); err != nil {
			return err
		}
	} else {
		if c.IsUnique {
			if _, err := w.q.Exec(ctx, dropIndexSQL(w.d, t.ID, c.ID)); err != nil {
				return err
			}
		}
		if _, err := w.q.Exec(ctx, `ALTER TABLE `+w.d.QuoteIdent(t.ID)+` DROP COLUMN `+w.d.QuoteIdent(c.ID)); err != nil {
			return fmt.Errorf("remove column %s.%s: %w", t.ID, c.ID, err)
		}
		if err := w.rewriteAlt(ctx, t, func(alt map[string]any) { delete(alt, c.ID) }); err != nil {
			return err
		}
		if c.ReverseCol != "" {
			n, err := w.q.Exec(ctx, `DELETE FROM _rh_columns WHERE table_id = ? AND col_id = ? AND is_reverse = 1`, c.Type.Table, c.ReverseCol)
			if err != nil {
				return err
			}
			if n > 0 {
				w.removedWith(c.Type.Table, c.ReverseCol)
			}
		}
	}
	if _, err := w.q.Exec(ctx, `DELETE FROM _rh_columns WHERE table_id = ? AND col_id = ?`, t.ID, c.ID); err != nil {
		return err
	}
	return w.schemaChanged(ctx, t.ID, "RemoveColumn", c.ID)
}

// removedWith records the removal of column colID of table tableID, a
// reverse column that goes with the action being applied, as the
// RemoveColumn schema event that a removal of its own would record. The
// action's own schemaChanged bumps the schema version for both.
func (w *writer) removedWith(tableID, colID string) {
	w.events = append(w.events, Event{Table: tableID, Kind: EventSchema, Columns: []string{"RemoveColumn", colID}})
}

// rewriteAlt applies fn to the alt values of every row that has some, and
// stores the result.
func (w *writer) rewriteAlt(ctx context.Context, t *schema.Table, fn func(map[string]any)) error {
	rows, err := w.q.Query(ctx, `SELECT "id", `+w.d.QuoteIdent(colAlt)+` FROM `+w.d.QuoteIdent(t.ID)+` WHERE `+w.d.QuoteIdent(colAlt)+` IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("read alt values of %s: %w", t.ID, err)
	}
	type change struct {
		id  int64
		alt any
	}
	var changes []change
	for rows.Next() {
		var id int64
		var raw any
		if err := rows.Scan(&id, &raw); err != nil {
			rows.Close()
			return err
		}
		alt, err := parseAlt(raw)
		if err != nil {
			rows.Close()
			return err
		}
		n := len(alt)
		fn(alt)
		if len(alt) != n || n > 0 {
			text, err := altJSON(alt)
			if err != nil {
				rows.Close()
				return err
			}
			changes = append(changes, change{id, text})
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return err
	}
	for _, ch := range changes {
		if _, err := w.q.Exec(ctx, `UPDATE `+w.d.QuoteIdent(t.ID)+` SET `+w.d.QuoteIdent(colAlt)+` = ? WHERE "id" = ?`, ch.alt, ch.id); err != nil {
			return err
		}
	}
	return nil
}

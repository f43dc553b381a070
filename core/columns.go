package core

import (
	"context"
	"fmt"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/schema"
)

// tmpColumn is the temporary name of a column being converted.
const tmpColumn = "_rh_tmp"

func (w *writer) modifyColumn(ctx context.Context, a ModifyColumn) error {
	t, c, err := w.column(a.Table, a.Column)
	if err != nil {
		return err
	}
	u := a.Update
	changed := false
	if u.Label != nil || u.Description != nil || u.WidgetOptions != nil || u.Icon != nil {
		label, desc, opts, icon := c.Label, c.Description, c.WidgetOptions, c.Icon
		if u.Label != nil {
			label = *u.Label
		}
		if u.Description != nil {
			desc = *u.Description
		}
		if u.WidgetOptions != nil {
			opts = *u.WidgetOptions
		}
		if u.Icon != nil {
			icon = *u.Icon
		}
		if _, err := w.q.Exec(ctx, `UPDATE _rh_columns SET label = ?, description = ?, widget_options = ?, icon = ? WHERE table_id = ? AND col_id = ?`, label, desc, opts, icon, t.ID, c.ID); err != nil {
			return err
		}
		changed = true
	}
	if u.Type != nil {
		newType, err := w.columnType(*u.Type, t.ID)
		if err != nil {
			return err
		}
		if newType != c.Type {
			if c.Reverse {
				return rowhouse.Invalidf("Column %q is the reverse side of a two-way reference; its type follows %s.%s", c.ID, c.Type.Table, c.ReverseCol)
			}
			unique := c.IsUnique
			if u.IsUnique != nil {
				unique = *u.IsUnique
			}
			if err := checkUnique(&schema.Column{ID: c.ID, Type: newType, IsUnique: unique}); err != nil {
				return err
			}
			if err := w.convertColumn(ctx, t, c, newType); err != nil {
				return err
			}
			c = &schema.Column{ID: c.ID, Type: newType, IsUnique: c.IsUnique}
			changed = true
		}
	}
	if u.IsUnique != nil && *u.IsUnique != c.IsUnique {
		if c.Reverse {
			return rowhouse.Invalidf("isUnique cannot be set on the reverse column %q", c.ID)
		}
		nc := &schema.Column{ID: c.ID, Type: c.Type, IsUnique: *u.IsUnique}
		if err := checkUnique(nc); err != nil {
			return err
		}
		if nc.IsUnique {
			if _, err := w.q.Exec(ctx, uniqueIndexSQL(w.d, t.ID, nc)); err != nil {
				if w.d.IsUniqueViolation(err) {
					return rowhouse.Invalidf("Column %q cannot be made unique: it holds duplicate values", c.ID)
				}
				return fmt.Errorf("make %s.%s unique: %w", t.ID, c.ID, err)
			}
		} else if _, err := w.q.Exec(ctx, dropIndexSQL(w.d, t.ID, c.ID)); err != nil {
			return err
		}
		if _, err := w.q.Exec(ctx, `UPDATE _rh_columns SET is_unique = ? WHERE table_id = ? AND col_id = ?`, nc.IsUnique, t.ID, c.ID); err != nil {
			return err
		}
		c.IsUnique = nc.IsUnique
		changed = true
	}
	subject := []string{"ModifyColumn", c.ID}
	if u.ID != nil {
		var others []string
		for _, id := range t.ColumnIDs() {
			if id != c.ID {
				others = append(others, id)
			}
		}
		newID := schema.SanitizeColID(*u.ID, others)
		if newID != c.ID {
			if err := w.renameColumn(ctx, t, a.Column, newID); err != nil {
				return err
			}
			// The event names the new id too, so that readers of the
			// outbox (webhooks) can follow the column.
			subject = append(subject, newID)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	return w.schemaChanged(ctx, t.ID, subject...)
}

func (w *writer) renameColumn(ctx context.Context, t *schema.Table, oldID, newID string) error {
	// Re-read the column: a type change earlier in this action may have
	// changed its metadata.
	var unique, reverse bool
	var fwdTable, reverseCol, typ string
	if err := w.q.QueryRow(ctx, `SELECT is_unique, is_reverse, reverse_col, type FROM _rh_columns WHERE table_id = ? AND col_id = ?`, t.ID, oldID).Scan(&unique, &reverse, &reverseCol, &typ); err != nil {
		return err
	}
	ct, err := schema.ParseType(typ)
	if err != nil {
		return err
	}
	fwdTable = ct.Table
	if !reverse {
		if unique {
			if _, err := w.q.Exec(ctx, dropIndexSQL(w.d, t.ID, oldID)); err != nil {
				return err
			}
		}
		if _, err := w.q.Exec(ctx, `ALTER TABLE `+w.d.QuoteIdent(t.ID)+` RENAME COLUMN `+w.d.QuoteIdent(oldID)+` TO `+w.d.QuoteIdent(newID)); err != nil {
			return fmt.Errorf("rename column %s.%s: %w", t.ID, oldID, err)
		}
		if unique {
			if _, err := w.q.Exec(ctx, uniqueIndexSQL(w.d, t.ID, &schema.Column{ID: newID, Type: ct, IsUnique: true})); err != nil {
				return err
			}
		}
		if err := w.rewriteAlt(ctx, t, func(alt map[string]any) {
			if v, ok := alt[oldID]; ok {
				delete(alt, oldID)
				alt[newID] = v
			}
		}); err != nil {
			return err
		}
	}
	if _, err := w.q.Exec(ctx, `UPDATE _rh_columns SET col_id = ? WHERE table_id = ? AND col_id = ?`, newID, t.ID, oldID); err != nil {
		return err
	}
	if reverseCol != "" {
		// The other side of a two-way reference points at the new id.
		if _, err := w.q.Exec(ctx, `UPDATE _rh_columns SET reverse_col = ? WHERE table_id = ? AND col_id = ?`, newID, fwdTable, reverseCol); err != nil {
			return err
		}
	}
	return nil
}

// convertColumn changes a column's type, converting every value: a new
// column is filled with the converted values, the old one dropped and the
// new one renamed into its place (portable DDL on every engine). Values
// that do not convert are kept as given.
func (w *writer) convertColumn(ctx context.Context, t *schema.Table, c *schema.Column, to schema.Type) error {
	nc := &schema.Column{ID: tmpColumn, Type: to}
	if _, err := w.q.Exec(ctx, `ALTER TABLE `+w.d.QuoteIdent(t.ID)+` ADD COLUMN `+columnDDL(w.d, nc)); err != nil {
		return fmt.Errorf("convert %s.%s: %w", t.ID, c.ID, err)
	}
	rows, err := w.q.Query(ctx, `SELECT "id", `+w.d.QuoteIdent(colAlt)+`, `+w.d.QuoteIdent(c.ID)+` FROM `+w.d.QuoteIdent(t.ID))
	if err != nil {
		return fmt.Errorf("convert %s.%s: %w", t.ID, c.ID, err)
	}
	type conv struct {
		id     int64
		val    any
		alt    map[string]any
		altMod bool
	}
	var convs []conv
	for rows.Next() {
		var id int64
		var rawAlt, raw any
		if err := rows.Scan(&id, &rawAlt, &raw); err != nil {
			rows.Close()
			return err
		}
		alt, err := parseAlt(rawAlt)
		if err != nil {
			rows.Close()
			return err
		}
		old, hadAlt := alt[c.ID]
		if !hadAlt {
			old = c.Type.Decode(raw)
		}
		sqlValue, altValue, ok := schema.Convert(c.Type, to, old)
		if hadAlt {
			// A value kept as given gets another chance in the new type.
			sqlValue, altValue, ok = to.Encode(old, true)
		}
		cv := conv{id: id, val: sqlValue, alt: alt}
		if !ok {
			if cv.alt == nil {
				cv.alt = map[string]any{}
			}
			cv.alt[c.ID] = altValue
			cv.altMod = true
		} else if hadAlt {
			delete(cv.alt, c.ID)
			cv.altMod = true
		}
		convs = append(convs, cv)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return err
	}
	for _, cv := range convs {
		if cv.altMod {
			text, err := altJSON(cv.alt)
			if err != nil {
				return err
			}
			_, err = w.q.Exec(ctx, `UPDATE `+w.d.QuoteIdent(t.ID)+` SET `+w.d.QuoteIdent(tmpColumn)+` = ?, `+w.d.QuoteIdent(colAlt)+` = ? WHERE "id" = ?`, cv.val, text, cv.id)
			if err != nil {
				return err
			}
			continue
		}
		if _, err := w.q.Exec(ctx, `UPDATE `+w.d.QuoteIdent(t.ID)+` SET `+w.d.QuoteIdent(tmpColumn)+` = ? WHERE "id" = ?`, cv.val, cv.id); err != nil {
			return err
		}
	}
	if c.IsUnique {
		if _, err := w.q.Exec(ctx, dropIndexSQL(w.d, t.ID, c.ID)); err != nil {
			return err
		}
	}
	if _, err := w.q.Exec(ctx, `ALTER TABLE `+w.d.QuoteIdent(t.ID)+` DROP COLUMN `+w.d.QuoteIdent(c.ID)); err != nil {
		return fmt.Errorf("convert %s.%s: %w", t.ID, c.ID, err)
	}
	if _, err := w.q.Exec(ctx, `ALTER TABLE `+w.d.QuoteIdent(t.ID)+` RENAME COLUMN `+w.d.QuoteIdent(tmpColumn)+` TO `+w.d.QuoteIdent(c.ID)); err != nil {
		return fmt.Errorf("convert %s.%s: %w", t.ID, c.ID, err)
	}
	if c.IsUnique {
		if _, err := w.q.Exec(ctx, uniqueIndexSQL(w.d, t.ID, &schema.Column{ID: c.ID, Type: to, IsUnique: true})); err != nil {
			if w.d.IsUniqueViolation(err) {
				return rowhouse.Invalidf("Column %q cannot change type: converted values are not unique", c.ID)
			}
			return err
		}
	}
	// A Ref that stops being one loses its reverse side.
	reverse := ""
	if c.ReverseCol != "" && !(to.Kind == schema.KindRef && to.Table == c.Type.Table) {
		if _, err := w.q.Exec(ctx, `DELETE FROM _rh_columns WHERE table_id = ? AND col_id = ? AND is_reverse = 1`, c.Type.Table, c.ReverseCol); err != nil {
			return err
		}
	} else {
		reverse = c.ReverseCol
	}
	_, err = w.q.Exec(ctx, `UPDATE _rh_columns SET type = ?, reverse_col = ? WHERE table_id = ? AND col_id = ?`, to.String(), reverse, t.ID, c.ID)
	return err
}

package grist

import (
	"encoding/json"
	"net/http"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/core"
)

// userAction is one Grist user action: ["Name", args...].
type userAction []json.RawMessage

// arg decodes argument i (after the name) into dst.
func (u userAction) arg(i int, dst any) error {
	if i+1 >= len(u) {
		return rowhouse.InvalidPayload("%s: missing argument %d", u.name(), i+1)
	}
	if err := api.DecodeJSONBytes(u[i+1], dst); err != nil {
		return rowhouse.InvalidPayload("%s: argument %d: %s", u.name(), i+1, userError(err))
	}
	return nil
}

func (u userAction) name() string {
	var s string
	if len(u) > 0 {
		_ = json.Unmarshal(u[0], &s)
	}
	return s
}

func userError(err error) string {
	if e, ok := err.(*rowhouse.Error); ok && e.Details != nil {
		if s, ok := e.Details["userError"].(string); ok {
			return s
		}
	}
	return rowhouse.ErrorMessage(err)
}

// nargs checks the number of arguments.
func (u userAction) nargs(min, max int) error {
	if n := len(u) - 1; n < min || n > max {
		return rowhouse.InvalidPayload("%s takes %d to %d arguments, not %d", u.name(), min, max, n)
	}
	return nil
}

// bulkRows reads Grist's column-oriented bulk form: ids (nulls for new
// records) and {"col": [values]}.
func (u userAction) bulkRows(ids []*int64, cols map[string][]any) ([]core.Row, error) {
	values, err := columnar(cols, len(ids))
	if err != nil {
		return nil, err
	}
	rows := make([]core.Row, len(ids))
	for i, id := range ids {
		if id != nil {
			rows[i].ID = *id
		}
		rows[i].Fields = values[i]
	}
	return rows, nil
}

// toAction translates one user action into a core action, and says how
// its result is shown (Grist's retValues).
func toAction(u userAction) (core.Action, func(any) any, error) {
	same := func(v any) any { return v }
	none := func(any) any { return nil }
	var table string
	switch u.name() {
	case "AddRecord", "UpdateRecord":
		if err := u.nargs(3, 3); err != nil {
			return nil, nil, err
		}
		var id *int64
		var fields map[string]any
		if err := firstErr(u.arg(0, &table), u.arg(1, &id), u.arg(2, &fields)); err != nil {
			return nil, nil, err
		}
		row := core.Row{Fields: fields}
		if id != nil {
			row.ID = *id
		}
		if u.name() == "AddRecord" {
			return core.AddRecords{Table: table, Rows: []core.Row{row}}, func(v any) any { return v.([]int64)[0] }, nil
		}
		if id == nil {
			return nil, nil, rowhouse.InvalidPayload("UpdateRecord needs a row id")
		}
		return core.UpdateRecords{Table: table, Rows: []core.Row{row}}, none, nil
	case "BulkAddRecord", "BulkUpdateRecord", "ReplaceTableData":
		if err := u.nargs(3, 3); err != nil {
			return nil, nil, err
		}
		var ids []*int64
		var cols map[string][]any
		if err := firstErr(u.arg(0, &table), u.arg(1, &ids), u.arg(2, &cols)); err != nil {
			return nil, nil, err
		}
		rows, err := u.bulkRows(ids, cols)
		if err != nil {
			return nil, nil, err
		}
		switch u.name() {
		case "BulkAddRecord":
			return core.AddRecords{Table: table, Rows: rows}, same, nil
		case "ReplaceTableData":
			return core.ReplaceTableData{Table: table, Rows: rows}, same, nil
		}
		for _, id := range ids {
			if id == nil {
				return nil, nil, rowhouse.InvalidPayload("BulkUpdateRecord needs a row id for every record")
			}
		}
		return core.UpdateRecords{Table: table, Rows: rows}, none, nil
	case "RemoveRecord":
		var id int64
		if err := firstErr(u.nargs(2, 2), u.arg(0, &table), u.arg(1, &id)); err != nil {
			return nil, nil, err
		}
		return core.RemoveRecords{Table: table, IDs: []int64{id}}, none, nil
	case "BulkRemoveRecord":
		var ids []int64
		if err := firstErr(u.nargs(2, 2), u.arg(0, &table), u.arg(1, &ids)); err != nil {
			return nil, nil, err
		}
		return core.RemoveRecords{Table: table, IDs: ids}, none, nil
	case "AddTable":
		var cols []struct {
			ID string `json:"id"`
			colFields
		}
		if err := firstErr(u.nargs(2, 2), u.arg(0, &table), u.arg(1, &cols)); err != nil {
			return nil, nil, err
		}
		at := core.AddTable{ID: table}
		for _, c := range cols {
			spec, err := c.colFields.spec(c.ID)
			if err != nil {
				return nil, nil, err
			}
			at.Columns = append(at.Columns, spec)
		}
		return at, func(v any) any {
			res := v.(core.AddTableResult)
			return map[string]any{"table_id": res.TableID, "columns": res.Columns}
		}, nil
	case "RemoveTable":
		if err := firstErr(u.nargs(1, 1), u.arg(0, &table)); err != nil {
			return nil, nil, err
		}
		return core.RemoveTable{Table: table}, none, nil
	case "RenameTable":
		var newID string
		if err := firstErr(u.nargs(2, 2), u.arg(0, &table), u.arg(1, &newID)); err != nil {
			return nil, nil, err
		}
		return core.RenameTable{Table: table, NewID: newID}, none, nil
	case "AddColumn":
		var colID string
		var f colFields
		if err := firstErr(u.nargs(3, 3), u.arg(0, &table), u.arg(1, &colID), u.arg(2, &f)); err != nil {
			return nil, nil, err
		}
		spec, err := f.spec(colID)
		if err != nil {
			return nil, nil, err
		}
		return core.AddColumn{Table: table, Column: spec}, func(v any) any { return map[string]any{"colId": v} }, nil
	case "RemoveColumn":
		var colID string
		if err := firstErr(u.nargs(2, 2), u.arg(0, &table), u.arg(1, &colID)); err != nil {
			return nil, nil, err
		}
		return core.RemoveColumn{Table: table, Column: colID}, none, nil
	case "RenameColumn":
		var colID, newID string
		if err := firstErr(u.nargs(3, 3), u.arg(0, &table), u.arg(1, &colID), u.arg(2, &newID)); err != nil {
			return nil, nil, err
		}
		return core.RenameColumn{Table: table, Column: colID, NewID: newID}, none, nil
	case "ModifyColumn":
		var colID string
		var f colFields
		if err := firstErr(u.nargs(3, 3), u.arg(0, &table), u.arg(1, &colID), u.arg(2, &f)); err != nil {
			return nil, nil, err
		}
		up, err := f.update()
		if err != nil {
			return nil, nil, err
		}
		return core.ModifyColumn{Table: table, Column: colID, Update: up}, none, nil
	case "":
		return nil, nil, rowhouse.InvalidPayload("each action must be an array starting with the action's name")
	}
	return nil, nil, rowhouse.Invalidf("Unsupported action %q", u.name())
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// applyActions answers POST /api/docs/{doc}/apply.
func (a *API) applyActions(w http.ResponseWriter, r *http.Request) error {
	body, err := api.ReadBody(r)
	if err != nil {
		return err
	}
	var in []userAction
	if err := api.DecodeJSONBytes(nonEmptyArray(body), &in); err != nil {
		return err
	}
	if in == nil {
		return rowhouse.InvalidPayload("expected a JSON array of actions")
	}
	actions := make([]core.Action, len(in))
	shows := make([]func(any) any, len(in))
	for i, u := range in {
		if actions[i], shows[i], err = toAction(u); err != nil {
			return err
		}
	}
	d, _, err := a.openDoc(r, rowhouse.RoleEditors)
	if err != nil {
		return err
	}
	defer d.Close()
	return a.write(w, r, d, body, actions, func(res core.Applied) any {
		ret := make([]any, len(res.RetValues))
		for i, v := range res.RetValues {
			ret[i] = shows[i](v)
		}
		return map[string]any{"actionNum": res.ActionNum, "retValues": ret, "isModification": res.IsModification}
	})
}

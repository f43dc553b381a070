package grist

import (
	"encoding/json"
	"net/http"
	"sort"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/core"
)

// The legacy column-oriented endpoints: {"id": [...], "colA": [...]}.

func (a *API) getData(w http.ResponseWriter, r *http.Request) error {
	d, rows, typed, err := a.openRows(r, queryRead(r))
	if err != nil {
		return err
	}
	defer d.Close()
	defer rows.Close()
	out := map[string][]any{"id": {}, "manualSort": {}}
	for _, c := range rows.Columns {
		out[c.ID] = []any{}
	}
	var vals []any
	for rows.Next() {
		out["id"] = append(out["id"], rows.ID())
		out["manualSort"] = append(out["manualSort"], rows.ID())
		vals = rows.Values(vals, typed)
		for i, c := range rows.Columns {
			out[c.ID] = append(out[c.ID], vals[i])
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

// columnar decodes {"colA": [...], ...} into rows; every array must have
// the same length (n, or the length of the first array when n < 0).
func columnar(cols map[string][]any, n int) ([]map[string]any, error) {
	keys := make([]string, 0, len(cols))
	for k := range cols {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if n < 0 {
			n = len(cols[k])
		}
		if len(cols[k]) != n {
			return nil, rowhouse.InvalidPayload("column %q has %d values; every column must have %d", k, len(cols[k]), n)
		}
	}
	if n < 0 {
		n = 0
	}
	rows := make([]map[string]any, n)
	for i := range rows {
		rows[i] = make(map[string]any, len(keys))
		for _, k := range keys {
			rows[i][k] = cols[k][i]
		}
	}
	return rows, nil
}

func (a *API) addData(w http.ResponseWriter, r *http.Request) error {
	body, err := api.ReadBody(r)
	if err != nil {
		return err
	}
	var cols map[string][]any
	if err := api.DecodeJSONBytes(body, &cols); err != nil {
		return err
	}
	if _, ok := cols["id"]; ok {
		return rowhouse.InvalidPayload("id cannot be given when adding records")
	}
	fields, err := columnar(cols, -1)
	if err != nil {
		return err
	}
	rows := make([]core.Row, len(fields))
	for i, f := range fields {
		rows[i] = core.Row{Fields: f}
	}
	d, _, err := a.openDoc(r, rowhouse.RoleEditors)
	if err != nil {
		return err
	}
	defer d.Close()
	act := core.AddRecords{Table: tableID(r), Rows: rows, NoParse: boolParam(r, "noparse")}
	return a.write(w, r, d, body, []core.Action{act}, func(res core.Applied) any { return res.RetValues[0] })
}

func (a *API) updateData(w http.ResponseWriter, r *http.Request) error {
	body, err := api.ReadBody(r)
	if err != nil {
		return err
	}
	var cols map[string]json.RawMessage
	if err := api.DecodeJSONBytes(body, &cols); err != nil {
		return err
	}
	var ids []int64
	if raw, ok := cols["id"]; !ok || json.Unmarshal(raw, &ids) != nil {
		return rowhouse.InvalidPayload("id must be an array of row ids")
	}
	delete(cols, "id")
	values := map[string][]any{}
	for k, raw := range cols {
		var v []any
		if err := api.DecodeJSONBytes(raw, &v); err != nil {
			return rowhouse.InvalidPayload("column %q must be an array", k)
		}
		values[k] = v
	}
	fields, err := columnar(values, len(ids))
	if err != nil {
		return err
	}
	rows := make([]core.Row, len(ids))
	for i, id := range ids {
		rows[i] = core.Row{ID: id, Fields: fields[i]}
	}
	d, _, err := a.openDoc(r, rowhouse.RoleEditors)
	if err != nil {
		return err
	}
	defer d.Close()
	act := core.UpdateRecords{Table: tableID(r), Rows: rows, NoParse: boolParam(r, "noparse")}
	return a.write(w, r, d, body, []core.Action{act}, func(core.Applied) any { return nil })
}

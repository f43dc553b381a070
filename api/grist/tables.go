package grist

import (
	"encoding/json"
	"net/http"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/schema"
)

// colFields are the column fields a client may send. Grist clients send
// some fields that mean nothing here (display settings of formulas and
// references); they are accepted and ignored, while formulas are refused
// because Rowhouse does not compute them.
type colFields struct {
	ColID         *string         `json:"colId"`
	Type          *string         `json:"type"`
	Label         *string         `json:"label"`
	Description   *string         `json:"description"`
	WidgetOptions json.RawMessage `json:"widgetOptions"`
	IsUnique      *bool           `json:"isUnique"`
	ReverseCol    *string         `json:"reverseCol"`
	IsFormula     *bool           `json:"isFormula"`
	Formula       *string         `json:"formula"`

	VisibleCol          json.RawMessage `json:"visibleCol"`
	DisplayCol          json.RawMessage `json:"displayCol"`
	UntieColIDFromLabel json.RawMessage `json:"untieColIdFromLabel"`
	RecalcWhen          json.RawMessage `json:"recalcWhen"`
	RecalcDeps          json.RawMessage `json:"recalcDeps"`
	Rules               json.RawMessage `json:"rules"`
}

func (f colFields) check() error {
	if (f.IsFormula != nil && *f.IsFormula) || (f.Formula != nil && *f.Formula != "") {
		return rowhouse.InvalidPayload("formula columns are not supported: Rowhouse stores data columns only")
	}
	return nil
}

// widgetOptions accepts Grist's JSON-in-a-string form or a plain object.
func (f colFields) widgetOptions() (*string, error) {
	if f.WidgetOptions == nil {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(f.WidgetOptions, &s); err == nil {
		return &s, nil
	}
	var obj map[string]any
	if err := json.Unmarshal(f.WidgetOptions, &obj); err != nil {
		return nil, rowhouse.InvalidPayload("widgetOptions must be a JSON object or a string holding one")
	}
	s = string(f.WidgetOptions)
	return &s, nil
}

func (f colFields) spec(id string) (core.ColumnSpec, error) {
	if err := f.check(); err != nil {
		return core.ColumnSpec{}, err
	}
	spec := core.ColumnSpec{ID: id}
	if f.Type != nil {
		spec.Type = *f.Type
	}
	if f.Label != nil {
		spec.Label = *f.Label
	}
	if f.Description != nil {
		spec.Description = *f.Description
	}
	wo, err := f.widgetOptions()
	if err != nil {
		return spec, err
	}
	if wo != nil {
		spec.WidgetOptions = *wo
	}
	if f.IsUnique != nil {
		spec.IsUnique = *f.IsUnique
	}
	if f.ReverseCol != nil {
		spec.ReverseCol = *f.ReverseCol
	}
	return spec, nil
}

func (f colFields) update() (core.ColumnUpdate, error) {
	if err := f.check(); err != nil {
		return core.ColumnUpdate{}, err
	}
	if f.ReverseCol != nil {
		return core.ColumnUpdate{}, rowhouse.InvalidPayload("reverseCol can only be set when a column is added")
	}
	wo, err := f.widgetOptions()
	if err != nil {
		return core.ColumnUpdate{}, err
	}
	return core.ColumnUpdate{ID: f.ColID, Type: f.Type, Label: f.Label, Description: f.Description, WidgetOptions: wo, IsUnique: f.IsUnique}, nil
}

type columnIn struct {
	ID     *string   `json:"id"`
	Fields colFields `json:"fields"`
}

func columnJSON(pos int, c *schema.Column) map[string]any {
	return map[string]any{"id": c.ID, "fields": map[string]any{
		"colRef": pos, "parentPos": pos, "type": c.Type.String(), "label": c.Label, "description": c.Description,
		"widgetOptions": c.WidgetOptions, "isFormula": false, "formula": "", "isUnique": c.IsUnique,
		"reverseCol": c.ReverseCol, "untieColIdFromLabel": false, "visibleCol": 0, "displayCol": 0,
		"recalcWhen": 0, "recalcDeps": nil, "rules": nil,
	}}
}

func columnsJSON(t *schema.Table) []map[string]any {
	out := make([]map[string]any, 0, len(t.Columns))
	for i, c := range t.Columns {
		out = append(out, columnJSON(i+1, c))
	}
	return out
}

func (a *API) listTables(w http.ResponseWriter, r *http.Request) error {
	d, _, err := a.openDoc(r, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	defer d.Close()
	s, err := d.Schema(r.Context())
	if err != nil {
		return err
	}
	expand := r.URL.Query().Get("expand") == "column"
	tables := make([]map[string]any, 0, len(s.Tables))
	for i, t := range s.Tables {
		tj := map[string]any{"id": t.ID, "fields": map[string]any{
			"tableRef": i + 1, "onDemand": false, "nameSingular": t.NameSingular, "namePlural": t.NamePlural,
		}}
		if expand {
			tj["columns"] = columnsJSON(t)
		}
		tables = append(tables, tj)
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"tables": tables})
	return nil
}

func (a *API) createTables(w http.ResponseWriter, r *http.Request) error {
	body, err := api.ReadBody(r)
	if err != nil {
		return err
	}
	var in struct {
		Tables []struct {
			ID           *string    `json:"id"`
			NameSingular *string    `json:"nameSingular"`
			NamePlural   *string    `json:"namePlural"`
			Columns      []columnIn `json:"columns"`
		} `json:"tables"`
	}
	if err := api.DecodeJSONBytes(body, &in); err != nil {
		return err
	}
	if in.Tables == nil {
		return rowhouse.InvalidPayload("tables is missing")
	}
	actions := make([]core.Action, 0, len(in.Tables))
	for _, t := range in.Tables {
		at := core.AddTable{}
		if t.ID != nil {
			at.ID = *t.ID
		}
		if t.NameSingular != nil {
			at.NameSingular = *t.NameSingular
		}
		if t.NamePlural != nil {
			at.NamePlural = *t.NamePlural
		}
		for _, c := range t.Columns {
			id := ""
			if c.ID != nil {
				id = *c.ID
			}
			spec, err := c.Fields.spec(id)
			if err != nil {
				return err
			}
			at.Columns = append(at.Columns, spec)
		}
		actions = append(actions, at)
	}
	d, _, err := a.openDoc(r, rowhouse.RoleEditors)
	if err != nil {
		return err
	}
	defer d.Close()
	return a.write(w, r, d, body, actions, func(res core.Applied) any {
		out := make([]map[string]any, 0, len(res.RetValues))
		for _, v := range res.RetValues {
			out = append(out, map[string]any{"id": v.(core.AddTableResult).TableID})
		}
		return map[string]any{"tables": out}
	})
}

func (a *API) updateTables(w http.ResponseWriter, r *http.Request) error {
	body, err := api.ReadBody(r)
	if err != nil {
		return err
	}
	var in struct {
		Tables []struct {
			ID     *string `json:"id"`
			Fields struct {
				TableID      *string `json:"tableId"`
				NameSingular *string `json:"nameSingular"`
				NamePlural   *string `json:"namePlural"`
			} `json:"fields"`
		} `json:"tables"`
	}
	if err := api.DecodeJSONBytes(body, &in); err != nil {
		return err
	}
	if in.Tables == nil {
		return rowhouse.InvalidPayload("tables is missing")
	}
	var actions []core.Action
	for _, t := range in.Tables {
		if t.ID == nil {
			return rowhouse.InvalidPayload("table id is missing")
		}
		// Names first, then the rename, so both may come in one request.
		if t.Fields.NameSingular != nil || t.Fields.NamePlural != nil {
			actions = append(actions, core.UpdateTable{Table: *t.ID, NameSingular: t.Fields.NameSingular, NamePlural: t.Fields.NamePlural})
		}
		if t.Fields.TableID != nil {
			actions = append(actions, core.RenameTable{Table: *t.ID, NewID: *t.Fields.TableID})
		}
		if t.Fields.TableID == nil && t.Fields.NameSingular == nil && t.Fields.NamePlural == nil {
			// Grist answers even an empty change; check the table exists.
			actions = append(actions, core.UpdateTable{Table: *t.ID})
		}
	}
	d, _, err := a.openDoc(r, rowhouse.RoleEditors)
	if err != nil {
		return err
	}
	defer d.Close()
	// Unknown tables are Grist's plain 404, not an error of the Nth action.
	for _, t := range in.Tables {
		if _, err := d.Table(r.Context(), *t.ID); err != nil {
			return err
		}
	}
	return a.write(w, r, d, body, actions, func(core.Applied) any { return nil })
}

func (a *API) deleteTable(w http.ResponseWriter, r *http.Request) error {
	d, _, err := a.openDoc(r, rowhouse.RoleEditors)
	if err != nil {
		return err
	}
	defer d.Close()
	return a.write(w, r, d, nil, []core.Action{core.RemoveTable{Table: tableID(r)}}, func(core.Applied) any { return nil })
}

// ---- columns

func (a *API) listColumns(w http.ResponseWriter, r *http.Request) error {
	d, t, err := a.openTable(r, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	defer d.Close()
	api.WriteJSON(w, http.StatusOK, map[string]any{"columns": columnsJSON(t)})
	return nil
}

// decodeColumns reads a {"columns": [...]} body, keeping the raw body for
// the idempotency fingerprint.
func decodeColumns(r *http.Request) ([]byte, []columnIn, error) {
	body, err := api.ReadBody(r)
	if err != nil {
		return nil, nil, err
	}
	var in struct {
		Columns []columnIn `json:"columns"`
	}
	if err := api.DecodeJSONBytes(body, &in); err != nil {
		return nil, nil, err
	}
	if in.Columns == nil {
		return nil, nil, rowhouse.InvalidPayload("columns is missing")
	}
	return body, in.Columns, nil
}

func (a *API) createColumns(w http.ResponseWriter, r *http.Request) error {
	body, cols, err := decodeColumns(r)
	if err != nil {
		return err
	}
	actions := make([]core.Action, 0, len(cols))
	for _, c := range cols {
		id := ""
		if c.ID != nil {
			id = *c.ID
		}
		spec, err := c.Fields.spec(id)
		if err != nil {
			return err
		}
		actions = append(actions, core.AddColumn{Table: tableID(r), Column: spec})
	}
	d, _, err := a.openDoc(r, rowhouse.RoleEditors)
	if err != nil {
		return err
	}
	defer d.Close()
	return a.write(w, r, d, body, actions, func(res core.Applied) any {
		out := make([]map[string]any, 0, len(res.RetValues))
		for _, v := range res.RetValues {
			out = append(out, map[string]any{"id": v})
		}
		return map[string]any{"columns": out}
	})
}

func (a *API) updateColumns(w http.ResponseWriter, r *http.Request) error {
	body, cols, err := decodeColumns(r)
	if err != nil {
		return err
	}
	d, t, err := a.openTable(r, rowhouse.RoleEditors)
	if err != nil {
		return err
	}
	defer d.Close()
	actions := make([]core.Action, 0, len(cols))
	for _, c := range cols {
		if c.ID == nil {
			return rowhouse.InvalidPayload("column id is missing")
		}
		if t.Column(*c.ID) == nil {
			return core.ColumnNotFound(t, *c.ID)
		}
		up, err := c.Fields.update()
		if err != nil {
			return err
		}
		actions = append(actions, core.ModifyColumn{Table: t.ID, Column: *c.ID, Update: up})
	}
	return a.write(w, r, d, body, actions, func(core.Applied) any { return nil })
}

// putColumns adds the listed columns that do not exist and updates those
// that do (?noadd, ?noupdate), and with ?replaceall removes the others.
func (a *API) putColumns(w http.ResponseWriter, r *http.Request) error {
	body, cols, err := decodeColumns(r)
	if err != nil {
		return err
	}
	noadd, noupdate, replaceAll := boolParam(r, "noadd"), boolParam(r, "noupdate"), boolParam(r, "replaceall")
	d, t, err := a.openTable(r, rowhouse.RoleEditors)
	if err != nil {
		return err
	}
	defer d.Close()
	listed := map[string]bool{}
	var actions []core.Action
	for _, c := range cols {
		if c.ID == nil {
			return rowhouse.InvalidPayload("column id is missing")
		}
		listed[*c.ID] = true
		if t.Column(*c.ID) != nil {
			if noupdate {
				continue
			}
			up, err := c.Fields.update()
			if err != nil {
				return err
			}
			actions = append(actions, core.ModifyColumn{Table: t.ID, Column: *c.ID, Update: up})
			continue
		}
		if noadd {
			continue
		}
		spec, err := c.Fields.spec(*c.ID)
		if err != nil {
			return err
		}
		actions = append(actions, core.AddColumn{Table: t.ID, Column: spec})
	}
	if replaceAll {
		for _, c := range t.Columns {
			if !listed[c.ID] && !c.Reverse {
				actions = append(actions, core.RemoveColumn{Table: t.ID, Column: c.ID})
			}
		}
	}
	return a.write(w, r, d, body, actions, func(core.Applied) any { return nil })
}

func (a *API) deleteColumn(w http.ResponseWriter, r *http.Request) error {
	d, _, err := a.openDoc(r, rowhouse.RoleEditors)
	if err != nil {
		return err
	}
	defer d.Close()
	col := r.PathValue("col")
	t, err := d.Table(r.Context(), tableID(r))
	if err != nil && rowhouse.ErrorKind(err) != rowhouse.ENOTFOUND {
		return err
	}
	if t == nil || t.Column(col) == nil {
		return rowhouse.NotFoundf("Table or column not found %q", tableID(r)+"."+col)
	}
	return a.write(w, r, d, nil, []core.Action{core.RemoveColumn{Table: t.ID, Column: col}}, func(core.Applied) any { return nil })
}

package twentymodel

import (
	"context"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/schema"
)

// Meta is Twenty's metadata API over one open document, for one request:
// what the REST and GraphQL metadata surfaces translate their requests
// onto. Writes are core actions applied in one transaction each; the
// caller has checked access (viewer to read, editor to write).
type Meta struct {
	Doc     *core.Doc
	Info    Info
	Actor   rowhouse.Actor
	Surface string // for metrics: "twenty" or "graphql"
}

func (m Meta) schema(ctx context.Context) (*schema.Schema, error) { return m.Doc.Schema(ctx) }

func (m Meta) apply(ctx context.Context, actions ...core.Action) (core.Applied, error) {
	return m.Doc.Apply(ctx, m.Actor, actions, core.ApplyOptions{Surface: m.Surface})
}

// Objects returns every object.
func (m Meta) Objects(ctx context.Context) ([]Object, error) {
	s, err := m.schema(ctx)
	if err != nil {
		return nil, err
	}
	return ObjectsOf(m.Info, s), nil
}

// Object returns the object with this id (see FindTable).
func (m Meta) Object(ctx context.Context, id string) (Object, error) {
	s, err := m.schema(ctx)
	if err != nil {
		return Object{}, err
	}
	t, err := FindTable(m.Info, s, id)
	if err != nil {
		return Object{}, err
	}
	return ObjectOf(m.Info, s, t), nil
}

// Fields returns the fields of every object, object by object.
func (m Meta) Fields(ctx context.Context) ([]Field, error) {
	s, err := m.schema(ctx)
	if err != nil {
		return nil, err
	}
	var out []Field
	for _, t := range s.Tables {
		out = append(out, FieldsOf(m.Info, s, t)...)
	}
	if out == nil {
		out = []Field{}
	}
	return out, nil
}

// Field returns the field with this id.
func (m Meta) Field(ctx context.Context, id string) (Field, error) {
	s, err := m.schema(ctx)
	if err != nil {
		return Field{}, err
	}
	return FindField(m.Info, s, id)
}

// CreateObject makes an object (see the package-level CreateObject).
func (m Meta) CreateObject(ctx context.Context, in ObjectInput) (Object, error) {
	at, err := CreateObject(in)
	if err != nil {
		return Object{}, err
	}
	res, err := m.apply(ctx, at)
	if err != nil {
		return Object{}, err
	}
	out, _ := res.RetValues[0].(core.AddTableResult)
	return m.Object(ctx, out.TableID)
}

// UpdateObject changes the object with this id.
func (m Meta) UpdateObject(ctx context.Context, id string, in ObjectInput) (Object, error) {
	s, err := m.schema(ctx)
	if err != nil {
		return Object{}, err
	}
	t, err := FindTable(m.Info, s, id)
	if err != nil {
		return Object{}, err
	}
	actions, err := UpdateObject(m.Info, t, in)
	if err != nil {
		return Object{}, err
	}
	if len(actions) > 0 {
		if _, err := m.apply(ctx, actions...); err != nil {
			return Object{}, err
		}
	}
	return m.Object(ctx, t.ID)
}

// DeleteObject removes the object with this id and its records, and
// returns it as it was.
func (m Meta) DeleteObject(ctx context.Context, id string) (Object, error) {
	o, err := m.Object(ctx, id)
	if err != nil {
		return Object{}, err
	}
	if _, err := m.apply(ctx, core.RemoveTable{Table: o.Table.ID}); err != nil {
		return Object{}, err
	}
	return o, nil
}

// CreateField makes a field on the object of in.ObjectMetadataID.
func (m Meta) CreateField(ctx context.Context, in FieldInput) (Field, error) {
	s, err := m.schema(ctx)
	if err != nil {
		return Field{}, err
	}
	if deref(in.ObjectMetadataID) == "" {
		return Field{}, rowhouse.Invalidf("objectMetadataId is missing")
	}
	t, err := FindTable(m.Info, s, *in.ObjectMetadataID)
	if err != nil {
		return Field{}, err
	}
	fc, err := CreateField(m.Info, s, t, in)
	if err != nil {
		return Field{}, err
	}
	res, err := m.apply(ctx, fc.Action)
	if err != nil {
		return Field{}, err
	}
	if s, err = m.schema(ctx); err != nil {
		return Field{}, err
	}
	nt, nc, err := fc.Created(s, res.RetValues[0])
	if err != nil {
		return Field{}, err
	}
	return FieldOf(m.Info, s, nt, nc), nil
}

// column returns the column that field id shows; a system field is an
// error, since it cannot change.
func (m Meta) column(ctx context.Context, id string) (*schema.Table, *schema.Column, error) {
	s, err := m.schema(ctx)
	if err != nil {
		return nil, nil, err
	}
	f, err := FindField(m.Info, s, id)
	if err != nil {
		return nil, nil, err
	}
	if f.Column == nil {
		return nil, nil, rowhouse.Invalidf("field %s (%s) is a system field of every object and cannot change", id, f.Name)
	}
	return f.Table, f.Column, nil
}

// UpdateField changes the field with this id.
func (m Meta) UpdateField(ctx context.Context, id string, in FieldInput) (Field, error) {
	t, c, err := m.column(ctx, id)
	if err != nil {
		return Field{}, err
	}
	actions, newID, err := UpdateField(t, c, in)
	if err != nil {
		return Field{}, err
	}
	if len(actions) > 0 {
		if _, err := m.apply(ctx, actions...); err != nil {
			return Field{}, err
		}
	}
	s, err := m.schema(ctx)
	if err != nil {
		return Field{}, err
	}
	nt := s.Table(t.ID)
	if nt == nil || nt.Column(newID) == nil {
		return Field{}, rowhouse.Errorf(rowhouse.EINTERNAL, "updated field %s.%s not found", t.ID, newID)
	}
	return FieldOf(m.Info, s, nt, nt.Column(newID)), nil
}

// DeleteField removes the field with this id (a column and its values)
// and returns it as it was.
func (m Meta) DeleteField(ctx context.Context, id string) (Field, error) {
	t, c, err := m.column(ctx, id)
	if err != nil {
		return Field{}, err
	}
	s, err := m.schema(ctx)
	if err != nil {
		return Field{}, err
	}
	f := FieldOf(m.Info, s, t, c)
	if _, err := m.apply(ctx, core.RemoveColumn{Table: t.ID, Column: c.ID}); err != nil {
		return Field{}, err
	}
	return f, nil
}

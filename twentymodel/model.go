// Package twentymodel is the one mapping between Twenty's data model
// (objects and fields, as Twenty's metadata APIs show them) and
// Rowhouse's (tables and typed columns): the answers' shapes, the field
// types, stable ids, the translation of Twenty's create, update and delete
// inputs into core actions, and Twenty's shape of a record. Every surface
// that speaks Twenty (the REST metadata API, the GraphQL metadata API,
// Twenty-format webhooks) goes through it, so they agree.
//
// Like the surfaces it serves, it never writes SQL: it reads schemas and
// builds actions for core.Doc.Apply.
//
// Ids. A table's object id is its uuid and a column's field id its uuid,
// both kept by the document from their creation on (doc migration 0010
// gave every older table and column one), so they survive renames of the
// table or column and changes of a column's type. The fields every table
// has (id, createdAt, updatedAt) and the options of a SELECT field have
// ids derived from their object's or field's uuid (UUID version 5), as
// stable.
package twentymodel

import (
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rowhouse/rowhouse/schema"
)

// Twenty's field types that Rowhouse's columns are shown as, and that
// CreateField accepts.
const (
	TypeText        = "TEXT"
	TypeNumber      = "NUMBER"
	TypeNumeric     = "NUMERIC"
	TypeBoolean     = "BOOLEAN"
	TypeDate        = "DATE"
	TypeDateTime    = "DATE_TIME"
	TypeSelect      = "SELECT"
	TypeMultiSelect = "MULTI_SELECT"
	TypeRelation    = "RELATION"
	TypeRawJSON     = "RAW_JSON"
	TypeFiles       = "FILES"
)

// Twenty's relation types. A Ref column is the MANY_TO_ONE side, the
// reverse side of a two-way reference the ONE_TO_MANY side, and a stored
// RefList (several references from one record) is MANY_TO_MANY.
const (
	RelationManyToOne  = "MANY_TO_ONE"
	RelationOneToMany  = "ONE_TO_MANY"
	RelationManyToMany = "MANY_TO_MANY"
)

// System field names: every table has them, without a column of its own.
const (
	FieldID        = "id"
	FieldCreatedAt = "createdAt"
	FieldUpdatedAt = "updatedAt"
)

// Info is what the model needs to know of the document an object belongs
// to: its id, and the times shown as every object's and field's
// createdAt and updatedAt (Rowhouse keeps none per table or column).
type Info struct {
	DocID     string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// namespace is the UUID namespace of the ids derived here.
var namespace = uuid.MustParse("5b2c6f1e-0d9a-4e57-9a49-6f7e2d1c3b8a")

// derived is a UUID version 5 of parts under namespace.
func derived(parts ...string) string {
	return uuid.NewSHA1(namespace, []byte(strings.Join(parts, "\x00"))).String()
}

// ObjectID is the object id of table t.
func ObjectID(info Info, t *schema.Table) string {
	if t.UUID != "" {
		return t.UUID
	}
	return derived("table", info.DocID, t.ID) // not reached: every table has a uuid
}

// FieldIDOf is the field id of column c of table t.
func FieldIDOf(info Info, t *schema.Table, c *schema.Column) string {
	if c.UUID != "" {
		return c.UUID
	}
	return derived("column", info.DocID, t.ID, c.ID) // not reached: every column has a uuid
}

// systemFieldID is the id of a system field of table t.
func systemFieldID(info Info, t *schema.Table, name string) string {
	return derived("system", ObjectID(info, t), name)
}

// optionID is the id of the option value of field fieldID.
func optionID(fieldID, value string) string { return derived("option", fieldID, value) }

// DataSourceID is the dataSourceId every object of the document shows.
func DataSourceID(info Info) string { return derived("datasource", info.DocID) }

// ObjectRef names an object in a relation.
type ObjectRef struct {
	ID           string `json:"id"`
	NameSingular string `json:"nameSingular"`
	NamePlural   string `json:"namePlural"`
}

// FieldRef names a field in a relation.
type FieldRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Relation is a RELATION field's relation, as Twenty shows it: the field
// is the source side, the other end the target.
type Relation struct {
	Type                 string    `json:"type"`
	SourceObjectMetadata ObjectRef `json:"sourceObjectMetadata"`
	TargetObjectMetadata ObjectRef `json:"targetObjectMetadata"`
	SourceFieldMetadata  FieldRef  `json:"sourceFieldMetadata"`
	// TargetFieldMetadata is the other side of a two-way reference; nil
	// for a reference without one.
	TargetFieldMetadata *FieldRef `json:"targetFieldMetadata"`
}

// Option is one option of a SELECT or MULTI_SELECT field.
type Option struct {
	ID       string `json:"id"`
	Label    string `json:"label"`
	Value    string `json:"value"`
	Color    string `json:"color"`
	Position int    `json:"position"`
}

// Field is a column (or a system field) as Twenty's metadata API shows it.
type Field struct {
	ID                    string    `json:"id"`
	Type                  string    `json:"type"`
	Name                  string    `json:"name"`
	Label                 string    `json:"label"`
	Description           *string   `json:"description"`
	Icon                  *string   `json:"icon"`
	IsCustom              bool      `json:"isCustom"`
	IsActive              bool      `json:"isActive"`
	IsSystem              bool      `json:"isSystem"`
	IsUIReadOnly          bool      `json:"isUIReadOnly"`
	IsNullable            bool      `json:"isNullable"`
	IsUnique              bool      `json:"isUnique"`
	IsLabelSyncedWithName bool      `json:"isLabelSyncedWithName"`
	DefaultValue          any       `json:"defaultValue"`
	Options               []Option  `json:"options"`
	Settings              any       `json:"settings"`
	Relation              *Relation `json:"relation"`
	ObjectMetadataID      string    `json:"objectMetadataId"`
	CreatedAt             string    `json:"createdAt"`
	UpdatedAt             string    `json:"updatedAt"`

	// Table and Column are the table and column shown (Column nil for a
	// system field).
	Table  *schema.Table  `json:"-"`
	Column *schema.Column `json:"-"`
}

// Object is a table as Twenty's metadata API shows it.
type Object struct {
	ID                             string  `json:"id"`
	DataSourceID                   string  `json:"dataSourceId"`
	NameSingular                   string  `json:"nameSingular"`
	NamePlural                     string  `json:"namePlural"`
	LabelSingular                  string  `json:"labelSingular"`
	LabelPlural                    string  `json:"labelPlural"`
	Description                    *string `json:"description"`
	Icon                           *string `json:"icon"`
	Shortcut                       *string `json:"shortcut"`
	IsCustom                       bool    `json:"isCustom"`
	IsRemote                       bool    `json:"isRemote"`
	IsActive                       bool    `json:"isActive"`
	IsSystem                       bool    `json:"isSystem"`
	IsSearchable                   bool    `json:"isSearchable"`
	IsLabelSyncedWithName          bool    `json:"isLabelSyncedWithName"`
	LabelIdentifierFieldMetadataID *string `json:"labelIdentifierFieldMetadataId"`
	ImageIdentifierFieldMetadataID *string `json:"imageIdentifierFieldMetadataId"`
	CreatedAt                      string  `json:"createdAt"`
	UpdatedAt                      string  `json:"updatedAt"`
	Fields                         []Field `json:"fields"`

	// Table is the table shown.
	Table *schema.Table `json:"-"`
}

// Time formats an instant as Twenty does (JavaScript's toISOString).
func Time(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// words splits a camelCase or snake_case name into lower-case words.
func words(s string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, strings.ToLower(cur.String()))
			cur.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || c == ' ' || c == '-':
			flush()
		case 'A' <= c && c <= 'Z' && i > 0 && 'a' <= s[i-1] && s[i-1] <= 'z':
			flush()
			cur.WriteByte(c)
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return out
}

// humanize turns a name into a label: "orderItems" -> "Order items".
func humanize(s string) string {
	w := strings.Join(words(s), " ")
	if w == "" {
		return s
	}
	return strings.ToUpper(w[:1]) + w[1:]
}

// objectRef names table t.
func objectRef(info Info, t *schema.Table) ObjectRef {
	return ObjectRef{ID: ObjectID(info, t), NameSingular: t.NameSingular, NamePlural: t.NamePlural}
}

// ObjectOf shows table t of schema s, with its fields.
func ObjectOf(info Info, s *schema.Schema, t *schema.Table) Object {
	o := Object{ID: ObjectID(info, t), DataSourceID: DataSourceID(info), NameSingular: t.NameSingular, NamePlural: t.NamePlural,
		LabelSingular: t.LabelSingular, LabelPlural: t.LabelPlural, Description: optional(t.Description), Icon: optional(t.Icon),
		IsCustom: true, IsActive: true, IsSearchable: true,
		CreatedAt: Time(info.CreatedAt), UpdatedAt: Time(info.UpdatedAt), Table: t}
	if o.LabelSingular == "" {
		o.LabelSingular = humanize(t.NameSingular)
	}
	if o.LabelPlural == "" {
		o.LabelPlural = humanize(t.ID)
	}
	o.Fields = FieldsOf(info, s, t)
	o.LabelIdentifierFieldMetadataID = labelIdentifier(info, t)
	return o
}

// labelIdentifier is the field that labels t's records: its first Text
// column, "name" if it has one; nil if it has none.
func labelIdentifier(info Info, t *schema.Table) *string {
	var out *string
	for _, c := range t.Columns {
		if c.Type.Kind == schema.KindText && (out == nil || c.ID == "name") {
			id := FieldIDOf(info, t, c)
			out = &id
		}
	}
	return out
}

// ObjectsOf shows every table of s, in order.
func ObjectsOf(info Info, s *schema.Schema) []Object {
	out := make([]Object, 0, len(s.Tables))
	for _, t := range s.Tables {
		out = append(out, ObjectOf(info, s, t))
	}
	return out
}

// FieldsOf shows the fields of table t: the system field id, its columns
// in order, then createdAt and updatedAt (unless a column has the name).
func FieldsOf(info Info, s *schema.Schema, t *schema.Table) []Field {
	out := make([]Field, 0, len(t.Columns)+3)
	if f, ok := systemField(info, t, FieldID); ok {
		out = append(out, f)
	}
	for _, c := range t.Columns {
		out = append(out, FieldOf(info, s, t, c))
	}
	for _, name := range []string{FieldCreatedAt, FieldUpdatedAt} {
		if f, ok := systemField(info, t, name); ok {
			out = append(out, f)
		}
	}
	return out
}

// systemField shows one of the fields every table has; false if a column
// of t has its name.
func systemField(info Info, t *schema.Table, name string) (Field, bool) {
	for _, c := range t.Columns {
		if strings.EqualFold(c.ID, name) {
			return Field{}, false
		}
	}
	f := Field{ID: systemFieldID(info, t, name), Name: name, IsActive: true, IsUIReadOnly: true,
		ObjectMetadataID: ObjectID(info, t), CreatedAt: Time(info.CreatedAt), UpdatedAt: Time(info.UpdatedAt), Table: t}
	switch name {
	case FieldID:
		// Rowhouse's record ids are integers, never reused in a table.
		f.Type, f.Label, f.IsSystem, f.IsUnique = TypeNumber, "Id", true, true
		f.Settings = map[string]any{"dataType": "int"}
		f.Icon = optional("Icon123")
	case FieldCreatedAt:
		f.Type, f.Label, f.IsNullable, f.Icon = TypeDateTime, "Creation date", false, optional("IconCalendar")
	case FieldUpdatedAt:
		f.Type, f.Label, f.IsNullable, f.Icon = TypeDateTime, "Last update", false, optional("IconCalendarClock")
	}
	return f, true
}

// FieldOf shows column c of table t of schema s.
func FieldOf(info Info, s *schema.Schema, t *schema.Table, c *schema.Column) Field {
	id := FieldIDOf(info, t, c)
	typ, settings := TypeOf(c)
	f := Field{ID: id, Type: typ, Name: c.ID, Label: c.Label, Description: optional(c.Description), Icon: optional(c.Icon),
		IsCustom: true, IsActive: true, IsNullable: c.Type.Default() == nil, IsUnique: c.IsUnique,
		DefaultValue: defaultValue(c), Settings: settings, ObjectMetadataID: ObjectID(info, t),
		CreatedAt: Time(info.CreatedAt), UpdatedAt: Time(info.UpdatedAt), Table: t, Column: c}
	if f.Label == "" {
		f.Label = c.ID
	}
	if c.Type.Kind == schema.KindChoice || c.Type.Kind == schema.KindChoiceList {
		f.Options = optionsOf(id, c)
	}
	if typ == TypeRelation {
		f.Relation = relationOf(info, s, t, c)
		if name, ok := schema.RefIDField(t, c); ok {
			settings["joinColumnName"] = name
		}
	}
	return f
}

// defaultValue is Twenty's defaultValue of a column: its empty value, as
// Twenty writes defaults (text as a quoted literal).
func defaultValue(c *schema.Column) any {
	switch c.Type.Kind {
	case schema.KindText, schema.KindChoice:
		return "''"
	case schema.KindNumeric, schema.KindInt, schema.KindBool:
		return c.Type.Default()
	}
	return nil
}

// palette colors options that have no color of their own, by position, as
// Twenty's UI cycles its colors.
var palette = []string{"green", "turquoise", "sky", "blue", "purple", "pink", "red", "orange", "yellow", "gray"}

func optionsOf(fieldID string, c *schema.Column) []Option {
	ch, err := schema.ParseChoices(c.WidgetOptions)
	if err != nil {
		return []Option{}
	}
	out := make([]Option, 0, len(ch.Values))
	for i, v := range ch.Values {
		color := ch.Colors[v]
		if color == "" {
			color = palette[i%len(palette)]
		}
		out = append(out, Option{ID: optionID(fieldID, v), Label: ch.Label(v), Value: v, Color: color, Position: i})
	}
	return out
}

// relationOf is the relation of a Ref or RefList column.
func relationOf(info Info, s *schema.Schema, t *schema.Table, c *schema.Column) *Relation {
	target := s.Table(c.Type.Table)
	if target == nil {
		return nil
	}
	r := &Relation{SourceObjectMetadata: objectRef(info, t), TargetObjectMetadata: objectRef(info, target),
		SourceFieldMetadata: FieldRef{ID: FieldIDOf(info, t, c), Name: c.ID}}
	switch {
	case c.Reverse:
		r.Type = RelationOneToMany
	case c.Type.Kind == schema.KindRef:
		r.Type = RelationManyToOne
	default:
		r.Type = RelationManyToMany
	}
	if c.ReverseCol != "" {
		if o := target.Column(c.ReverseCol); o != nil {
			r.TargetFieldMetadata = &FieldRef{ID: FieldIDOf(info, target, o), Name: o.ID}
		}
	}
	return r
}

// TypeOf is the Twenty field type of column c, with its settings (nil
// when it has none):
//
//	Text         TEXT
//	Numeric      NUMBER    settings {dataType: "float"} (and decimals, from widgetOptions)
//	Int          NUMBER    settings {dataType: "int"}
//	Bool         BOOLEAN
//	Date         DATE
//	DateTime     DATE_TIME
//	Choice       SELECT        with options
//	ChoiceList   MULTI_SELECT  with options
//	Ref          RELATION  MANY_TO_ONE, settings {relationType} (FieldOf adds joinColumnName, the id field: see schema.RefIDField)
//	RefList      RELATION  MANY_TO_MANY (stored), ONE_TO_MANY (the reverse side of a two-way reference)
//	Attachments  FILES
//	Any          RAW_JSON
func TypeOf(c *schema.Column) (string, map[string]any) {
	switch c.Type.Kind {
	case schema.KindText:
		return TypeText, nil
	case schema.KindNumeric, schema.KindInt:
		settings := map[string]any{"dataType": "float"}
		if c.Type.Kind == schema.KindInt {
			settings["dataType"] = "int"
		}
		if d, ok := decimals(c.WidgetOptions); ok {
			settings["decimals"] = d
		}
		return TypeNumber, settings
	case schema.KindBool:
		return TypeBoolean, nil
	case schema.KindDate:
		return TypeDate, nil
	case schema.KindDateTime:
		return TypeDateTime, nil
	case schema.KindChoice:
		return TypeSelect, nil
	case schema.KindChoiceList:
		return TypeMultiSelect, nil
	case schema.KindRef:
		return TypeRelation, map[string]any{"relationType": RelationManyToOne}
	case schema.KindRefList:
		if c.Reverse {
			return TypeRelation, map[string]any{"relationType": RelationOneToMany}
		}
		return TypeRelation, map[string]any{"relationType": RelationManyToMany}
	case schema.KindAttachments:
		return TypeFiles, nil
	}
	return TypeRawJSON, nil
}

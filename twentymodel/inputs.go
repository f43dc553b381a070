package twentymodel

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/schema"
)

// ObjectInput is Twenty's CreateObjectInput and UpdateObjectPayload: the
// members set are created or changed. Members Twenty has that Rowhouse
// cannot honour are accepted only with the value Rowhouse shows (false,
// null, the current one), else refused with an error naming them: none
// is silently ignored.
type ObjectInput struct {
	NameSingular                    *string         `json:"nameSingular"`
	NamePlural                      *string         `json:"namePlural"`
	LabelSingular                   *string         `json:"labelSingular"`
	LabelPlural                     *string         `json:"labelPlural"`
	Description                     *string         `json:"description"`
	Icon                            *string         `json:"icon"`
	Shortcut                        *string         `json:"shortcut"`
	IsActive                        *bool           `json:"isActive"`
	IsRemote                        *bool           `json:"isRemote"`
	IsLabelSyncedWithName           *bool           `json:"isLabelSyncedWithName"`
	LabelIdentifierFieldMetadataID  *string         `json:"labelIdentifierFieldMetadataId"`
	ImageIdentifierFieldMetadataID  *string         `json:"imageIdentifierFieldMetadataId"`
	PrimaryKeyColumnType            *string         `json:"primaryKeyColumnType"`
	PrimaryKeyFieldMetadataSettings json.RawMessage `json:"primaryKeyFieldMetadataSettings"`
}

// OptionInput is one option of a SELECT or MULTI_SELECT field given to
// CreateField or UpdateField.
// (omitempty marks the optional members in the OpenAPI description.)
type OptionInput struct {
	ID       *string  `json:"id,omitempty"`
	Label    string   `json:"label,omitempty"`
	Value    string   `json:"value"`
	Color    string   `json:"color,omitempty"`
	Position *float64 `json:"position,omitempty"`
}

// RelationInput is Twenty's relationCreationPayload: the other end of a
// RELATION field being created.
type RelationInput struct {
	TargetObjectMetadataID string `json:"targetObjectMetadataId"`
	TargetFieldLabel       string `json:"targetFieldLabel"`
	TargetFieldIcon        string `json:"targetFieldIcon,omitempty"`
	Type                   string `json:"type"`
}

// FieldInput is Twenty's CreateFieldInput and UpdateFieldInput; like
// ObjectInput, what Rowhouse cannot honour is refused by name.
type FieldInput struct {
	ObjectMetadataID        *string         `json:"objectMetadataId"`
	Type                    *string         `json:"type"`
	Name                    *string         `json:"name"`
	Label                   *string         `json:"label"`
	Description             *string         `json:"description"`
	Icon                    *string         `json:"icon"`
	IsUnique                *bool           `json:"isUnique"`
	IsNullable              *bool           `json:"isNullable"`
	IsCustom                *bool           `json:"isCustom"`
	IsActive                *bool           `json:"isActive"`
	IsSystem                *bool           `json:"isSystem"`
	IsUIReadOnly            *bool           `json:"isUIReadOnly"`
	IsLabelSyncedWithName   *bool           `json:"isLabelSyncedWithName"`
	IsRemoteCreation        *bool           `json:"isRemoteCreation"`
	DefaultValue            json.RawMessage `json:"defaultValue"`
	Options                 []OptionInput   `json:"options"`
	Settings                map[string]any  `json:"settings"`
	RelationCreationPayload *RelationInput  `json:"relationCreationPayload"`
}

// only refuses a member that is set to something else than allowed.
func only[T comparable](name string, got *T, allowed T) error {
	if got != nil && *got != allowed {
		return rowhouse.Invalidf("%s %v is not supported by Rowhouse (only %v)", name, *got, allowed)
	}
	return nil
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

func (in ObjectInput) unsupported() error {
	if in.Shortcut != nil && *in.Shortcut != "" {
		return rowhouse.Invalidf("shortcut is not supported by Rowhouse")
	}
	for _, err := range []error{only("isActive", in.IsActive, true), only("isRemote", in.IsRemote, false),
		only("isLabelSyncedWithName", in.IsLabelSyncedWithName, false)} {
		if err != nil {
			return err
		}
	}
	if in.ImageIdentifierFieldMetadataID != nil && *in.ImageIdentifierFieldMetadataID != "" {
		return rowhouse.Invalidf("imageIdentifierFieldMetadataId is not supported by Rowhouse")
	}
	if in.PrimaryKeyColumnType != nil {
		return rowhouse.Invalidf("primaryKeyColumnType is not supported by Rowhouse: record ids are integers")
	}
	if !isNull(in.PrimaryKeyFieldMetadataSettings) {
		return rowhouse.Invalidf("primaryKeyFieldMetadataSettings is not supported by Rowhouse: record ids are integers")
	}
	return nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// CreateObject translates Twenty's createOneObject into the AddTable that
// makes it: the table id is namePlural with a capital (pets -> Pets), its
// GraphQL names nameSingular and namePlural, and it starts, as Twenty's
// custom objects do, with a Text field "name".
func CreateObject(in ObjectInput) (core.AddTable, error) {
	if err := in.unsupported(); err != nil {
		return core.AddTable{}, err
	}
	if in.LabelIdentifierFieldMetadataID != nil {
		return core.AddTable{}, rowhouse.Invalidf("labelIdentifierFieldMetadataId cannot be set on a new object: its \"name\" field labels its records")
	}
	singular, plural := deref(in.NameSingular), deref(in.NamePlural)
	if singular == "" {
		return core.AddTable{}, rowhouse.Invalidf("nameSingular is missing")
	}
	if plural == "" {
		return core.AddTable{}, rowhouse.Invalidf("namePlural is missing")
	}
	for _, n := range []string{singular, plural} {
		if !schema.ValidGraphQLName(n) || !('a' <= n[0] && n[0] <= 'z') {
			return core.AddTable{}, rowhouse.Invalidf("%q is not a valid object name: use camelCase letters and digits, starting with a lower-case letter", n)
		}
	}
	return core.AddTable{ID: upperFirst(plural), NameSingular: singular, NamePlural: plural,
		LabelSingular: deref(in.LabelSingular), LabelPlural: deref(in.LabelPlural), Description: deref(in.Description), Icon: deref(in.Icon),
		Columns: []core.ColumnSpec{{ID: "name", Type: string(schema.KindText), Label: "Name", Icon: "IconAbc"}}}, nil
}

// UpdateObject translates Twenty's updateOneObject of the object showing
// table t into actions (none when nothing changes). The table keeps its
// id: Grist clients and webhooks keep addressing it.
func UpdateObject(info Info, t *schema.Table, in ObjectInput) ([]core.Action, error) {
	if err := in.unsupported(); err != nil {
		return nil, err
	}
	if in.LabelIdentifierFieldMetadataID != nil {
		cur := labelIdentifier(info, t)
		if cur == nil || *cur != *in.LabelIdentifierFieldMetadataID {
			return nil, rowhouse.Invalidf("labelIdentifierFieldMetadataId cannot be changed: a record's label is its first Text field (\"name\" if any)")
		}
	}
	up := core.UpdateTable{Table: t.ID, NameSingular: in.NameSingular, NamePlural: in.NamePlural, LabelSingular: in.LabelSingular,
		LabelPlural: in.LabelPlural, Description: in.Description, Icon: in.Icon}
	if up == (core.UpdateTable{Table: t.ID}) {
		return nil, nil
	}
	return []core.Action{up}, nil
}

// mappedTypes lists the Twenty types CreateField maps, for messages.
var mappedTypes = []string{TypeText, TypeNumber, TypeNumeric, TypeBoolean, TypeDate, TypeDateTime, TypeSelect, TypeMultiSelect,
	TypeRelation, TypeRawJSON, TypeFiles}

// columnType maps a Twenty field type (with its settings) onto a Rowhouse
// column type (not RELATION, which CreateField handles).
func columnType(typ string, settings map[string]any) (string, error) {
	switch typ {
	case TypeText:
		return string(schema.KindText), nil
	case TypeNumber:
		switch settings["dataType"] {
		case "int", "bigint":
			return string(schema.KindInt), nil
		case nil, "float":
			return string(schema.KindNumeric), nil
		}
		return "", rowhouse.Invalidf("settings.dataType %v is not one of int, bigint, float", settings["dataType"])
	case TypeNumeric:
		return string(schema.KindNumeric), nil
	case TypeBoolean:
		return string(schema.KindBool), nil
	case TypeDate:
		return string(schema.KindDate), nil
	case TypeDateTime:
		return string(schema.KindDateTime) + ":UTC", nil
	case TypeSelect:
		return string(schema.KindChoice), nil
	case TypeMultiSelect:
		return string(schema.KindChoiceList), nil
	case TypeRawJSON:
		return string(schema.KindAny), nil
	case TypeFiles:
		return string(schema.KindAttachments), nil
	}
	return "", rowhouse.Invalidf("field type %q cannot be mapped onto a Rowhouse column type; the types that can are %s", typ, strings.Join(mappedTypes, ", "))
}

// checkSettings refuses settings Rowhouse does not keep.
func checkSettings(settings map[string]any, typ string) error {
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch {
		case (typ == TypeNumber || typ == TypeNumeric) && (k == "dataType" || k == "decimals"):
		case typ == TypeRelation && (k == "relationType" || k == "joinColumnName"):
		default:
			return rowhouse.Invalidf("settings.%s is not supported by Rowhouse on %s fields", k, typ)
		}
	}
	return nil
}

// decimals reads the "decimals" of a Numeric column's widgetOptions.
func decimals(widgetOptions string) (int, bool) {
	if widgetOptions == "" {
		return 0, false
	}
	var wo struct {
		Decimals *float64 `json:"decimals"`
	}
	if json.Unmarshal([]byte(widgetOptions), &wo) != nil || wo.Decimals == nil {
		return 0, false
	}
	return int(*wo.Decimals), true
}

// withDecimals sets (or removes, d < 0) "decimals" in widgetOptions.
func withDecimals(widgetOptions string, d int) (string, error) {
	m := map[string]any{}
	if widgetOptions != "" {
		if err := json.Unmarshal([]byte(widgetOptions), &m); err != nil {
			return "", fmt.Errorf("widgetOptions: %w", err)
		}
		if m == nil { // "null"
			m = map[string]any{}
		}
	}
	if d < 0 {
		delete(m, "decimals")
	} else {
		m["decimals"] = d
	}
	b, err := json.Marshal(m)
	return string(b), err
}

// settingsDecimals reads settings.decimals: -1 when absent.
func settingsDecimals(settings map[string]any) (int, error) {
	v, ok := settings["decimals"]
	if !ok || v == nil {
		return -1, nil
	}
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case json.Number:
		var err error
		if f, err = n.Float64(); err != nil {
			return 0, rowhouse.Invalidf("settings.decimals must be an integer from 0 to 10")
		}
	case int:
		f = float64(n)
	case int64:
		f = float64(n)
	default:
		return 0, rowhouse.Invalidf("settings.decimals must be an integer from 0 to 10")
	}
	if f != math.Trunc(f) || f < 0 || f > 10 {
		return 0, rowhouse.Invalidf("settings.decimals must be an integer from 0 to 10")
	}
	return int(f), nil
}

// choicesOf turns options into a column's choices: ordered by position
// (then as given), values unique and not empty.
func choicesOf(opts []OptionInput) (schema.Choices, error) {
	sorted := slices.Clone(opts)
	sort.SliceStable(sorted, func(i, j int) bool {
		pi, pj := math.Inf(1), math.Inf(1)
		if sorted[i].Position != nil {
			pi = *sorted[i].Position
		}
		if sorted[j].Position != nil {
			pj = *sorted[j].Position
		}
		return pi < pj
	})
	c := schema.Choices{Labels: map[string]string{}, Colors: map[string]string{}}
	seen := map[string]bool{}
	for _, o := range sorted {
		if o.Value == "" {
			return c, rowhouse.Invalidf("an option's value is missing")
		}
		if seen[o.Value] {
			return c, rowhouse.Invalidf("option value %q is given twice", o.Value)
		}
		seen[o.Value] = true
		c.Values = append(c.Values, o.Value)
		if o.Label != "" {
			c.Labels[o.Value] = o.Label
		}
		if o.Color != "" {
			c.Colors[o.Value] = o.Color
		}
	}
	return c, nil
}

// fieldName checks a field name as Twenty names fields: camelCase, a
// lower-case letter first, and a valid column id.
func fieldName(name string) error {
	if !schema.ValidIdent(name) || !('a' <= name[0] && name[0] <= 'z') || strings.Contains(name, "_") {
		return rowhouse.Invalidf("%q is not a valid field name: use camelCase letters and digits, starting with a lower-case letter", name)
	}
	if schema.ReservedColumn(name) || name == FieldCreatedAt || name == FieldUpdatedAt {
		return rowhouse.Invalidf("field name %q is reserved", name)
	}
	return nil
}

// nameFromLabel derives a field name from a label as Twenty does for the
// other end of a relation: camelCase of its words ("Point of contact" ->
// "pointOfContact").
func nameFromLabel(label string) string {
	var b strings.Builder
	for i, w := range strings.FieldsFunc(label, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}) {
		w = strings.ToLower(w)
		if i > 0 {
			w = upperFirst(w)
		}
		b.WriteString(w)
	}
	s := b.String()
	if s == "" || !('a' <= s[0] && s[0] <= 'z') {
		s = "field" + upperFirst(s)
	}
	return s
}

// FieldCreation is the action that creates a field, and how to find the
// field it made.
type FieldCreation struct {
	Action core.AddColumn
	// table and name: where the field shown ends up (for a ONE_TO_MANY
	// relation, the reverse side the action makes on the other table).
	table     string
	oneToMany bool
}

// Created returns the table and column of the field made, in the schema
// after the action, from the action's return value (the new column id).
func (fc FieldCreation) Created(s *schema.Schema, ret any) (*schema.Table, *schema.Column, error) {
	colID, _ := ret.(string)
	t := s.Table(fc.Action.Table)
	if t == nil || t.Column(colID) == nil {
		return nil, nil, rowhouse.Errorf(rowhouse.EINTERNAL, "created field %s.%s not found", fc.Action.Table, colID)
	}
	c := t.Column(colID)
	if !fc.oneToMany {
		return t, c, nil
	}
	src := s.Table(fc.table)
	if src == nil || src.Column(c.ReverseCol) == nil {
		return nil, nil, rowhouse.Errorf(rowhouse.EINTERNAL, "created relation %s.%s has no reverse side", fc.Action.Table, colID)
	}
	return src, src.Column(c.ReverseCol), nil
}

// common checks the members of a FieldInput Rowhouse cannot honour.
func (in FieldInput) unsupported() error {
	for _, err := range []error{only("isActive", in.IsActive, true), only("isSystem", in.IsSystem, false),
		only("isUIReadOnly", in.IsUIReadOnly, false), only("isLabelSyncedWithName", in.IsLabelSyncedWithName, false),
		only("isRemoteCreation", in.IsRemoteCreation, false), only("isCustom", in.IsCustom, true)} {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkDefault accepts a defaultValue only when it is the column type's
// own empty value (Rowhouse columns have no other default).
func checkDefault(raw json.RawMessage, c *schema.Column) error {
	if isNull(raw) {
		return nil
	}
	want, _ := json.Marshal(defaultValue(c))
	var got any
	if err := json.Unmarshal(raw, &got); err == nil {
		if g, _ := json.Marshal(got); string(g) == string(want) {
			return nil
		}
	}
	return rowhouse.Invalidf("defaultValue %s is not supported by Rowhouse: a new record's %s is %s", strings.TrimSpace(string(raw)), c.ID, want)
}

// CreateField translates Twenty's createOneField into the AddColumn that
// makes it, on table t (the object of objectMetadataId) of schema s.
//
// A RELATION field needs relationCreationPayload: MANY_TO_ONE makes a Ref
// column named name on t, whose reverse side (named from targetFieldLabel)
// is made on the target; ONE_TO_MANY makes the Ref column on the target
// (named from targetFieldLabel), whose reverse side is the field named
// name on t. Every relation is thus a two-way reference.
func CreateField(info Info, s *schema.Schema, t *schema.Table, in FieldInput) (FieldCreation, error) {
	if err := in.unsupported(); err != nil {
		return FieldCreation{}, err
	}
	name, label := deref(in.Name), deref(in.Label)
	if name == "" {
		return FieldCreation{}, rowhouse.Invalidf("name is missing")
	}
	if err := fieldName(name); err != nil {
		return FieldCreation{}, err
	}
	for _, c := range t.Columns {
		if strings.EqualFold(c.ID, name) {
			return FieldCreation{}, rowhouse.Invalidf("object %s already has a field named %q", t.NameSingular, c.ID)
		}
	}
	if label == "" {
		label = humanize(name)
	}
	typ := deref(in.Type)
	if typ == "" {
		return FieldCreation{}, rowhouse.Invalidf("type is missing")
	}
	if err := checkSettings(in.Settings, typ); err != nil {
		return FieldCreation{}, err
	}
	spec := core.ColumnSpec{ID: name, Label: label, Description: deref(in.Description), Icon: deref(in.Icon)}
	if in.IsUnique != nil {
		spec.IsUnique = *in.IsUnique
	}
	if in.Options != nil && typ != TypeSelect && typ != TypeMultiSelect {
		return FieldCreation{}, rowhouse.Invalidf("options are only for SELECT and MULTI_SELECT fields, not %s", typ)
	}
	if typ == TypeRelation {
		return createRelation(info, s, t, in, spec)
	}
	if in.RelationCreationPayload != nil {
		return FieldCreation{}, rowhouse.Invalidf("relationCreationPayload is only for RELATION fields, not %s", typ)
	}
	ct, err := columnType(typ, in.Settings)
	if err != nil {
		return FieldCreation{}, err
	}
	spec.Type = ct
	parsed, _ := schema.ParseType(ct)
	if err := checkDefault(in.DefaultValue, &schema.Column{ID: name, Type: parsed}); err != nil {
		return FieldCreation{}, err
	}
	switch typ {
	case TypeSelect, TypeMultiSelect:
		ch, err := choicesOf(in.Options)
		if err != nil {
			return FieldCreation{}, err
		}
		if spec.WidgetOptions, err = ch.WidgetOptions(""); err != nil {
			return FieldCreation{}, err
		}
	case TypeNumber, TypeNumeric:
		d, err := settingsDecimals(in.Settings)
		if err != nil {
			return FieldCreation{}, err
		}
		if d >= 0 {
			if spec.WidgetOptions, err = withDecimals("", d); err != nil {
				return FieldCreation{}, err
			}
		}
	}
	return FieldCreation{Action: core.AddColumn{Table: t.ID, Column: spec}, table: t.ID}, nil
}

func createRelation(info Info, s *schema.Schema, t *schema.Table, in FieldInput, spec core.ColumnSpec) (FieldCreation, error) {
	rel := in.RelationCreationPayload
	if rel == nil {
		return FieldCreation{}, rowhouse.Invalidf("relationCreationPayload is missing: a RELATION field needs its target object")
	}
	if !isNull(in.DefaultValue) {
		return FieldCreation{}, rowhouse.Invalidf("defaultValue is not supported on RELATION fields")
	}
	target, err := FindTable(info, s, rel.TargetObjectMetadataID)
	if err != nil {
		return FieldCreation{}, err
	}
	other := nameFromLabel(rel.TargetFieldLabel)
	if rel.TargetFieldLabel == "" {
		return FieldCreation{}, rowhouse.Invalidf("relationCreationPayload.targetFieldLabel is missing")
	}
	switch rel.Type {
	case RelationManyToOne:
		spec.Type = "Ref:" + target.ID
		spec.ReverseCol, spec.ReverseLabel, spec.ReverseIcon = other, rel.TargetFieldLabel, rel.TargetFieldIcon
		return FieldCreation{Action: core.AddColumn{Table: t.ID, Column: spec}, table: t.ID}, nil
	case RelationOneToMany:
		if spec.IsUnique {
			return FieldCreation{}, rowhouse.Invalidf("isUnique is not supported on a ONE_TO_MANY field")
		}
		fwd := core.ColumnSpec{ID: other, Type: "Ref:" + t.ID, Label: rel.TargetFieldLabel, Icon: rel.TargetFieldIcon,
			ReverseCol: spec.ID, ReverseLabel: spec.Label, ReverseIcon: spec.Icon}
		if err := fieldName(other); err != nil {
			return FieldCreation{}, err
		}
		if target.Column(other) != nil {
			return FieldCreation{}, rowhouse.Invalidf("object %s already has a field named %q", target.NameSingular, other)
		}
		return FieldCreation{Action: core.AddColumn{Table: target.ID, Column: fwd}, table: t.ID, oneToMany: true}, nil
	}
	return FieldCreation{}, rowhouse.Invalidf("relationCreationPayload.type %q is not one of %s, %s", rel.Type, RelationManyToOne, RelationOneToMany)
}

// UpdateField translates Twenty's updateOneField of column c of table t
// into the ModifyColumn that makes it (none when nothing changes), and the
// column's id after it.
func UpdateField(t *schema.Table, c *schema.Column, in FieldInput) ([]core.Action, string, error) {
	if err := in.unsupported(); err != nil {
		return nil, "", err
	}
	if in.ObjectMetadataID != nil {
		return nil, "", rowhouse.Invalidf("objectMetadataId cannot be changed: a field stays on its object")
	}
	if in.RelationCreationPayload != nil {
		return nil, "", rowhouse.Invalidf("relationCreationPayload cannot be changed")
	}
	if err := checkDefault(in.DefaultValue, c); err != nil {
		return nil, "", err
	}
	up := core.ColumnUpdate{Label: in.Label, Description: in.Description, Icon: in.Icon, IsUnique: in.IsUnique}
	newID := c.ID
	if in.Name != nil && *in.Name != c.ID {
		if err := fieldName(*in.Name); err != nil {
			return nil, "", err
		}
		for _, o := range t.Columns {
			if o != c && strings.EqualFold(o.ID, *in.Name) {
				return nil, "", rowhouse.Invalidf("object %s already has a field named %q", t.NameSingular, o.ID)
			}
		}
		up.ID, newID = in.Name, *in.Name
	}
	typ, _ := TypeOf(c)
	if in.Type != nil && *in.Type != typ || in.Type != nil && typ == TypeNumber && in.Settings["dataType"] != nil {
		if typ == TypeRelation || *in.Type == TypeRelation {
			return nil, "", rowhouse.Invalidf("the type of a RELATION field cannot change, nor can a field become one")
		}
		ct, err := columnType(*in.Type, in.Settings)
		if err != nil {
			return nil, "", err
		}
		if ct != c.Type.String() {
			up.Type = &ct
		}
		typ = *in.Type
	}
	if err := checkSettings(in.Settings, typ); err != nil {
		return nil, "", err
	}
	if in.Options != nil {
		if typ != TypeSelect && typ != TypeMultiSelect {
			return nil, "", rowhouse.Invalidf("options are only for SELECT and MULTI_SELECT fields, not %s", typ)
		}
		ch, err := choicesOf(in.Options)
		if err != nil {
			return nil, "", err
		}
		wo, err := ch.WidgetOptions(c.WidgetOptions)
		if err != nil {
			return nil, "", err
		}
		up.WidgetOptions = &wo
	}
	if typ == TypeNumber || typ == TypeNumeric {
		if _, ok := in.Settings["decimals"]; ok {
			d, err := settingsDecimals(in.Settings)
			if err != nil {
				return nil, "", err
			}
			wo, err := withDecimals(c.WidgetOptions, d)
			if err != nil {
				return nil, "", err
			}
			up.WidgetOptions = &wo
		}
	}
	if up == (core.ColumnUpdate{}) {
		return nil, newID, nil
	}
	return []core.Action{core.ModifyColumn{Table: t.ID, Column: c.ID, Update: up}}, newID, nil
}

// FindTable returns the table of schema s that object id shows: id is the
// object's uuid (or, for convenience, the table id). Unknown: ENOTFOUND.
func FindTable(info Info, s *schema.Schema, id string) (*schema.Table, error) {
	for _, t := range s.Tables {
		if ObjectID(info, t) == id {
			return t, nil
		}
	}
	if t := s.Table(id); t != nil {
		return t, nil
	}
	return nil, rowhouse.NotFoundf("Object %q not found", id)
}

// FindField returns the field of schema s with this id (a column's uuid,
// or the id of a system field). Unknown: ENOTFOUND.
func FindField(info Info, s *schema.Schema, id string) (Field, error) {
	for _, t := range s.Tables {
		for _, c := range t.Columns {
			if FieldIDOf(info, t, c) == id {
				return FieldOf(info, s, t, c), nil
			}
		}
		for _, name := range []string{FieldID, FieldCreatedAt, FieldUpdatedAt} {
			if systemFieldID(info, t, name) == id {
				if f, ok := systemField(info, t, name); ok {
					return f, nil
				}
			}
		}
	}
	return Field{}, rowhouse.NotFoundf("Field %q not found", id)
}

package graphql

import (
	"encoding/json"
	"errors"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/twentymodel"
)

// twentyMetadataSDL is Twenty's metadata API (objects and fields), beside
// the tables and columns above: the same document seen through Twenty's
// data model, translated by package twentymodel as the Twenty REST
// metadata API is. Arguments and answers have Twenty's shapes: paging and
// filter arguments, connections with edges and nodes, and mutations
// taking input: {object}, {field}, {id, update} or {id}.
const twentyMetadataSDL = `
"""A UUID: an object's or field's id (a table's or column's, kept through renames)."""
scalar UUID
"""Any JSON value."""
scalar JSON
"""A cursor in a list: an item's id."""
scalar ConnectionCursor

"""Twenty's field types. Rowhouse's columns are shown as TEXT, NUMBER, BOOLEAN, DATE, DATE_TIME, SELECT, MULTI_SELECT, RELATION, RAW_JSON and FILES, and fields of those types (and NUMERIC) can be created; the other types cannot be mapped onto Rowhouse's columns."""
enum FieldMetadataType {
  ACTOR ADDRESS ARRAY BOOLEAN CURRENCY DATE DATE_TIME EMAILS FILES FULL_NAME LINKS MORPH_RELATION MULTI_SELECT NUMBER NUMERIC
  PHONES POSITION RATING RAW_JSON RELATION RICH_TEXT RICH_TEXT_V2 SELECT TEXT TS_VECTOR UUID
}

"""How a RELATION field relates its object to the other: a Ref column is MANY_TO_ONE, the reverse side of a two-way reference ONE_TO_MANY, a RefList column MANY_TO_MANY."""
enum RelationType { ONE_TO_MANY MANY_TO_ONE MANY_TO_MANY }

"""A table as a Twenty object."""
type Object {
  id: UUID!
  dataSourceId: UUID!
  nameSingular: String!
  namePlural: String!
  labelSingular: String!
  labelPlural: String!
  description: String
  icon: String
  shortcut: String
  isCustom: Boolean!
  isRemote: Boolean!
  isActive: Boolean!
  isSystem: Boolean!
  isSearchable: Boolean!
  isLabelSyncedWithName: Boolean!
  labelIdentifierFieldMetadataId: UUID
  imageIdentifierFieldMetadataId: UUID
  createdAt: DateTime!
  updatedAt: DateTime!
  fields(paging: CursorPaging, filter: FieldFilter): ObjectFieldsConnection!
  fieldsList: [Field!]!
}

"""A column (or id, createdAt, updatedAt) as a Twenty field."""
type Field {
  id: UUID!
  type: FieldMetadataType!
  name: String!
  label: String!
  description: String
  icon: String
  isCustom: Boolean
  isActive: Boolean
  isSystem: Boolean
  isUIReadOnly: Boolean
  isNullable: Boolean
  isUnique: Boolean
  isLabelSyncedWithName: Boolean
  defaultValue: JSON
  """SELECT and MULTI_SELECT: [{id, label, value, color, position}]."""
  options: JSON
  settings: JSON
  relation: Relation
  objectMetadataId: UUID!
  object: Object
  createdAt: DateTime!
  updatedAt: DateTime!
}

"""A RELATION field's relation: the field is its source side."""
type Relation {
  type: RelationType!
  sourceObjectMetadata: Object!
  targetObjectMetadata: Object!
  sourceFieldMetadata: Field!
  """The other side of a two-way reference; null for a reference without one."""
  targetFieldMetadata: Field
}

type PageInfo {
  hasNextPage: Boolean
  hasPreviousPage: Boolean
  startCursor: ConnectionCursor
  endCursor: ConnectionCursor
}

type ObjectEdge { node: Object! cursor: ConnectionCursor! }
type ObjectConnection { pageInfo: PageInfo! edges: [ObjectEdge!]! totalCount: Int! }
type FieldEdge { node: Field! cursor: ConnectionCursor! }
type FieldConnection { pageInfo: PageInfo! edges: [FieldEdge!]! totalCount: Int! }
type ObjectFieldsConnection { pageInfo: PageInfo! edges: [FieldEdge!]! totalCount: Int! }

"""first items after a cursor, or last items before one (1 to 1000; 1000 when absent)."""
input CursorPaging { before: ConnectionCursor after: ConnectionCursor first: Int last: Int }
input UUIDFilterComparison { eq: UUID neq: UUID in: [UUID!] notIn: [UUID!] }
input BooleanFieldComparison { is: Boolean isNot: Boolean }
input ObjectFilter {
  and: [ObjectFilter!] or: [ObjectFilter!]
  id: UUIDFilterComparison isCustom: BooleanFieldComparison isRemote: BooleanFieldComparison
  isActive: BooleanFieldComparison isSystem: BooleanFieldComparison
}
input FieldFilter {
  and: [FieldFilter!] or: [FieldFilter!]
  id: UUIDFilterComparison isCustom: BooleanFieldComparison isActive: BooleanFieldComparison
  isSystem: BooleanFieldComparison isUIReadOnly: BooleanFieldComparison
}

"""A new object: the table namePlural with a capital, with a Text field name. Labels default from the names."""
input CreateObjectInput {
  nameSingular: String! namePlural: String! labelSingular: String labelPlural: String
  description: String icon: String shortcut: String isRemote: Boolean isLabelSyncedWithName: Boolean
  primaryKeyColumnType: String primaryKeyFieldMetadataSettings: JSON
}
input CreateOneObjectInput { object: CreateObjectInput! }
input UpdateObjectPayload {
  nameSingular: String namePlural: String labelSingular: String labelPlural: String description: String icon: String
  shortcut: String isActive: Boolean isLabelSyncedWithName: Boolean
  labelIdentifierFieldMetadataId: UUID imageIdentifierFieldMetadataId: UUID
}
input UpdateOneObjectInput { id: UUID! update: UpdateObjectPayload! }
input DeleteOneObjectInput { id: UUID! }

"""A new field on the object objectMetadataId. RELATION needs relationCreationPayload {targetObjectMetadataId, targetFieldLabel, targetFieldIcon, type: MANY_TO_ONE|ONE_TO_MANY}."""
input CreateFieldInput {
  objectMetadataId: UUID! type: FieldMetadataType! name: String! label: String
  description: String icon: String isUnique: Boolean isNullable: Boolean isCustom: Boolean isActive: Boolean isSystem: Boolean
  isUIReadOnly: Boolean isLabelSyncedWithName: Boolean isRemoteCreation: Boolean
  defaultValue: JSON options: JSON settings: JSON relationCreationPayload: JSON
}
input CreateOneFieldMetadataInput { field: CreateFieldInput! }
input UpdateFieldInput {
  type: FieldMetadataType name: String label: String description: String icon: String isUnique: Boolean isNullable: Boolean
  isActive: Boolean isSystem: Boolean isUIReadOnly: Boolean isLabelSyncedWithName: Boolean
  defaultValue: JSON options: JSON settings: JSON
}
input UpdateOneFieldMetadataInput { id: UUID! update: UpdateFieldInput! }
input DeleteOneFieldInput { id: UUID! }

extend type Query {
  """Twenty's objects: the document's tables."""
  objects(paging: CursorPaging, filter: ObjectFilter): ObjectConnection!
  object(id: UUID!): Object!
  """Twenty's fields: every table's columns (and id, createdAt, updatedAt)."""
  fields(paging: CursorPaging, filter: FieldFilter): FieldConnection!
  field(id: UUID!): Field!
}

extend type Mutation {
  createOneObject(input: CreateOneObjectInput!): Object!
  updateOneObject(input: UpdateOneObjectInput!): Object!
  """Removes the object's table and its records; answers the object as it was."""
  deleteOneObject(input: DeleteOneObjectInput!): Object!
  createOneField(input: CreateOneFieldMetadataInput!): Field!
  updateOneField(input: UpdateOneFieldMetadataInput!): Field!
  """Removes the field's column and its values; answers the field as it was."""
  deleteOneField(input: DeleteOneFieldInput!): Field!
}
`

// twentyFields are the root fields twentyField answers.
var twentyFields = map[string]bool{"objects": true, "object": true, "fields": true, "field": true,
	"createOneObject": true, "updateOneObject": true, "deleteOneObject": true,
	"createOneField": true, "updateOneField": true, "deleteOneField": true}

// twentyField resolves one of Twenty's root fields through twentymodel.
func (a *API) twentyField(ex *executor, doc *core.Doc, name string, args map[string]any) (any, error) {
	ctx := ex.ctx
	actor := api.ActorFrom(ctx)
	v, err := a.home.Doc(ctx, actor, doc.ID(), rowhouse.RoleViewers)
	if err != nil {
		return nil, err
	}
	m := twentymodel.Meta{Doc: doc, Info: twentymodel.Info{DocID: doc.ID(), CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt},
		Actor: actor, Surface: "graphql"}
	input, _ := args["input"].(map[string]any)
	id, _ := args["id"].(string)
	if input != nil {
		id, _ = input["id"].(string)
	}
	// Answers are shown in the schema after the operation.
	answer := func(f func() (any, error)) (any, error) {
		out, err := f()
		if err != nil {
			return nil, err
		}
		s, err := doc.Schema(ctx)
		if err != nil {
			return nil, err
		}
		switch o := out.(type) {
		case twentymodel.Object:
			return gqlObject{info: m.Info, s: s, o: o}, nil
		case twentymodel.Field:
			return gqlField{info: m.Info, s: s, f: o}, nil
		}
		return out, nil
	}
	switch name {
	case "objects", "fields":
		s, err := doc.Schema(ctx)
		if err != nil {
			return nil, err
		}
		if name == "objects" {
			return twObjectConnection(m.Info, s, twentymodel.ObjectsOf(m.Info, s), args)
		}
		var fields []twentymodel.Field
		for _, t := range s.Tables {
			fields = append(fields, twentymodel.FieldsOf(m.Info, s, t)...)
		}
		return twFieldConnection(m.Info, s, fields, args, "FieldConnection")
	case "object":
		return answer(func() (any, error) { return m.Object(ctx, id) })
	case "field":
		return answer(func() (any, error) { return m.Field(ctx, id) })
	case "createOneObject":
		var in twentymodel.ObjectInput
		if err := twDecode(input["object"], &in); err != nil {
			return nil, err
		}
		return answer(func() (any, error) { return m.CreateObject(ctx, in) })
	case "updateOneObject":
		var in twentymodel.ObjectInput
		if err := twDecode(input["update"], &in); err != nil {
			return nil, err
		}
		return answer(func() (any, error) { return m.UpdateObject(ctx, id, in) })
	case "deleteOneObject":
		// The object as it was: shown in the schema before the removal.
		s, err := doc.Schema(ctx)
		if err != nil {
			return nil, err
		}
		o, err := m.DeleteObject(ctx, id)
		if err != nil {
			return nil, err
		}
		return gqlObject{info: m.Info, s: s, o: o}, nil
	case "createOneField":
		var in twentymodel.FieldInput
		if err := twDecode(input["field"], &in); err != nil {
			return nil, err
		}
		return answer(func() (any, error) { return m.CreateField(ctx, in) })
	case "updateOneField":
		var in twentymodel.FieldInput
		if err := twDecode(input["update"], &in); err != nil {
			return nil, err
		}
		return answer(func() (any, error) { return m.UpdateField(ctx, id, in) })
	case "deleteOneField":
		s, err := doc.Schema(ctx)
		if err != nil {
			return nil, err
		}
		f, err := m.DeleteField(ctx, id)
		if err != nil {
			return nil, err
		}
		return gqlField{info: m.Info, s: s, f: f}, nil
	}
	return nil, rowhouse.Invalidf("unknown field %q", name)
}

// twDecode reads an input object (as the validator leaves it) into a
// twentymodel input, through JSON: the one reading of Twenty's inputs,
// with the REST API's checks.
func twDecode(v any, dst any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return rowhouse.Invalidf("input: %v", err)
	}
	if err := api.DecodeJSONBytes(data, dst); err != nil {
		if ue := twUserError(err); ue != "" {
			return rowhouse.Invalidf("%s", ue)
		}
		return err
	}
	return nil
}

func twUserError(err error) string {
	var e *rowhouse.Error
	if errors.As(err, &e) && e.Details != nil {
		s, _ := e.Details["twUserError"].(string)
		return s
	}
	return ""
}

// paging reads a CursorPaging argument.
func twPaging(args map[string]any) twentymodel.Paging {
	m, _ := args["paging"].(map[string]any)
	num := func(k string) int {
		switch n := m[k].(type) {
		case int64:
			return int(n)
		case int:
			return n
		case float64:
			return int(n)
		case json.Number:
			i, _ := n.Int64()
			return int(i)
		}
		return 0
	}
	after, _ := m["after"].(string)
	before, _ := m["before"].(string)
	return twentymodel.Paging{First: num("first"), Last: num("last"), After: after, Before: before}
}

// twFilter evaluates an ObjectFilter or FieldFilter on an item: id, and
// the boolean flags that get returns.
func twFilter(f map[string]any, id string, get func(flag string) bool) bool {
	for k, v := range f {
		switch k {
		case "and":
			for _, sub := range objectList(v) {
				if !twFilter(sub, id, get) {
					return false
				}
			}
		case "or":
			subs := objectList(v)
			if len(subs) == 0 {
				continue
			}
			hit := false
			for _, sub := range subs {
				hit = hit || twFilter(sub, id, get)
			}
			if !hit {
				return false
			}
		case "id":
			c, _ := v.(map[string]any)
			if eq, ok := c["eq"].(string); ok && id != eq {
				return false
			}
			if neq, ok := c["neq"].(string); ok && id == neq {
				return false
			}
			if in, ok := c["in"]; ok && in != nil && !twContainsID(in, id) {
				return false
			}
			if nin, ok := c["notIn"]; ok && nin != nil && twContainsID(nin, id) {
				return false
			}
		default:
			c, _ := v.(map[string]any)
			if is, ok := c["is"].(bool); ok && get(k) != is {
				return false
			}
			if isNot, ok := c["isNot"].(bool); ok && get(k) == isNot {
				return false
			}
		}
	}
	return true
}

// twContainsID reads a list of ids (or, by GraphQL's input coercion, one).
func twContainsID(v any, id string) bool {
	switch l := v.(type) {
	case string:
		return l == id
	case []string:
		for _, s := range l {
			if s == id {
				return true
			}
		}
	case []any:
		for _, s := range l {
			if s == id {
				return true
			}
		}
	}
	return false
}

func twObjectFlag(o twentymodel.Object) func(string) bool {
	return func(flag string) bool {
		switch flag {
		case "isCustom":
			return o.IsCustom
		case "isRemote":
			return o.IsRemote
		case "isActive":
			return o.IsActive
		case "isSystem":
			return o.IsSystem
		}
		return false
	}
}

func twFieldFlag(f twentymodel.Field) func(string) bool {
	return func(flag string) bool {
		switch flag {
		case "isCustom":
			return f.IsCustom
		case "isActive":
			return f.IsActive
		case "isSystem":
			return f.IsSystem
		case "isUIReadOnly":
			return f.IsUIReadOnly
		}
		return false
	}
}

// twConnection is a Twenty connection: edges of nodes, pageInfo, totalCount.
type twConnection struct {
	name     string
	edgeName string
	nodes    []resolver
	cursors  []string
	info     twentymodel.PageInfo
	total    int
}

func (c twConnection) typeName() string { return c.name }

func (c twConnection) get(_ *executor, name string, _ map[string]any) (any, error) {
	switch name {
	case "edges":
		out := make([]any, len(c.nodes))
		for i, n := range c.nodes {
			out[i] = twEdge{name: c.edgeName, node: n, cursor: c.cursors[i]}
		}
		return out, nil
	case "pageInfo":
		return twPageInfo{c.info}, nil
	case "totalCount":
		return c.total, nil
	}
	return nil, nil
}

type twEdge struct {
	name   string
	node   resolver
	cursor string
}

func (e twEdge) typeName() string { return e.name }

func (e twEdge) get(_ *executor, name string, _ map[string]any) (any, error) {
	switch name {
	case "node":
		return e.node, nil
	case "cursor":
		return e.cursor, nil
	}
	return nil, nil
}

type twPageInfo struct{ p twentymodel.PageInfo }

func (twPageInfo) typeName() string { return "PageInfo" }

func (p twPageInfo) get(_ *executor, name string, _ map[string]any) (any, error) {
	opt := func(s *string) any {
		if s == nil {
			return nil
		}
		return *s
	}
	switch name {
	case "hasNextPage":
		return p.p.HasNextPage, nil
	case "hasPreviousPage":
		return p.p.HasPreviousPage, nil
	case "startCursor":
		return opt(p.p.StartCursor), nil
	case "endCursor":
		return opt(p.p.EndCursor), nil
	}
	return nil, nil
}

func twObjectConnection(info twentymodel.Info, s *schema.Schema, objs []twentymodel.Object, args map[string]any) (any, error) {
	filter, _ := args["filter"].(map[string]any)
	var kept []twentymodel.Object
	for _, o := range objs {
		if twFilter(filter, o.ID, twObjectFlag(o)) {
			kept = append(kept, o)
		}
	}
	page, pi, err := twentymodel.Page(kept, func(o twentymodel.Object) string { return o.ID }, twPaging(args))
	if err != nil {
		return nil, err
	}
	c := twConnection{name: "ObjectConnection", edgeName: "ObjectEdge", info: pi, total: len(kept)}
	for _, o := range page {
		c.nodes = append(c.nodes, gqlObject{info: info, s: s, o: o})
		c.cursors = append(c.cursors, o.ID)
	}
	return c, nil
}

func twFieldConnection(info twentymodel.Info, s *schema.Schema, fields []twentymodel.Field, args map[string]any, name string) (any, error) {
	filter, _ := args["filter"].(map[string]any)
	var kept []twentymodel.Field
	for _, f := range fields {
		if twFilter(filter, f.ID, twFieldFlag(f)) {
			kept = append(kept, f)
		}
	}
	page, pi, err := twentymodel.Page(kept, func(f twentymodel.Field) string { return f.ID }, twPaging(args))
	if err != nil {
		return nil, err
	}
	c := twConnection{name: name, edgeName: "FieldEdge", info: pi, total: len(kept)}
	for _, f := range page {
		c.nodes = append(c.nodes, gqlField{info: info, s: s, f: f})
		c.cursors = append(c.cursors, f.ID)
	}
	return c, nil
}

// gqlObject answers an Object.
type gqlObject struct {
	info twentymodel.Info
	s    *schema.Schema
	o    twentymodel.Object
}

func (gqlObject) typeName() string { return "Object" }

func twOptString(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func (g gqlObject) get(_ *executor, name string, args map[string]any) (any, error) {
	o := g.o
	switch name {
	case "id":
		return o.ID, nil
	case "dataSourceId":
		return o.DataSourceID, nil
	case "nameSingular":
		return o.NameSingular, nil
	case "namePlural":
		return o.NamePlural, nil
	case "labelSingular":
		return o.LabelSingular, nil
	case "labelPlural":
		return o.LabelPlural, nil
	case "description":
		return twOptString(o.Description), nil
	case "icon":
		return twOptString(o.Icon), nil
	case "shortcut":
		return twOptString(o.Shortcut), nil
	case "isCustom":
		return o.IsCustom, nil
	case "isRemote":
		return o.IsRemote, nil
	case "isActive":
		return o.IsActive, nil
	case "isSystem":
		return o.IsSystem, nil
	case "isSearchable":
		return o.IsSearchable, nil
	case "isLabelSyncedWithName":
		return o.IsLabelSyncedWithName, nil
	case "labelIdentifierFieldMetadataId":
		return twOptString(o.LabelIdentifierFieldMetadataID), nil
	case "imageIdentifierFieldMetadataId":
		return twOptString(o.ImageIdentifierFieldMetadataID), nil
	case "createdAt":
		return o.CreatedAt, nil
	case "updatedAt":
		return o.UpdatedAt, nil
	case "fields":
		return twFieldConnection(g.info, g.s, o.Fields, args, "ObjectFieldsConnection")
	case "fieldsList":
		out := make([]any, len(o.Fields))
		for i, f := range o.Fields {
			out[i] = gqlField{info: g.info, s: g.s, f: f}
		}
		return out, nil
	}
	return nil, nil
}

// gqlField answers a Field.
type gqlField struct {
	info twentymodel.Info
	s    *schema.Schema
	f    twentymodel.Field
}

func (gqlField) typeName() string { return "Field" }

// twJSON answers a JSON scalar, encoded as it is.
func twJSON(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if string(data) == "null" {
		return nil, nil
	}
	return rawJSON(data), nil
}

func (g gqlField) get(_ *executor, name string, _ map[string]any) (any, error) {
	f := g.f
	switch name {
	case "id":
		return f.ID, nil
	case "type":
		return f.Type, nil
	case "name":
		return f.Name, nil
	case "label":
		return f.Label, nil
	case "description":
		return twOptString(f.Description), nil
	case "icon":
		return twOptString(f.Icon), nil
	case "isCustom":
		return f.IsCustom, nil
	case "isActive":
		return f.IsActive, nil
	case "isSystem":
		return f.IsSystem, nil
	case "isUIReadOnly":
		return f.IsUIReadOnly, nil
	case "isNullable":
		return f.IsNullable, nil
	case "isUnique":
		return f.IsUnique, nil
	case "isLabelSyncedWithName":
		return f.IsLabelSyncedWithName, nil
	case "defaultValue":
		return twJSON(f.DefaultValue)
	case "options":
		if f.Options == nil {
			return nil, nil
		}
		return twJSON(f.Options)
	case "settings":
		return twJSON(f.Settings)
	case "objectMetadataId":
		return f.ObjectMetadataID, nil
	case "object":
		return gqlObject{info: g.info, s: g.s, o: twentymodel.ObjectOf(g.info, g.s, f.Table)}, nil
	case "relation":
		if f.Relation == nil {
			return nil, nil
		}
		return gqlRelation{g: g}, nil
	case "createdAt":
		return f.CreatedAt, nil
	case "updatedAt":
		return f.UpdatedAt, nil
	}
	return nil, nil
}

// gqlRelation answers a Relation, its ends as full objects and fields.
type gqlRelation struct{ g gqlField }

func (gqlRelation) typeName() string { return "Relation" }

func (r gqlRelation) get(_ *executor, name string, _ map[string]any) (any, error) {
	g, rel := r.g, r.g.f.Relation
	object := func(id string) (any, error) {
		t, err := twentymodel.FindTable(g.info, g.s, id)
		if err != nil {
			return nil, err
		}
		return gqlObject{info: g.info, s: g.s, o: twentymodel.ObjectOf(g.info, g.s, t)}, nil
	}
	field := func(id string) (any, error) {
		f, err := twentymodel.FindField(g.info, g.s, id)
		if err != nil {
			return nil, err
		}
		return gqlField{info: g.info, s: g.s, f: f}, nil
	}
	switch name {
	case "type":
		return rel.Type, nil
	case "sourceObjectMetadata":
		return object(rel.SourceObjectMetadata.ID)
	case "targetObjectMetadata":
		return object(rel.TargetObjectMetadata.ID)
	case "sourceFieldMetadata":
		return field(rel.SourceFieldMetadata.ID)
	case "targetFieldMetadata":
		if rel.TargetFieldMetadata == nil {
			return nil, nil
		}
		return field(rel.TargetFieldMetadata.ID)
	}
	return nil, nil
}

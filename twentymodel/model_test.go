package twentymodel

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/schema"
)

func col(id, typ string) *schema.Column {
	t, err := schema.ParseType(typ)
	if err != nil {
		panic(err)
	}
	return &schema.Column{ID: id, Type: t, Label: id, UUID: "uuid-" + id}
}

// testSchema is Companies (name, size) and People (company Ref with the
// reverse side people, tags, born, seen, data, files, friends RefList).
func testSchema() *schema.Schema {
	company := col("company", "Ref:Companies")
	company.ReverseCol = "people"
	people := col("people", "RefList:People")
	people.Reverse, people.ReverseCol = true, "company"
	stage := col("stage", "Choice")
	stage.WidgetOptions = `{"choices":["NEW","WON"],"choiceLabels":{"NEW":"New"},"choiceColors":{"WON":"green"}}`
	size := col("size", "Numeric")
	size.WidgetOptions = `{"decimals":2}`
	return schema.New(1, []*schema.Table{
		{ID: "Companies", NameSingular: "company", NamePlural: "companies", UUID: "uuid-Companies",
			Columns: []*schema.Column{col("name", "Text"), size, col("staff", "Int"), col("public", "Bool"), people}},
		{ID: "People", NameSingular: "person", NamePlural: "people", UUID: "uuid-People", LabelSingular: "Human",
			Columns: []*schema.Column{col("name", "Text"), company, stage, col("tags", "ChoiceList"), col("born", "Date"),
				col("seen", "DateTime:Europe/Paris"), col("data", "Any"), col("files", "Attachments"), col("friends", "RefList:People")}},
	})
}

var info = Info{DocID: "doc1", CreatedAt: time.Date(2024, 1, 2, 3, 4, 5, 6e6, time.UTC), UpdatedAt: time.Date(2024, 1, 2, 3, 4, 5, 6e6, time.UTC)}

// Every Rowhouse column type has one Twenty type, with the settings and
// relation that say the rest.
func TestTypeOf(t *testing.T) {
	s := testSchema()
	people := s.Table("People")
	companies := s.Table("Companies")
	for _, c := range []struct {
		table    *schema.Table
		col      string
		typ      string
		settings map[string]any
		relation string // relation type, "" for none
		target   string // the relation's target field, "" for none
	}{
		{companies, "name", TypeText, nil, "", ""},
		{companies, "size", TypeNumber, map[string]any{"dataType": "float", "decimals": 2}, "", ""},
		{companies, "staff", TypeNumber, map[string]any{"dataType": "int"}, "", ""},
		{companies, "public", TypeBoolean, nil, "", ""},
		{companies, "people", TypeRelation, map[string]any{"relationType": RelationOneToMany}, RelationOneToMany, "company"},
		{people, "company", TypeRelation, map[string]any{"relationType": RelationManyToOne, "joinColumnName": "companyId"}, RelationManyToOne, "people"},
		{people, "stage", TypeSelect, nil, "", ""},
		{people, "tags", TypeMultiSelect, nil, "", ""},
		{people, "born", TypeDate, nil, "", ""},
		{people, "seen", TypeDateTime, nil, "", ""},
		{people, "data", TypeRawJSON, nil, "", ""},
		{people, "files", TypeFiles, nil, "", ""},
		{people, "friends", TypeRelation, map[string]any{"relationType": RelationManyToMany}, RelationManyToMany, ""},
	} {
		f := FieldOf(info, s, c.table, c.table.Column(c.col))
		if f.Type != c.typ {
			t.Errorf("%s: type %s, want %s", c.col, f.Type, c.typ)
		}
		if got, _ := f.Settings.(map[string]any); !reflect.DeepEqual(got, c.settings) {
			t.Errorf("%s: settings %v, want %v", c.col, f.Settings, c.settings)
		}
		switch {
		case c.relation == "" && f.Relation != nil:
			t.Errorf("%s: relation %+v, want none", c.col, f.Relation)
		case c.relation != "" && (f.Relation == nil || f.Relation.Type != c.relation):
			t.Errorf("%s: relation %+v, want %s", c.col, f.Relation, c.relation)
		case c.target != "" && (f.Relation.TargetFieldMetadata == nil || f.Relation.TargetFieldMetadata.Name != c.target):
			t.Errorf("%s: target field %+v, want %s", c.col, f.Relation.TargetFieldMetadata, c.target)
		case c.relation != "" && c.target == "" && f.Relation.TargetFieldMetadata != nil:
			t.Errorf("%s: target field %+v, want none", c.col, f.Relation.TargetFieldMetadata)
		}
	}
	stage := FieldOf(info, s, people, people.Column("stage"))
	want := []Option{{ID: optionID("uuid-stage", "NEW"), Label: "New", Value: "NEW", Color: "green", Position: 0},
		{ID: optionID("uuid-stage", "WON"), Label: "WON", Value: "WON", Color: "green", Position: 1}}
	want[0].Color = palette[0]
	if !reflect.DeepEqual(stage.Options, want) {
		t.Errorf("options %+v, want %+v", stage.Options, want)
	}
}

// An object shows its labels (derived when unset), its fields with the
// system ones, and stable ids.
func TestObjectOf(t *testing.T) {
	s := testSchema()
	o := ObjectOf(info, s, s.Table("People"))
	if o.ID != "uuid-People" || o.LabelSingular != "Human" || o.LabelPlural != "People" || o.NameSingular != "person" {
		t.Errorf("object %+v", o)
	}
	var names []string
	for _, f := range o.Fields {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "id,name,company,stage,tags,born,seen,data,files,friends,createdAt,updatedAt" {
		t.Errorf("fields %s", got)
	}
	if o.LabelIdentifierFieldMetadataID == nil || *o.LabelIdentifierFieldMetadataID != "uuid-name" {
		t.Errorf("label identifier %v", o.LabelIdentifierFieldMetadataID)
	}
	again := ObjectOf(info, s, s.Table("People"))
	if again.Fields[0].ID != o.Fields[0].ID || o.Fields[0].ID == ObjectOf(info, s, s.Table("Companies")).Fields[0].ID {
		t.Errorf("system field ids are not stable per object: %s %s", o.Fields[0].ID, again.Fields[0].ID)
	}
	f, err := FindField(info, s, o.Fields[0].ID)
	if err != nil || f.Name != "id" || f.Column != nil {
		t.Errorf("FindField(id) = %+v, %v", f, err)
	}
	if _, err := FindTable(info, s, "uuid-nope"); err == nil {
		t.Error("FindTable found an unknown id")
	}
}

func ptr[T any](v T) *T { return &v }

// CreateField maps each Twenty type it can onto a column type, and names
// what it cannot map.
func TestCreateField(t *testing.T) {
	s := testSchema()
	people := s.Table("People")
	for _, c := range []struct {
		name string
		in   FieldInput
		want core.AddColumn // zero with err
		err  string
	}{
		{"text", FieldInput{Type: ptr(TypeText), Name: ptr("nick"), Label: ptr("Nick"), Icon: ptr("IconAbc")},
			core.AddColumn{Table: "People", Column: core.ColumnSpec{ID: "nick", Type: "Text", Label: "Nick", Icon: "IconAbc"}}, ""},
		{"label from name", FieldInput{Type: ptr(TypeText), Name: ptr("jobTitle")},
			core.AddColumn{Table: "People", Column: core.ColumnSpec{ID: "jobTitle", Type: "Text", Label: "Job title"}}, ""},
		{"number", FieldInput{Type: ptr(TypeNumber), Name: ptr("score")},
			core.AddColumn{Table: "People", Column: core.ColumnSpec{ID: "score", Type: "Numeric", Label: "Score"}}, ""},
		{"int", FieldInput{Type: ptr(TypeNumber), Name: ptr("age"), Settings: map[string]any{"dataType": "int"}},
			core.AddColumn{Table: "People", Column: core.ColumnSpec{ID: "age", Type: "Int", Label: "Age"}}, ""},
		{"decimals", FieldInput{Type: ptr(TypeNumber), Name: ptr("ratio"), Settings: map[string]any{"decimals": 3.0}},
			core.AddColumn{Table: "People", Column: core.ColumnSpec{ID: "ratio", Type: "Numeric", Label: "Ratio", WidgetOptions: `{"decimals":3}`}}, ""},
		{"numeric", FieldInput{Type: ptr(TypeNumeric), Name: ptr("big")},
			core.AddColumn{Table: "People", Column: core.ColumnSpec{ID: "big", Type: "Numeric", Label: "Big"}}, ""},
		{"boolean unique", FieldInput{Type: ptr(TypeBoolean), Name: ptr("vip"), IsUnique: ptr(false)},
			core.AddColumn{Table: "People", Column: core.ColumnSpec{ID: "vip", Type: "Bool", Label: "Vip"}}, ""},
		{"date", FieldInput{Type: ptr(TypeDate), Name: ptr("due")},
			core.AddColumn{Table: "People", Column: core.ColumnSpec{ID: "due", Type: "Date", Label: "Due"}}, ""},
		{"date time", FieldInput{Type: ptr(TypeDateTime), Name: ptr("at")},
			core.AddColumn{Table: "People", Column: core.ColumnSpec{ID: "at", Type: "DateTime:UTC", Label: "At"}}, ""},
		{"select", FieldInput{Type: ptr(TypeSelect), Name: ptr("level"), Options: []OptionInput{
			{Label: "High", Value: "HIGH", Color: "red", Position: ptr(1.0)}, {Label: "Low", Value: "LOW", Position: ptr(0.0)}}},
			core.AddColumn{Table: "People", Column: core.ColumnSpec{ID: "level", Type: "Choice", Label: "Level",
				WidgetOptions: `{"choiceColors":{"HIGH":"red"},"choiceLabels":{"HIGH":"High","LOW":"Low"},"choices":["LOW","HIGH"]}`}}, ""},
		{"multi select", FieldInput{Type: ptr(TypeMultiSelect), Name: ptr("skills"), Options: []OptionInput{{Label: "Go", Value: "GO"}}},
			core.AddColumn{Table: "People", Column: core.ColumnSpec{ID: "skills", Type: "ChoiceList", Label: "Skills",
				WidgetOptions: `{"choiceLabels":{"GO":"Go"},"choices":["GO"]}`}}, ""},
		{"raw json", FieldInput{Type: ptr(TypeRawJSON), Name: ptr("extra")},
			core.AddColumn{Table: "People", Column: core.ColumnSpec{ID: "extra", Type: "Any", Label: "Extra"}}, ""},
		{"files", FieldInput{Type: ptr(TypeFiles), Name: ptr("docs")},
			core.AddColumn{Table: "People", Column: core.ColumnSpec{ID: "docs", Type: "Attachments", Label: "Docs"}}, ""},
		{"many to one", FieldInput{Type: ptr(TypeRelation), Name: ptr("employer"), Label: ptr("Employer"), RelationCreationPayload: &RelationInput{
			TargetObjectMetadataID: "uuid-Companies", TargetFieldLabel: "Employees", TargetFieldIcon: "IconUsers", Type: RelationManyToOne}},
			core.AddColumn{Table: "People", Column: core.ColumnSpec{ID: "employer", Type: "Ref:Companies", Label: "Employer",
				ReverseCol: "employees", ReverseLabel: "Employees", ReverseIcon: "IconUsers"}}, ""},
		{"one to many", FieldInput{Type: ptr(TypeRelation), Name: ptr("mentees"), Label: ptr("Mentees"), RelationCreationPayload: &RelationInput{
			TargetObjectMetadataID: "Companies", TargetFieldLabel: "Point of contact", Type: RelationOneToMany}},
			core.AddColumn{Table: "Companies", Column: core.ColumnSpec{ID: "pointOfContact", Type: "Ref:People", Label: "Point of contact",
				ReverseCol: "mentees", ReverseLabel: "Mentees"}}, ""},
		{"composite", FieldInput{Type: ptr("FULL_NAME"), Name: ptr("fullName")}, core.AddColumn{},
			`field type "FULL_NAME" cannot be mapped onto a Rowhouse column type; the types that can are TEXT, NUMBER, NUMERIC, BOOLEAN, DATE, DATE_TIME, SELECT, MULTI_SELECT, RELATION, RAW_JSON, FILES`},
		{"unknown type", FieldInput{Type: ptr("BLOB"), Name: ptr("b")}, core.AddColumn{}, `field type "BLOB" cannot be mapped`},
		{"no type", FieldInput{Name: ptr("b")}, core.AddColumn{}, "type is missing"},
		{"no name", FieldInput{Type: ptr(TypeText)}, core.AddColumn{}, "name is missing"},
		{"bad name", FieldInput{Type: ptr(TypeText), Name: ptr("Bad_name")}, core.AddColumn{}, `"Bad_name" is not a valid field name`},
		{"reserved", FieldInput{Type: ptr(TypeText), Name: ptr("createdAt")}, core.AddColumn{}, `field name "createdAt" is reserved`},
		{"taken", FieldInput{Type: ptr(TypeText), Name: ptr("name")}, core.AddColumn{}, `object person already has a field named "name"`},
		{"settings", FieldInput{Type: ptr(TypeText), Name: ptr("x"), Settings: map[string]any{"displayedMaxRows": 2.0}}, core.AddColumn{},
			"settings.displayedMaxRows is not supported by Rowhouse on TEXT fields"},
		{"options on text", FieldInput{Type: ptr(TypeText), Name: ptr("x"), Options: []OptionInput{{Value: "A"}}}, core.AddColumn{},
			"options are only for SELECT and MULTI_SELECT fields, not TEXT"},
		{"duplicate option", FieldInput{Type: ptr(TypeSelect), Name: ptr("x"), Options: []OptionInput{{Value: "A"}, {Value: "A"}}}, core.AddColumn{},
			`option value "A" is given twice`},
		{"default", FieldInput{Type: ptr(TypeText), Name: ptr("x"), DefaultValue: json.RawMessage(`"'hello'"`)}, core.AddColumn{},
			`defaultValue "'hello'" is not supported by Rowhouse: a new record's x is "''"`},
		{"default empty", FieldInput{Type: ptr(TypeText), Name: ptr("x"), DefaultValue: json.RawMessage(`"''"`)},
			core.AddColumn{Table: "People", Column: core.ColumnSpec{ID: "x", Type: "Text", Label: "X"}}, ""},
		{"inactive", FieldInput{Type: ptr(TypeText), Name: ptr("x"), IsActive: ptr(false)}, core.AddColumn{}, "isActive false is not supported by Rowhouse (only true)"},
		{"relation without payload", FieldInput{Type: ptr(TypeRelation), Name: ptr("x")}, core.AddColumn{}, "relationCreationPayload is missing"},
		{"relation to nothing", FieldInput{Type: ptr(TypeRelation), Name: ptr("x"), RelationCreationPayload: &RelationInput{
			TargetObjectMetadataID: "uuid-nope", TargetFieldLabel: "X", Type: RelationManyToOne}}, core.AddColumn{}, `Object "uuid-nope" not found`},
		{"relation type", FieldInput{Type: ptr(TypeRelation), Name: ptr("x"), RelationCreationPayload: &RelationInput{
			TargetObjectMetadataID: "Companies", TargetFieldLabel: "X", Type: "ONE_TO_ONE"}}, core.AddColumn{}, `relationCreationPayload.type "ONE_TO_ONE" is not one of`},
	} {
		t.Run(c.name, func(t *testing.T) {
			fc, err := CreateField(info, s, people, c.in)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(fc.Action, c.want) {
				t.Errorf("action\n %+v\nwant\n %+v", fc.Action, c.want)
			}
		})
	}
}

func TestCreateObject(t *testing.T) {
	at, err := CreateObject(ObjectInput{NameSingular: ptr("pet"), NamePlural: ptr("pets"), LabelSingular: ptr("Pet"), Icon: ptr("IconCat")})
	if err != nil {
		t.Fatal(err)
	}
	want := core.AddTable{ID: "Pets", NameSingular: "pet", NamePlural: "pets", LabelSingular: "Pet", Icon: "IconCat",
		Columns: []core.ColumnSpec{{ID: "name", Type: "Text", Label: "Name", Icon: "IconAbc"}}}
	if !reflect.DeepEqual(at, want) {
		t.Errorf("got %+v\nwant %+v", at, want)
	}
	for _, c := range []struct {
		in  ObjectInput
		err string
	}{
		{ObjectInput{NamePlural: ptr("pets")}, "nameSingular is missing"},
		{ObjectInput{NameSingular: ptr("pet")}, "namePlural is missing"},
		{ObjectInput{NameSingular: ptr("Pet"), NamePlural: ptr("pets")}, `"Pet" is not a valid object name`},
		{ObjectInput{NameSingular: ptr("pet"), NamePlural: ptr("pets"), IsRemote: ptr(true)}, "isRemote true is not supported"},
		{ObjectInput{NameSingular: ptr("pet"), NamePlural: ptr("pets"), PrimaryKeyColumnType: ptr("uuid")}, "primaryKeyColumnType is not supported"},
		{ObjectInput{NameSingular: ptr("pet"), NamePlural: ptr("pets"), Shortcut: ptr("P")}, "shortcut is not supported"},
	} {
		if _, err := CreateObject(c.in); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%+v: error %v, want %q", c.in, err, c.err)
		}
	}
}

func TestUpdateField(t *testing.T) {
	s := testSchema()
	people := s.Table("People")
	for _, c := range []struct {
		name string
		col  string
		in   FieldInput
		want core.ColumnUpdate
		id   string
		err  string
	}{
		{"rename and relabel", "name", FieldInput{Name: ptr("fullName"), Label: ptr("Full name")},
			core.ColumnUpdate{ID: ptr("fullName"), Label: ptr("Full name")}, "fullName", ""},
		{"options", "stage", FieldInput{Options: []OptionInput{{Value: "NEW", Label: "Fresh"}}},
			core.ColumnUpdate{WidgetOptions: ptr(`{"choiceLabels":{"NEW":"Fresh"},"choices":["NEW"]}`)}, "stage", ""},
		{"type change", "name", FieldInput{Type: ptr(TypeNumber), Settings: map[string]any{"dataType": "int"}},
			core.ColumnUpdate{Type: ptr("Int")}, "name", ""},
		{"no change", "name", FieldInput{Type: ptr(TypeText)}, core.ColumnUpdate{}, "name", ""},
		{"relation type", "company", FieldInput{Type: ptr(TypeText)}, core.ColumnUpdate{}, "", "the type of a RELATION field cannot change"},
		{"rename clash", "born", FieldInput{Name: ptr("name")}, core.ColumnUpdate{}, "", `object person already has a field named "name"`},
		{"object", "born", FieldInput{ObjectMetadataID: ptr("uuid-Companies")}, core.ColumnUpdate{}, "", "objectMetadataId cannot be changed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			actions, id, err := UpdateField(people, people.Column(c.col), c.in)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if id != c.id {
				t.Errorf("id %q, want %q", id, c.id)
			}
			if c.want == (core.ColumnUpdate{}) {
				if len(actions) != 0 {
					t.Errorf("actions %+v, want none", actions)
				}
				return
			}
			if len(actions) != 1 || !reflect.DeepEqual(actions[0].(core.ModifyColumn).Update, c.want) {
				t.Errorf("actions %+v, want %+v", actions, c.want)
			}
		})
	}
}

// Records take Twenty's shape and values, and encode as JSON.stringify
// would.
func TestRecord(t *testing.T) {
	s := testSchema()
	people := s.Table("People")
	at := time.Date(2024, 5, 6, 7, 8, 9, 123e6, time.UTC)
	rec := core.Record{ID: 7, Fields: map[string]any{
		"name": "Ann <&> \u2028", "company": 3.0, "stage": "NEW", "tags": []any{"L", "a", "b"}, "born": 1704067200.0,
		"seen": 1704105000.5, "data": map[string]any{"k": []any{"L", 1.0}}, "files": []any{"L"}, "friends": []any{"L", 2.0},
		"gone": []any{"L", "x"},
	}}
	got, err := MarshalJS(Record(people, rec, RecordTimes{CreatedAt: &at, UpdatedAt: &at}))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":7,"name":"Ann <&> ` + "\u2028" + `","companyId":3,"stage":"NEW","tags":["a","b"],"born":"2024-01-01",` +
		`"seen":"2024-01-01T10:30:00.500Z","data":{"k":["L",1]},"files":null,"friends":[2],"gone":["x"],` +
		`"createdAt":"2024-05-06T07:08:09.123Z","updatedAt":"2024-05-06T07:08:09.123Z"}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	empty := core.Record{ID: 1, Fields: map[string]any{"company": 0.0, "born": nil}}
	if got, _ := MarshalJS(Record(people, empty, RecordTimes{})); string(got) != `{"id":1,"companyId":null,"born":null}` {
		t.Errorf("empty record %s", got)
	}
	if got := FieldNames(people, []string{"company", "name", "nope"}); !reflect.DeepEqual(got, []string{"companyId", "name", "nope"}) {
		t.Errorf("field names %v", got)
	}
}

func TestMarshalJS(t *testing.T) {
	for in, want := range map[string]string{
		"a\u2028b":   `"a` + "\u2028" + `b"`,
		`a\u2028b`:   `"a\\u2028b"`,
		"<b>&":       `"<b>&"`,
		"x\\\u2029y": `"x\\` + "\u2029" + `y"`,
	} {
		got, err := MarshalJS(in)
		if err != nil || string(got) != want {
			t.Errorf("MarshalJS(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
}

func TestPage(t *testing.T) {
	items := []string{"a", "b", "c", "d"}
	id := func(s string) string { return s }
	for _, c := range []struct {
		p          Paging
		want       string
		next, prev bool
		err        string
	}{
		{Paging{}, "abcd", false, false, ""},
		{Paging{First: 2}, "ab", true, false, ""},
		{Paging{First: 2, After: "b"}, "cd", false, true, ""},
		{Paging{Last: 2, Before: "d"}, "bc", true, true, ""},
		{Paging{Last: 1}, "d", false, true, ""},
		{Paging{After: "x"}, "", false, false, `cursor "x" names no item`},
		{Paging{After: "a", Before: "c"}, "", false, false, "only one of"},
		{Paging{First: 1001}, "", false, false, "from 1 to 1000"},
	} {
		page, info, err := Page(items, id, c.p)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%+v: error %v, want %q", c.p, err, c.err)
			}
			continue
		}
		if err != nil || strings.Join(page, "") != c.want || info.HasNextPage != c.next || info.HasPreviousPage != c.prev {
			t.Errorf("%+v: %v %+v %v; want %s next %v prev %v", c.p, page, info, err, c.want, c.next, c.prev)
		}
	}
}

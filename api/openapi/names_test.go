package openapi

import (
	"regexp"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/schema"
)

func TestSanitizeName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"People", "People"},
		{"My_Table2", "My_Table2"},
		{"Café Menu", "Caf__Menu"},
		{"2024", "T2024"},
		{"_x", "T_x"},
		{"", "T"},
		{"a.b-c", "a_b_c"},
	} {
		if got := sanitizeName(tc.in); got != tc.want {
			t.Errorf("sanitizeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Bases are unique ignoring case, and no component name made from one
// clashes with a fixed name or with another table's.
func TestNamerBases(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fixed  []string
		tables []string
		want   []string
	}{
		{"distinct", nil, []string{"People", "Companies"}, []string{"People", "Companies"}},
		{"a fixed name", []string{"ColumnFields"}, []string{"Column"}, []string{"Column2"}},
		{"the base is a fixed name", []string{"Table"}, []string{"Table"}, []string{"Table2"}},
		{"suffix clash", nil, []string{"People", "PeopleRecord"}, []string{"People", "PeopleRecord2"}},
		{"suffix clash, other order", nil, []string{"PeopleRecord", "People"}, []string{"PeopleRecord", "People2"}},
		{"case", []string{"error"}, []string{"Error"}, []string{"Error2"}},
		{"numbered clash", nil, []string{"A", "A2", "A2Fields"}, []string{"A", "A2", "A2Fields2"}},
		{"sanitized clash", nil, []string{"A b", "A_b"}, []string{"A_b", "A_b2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newNamer(tc.fixed)
			var got []string
			for _, id := range tc.tables {
				got = append(got, n.base(id))
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("bases %v, want %v", got, tc.want)
			}
		})
	}
}

// In a generated description every component name is valid and unique
// ignoring case, even for tables whose names clash with the fixed ones or
// with each other's.
func TestComponentNamesUnique(t *testing.T) {
	var tables []*schema.Table
	for _, id := range []string{"Column", "ColumnData", "Error", "People", "PeopleRecord", "Table", "TableList", "Records", "TwentyError", "PeopleTwenty"} {
		typ, _ := schema.ParseType("Text")
		tables = append(tables, &schema.Table{ID: id, NameSingular: strings.ToLower(id), NamePlural: strings.ToLower(id) + "s",
			Columns: []*schema.Column{{ID: "name", Type: typ}}})
	}
	spec, err := ForDocument("AAAAAAAAAAAAAAAAAAAAAA", schema.New(1, tables), core.Limits{MaxPage: 100, MaxBatch: 100})
	if err != nil {
		t.Fatal(err)
	}
	valid := regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)
	seen := map[string]string{}
	for name := range spec.Components.Schemas {
		if !valid.MatchString(name) {
			t.Errorf("component name %q is not valid", name)
		}
		if other, ok := seen[strings.ToLower(name)]; ok {
			t.Errorf("component names %q and %q clash", name, other)
		}
		seen[strings.ToLower(name)] = name
	}
	want := len(sharedDocSchemas()) + len(extraSchemas()) + len(twentySchemas()) + len(twentyMetaSchemas()) + len(tables)*len(tableSuffixes())
	if len(spec.Components.Schemas) != want {
		t.Errorf("%d component schemas, want %d", len(spec.Components.Schemas), want)
	}
	// Each table's records refer to its own components.
	if got := spec.Components.Schemas["Column2RecordList"]; got == nil || got.Value.Properties["records"].Value.Items.Ref != "#/components/schemas/Column2Record" {
		t.Errorf("table Column's components are not named Column2...: %v", got)
	}
}

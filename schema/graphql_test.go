package schema

import (
	"slices"
	"strings"
	"testing"
)

func TestInflect(t *testing.T) {
	tests := []struct {
		table, singular, plural string
	}{
		{"Companies", "company", "companies"},
		{"Company", "company", "companies"},
		{"Person", "person", "people"},
		{"People", "person", "people"},
		{"Users", "user", "users"},
		{"Categories", "category", "categories"},
		{"Addresses", "address", "addresses"},
		{"Status", "status", "statuses"},
		{"Boxes", "box", "boxes"},
		{"Children", "child", "children"},
		{"Data", "datum", "data"},
		{"Humans", "human", "humans"}, // the table's own plural wins over "humen"
		{"Sheep", "sheep", "sheepList"},
		{"News", "news", "newsList"},
		{"Series", "series", "seriesList"},
		{"Table1", "table1", "table1List"},
		{"Order_Items", "orderItem", "orderItems"},
		{"OrderItems", "orderItem", "orderItems"},
		{"order_item", "orderItem", "orderItems"},
		{"HTTPRequests", "httpRequest", "httpRequests"},
		{"ORDERS", "order", "orders"},
		{"My_Table2", "myTable2", "myTable2List"},
		{"Q_3", "q3", "q3List"},
		{"Sales2024_Regions", "sales2024Region", "sales2024Regions"},
		{"X", "x", "xes"},
	}
	for _, tt := range tests {
		s, p := Inflect(tt.table)
		if s != tt.singular || p != tt.plural {
			t.Errorf("Inflect(%q) = %q, %q; want %q, %q", tt.table, s, p, tt.singular, tt.plural)
		}
	}
}

// TestInflectInvariants checks, over many table ids, that the names are
// valid GraphQL names, camelCase and distinct.
func TestInflectInvariants(t *testing.T) {
	ids := []string{"A", "Fish", "Information", "Equipment", "Money", "Police", "Jeans",
		"Movies", "Mice", "Oxen", "Matrix", "Analysis", "Quiz", "Octopus", "Alias",
		"Tomato", "Wolves", "Knife", "Table_", "T2024_sales", "Xx_9", "Databases",
		"Gristle", "Cctv", "ABC", "aB", "Z_z_Z"}
	for i := range 30 {
		ids = append(ids, SanitizeTableID(strings.Repeat("ab", i), nil))
	}
	for _, id := range ids {
		s, p := Inflect(id)
		if s == p {
			t.Errorf("Inflect(%q): singular and plural are both %q", id, s)
		}
		for _, name := range []string{s, p} {
			if !ValidGraphQLName(name) || name[0] < 'a' || name[0] > 'z' {
				t.Errorf("Inflect(%q): %q is not a lowerCamel GraphQL name", id, name)
			}
		}
	}
}

func TestValidGraphQLName(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"company", true},
		{"Company", true},
		{"_x", true},
		{"a1_B", true},
		{"", false},
		{"__typename", false},
		{"1a", false},
		{"a-b", false},
		{"é", false},
	}
	for _, tt := range tests {
		if got := ValidGraphQLName(tt.in); got != tt.want {
			t.Errorf("ValidGraphQLName(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestRefIDField(t *testing.T) {
	ref := Type{Kind: KindRef, Table: "Companies"}
	tbl := &Table{ID: "People", Columns: []*Column{
		{ID: "company", Type: ref},
		{ID: "Owner", Type: ref},
		{ID: "ownerID", Type: Type{Kind: KindText}}, // takes Owner's name, in another case
		{ID: "name", Type: Type{Kind: KindText}},
		{ID: "teams", Type: Type{Kind: KindRefList, Table: "Teams"}},
		{ID: "boss", Type: ref, Reverse: true},
	}}
	for _, tc := range []struct {
		col  string
		want string
		ok   bool
	}{
		{"company", "companyId", true},
		{"Owner", "", false},
		{"name", "", false},
		{"teams", "", false},
		{"boss", "", false},
	} {
		got, ok := RefIDField(tbl, tbl.Columns[slices.IndexFunc(tbl.Columns, func(c *Column) bool { return c.ID == tc.col })])
		if got != tc.want || ok != tc.ok {
			t.Errorf("RefIDField(%s) = %q, %v; want %q, %v", tc.col, got, ok, tc.want, tc.ok)
		}
	}
}

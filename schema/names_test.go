package schema

import (
	"strings"
	"testing"
)

func TestSanitizeTableID(t *testing.T) {
	xs := func(n int) string { return "X" + strings.Repeat("x", n-1) }
	long := xs(100)
	tests := []struct {
		name     string
		existing []string
		want     string
	}{
		{"Foo", nil, "Foo"},
		{"Foo", []string{"Foo"}, "Foo2"},
		{"Foo", []string{"foo"}, "Foo2"},
		{"foo", []string{"FOO", "Foo2"}, "Foo3"},
		{"Foo2", []string{"Foo2"}, "Foo2_2"},
		{"Foo2", []string{"Foo2", "foo2_2"}, "Foo2_3"},
		{"foo", nil, "Foo"},
		{"people", nil, "People"},
		{"camelCase", nil, "CamelCase"},
		{"my table", nil, "My_table"},
		{"a - b", nil, "A_b"},
		{"a_-_b", nil, "A___b"},
		{"Foo!", nil, "Foo_"},
		{"Café", nil, "Cafe"},
		{"Ünïcödé", nil, "Unicode"},
		{"ﬁle", nil, "File"},
		{"Ｆｕｌｌ", nil, "Full"},
		{"Straße", nil, "Stra_e"},
		{"2024 sales", nil, "T2024_sales"},
		{"1", nil, "T1"},
		{"_hidden", nil, "Hidden"},
		{"__x__", nil, "X__"},
		{"_grist_Tables", nil, "Grist_Tables"},
		{"_rh_outbox", nil, "Rh_outbox"},
		{"", nil, "Table1"},
		{"", []string{"Table1"}, "Table2"},
		{"", []string{"table1", "TABLE2"}, "Table3"},
		{"!!!", nil, "Table1"},
		{"日本", nil, "Table1"},
		{"none", nil, "TNone"},
		{"None", nil, "TNone"},
		{"true", nil, "TTrue"},
		{"False", nil, "TFalse"},
		{"class", nil, "Class"},
		{"TNone", []string{"TNone"}, "TNone2"},
		{long, nil, long[:MaxIdentLen]},
		{long, []string{long[:MaxIdentLen]}, long[:MaxIdentLen-1] + "2"},
		{xs(62) + "1", []string{xs(62) + "1"}, xs(62) + "2"},
		{xs(62) + "1", []string{xs(62) + "1", xs(62) + "2"}, xs(62) + "3"},
		{xs(60) + "9", []string{xs(60) + "9"}, xs(60) + "9_2"},
	}
	for _, tt := range tests {
		got := SanitizeTableID(tt.name, tt.existing)
		if got != tt.want {
			t.Errorf("SanitizeTableID(%q, %q) = %q, want %q", tt.name, tt.existing, got, tt.want)
		}
		checkSanitized(t, got, tt.existing)
	}
}

func TestSanitizeColID(t *testing.T) {
	letters := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, lettersFor(i))
		}
		return out
	}
	tests := []struct {
		name     string
		existing []string
		want     string
	}{
		{"Name", nil, "Name"},
		{"name", []string{"Name"}, "name2"},
		{"Foo", []string{"Foo"}, "Foo2"},
		{"Foo2", []string{"foo2"}, "Foo2_2"},
		{"Foo2", []string{"Foo2", "Foo2_2"}, "Foo2_3"},
		{"first name", nil, "first_name"},
		{"E-mail", nil, "E_mail"},
		{"2nd", nil, "c2nd"},
		{"123", nil, "c123"},
		{"class", nil, "cclass"},
		{"yield", nil, "cyield"},
		{"None", nil, "cNone"},
		{"True", nil, "cTrue"},
		{"Class", nil, "Class"},
		{"match", nil, "match"}, // a soft keyword, which Python's iskeyword() allows
		{"cclass", []string{"cclass"}, "cclass2"},
		{"id", nil, "id2"},
		{"ID", nil, "ID2"},
		{"id", []string{"id2"}, "id3"},
		{"manualSort", nil, "manualSort2"},
		{"manualsort", nil, "manualsort2"},
		{"gristHelper_Display", nil, "cgristHelper_Display"},
		{"_gristHelper_x", nil, "cgristHelper_x"},
		{"GristHelper_x", nil, "GristHelper_x"},
		{"é", nil, "e"},
		{"ça va", nil, "ca_va"},
		{"Prénom", nil, "Prenom"},
		{"_private", nil, "private"},
		{"", nil, "A"},
		{"", []string{"A", "B"}, "C"},
		{"", []string{"a"}, "B"},
		{"?", []string{"A"}, "B"},
		{"", letters(26), "AA"},
		{"", letters(27), "AB"},
		{"", append(letters(26), "aa"), "AB"},
		{"", letters(26 + 26*26), "AAA"},
		{"", letters(lettersIndex("IC") + 1), "IE"}, // skips "ID", which is reserved
	}
	for _, tt := range tests {
		got := SanitizeColID(tt.name, tt.existing)
		if got != tt.want {
			t.Errorf("SanitizeColID(%q, %d existing) = %q, want %q", tt.name, len(tt.existing), got, tt.want)
		}
		checkSanitized(t, got, tt.existing)
		if ReservedColumn(got) {
			t.Errorf("SanitizeColID(%q) = %q, a reserved column", tt.name, got)
		}
	}
}

func lettersIndex(s string) int {
	for i := 0; ; i++ {
		if lettersFor(i) == s {
			return i
		}
	}
}

func TestLettersFor(t *testing.T) {
	for i, want := range map[int]string{0: "A", 1: "B", 25: "Z", 26: "AA", 27: "AB", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA"} {
		if got := lettersFor(i); got != want {
			t.Errorf("lettersFor(%d) = %q, want %q", i, got, want)
		}
	}
}

// checkSanitized checks the invariants every sanitized id has.
func checkSanitized(t *testing.T, id string, existing []string) {
	t.Helper()
	if !ValidIdent(id) {
		t.Errorf("%q is not a valid identifier", id)
	}
	for _, e := range existing {
		if strings.EqualFold(e, id) {
			t.Errorf("%q clashes with existing %q", id, e)
		}
	}
	if pythonKeywords[id] {
		t.Errorf("%q is a Python keyword", id)
	}
}

func TestSanitizeIdempotent(t *testing.T) {
	for _, name := range []string{"Foo", "my table", "2024", "class", "", "id", "Ünïcödé", strings.Repeat("ab", 50)} {
		if id := SanitizeTableID(name, nil); SanitizeTableID(id, nil) != id {
			t.Errorf("table %q -> %q -> %q", name, id, SanitizeTableID(id, nil))
		}
		if id := SanitizeColID(name, nil); SanitizeColID(id, nil) != id {
			t.Errorf("column %q -> %q -> %q", name, id, SanitizeColID(id, nil))
		}
	}
}

func TestValidIdent(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"a", true},
		{"People", true},
		{"A1_b", true},
		{"x_", true},
		{strings.Repeat("a", 63), true},
		{strings.Repeat("a", 64), false},
		{"", false},
		{"_a", false},
		{"1a", false},
		{"a-b", false},
		{"a b", false},
		{"é", false},
		{`a"b`, false},
		{"a;drop", false},
	}
	for _, tt := range tests {
		if got := ValidIdent(tt.in); got != tt.want {
			t.Errorf("ValidIdent(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestReserved(t *testing.T) {
	tables := map[string]bool{
		"_grist_Tables": true, "_GRIST_x": true, "_rh_outbox": true, "_RH_x": true,
		"People": false, "grist_x": false, "_gris": false, "": false, "Rh_x": false,
	}
	for id, want := range tables {
		if got := ReservedTable(id); got != want {
			t.Errorf("ReservedTable(%q) = %v, want %v", id, got, want)
		}
	}
	cols := map[string]bool{
		"id": true, "ID": true, "manualSort": true, "MANUALSORT": true, "gristHelper_Display": true,
		"ids": false, "cgristHelper_x": false, "Name": false, "": false,
	}
	for id, want := range cols {
		if got := ReservedColumn(id); got != want {
			t.Errorf("ReservedColumn(%q) = %v, want %v", id, got, want)
		}
	}
}

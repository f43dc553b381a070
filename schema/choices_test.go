package schema

import (
	"reflect"
	"slices"
	"testing"
)

// FuzzChoices checks that any widgetOptions either fails to parse or
// gives choices that WidgetOptions writes back and ParseChoices reads
// again unchanged (labels equal to their value dropped), keeping the
// other members.
func FuzzChoices(f *testing.F) {
	f.Add(``)
	f.Add(`{"choices":["A","B"]}`)
	f.Add(`{"choices":["NEW",1,null],"choiceLabels":{"NEW":"New","X":"y"},"choiceColors":{"NEW":"red"},"alignment":"left"}`)
	f.Add(`{"choices":"A"}`)
	f.Add(`[1]`)
	f.Fuzz(func(t *testing.T, wo string) {
		c, err := ParseChoices(wo)
		if err != nil {
			return
		}
		out, err := c.WidgetOptions(wo)
		if err != nil {
			return // members that are not JSON objects' (a bare array): refused, not lost
		}
		again, err := ParseChoices(out)
		if err != nil {
			t.Fatalf("ParseChoices(%q) after WidgetOptions: %v", out, err)
		}
		if !reflect.DeepEqual(again.Values, c.Values) && !(len(again.Values) == 0 && len(c.Values) == 0) {
			t.Fatalf("values %q, then %q", c.Values, again.Values)
		}
		for _, v := range c.Values {
			if again.Label(v) != c.Label(v) || again.Colors[v] != c.Colors[v] {
				t.Fatalf("value %q: label %q/%q color %q/%q", v, c.Label(v), again.Label(v), c.Colors[v], again.Colors[v])
			}
		}
	})
}

func TestChoices(t *testing.T) {
	c, err := ParseChoices(`{"choices":["NEW","WON"],"choiceLabels":{"NEW":"New"},"alignment":"left"}`)
	if err != nil || c.Label("NEW") != "New" || c.Label("WON") != "WON" {
		t.Fatalf("%+v %v", c, err)
	}
	c.Values = append(c.Values, "LOST")
	c.Colors = map[string]string{"LOST": "red", "GONE": "blue"}
	out, err := c.WidgetOptions(`{"choices":["X"],"alignment":"left"}`)
	if want := `{"alignment":"left","choiceColors":{"LOST":"red"},"choiceLabels":{"NEW":"New"},"choices":["NEW","WON","LOST"]}`; err != nil || out != want {
		t.Errorf("got %s, %v\nwant %s", out, err, want)
	}
}

// TestColumnChoices: a column's choices as strings, or not usable when one
// is not a string.
func TestColumnChoices(t *testing.T) {
	for _, c := range []struct {
		opts string
		want []string
		ok   bool
	}{
		{``, nil, true},
		{`{}`, nil, true},
		{`not json`, nil, true},
		{`{"choices":[]}`, nil, true},
		{`{"choices":["NEW","in progress"],"choiceOptions":{}}`, []string{"NEW", "in progress"}, true},
		{`{"choices":["a",1]}`, nil, false},
	} {
		got, ok := (&Column{WidgetOptions: c.opts}).Choices()
		if !slices.Equal(got, c.want) || ok != c.ok {
			t.Errorf("%s: %q %v, want %q %v", c.opts, got, ok, c.want, c.ok)
		}
	}
}

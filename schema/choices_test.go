package schema

import (
	"slices"
	"testing"
)

func TestChoices(t *testing.T) {
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

package testserver

import "testing"

func TestMatchJSON(t *testing.T) {
	cases := []struct {
		want, got string
		ok        bool
	}{
		{`{"a":1,"b":[true,null]}`, `{"b":[true,null],"a":1}`, true},
		{`{"a":1}`, `{"a":1,"b":2}`, false},
		{`{"a":1,"b":2}`, `{"a":1}`, false},
		{`1`, `1.0`, false},
		{`[1,2]`, `[2,1]`, false},
		{`{"id":"<docid>"}`, `{"id":"4mK2r9XbQz7PdWfTgHs3aN"}`, true},
		{`{"id":"<docid>"}`, `{"id":"0mK2r9XbQz7PdWfTgHs3aN"}`, false},
		{`"<int>"`, `42`, true},
		{`"<int>"`, `4.2`, false},
		{`"<int>"`, `"42"`, false},
		{`"<str>"`, `"x"`, true},
		{`"<str>"`, `null`, false},
		{`{"x":"<any>"}`, `{"x":{"deep":[1]}}`, true},
		{`null`, `null`, true},
		{`null`, `{}`, false},
		{`[]`, `null`, false},
	}
	for _, c := range cases {
		err := MatchJSON(c.want, []byte(c.got))
		if (err == nil) != c.ok {
			t.Errorf("MatchJSON(%s, %s) = %v, want ok=%v", c.want, c.got, err, c.ok)
		}
	}
}

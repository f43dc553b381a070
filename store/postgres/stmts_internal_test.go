package postgres

import (
	"testing"

	"github.com/jackc/pgx/v5/pgtype"
)

// Parameters are encoded as QueryExecModeExec sends them: text in the Go
// value's form, nil as NULL and an empty text as an empty value, also on
// a connection that has encoded nothing yet.
func TestEncodeParams(t *testing.T) {
	m := pgtype.NewMap()
	for _, c := range []struct {
		name string
		args []any
		want []*string
	}{
		{"empty text first", []any{"", "a"}, []*string{ptr(""), ptr("a")}},
		{"null first", []any{nil, ""}, []*string{nil, ptr("")}},
		{"values", []any{int64(-7), 2.5, "x y", []byte("\x00\xff")}, []*string{ptr("-7"), ptr("2.5"), ptr("x y"), ptr(`\x00ff`)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, sc := range []*stmtCache{{}, {buf: make([]byte, 3, 8)}} { // new, and reused with something left in it
				vals, err := sc.encode(m, c.args)
				if err != nil {
					t.Fatal(err)
				}
				if len(vals) != len(c.want) {
					t.Fatalf("%d values for %d arguments", len(vals), len(c.want))
				}
				for i, w := range c.want {
					switch {
					case w == nil && vals[i] != nil:
						t.Fatalf("argument %d: %q, want NULL", i, vals[i])
					case w != nil && (vals[i] == nil || string(vals[i]) != *w):
						t.Fatalf("argument %d: %q (nil %v), want %q", i, vals[i], vals[i] == nil, *w)
					}
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

package postgres_test

import (
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse/store/postgres/pgtest"
)

// The outbox's rows and before columns are compressed with lz4 where the
// server has it (migration 0011), and a large value written so reads back
// as it was written.
func TestOutboxCompressesWithLZ4(t *testing.T) {
	pgtest.Skip(t)
	ctx := t.Context()
	e := pgtest.Open(t)
	id, d := newOpenDoc(t, e)

	var hasLZ4 bool
	if err := d.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals))`).Scan(&hasLZ4); err != nil {
		t.Fatal(err)
	}
	want := ""
	if hasLZ4 {
		want = "l"
	}
	table := `"` + e.DocSchema(id) + `"._rh_outbox`
	for _, col := range []string{"rows", "before"} {
		var got string
		if err := d.QueryRow(ctx, `SELECT attcompression::text FROM pg_attribute WHERE attrelid = CAST(? AS regclass) AND attname = ?`, table, col).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: attcompression %q, want %q (server has lz4: %v)", col, got, want, hasLZ4)
		}
	}

	big := strings.Repeat(`{"id":1,"fields":{"note":"a note that repeats"}},`, 1000)
	if _, err := d.Exec(ctx, `INSERT INTO _rh_outbox (at, actor_id, action_num, table_id, kind, row_ids, columns, rows, before) VALUES (1, 1, 1, 'T', 'update', '[]', '[]', ?, ?)`, big, big); err != nil {
		t.Fatal(err)
	}
	var rows, before, method string
	if err := d.QueryRow(ctx, `SELECT rows, before, COALESCE(pg_column_compression(rows), '') FROM _rh_outbox`).Scan(&rows, &before, &method); err != nil {
		t.Fatal(err)
	}
	if rows != big || before != big {
		t.Errorf("the outbox read back %d and %d bytes, want %d", len(rows), len(before), len(big))
	}
	if hasLZ4 && method != "lz4" {
		t.Errorf("a %d-byte value was stored with %q, want lz4", len(big), method)
	}
}

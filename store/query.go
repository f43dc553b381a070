package store

import (
	"context"
	"fmt"

	"github.com/rowhouse/rowhouse/schema"
)

// QueryStrings returns the one text column of a query's rows.
func QueryStrings(ctx context.Context, q Querier, query string, args ...any) ([]string, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// StorageClasses reads the storage class of every user column of a
// document from its metadata (_rh_columns), by table then column id: what
// copies between engines need to create each column with its own type.
func StorageClasses(ctx context.Context, q Querier) (map[string]map[string]schema.Storage, error) {
	rows, err := q.Query(ctx, `SELECT table_id, col_id, type FROM _rh_columns`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]schema.Storage{}
	for rows.Next() {
		var t, c, typ string
		if err := rows.Scan(&t, &c, &typ); err != nil {
			return nil, err
		}
		ty, err := schema.ParseType(typ)
		if err != nil {
			return nil, fmt.Errorf("column %s.%s: %w", t, c, err)
		}
		if out[t] == nil {
			out[t] = map[string]schema.Storage{}
		}
		out[t][c] = ty.Storage()
	}
	return out, rows.Err()
}

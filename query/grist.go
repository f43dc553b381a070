package query

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/rowhouse/rowhouse"
)

// MessageFilterNotArrays is the message Grist gives when a value of its JSON
// filter is not an array; clients match on it.
const MessageFilterNotArrays = "Invalid query: filter values must be arrays"

// ParseGristFilter parses Grist's JSON filter, {"colA": [v1, v2], "colB":
// [...]}: a row matches when, for every column named, its cell equals one
// of that column's values. Each column becomes an [OpIn] [Cond] whose Path
// is the key (a column id, never a dotted path); several columns are an
// [And] of them in the order of the object's keys; {} is no filter (a nil
// Expr). A key repeated keeps its last value, as JSON.parse does. Numbers
// are json.Number.
//
// A value that is not an array is an error with Grist's message
// ([MessageFilterNotArrays]); array elements must be JSON scalars.
func ParseGristFilter(data []byte) (Expr, error) { return Limits{}.ParseGristFilter(data) }

// ParseGristFilter is [ParseGristFilter] bounded by l.
func (l Limits) ParseGristFilter(data []byte) (Expr, error) {
	l = l.resolved()
	if len(data) > l.MaxLength {
		return nil, errTooLong("filter", len(data), l)
	}
	notJSON := func() error {
		return rowhouse.Invalidf("Invalid query: filter is not a valid JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, notJSON()
	}
	var conds []Cond
	index := map[string]int{}
	values := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, notJSON()
		}
		col, ok := tok.(string)
		if !ok {
			return nil, notJSON()
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, notJSON()
		}
		list, isList := v.([]any)
		if !isList {
			return nil, rowhouse.Invalidf("%s", MessageFilterNotArrays)
		}
		if !isIdent(col) {
			return nil, rowhouse.Invalidf("Invalid query: filter key %q is not a valid column id", clip(col))
		}
		for i, v := range list {
			if _, nested := v.([]any); nested || !isScalar(v) {
				return nil, rowhouse.Invalidf("Invalid query: filter value %d of column %q must be a string, number, boolean or null", i, clip(col))
			}
		}
		if list == nil {
			list = []any{}
		}
		if i, seen := index[col]; seen {
			values -= len(conds[i].Value.([]any))
			conds[i].Value = list
		} else {
			index[col] = len(conds)
			conds = append(conds, Cond{Path: []string{col}, Op: OpIn, Value: list})
			if len(conds) > l.MaxConds {
				return nil, errTooManyConds(l)
			}
		}
		values += len(list)
		if values > l.MaxValues {
			return nil, errTooManyValues(l)
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, notJSON()
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, notJSON()
	}
	switch len(conds) {
	case 0:
		return nil, nil
	case 1:
		return conds[0], nil
	}
	exprs := make([]Expr, len(conds))
	for i, c := range conds {
		exprs[i] = c
	}
	return And{Exprs: exprs}, nil
}

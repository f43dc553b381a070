package core

import (
	"encoding/json"
	"slices"
	"strconv"

	"github.com/rowhouse/rowhouse/internal/jsonenc"
)

// appendRecordsJSON appends recs as json.Marshal writes them, byte for
// byte, without its reflection over every cell: an event of a large batch
// holds thousands of records, before and after. Cells of other types than
// the plain ones are left to json.Marshal.
func appendRecordsJSON(b []byte, recs []Record) ([]byte, error) {
	b = append(b, '[')
	var keys []string
	for i, r := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, r.ID, 10)
		b = append(b, `,"fields":`...)
		if r.Fields == nil {
			b = append(b, "null}"...)
			continue
		}
		// The records of an event mostly have the same columns: the keys
		// sorted for one record serve the next while they all are there.
		start := len(b)
		var ok bool
		var err error
		if len(keys) == len(r.Fields) {
			if b, ok, err = appendFieldsJSON(b, keys, r.Fields); err != nil {
				return nil, err
			}
		}
		if !ok {
			b = b[:start]
			keys = keys[:0]
			for k := range r.Fields {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if b, _, err = appendFieldsJSON(b, keys, r.Fields); err != nil {
				return nil, err
			}
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// appendFieldsJSON appends fields as a JSON object, its members in the
// order of keys, and reports false if a key is not in fields (b is then
// partly written).
func appendFieldsJSON(b []byte, keys []string, fields map[string]any) ([]byte, bool, error) {
	b = append(b, '{')
	for j, k := range keys {
		v, ok := fields[k]
		if !ok {
			return b, false, nil
		}
		if j > 0 {
			b = append(b, ',')
		}
		b = jsonenc.AppendString(b, k)
		b = append(b, ':')
		var err error
		if b, err = appendCellJSON(b, v); err != nil {
			return nil, false, err
		}
	}
	return append(b, '}'), true, nil
}

func appendCellJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return jsonenc.AppendString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case float64:
		if out, ok := jsonenc.AppendFloat(b, x); ok {
			return out, nil
		}
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, data...), nil
}

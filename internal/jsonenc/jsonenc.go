// Package jsonenc appends JSON scalars exactly as encoding/json writes
// them, without its reflection and allocations: the cells of a large
// answer are mostly plain strings and numbers.
package jsonenc

import (
	"encoding/json"
	"math"
	"strconv"
)

// AppendValue appends v as json.Marshal writes it, the scalars without
// reflection.
func AppendValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return AppendString(b, v), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case float64:
		if out, ok := AppendFloat(b, v); ok {
			return out, nil
		}
	case bool:
		return strconv.AppendBool(b, v), nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, data...), nil
}

// AppendString appends s as json.Marshal writes it (HTML characters and
// U+2028/U+2029 escaped, invalid UTF-8 replaced).
func AppendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			data, _ := json.Marshal(s) // a string always encodes
			return append(b, data...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// AppendFloat appends f as json.Marshal writes a float64: the shortest
// text that reads back as f, in exponent form below 1e-6 and from 1e21.
// It returns false, appending nothing, for NaN and infinities, which JSON
// cannot hold.
func AppendFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-07 -> e-7, as encoding/json writes it.
		if n := len(b) - start; n >= 4 && b[len(b)-4] == 'e' && b[len(b)-3] == '-' && b[len(b)-2] == '0' {
			b[len(b)-2] = b[len(b)-1]
			b = b[:len(b)-1]
		}
	}
	return b, true
}

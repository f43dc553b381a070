package twentymodel

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/schema"
)

// Member is one member of an ordered JSON object.
type Member struct {
	Key   string
	Value any
}

// Members is a JSON object whose members keep their order. It encodes as
// JavaScript's JSON.stringify would (see MarshalJS), so that a receiver
// that checks a signature over JSON.stringify of the parsed body, as
// Twenty's receivers do, gets the bytes that were signed.
type Members []Member

// MarshalJSON implements json.Marshaler.
func (m Members) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, mb := range m {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := MarshalJS(mb.Key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := MarshalJS(mb.Value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// MarshalJS encodes v as JSON the way JavaScript's JSON.stringify does:
// no HTML escaping, U+2028 and U+2029 as themselves, no indentation.
// (Members and structs keep their order; Go maps are sorted by key.)
func MarshalJS(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	out := bytes.TrimSuffix(b.Bytes(), []byte{'\n'})
	return unescapeLineSeparators(out), nil
}

// unescapeLineSeparators turns Go's \u2028 and \u2029 escapes back into
// the characters, which JSON.stringify writes as they are. An escape is
// one only after an even number of backslashes.
func unescapeLineSeparators(b []byte) []byte {
	if !bytes.Contains(b, []byte(`\u202`)) {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) {
			if bytes.HasPrefix(b[i:], []byte(`\u2028`)) || bytes.HasPrefix(b[i:], []byte(`\u2029`)) {
				if b[i+5] == '8' {
					out = append(out, "\u2028"...)
				} else {
					out = append(out, "\u2029"...)
				}
				i += 5
				continue
			}
			out = append(out, b[i], b[i+1]) // an escape pair: copy it whole
			i++
			continue
		}
		out = append(out, b[i])
	}
	return out
}

// RecordTimes are the times a record shows that its event knows.
type RecordTimes struct {
	CreatedAt, UpdatedAt, DeletedAt *time.Time
}

// Record is rec, a record of table t as the core's events carry it
// (Grist's cell values), in Twenty's shape: id first, then each column in
// order under its field name with Twenty's value (a Ref column as its id
// field, "companyId": 3 or null; dates as ISO strings; lists as plain
// arrays, null when empty), then the times given. Columns the event has
// that t no longer has keep their name and their value, lists unwrapped.
// t may be nil (the table is gone): every value is then kept so.
func Record(t *schema.Table, rec core.Record, times RecordTimes) Members {
	out := Members{{Key: FieldID, Value: rec.ID}}
	done := map[string]bool{}
	if t != nil {
		for _, c := range t.Columns {
			v, ok := rec.Fields[c.ID]
			if !ok || !c.Stored() {
				continue
			}
			done[c.ID] = true
			name := c.ID
			if n, ok := schema.RefIDField(t, c); ok {
				name = n
			}
			out = append(out, Member{Key: name, Value: Value(c.Type, v)})
		}
	}
	rest := make([]string, 0, len(rec.Fields))
	for k := range rec.Fields {
		if !done[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		out = append(out, Member{Key: k, Value: unlist(rec.Fields[k])})
	}
	for _, tm := range []struct {
		key string
		t   *time.Time
	}{{FieldCreatedAt, times.CreatedAt}, {FieldUpdatedAt, times.UpdatedAt}, {"deletedAt", times.DeletedAt}} {
		if tm.t != nil {
			out = append(out, Member{Key: tm.key, Value: Time(*tm.t)})
		}
	}
	return out
}

// FieldNames returns the names Record gives the columns ids of table t
// (nil t: the ids), in the order given.
func FieldNames(t *schema.Table, ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		name := id
		if t != nil {
			if c := t.Column(id); c != nil {
				if n, ok := schema.RefIDField(t, c); ok {
					name = n
				}
			}
		}
		out = append(out, name)
	}
	return out
}

// unlist turns Grist's list encoding ["L", ...] into a plain array.
func unlist(v any) any {
	if l, ok := v.([]any); ok && len(l) > 0 && l[0] == "L" {
		return slices.Clone(l[1:])
	}
	return v
}

// number reads a JSON number of an event (float64, or json.Number).
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	}
	return 0, false
}

// Value is the Twenty value of cell v of type typ. A value that is not of
// its column's type (Rowhouse keeps such values as given) is shown as it
// is.
func Value(typ schema.Type, v any) any {
	switch typ.Kind {
	case schema.KindDate:
		if f, ok := number(v); ok && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return time.Unix(int64(f), 0).UTC().Format(time.DateOnly)
		}
	case schema.KindDateTime:
		if f, ok := number(v); ok && !math.IsInf(f, 0) && !math.IsNaN(f) {
			sec, frac := math.Modf(f)
			return Time(time.Unix(int64(sec), int64(math.Round(frac*1e9))))
		}
	case schema.KindRef:
		if f, ok := number(v); ok {
			if f == 0 {
				return nil
			}
			return v
		}
	case schema.KindChoiceList, schema.KindRefList, schema.KindAttachments:
		if l, ok := v.([]any); ok && len(l) > 0 && l[0] == "L" {
			if len(l) == 1 {
				return nil
			}
			return slices.Clone(l[1:])
		}
	}
	return v
}

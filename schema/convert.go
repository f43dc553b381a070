package schema

import (
	"strconv"
	"strings"
	"time"
)

// Convert re-encodes one cell when a column changes type (ModifyColumn).
// v is the cell's JSON value under the old type, as Decode returns it (or
// the kept alt value, for a cell that did not fit); the results are those of
// Encode for the new type: storage and ok, or alt = v when the value does
// not convert, so nothing is lost.
//
// The rules follow Grist's column conversions:
//
//   - an empty cell (nil) becomes "" in Text and Choice, else the new
//     type's encoding of null (false for Bool, 0 for Ref, null otherwise);
//   - to Text: numbers as text, booleans "true"/"false", a Date as
//     "2024-01-31", a DateTime as RFC 3339 in its zone, lists as
//     comma-separated values ("a,b", quoted as CSV when needed), other
//     JSON as JSON text;
//   - to Numeric or Int: Bool as 1/0, Date and DateTime as their seconds,
//     a Ref as its row id, text parsed as typed (Int still refuses 3.5);
//   - to Bool: zero is false, any other number true, text as Encode reads it;
//   - Date <-> DateTime: a DateTime becomes its calendar date in its own
//     zone; a Date becomes midnight of that date in the new column's zone;
//   - to ChoiceList: text split as comma-separated values (or read as a JSON
//     array), a single value becomes a one-item list, list items become text;
//   - to Ref: a number or a one-item list; to RefList or Attachments: a
//     number (0 is empty) or a list of ids, text parsed as ids;
//   - to Any: the value unchanged.
func Convert(from, to Type, v any) (sqlValue any, alt any, ok bool) {
	w, ok := convertValue(from, to, v)
	if !ok {
		return nil, v, false
	}
	sv, _, ok := to.Encode(w, true)
	if !ok {
		return nil, v, false
	}
	return sv, nil, true
}

// convertValue rewrites v into a JSON value that to.Encode(_, true) reads
// as intended.
func convertValue(from, to Type, v any) (any, bool) {
	if v == nil {
		if to.Kind == KindText || to.Kind == KindChoice {
			return "", true
		}
		return nil, true
	}
	if from == to || to.Kind == KindAny {
		return v, true
	}
	items, isList := cellList(v)
	switch to.Kind {
	case KindText, KindChoice:
		return toText(from, v)
	case KindNumeric, KindInt:
		switch x := v.(type) {
		case bool:
			if x {
				return int64(1), true
			}
			return int64(0), true
		case []any:
			if args, ok := typed(v, "R"); ok && len(args) == 2 {
				return args[1], true
			}
			return nil, false
		}
		return v, true
	case KindBool:
		if n, ok := toNum(v); ok {
			return n.f != 0, true
		}
		return v, true
	case KindDate:
		if from.Kind == KindDateTime {
			if n, ok := toNum(v); ok {
				tm, ok := secondsTime(n.f)
				if !ok {
					return nil, false
				}
				tm = tm.In(location(from.TZ))
				return time.Date(tm.Year(), tm.Month(), tm.Day(), 0, 0, 0, 0, time.UTC).Unix(), true
			}
		}
		return v, true
	case KindDateTime:
		if from.Kind == KindDate {
			if n, ok := toNum(v); ok {
				d, ok := secondsTime(n.f)
				if !ok {
					return nil, false
				}
				d = d.UTC()
				return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, location(to.TZ)).Unix(), true
			}
		}
		return v, true
	case KindChoiceList:
		if isList {
			out := []any{"L"}
			for _, it := range items {
				if it != nil {
					out = append(out, displayText(it))
				}
			}
			return out, true
		}
		if s, ok := v.(string); ok {
			return s, true // Encode with parse splits it as CSV or JSON
		}
		return []any{"L", displayText(v)}, true
	case KindRef:
		if isList {
			if len(items) == 1 {
				return items[0], true
			}
			return nil, false
		}
		return v, true
	case KindRefList, KindAttachments:
		if isList {
			return append([]any{"L"}, items...), true
		}
		if n, ok := toNum(v); ok {
			if n.isInt && n.i == 0 {
				return nil, true
			}
			return []any{"L", v}, true
		}
		return v, true
	}
	return v, true
}

// cellList reads the items of a list cell: ["L", ...] or ["r", table, ids].
func cellList(v any) ([]any, bool) {
	if args, ok := typed(v, "L"); ok {
		return args, true
	}
	if args, ok := typed(v, "r"); ok && len(args) == 2 {
		ids, isArr := args[1].([]any)
		return ids, isArr
	}
	return nil, false
}

func toText(from Type, v any) (any, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	}
	if n, ok := toNum(v); ok {
		if from.Kind == KindDate || from.Kind == KindDateTime {
			tm, ok := secondsTime(n.f)
			if !ok {
				return nil, false
			}
			if from.Kind == KindDate {
				return tm.UTC().Format(time.DateOnly), true
			}
			return tm.In(location(from.TZ)).Format(time.RFC3339Nano), true
		}
		return formatNum(n), true
	}
	if items, ok := cellList(v); ok {
		fields := make([]string, len(items))
		for i, it := range items {
			fields[i] = csvField(displayText(it))
		}
		return strings.Join(fields, ","), true
	}
	s, err := marshalJSON(v)
	if err != nil {
		return nil, false
	}
	return s, true
}

// csvField quotes a field for comma-separated text when it needs it.
func csvField(s string) string {
	if s == "" || !strings.ContainsAny(s, ",\"\r\n") && strings.TrimSpace(s) == s {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// secondsTime is the instant f seconds after the epoch. ok is false past
// a billion years either way, where the arithmetic stops being meaningful.
func secondsTime(f float64) (tm time.Time, ok bool) {
	if !(f > -maxSeconds && f < maxSeconds) {
		return time.Time{}, false
	}
	sec := int64(f)
	if float64(sec) > f {
		sec-- // floor for negative fractions
	}
	return time.Unix(sec, int64((f-float64(sec))*1e9)), true
}

const maxSeconds = 3.2e16

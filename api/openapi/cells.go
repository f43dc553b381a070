package openapi

import (
	"encoding/json"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/rowhouse/rowhouse/schema"
)

// cellSchemas are the JSON Schemas of one column's cells, following
// API.md "Cell values" and what schema.Type's Encode, Decode and
// DecodeTyped do.
type cellSchemas struct {
	// In is what a client writes: the normal encoding, the typed encodings
	// the server also reads, and null for an empty cell.
	In *openapi3.Schema
	// Out is what the server answers in the normal cell format. Every type
	// may be null: SQL NULL reads back as null whatever the column.
	Out *openapi3.Schema
	// Typed is what the server answers with cellFormat=typed.
	Typed *openapi3.Schema
	// Example is a value in the normal encoding, and TypedExample the same
	// value with cellFormat=typed.
	Example, TypedExample any
}

// Example values: 2024-01-01 (UTC midnight) and 2024-01-01T10:30:00Z.
const (
	exampleDate     = 1704067200
	exampleDateTime = 1704105000
)

// choices reads the "choices" of a Choice or ChoiceList column's
// widgetOptions; nil when there are none.
func choices(c *schema.Column) []string {
	if c.WidgetOptions == "" {
		return nil
	}
	var wo struct {
		Choices []any `json:"choices"`
	}
	if err := json.Unmarshal([]byte(c.WidgetOptions), &wo); err != nil {
		return nil
	}
	var out []string
	for _, v := range wo.Choices {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// listOf is Grist's list encoding ["L", item, ...]. Answers hold at least
// one item (an empty list reads back as null); a client may write ["L"].
func listOf(item *openapi3.Schema, minItems uint64) *openapi3.Schema {
	s := typed("array")
	s.PrefixItems = openapi3.SchemaRefs{val(constant("L"))}
	s.Items = val(item)
	s.MinItems = 1 + minItems
	return s
}

// columnCells maps a column's type to its cell schemas.
func columnCells(c *schema.Column) cellSchemas {
	t := c.Type
	var cs cellSchemas
	switch t.Kind {
	case schema.KindText:
		cs.In = orNull(str())
		cs.Out = orNull(str())
		cs.Example = exampleText(c)
	case schema.KindChoice:
		opts := choices(c)
		cs.In = orNull(str())
		cs.Out = orNull(str())
		if len(opts) > 0 {
			for _, o := range opts {
				cs.In.Enum = append(cs.In.Enum, o)
			}
			cs.In.Enum = append(cs.In.Enum, "", nil)
			cs.Out.Description = fmt.Sprintf("One of the choices %s, or empty; a value outside the choices is kept as written.", quoteList(opts))
			cs.Example = opts[0]
		} else {
			cs.Example = ""
		}
	case schema.KindNumeric:
		cs.In = orNull(number())
		cs.Out = orNull(number())
		cs.Example = 1.5
	case schema.KindInt:
		cs.In = orNull(integer())
		cs.Out = orNull(integer())
		cs.Example = 42
	case schema.KindBool:
		cs.In = orNull(boolean())
		cs.Out = orNull(boolean())
		cs.Example = true
	case schema.KindDate:
		out := describe(orNull(integer()), "Seconds since the Unix epoch at UTC midnight.")
		cs.Out = out
		cs.In = anyOf(val(describe(orNull(integer()), "Seconds since the Unix epoch at UTC midnight.")),
			val(describe(str(), "An ISO 8601 date, e.g. 2024-01-31 (parsed unless noparse=1).")),
			val(typedDate()))
		cs.Typed = orNull(typedDate())
		cs.Example, cs.TypedExample = exampleDate, []any{"d", exampleDate}
	case schema.KindDateTime:
		cs.Out = describe(orNull(number()), "Seconds since the Unix epoch, possibly fractional.")
		cs.In = anyOf(val(describe(orNull(number()), "Seconds since the Unix epoch, possibly fractional.")),
			val(describe(str(), "ISO 8601 date and time; without an offset it is read in the column's time zone (parsed unless noparse=1).")),
			val(typedDateTime()))
		cs.Typed = orNull(typedDateTime())
		cs.Example, cs.TypedExample = exampleDateTime, []any{"D", exampleDateTime, t.ZoneName()}
	case schema.KindChoiceList:
		item := str()
		if opts := choices(c); len(opts) > 0 {
			for _, o := range opts {
				item.Enum = append(item.Enum, o)
			}
			cs.Example = []any{"L", opts[0]}
		} else {
			cs.Example = []any{"L", "a", "b"}
		}
		cs.In = orNull(listOf(item, 0))
		cs.Out = describe(orNull(listOf(str(), 1)), "Grist's list encoding [\"L\", choice, ...]; null when empty.")
	case schema.KindRef:
		id := describe(integer(), fmt.Sprintf("A row id of table %s; 0 is an empty reference.", t.Table))
		id.Min = new(float64)
		cs.Out = orNull(id)
		cs.In = anyOf(val(orNull(copySchema(id))), val(typedRef(t.Table)))
		cs.Typed = orNull(typedRef(t.Table))
		cs.Example, cs.TypedExample = 1, []any{"R", t.Table, 1}
	case schema.KindRefList:
		desc := fmt.Sprintf("Row ids of table %s in Grist's list encoding [\"L\", id, ...]; null when empty.", t.Table)
		cs.Out = describe(orNull(listOf(rowID(), 1)), desc)
		cs.In = anyOf(val(describe(orNull(listOf(rowID(), 0)), desc)), val(typedRefList(t.Table)))
		cs.Typed = orNull(typedRefList(t.Table))
		cs.Example, cs.TypedExample = []any{"L", 1, 2}, []any{"r", t.Table, []any{1, 2}}
	case schema.KindAttachments:
		cs.Out = describe(orNull(listOf(rowID(), 1)), "Attachment ids in Grist's list encoding [\"L\", id, ...]; null when empty.")
		cs.In = describe(orNull(listOf(rowID(), 0)), cs.Out.Description)
		cs.Example = []any{"L", 1}
	default: // Any
		cs.In = describe(anyValue(), "Any JSON value.")
		cs.Out = describe(anyValue(), "Any JSON value.")
		cs.Example = "any JSON value"
	}
	if cs.Typed == nil {
		cs.Typed = copySchema(cs.Out)
		cs.TypedExample = cs.Example
	}
	return cs
}

// rowID is a non-negative row id.
func rowID() *openapi3.Schema {
	s := integer()
	s.Min = new(float64)
	return s
}

func typedDate() *openapi3.Schema {
	return describe(tuple(val(constant("d")), val(integer())), "cellFormat=typed: [\"d\", seconds since the epoch at UTC midnight].")
}

func typedDateTime() *openapi3.Schema {
	return describe(tuple(val(constant("D")), val(number()), val(str())), "cellFormat=typed: [\"D\", seconds since the epoch, time zone].")
}

func typedRef(table string) *openapi3.Schema {
	return describe(tuple(val(constant("R")), val(constant(table)), val(rowID())), "cellFormat=typed: [\"R\", table, row id].")
}

func typedRefList(table string) *openapi3.Schema {
	return describe(tuple(val(constant("r")), val(constant(table)), val(arrayOf(val(rowID())))), "cellFormat=typed: [\"r\", table, [row ids]].")
}

// zoneName is the zone DecodeTyped names for a DateTime column.
// exampleText is an example value for a Text column, made from its label.
func exampleText(c *schema.Column) string {
	if c.Label != "" {
		return c.Label + " example"
	}
	return c.ID + " example"
}

// copySchema copies a schema's top level, so that describing one use does
// not change another.
func copySchema(s *openapi3.Schema) *openapi3.Schema {
	c := *s
	return &c
}

func quoteList(items []string) string {
	b, _ := json.Marshal(items) // strings always encode
	return string(b)
}

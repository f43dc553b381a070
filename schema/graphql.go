package schema

import (
	"strings"

	"github.com/jinzhu/inflection"
)

// Inflect derives a table's default GraphQL names, the nameSingular and
// namePlural fields, from its id. Both are camelCase and always distinct:
//
//	Companies    -> company, companies
//	Person       -> person, people
//	People       -> person, people
//	Order_Items  -> orderItem, orderItems
//	HTTPRequests -> httpRequest, httpRequests
//	Data         -> datum, data
//	Sheep        -> sheep, sheepList
//	Table1       -> table1, table1List
//
// The id is split into words at underscores and at lower-to-upper case
// changes; only the last word is inflected (English rules, Rails' set). When
// the id is already plural, it is the plural: a table named "Humans" keeps
// "humans" even though the rules would write "humen". When a word has one
// form for both (uncountable nouns, or a name ending in a digit), the plural
// is the singular plus "List". Users can override either name; see
// ValidGraphQLName.
func Inflect(tableID string) (singular, plural string) {
	words := splitWords(tableID)
	if len(words) == 0 {
		return "record", "records"
	}
	last := strings.ToLower(words[len(words)-1])
	sing, plur := last, last+"List"
	if !isDigit(last[len(last)-1]) {
		sing = inflection.Singular(last)
		if sing == "" {
			sing = last
		}
		if sing != last {
			plur = last
		} else {
			plur = inflection.Plural(sing)
		}
		if plur == sing || plur == "" {
			plur = sing + "List"
		}
	}
	head := camel(words[:len(words)-1])
	if head == "" {
		return sing, plur
	}
	return head + upperFirst(sing), head + upperFirst(plur)
}

// splitWords splits an identifier into its ASCII alphanumeric words:
// "Order_Items" -> [Order Items], "HTTPRequests" -> [HTTP Requests],
// "myTable2" -> [my Table2], "Q_3" -> [Q3]. Digits stay with the word
// before them. A leading digit run (impossible in a valid id) is dropped,
// since a GraphQL name cannot start with one.
func splitWords(s string) []string {
	var words []string
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			words = append(words, s[start:end])
		}
		start = -1
	}
	isUpper := func(c byte) bool { return 'A' <= c && c <= 'Z' }
	isLower := func(c byte) bool { return 'a' <= c && c <= 'z' }
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isLetter(c):
			if start >= 0 && isUpper(c) {
				prev := s[i-1]
				nextLower := i+1 < len(s) && isLower(s[i+1])
				if isLower(prev) || isDigit(prev) || isUpper(prev) && nextLower {
					flush(i)
				}
			}
			if start < 0 {
				start = i
			}
		case isDigit(c):
			// Digits extend a word but never start one: after an underscore
			// they join the word before it ("X_1" -> [X1]), so that no digit
			// is lost and "X_1" and "X" stay apart.
			if start < 0 && len(words) > 0 {
				j := i
				for j < len(s) && isDigit(s[j]) {
					j++
				}
				words[len(words)-1] += s[i:j]
				i = j - 1
			}
		default:
			flush(i)
		}
	}
	flush(len(s))
	return words
}

// camel joins words as lowerCamelCase: the first word all lower case, the
// others capitalised and lower case ("HTTP","Request" -> "httpRequest").
func camel(words []string) string {
	var b strings.Builder
	for i, w := range words {
		w = strings.ToLower(w)
		if i > 0 {
			w = upperFirst(w)
		}
		b.WriteString(w)
	}
	return b.String()
}

func upperFirst(s string) string {
	if s == "" || !('a' <= s[0] && s[0] <= 'z') {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// ValidGraphQLName reports whether s can name a GraphQL field or type:
// /^[_A-Za-z][_0-9A-Za-z]*$/ per the GraphQL specification, and not starting
// with "__", which the specification reserves for introspection.
func ValidGraphQLName(s string) bool {
	if s == "" || strings.HasPrefix(s, "__") {
		return false
	}
	if c := s[0]; !isLetter(c) && c != '_' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isLetter(c) && !isDigit(c) && c != '_' {
			return false
		}
	}
	return true
}

// GraphQLNames are the names a table takes in its document's GraphQL API:
// its types (Type is nameSingular with a capital first letter, the others
// derive from it) and its root fields. The core refuses a table whose
// names would clash with another's; the GraphQL API generates them.
type GraphQLNames struct {
	Type, Connection, Edge, Filter, OrderBy, Create, Update string
	Singular, Plural                                        string
	CreateOne, CreateMany, UpdateOne, UpdateMany            string
	DeleteOne, DeleteMany                                   string
	// DestroyOne and DestroyMany are Twenty's names of the hard deletes
	// (Rowhouse never soft-deletes: they remove, as DeleteOne and
	// DeleteMany do).
	DestroyOne, DestroyMany string
}

// GraphQLNamesOf derives the names of a table with these nameSingular and
// namePlural.
func GraphQLNamesOf(singular, plural string) GraphQLNames {
	typ, pl := upperFirst(singular), upperFirst(plural)
	return GraphQLNames{
		Type: typ, Connection: typ + "Connection", Edge: typ + "Edge", Filter: typ + "Filter",
		OrderBy: typ + "OrderBy", Create: typ + "CreateInput", Update: typ + "UpdateInput",
		Singular: singular, Plural: plural,
		CreateOne: "create" + typ, CreateMany: "create" + pl, UpdateOne: "update" + typ,
		UpdateMany: "update" + pl, DeleteOne: "delete" + typ, DeleteMany: "delete" + pl,
		DestroyOne: "destroy" + typ, DestroyMany: "destroy" + pl,
	}
}

// Types lists the table's type names, Type first.
func (n GraphQLNames) Types() []string {
	return []string{n.Type, n.Connection, n.Edge, n.Filter, n.OrderBy, n.Create, n.Update}
}

// Fields lists the table's root query and mutation fields.
func (n GraphQLNames) Fields() []string {
	return []string{n.Singular, n.Plural, n.CreateOne, n.CreateMany, n.UpdateOne, n.UpdateMany, n.DeleteOne, n.DeleteMany, n.DestroyOne, n.DestroyMany}
}

// RefIDField returns the name of the scalar field that carries the row id
// of the Ref column c of table t on the GraphQL and Twenty surfaces: the
// column id followed by "Id" ("company" -> "companyId"), as Twenty names a
// relation's foreign key. ok is false when c is not a stored Ref column, or
// when that name is already another column's (column ids are unique
// regardless of case): such a column has no id field, and its id is read
// through the related object instead.
func RefIDField(t *Table, c *Column) (name string, ok bool) {
	if c.Type.Kind != KindRef || !c.Stored() {
		return "", false
	}
	name = c.ID + "Id"
	for _, o := range t.Columns {
		if strings.EqualFold(o.ID, name) {
			return "", false
		}
	}
	return name, true
}

package graphql

import (
	"github.com/rowhouse/rowhouse/schema"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// A schema's leniency is what it accepts of an operation beyond the
// letter of the GraphQL specification, so that operations written for
// Twenty (which generates the same kind of API from its data model) run
// unchanged, and so that clients written before a column became an enum
// keep working. Answers are never changed by it; only operations the
// specification would refuse are accepted:
//
//   - a variable may be declared with one of Twenty's type names
//     (CompanyFilterInput, CompanyOrderByInput, OrderByDirection,
//     FilterIs, UUIDFilter) or as a UUID or an ID where the schema has a
//     row id (Int): the declaration is read as the schema's own type
//     before validation (see rename);
//   - a nullable variable may stand where a non-null value is expected,
//     as Twenty's own operations write ($data: CompanyCreateInput for
//     data: CompanyCreateInput!); a null there is a field error when the
//     field runs (see coerce), as the specification's argument coercion
//     says;
//   - a variable of a single value may stand for a list (the value is a
//     list of one, see coerce);
//   - a String variable or string literal may stand for a value of a
//     Choice column's enum (see stringEnums); coerce checks it is one of
//     the choices.
type leniency struct {
	// aliases maps type names a variable may be declared with to the
	// schema's types; none of them is a type of the schema, except ID,
	// which the generated schema never uses.
	aliases map[string]string
	// stringEnums are the enums a String may stand for.
	stringEnums map[string]bool
	// rules are the validation rules: the specification's, with the
	// variable positions allowed as above.
	rules *rules.Rules
}

// newLeniency returns the leniency of a schema with these aliases and
// string enums (either may be nil).
func newLeniency(aliases map[string]string, stringEnums map[string]bool) *leniency {
	l := &leniency{aliases: aliases, stringEnums: stringEnums, rules: rules.NewDefaultRules()}
	l.rules.ReplaceRule(rules.VariablesInAllowedPositionRule.Name, l.positionRule)
	return l
}

// rename reads the variables' declared types as the schema's own types
// (aliases), and returns how each renamed variable was read, for
// messages ("declared UUID!, read as Int!"), and which were declared as
// row ids (UUID or ID, read as Int), whose values may be in the UUID
// form Twenty's REST surface shows (see rowIDValues).
func (l *leniency) rename(doc *ast.QueryDocument) (renamed map[string]string, rowIDs map[string]bool) {
	for _, op := range doc.Operations {
		for _, vd := range op.VariableDefinitions {
			t := vd.Type
			for t.Elem != nil {
				t = t.Elem
			}
			if to, ok := l.aliases[t.NamedType]; ok {
				if renamed == nil {
					renamed = map[string]string{}
				}
				was := vd.Type.String()
				if to == "Int" && (t.NamedType == "UUID" || t.NamedType == "ID") {
					if rowIDs == nil {
						rowIDs = map[string]bool{}
					}
					rowIDs[vd.Variable] = true
				}
				t.NamedType = to
				renamed[vd.Variable] = "declared " + was + ", read as " + vd.Type.String()
			}
		}
	}
	return renamed, rowIDs
}

// rowIDValues reads the values of variables declared as row ids that are
// strings in a row id's UUID form ("00000000-0000-4000-8000-000000000042",
// as Twenty's REST surface shows row 42) or in decimal as the row id, in
// lists too. Other strings are left for coercion to refuse.
func rowIDValues(vars map[string]any, rowIDs map[string]bool) {
	var read func(v any) any
	read = func(v any) any {
		switch x := v.(type) {
		case string:
			if id, ok := schema.ParseRowUUID(x); ok {
				return id
			}
		case []any:
			for i := range x {
				x[i] = read(x[i])
			}
		}
		return v
	}
	for name := range rowIDs {
		if v, ok := vars[name]; ok {
			vars[name] = read(v)
		}
	}
}

// enumLiterals reads a string literal that names a value of a Choice
// column's enum as that value ({stage: {eq: "WON"}} as {eq: WON}), so
// that operations written while the column was a String still validate.
// A string that is not one of the choices is left for the validator to
// refuse.
func (l *leniency) enumLiterals(gql *ast.Schema, doc *ast.QueryDocument) {
	if len(l.stringEnums) == 0 {
		return
	}
	var obs core.Events
	obs.OnValue(func(_ *core.Walker, v *ast.Value) {
		if v.Kind == ast.StringValue && v.Definition != nil && l.stringEnums[v.Definition.Name] && v.Definition.EnumValues.ForName(v.Raw) != nil {
			v.Kind = ast.EnumValue
		}
	})
	core.Walk(gql, doc, &obs)
}

// positionRule replaces the specification's "variables in allowed
// position" rule: a variable's type must fit where it is used, apart from
// nullability (checked when the field runs), a single value where a list
// is expected, and a String where a Choice enum is expected.
func (l *leniency) positionRule(observers *core.Events, addError core.AddErrFunc) {
	observers.OnValue(func(walker *core.Walker, value *ast.Value) {
		if value.Kind != ast.Variable || value.ExpectedType == nil || value.VariableDefinition == nil || walker.CurrentOperation == nil {
			return
		}
		if !l.fits(value.VariableDefinition.Type, value.ExpectedType) {
			addError(core.Message(`Variable "%s" of type "%s" used in position expecting type "%s".`,
				value, value.VariableDefinition.Type.String(), value.ExpectedType.String()), core.At(value.Position))
		}
	})
	// As the specification's rule: a variable given to a member of a
	// @oneOf input object must be non-null.
	observers.OnValue(func(_ *core.Walker, value *ast.Value) {
		if value.Kind != ast.ObjectValue || value.Definition == nil || value.Definition.Directives.ForName("oneOf") == nil {
			return
		}
		for _, child := range value.Children {
			v := child.Value
			if v != nil && v.Kind == ast.Variable && v.VariableDefinition != nil && !v.VariableDefinition.Type.NonNull {
				addError(core.Message(`Variable "%s" is of type "%s" but must be non-nullable to be used for OneOf Input Object "%s".`,
					v, v.VariableDefinition.Type.String(), value.Definition.Name), core.At(v.VariableDefinition.Position), core.At(v.Position))
			}
		}
	})
}

// fits reports whether a variable of type v may stand where type at is
// expected (see positionRule).
func (l *leniency) fits(v, at *ast.Type) bool {
	switch {
	case at.Elem != nil && v.Elem != nil:
		return l.fits(v.Elem, at.Elem)
	case at.Elem != nil:
		return l.fits(v, at.Elem) // one value for a list of one
	case v.Elem != nil:
		return false
	}
	return v.NamedType == at.NamedType || v.NamedType == "String" && l.stringEnums[at.NamedType]
}

package openapi

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
)

// fromType generates the schema of the JSON encoding of v's Go type, so
// that the shapes Rowhouse's own types encode to (api.ErrorBody,
// core.PageInfo, core.UpsertResult, rowhouse.KeyScopes) are described from
// those types rather than written out again. Struct members are required
// unless tagged omitempty or omitzero; pointers and slices may be null,
// in OpenAPI 3.1's way (a type array with "null").
func fromType(v any) (*openapi3.Schema, error) {
	ref, err := openapi3gen.NewSchemaRefForValue(v, nil, openapi3gen.SchemaCustomizer(customize))
	if err != nil {
		return nil, fmt.Errorf("schema of %T: %w", v, err)
	}
	return ref.Value, nil
}

// customize adapts openapi3gen's OpenAPI 3.0 output to 3.1 and marks
// required members.
func customize(_ string, t reflect.Type, _ reflect.StructTag, s *openapi3.Schema) error {
	if s.Nullable {
		s.Nullable = false
		orNull(s)
	}
	if t.Kind() == reflect.Slice && s.Type != nil && s.Type.Is("array") {
		orNull(s) // a nil slice encodes as null
	}
	if t.Kind() == reflect.Map && s.Type != nil && s.Type.Is("object") && s.AdditionalProperties.Schema == nil {
		s.AdditionalProperties = openapi3.AdditionalProperties{Schema: val(anyValue())}
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	s.Required = nil
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if strings.Contains(","+opts+",", ",omitempty,") || strings.Contains(","+opts+",", ",omitzero,") {
			continue
		}
		s.Required = append(s.Required, name)
	}
	return nil
}

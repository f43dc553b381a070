package graphql

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strconv"

	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/internal/chunk"
	"github.com/rowhouse/rowhouse/internal/jsonenc"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// object is a JSON object whose members keep the order of the selection,
// as the GraphQL specification asks.
type object struct {
	keys []string
	vals []any
}

func newObject(n int) *object {
	return &object{keys: make([]string, 0, n), vals: make([]any, 0, n)}
}

func (o *object) add(k string, v any) {
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

// rawJSON is an answer value already encoded.
type rawJSON []byte

// writeJSON encodes an answer value: *object, []any, scalars; anything
// else (JSON cell values) through encoding/json.
func writeJSON(b *bytes.Buffer, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case rawJSON:
		if v == nil {
			b.WriteString("null")
			return
		}
		b.Write(v)
	case *object:
		if v == nil {
			b.WriteString("null")
			return
		}
		b.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			writeJSON(b, v.vals[i])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, x)
		}
		b.WriteByte(']')
	case string:
		writeString(b, v)
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case int:
		b.WriteString(strconv.Itoa(v))
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b.WriteString("null")
			return
		}
		b.Write(strconv.AppendFloat(nil, v, 'g', -1, 64))
	case json.Number:
		b.WriteString(v.String())
	default:
		data, err := json.Marshal(v)
		if err != nil {
			b.WriteString("null")
			return
		}
		b.Write(data)
	}
}

func writeString(b *bytes.Buffer, s string) {
	b.Write(jsonenc.AppendString(b.AvailableBuffer(), s))
}

// executor holds what one operation's execution shares.
type executor struct {
	api   *API
	ctx   context.Context
	gql   *ast.Schema
	vars  map[string]any
	frags ast.FragmentDefinitionList
	errs  gqlerror.List
	// argCache holds each field's coerced arguments (see args).
	argCache map[*ast.Field]argValues
	// bufs are the buffers taken from api.bufs, returned by release once
	// the answer is written.
	bufs []*bytes.Buffer
	// records and cells are the chunks taken from api.records and
	// api.cells, given back by release likewise.
	records chunk.Set[record]
	cells   chunk.Set[core.Cell]
}

// newExecutor makes the executor of one operation; release it when its
// answer is written.
func (a *API) newExecutor(ctx context.Context, gql *ast.Schema, vars map[string]any, frags ast.FragmentDefinitionList) *executor {
	return &executor{api: a, ctx: ctx, gql: gql, vars: vars, frags: frags,
		records: chunk.Set[record]{Pool: &a.records}, cells: chunk.Set[core.Cell]{Pool: &a.cells}}
}

// maxPooledBuffer is the largest buffer put back in the pool: an
// exceptional answer's buffer is left to the collector.
const maxPooledBuffer = 4 << 20

// buffer returns an empty buffer, valid until release.
func (ex *executor) buffer() *bytes.Buffer {
	b, _ := ex.api.bufs.Get().(*bytes.Buffer)
	if b == nil {
		b = new(bytes.Buffer)
	}
	b.Reset()
	ex.bufs = append(ex.bufs, b)
	return b
}

// release returns the executor's buffers to the pool: nothing rendered
// into them may be used after.
func (ex *executor) release() {
	for _, b := range ex.bufs {
		if b.Cap() <= maxPooledBuffer {
			ex.api.bufs.Put(b)
		}
	}
	ex.bufs = nil
	ex.records.Release()
	ex.cells.Release()
}

// recordsPerChunk and cellsPerChunk are the sizes of the chunks records
// are read into: a few allocations per tree, none once the pools are warm.
const (
	recordsPerChunk = 64
	cellsPerChunk   = 512
)

// cfield is one response key of a selection set: the first field with
// that key, and the selection sets of every field merged under it.
type cfield struct {
	key   string
	field *ast.Field
	sets  []ast.SelectionSet
}

// collect gathers the fields of selection sets on an object type, in
// order, merging fields with the same response key, expanding fragments
// whose type condition holds and honouring @skip and @include.
func (ex *executor) collect(sets []ast.SelectionSet, typeName string) []*cfield {
	var out []*cfield
	byKey := map[string]*cfield{}
	var walk func(set ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				if !ex.included(sel.Directives) {
					continue
				}
				key := sel.Alias
				if key == "" {
					key = sel.Name
				}
				cf := byKey[key]
				if cf == nil {
					cf = &cfield{key: key, field: sel}
					byKey[key] = cf
					out = append(out, cf)
				}
				if len(sel.SelectionSet) > 0 {
					cf.sets = append(cf.sets, sel.SelectionSet)
				}
			case *ast.InlineFragment:
				if !ex.included(sel.Directives) || (sel.TypeCondition != "" && sel.TypeCondition != typeName) {
					continue
				}
				walk(sel.SelectionSet)
			case *ast.FragmentSpread:
				if !ex.included(sel.Directives) {
					continue
				}
				def := ex.frags.ForName(sel.Name)
				if def == nil || def.TypeCondition != typeName {
					continue
				}
				walk(def.SelectionSet)
			}
		}
	}
	for _, set := range sets {
		walk(set)
	}
	return out
}

// included evaluates @skip(if:) and @include(if:).
func (ex *executor) included(ds ast.DirectiveList) bool {
	for _, d := range ds {
		switch d.Name {
		case "skip":
			if b, _ := d.ArgumentMap(ex.vars)["if"].(bool); b {
				return false
			}
		case "include":
			if b, _ := d.ArgumentMap(ex.vars)["if"].(bool); !b {
				return false
			}
		}
	}
	return true
}

// addError records a field error.
func (ex *executor) addError(path ast.Path, err error) {
	ex.errs = append(ex.errs, ex.api.fieldError(ex.ctx, path, err))
}

// resolver is an object answered from Go values: introspection and the
// metadata API. get returns a field's value: a scalar, a resolver, a
// []any of those, or nil.
type resolver interface {
	typeName() string
	get(ex *executor, name string, args map[string]any) (any, error)
}

// render answers a selection on a value held in memory.
func (ex *executor) render(sets []ast.SelectionSet, v any, path ast.Path) any {
	switch v := v.(type) {
	case nil:
		return nil
	case resolver:
		fields := ex.collect(sets, v.typeName())
		obj := newObject(len(fields))
		for _, f := range fields {
			p := append(append(ast.Path(nil), path...), ast.PathName(f.key))
			if f.field.Name == "__typename" {
				obj.add(f.key, v.typeName())
				continue
			}
			args, err := ex.args(f.field)
			var val any
			if err == nil {
				val, err = v.get(ex, f.field.Name, args)
			}
			if err != nil {
				ex.addError(p, err)
				obj.add(f.key, nil)
				continue
			}
			obj.add(f.key, ex.render(f.sets, val, p))
		}
		return obj
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = ex.render(sets, x, append(append(ast.Path(nil), path...), ast.PathIndex(i)))
		}
		return out
	}
	return v
}

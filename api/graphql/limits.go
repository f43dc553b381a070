package graphql

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/vektah/gqlparser/v2/ast"
)

// limitError is a request refused for exceeding a limit: 400, or 413 for
// the batch size as REST answers it.
func limitError(status int, format string, args ...any) error {
	return badRequest(status, CodeLimitExceeded, fmt.Sprintf(format, args...))
}

// limitWalk checks an operation against the limits before anything is
// read or written: depth, page sizes, batch sizes and complexity.
type limitWalk struct {
	ex       *executor
	limits   Limits
	maxPage  int
	maxBatch int
	reads    int // fields that read records, so far
}

// check returns the first limit the operation exceeds, as a LIMIT_EXCEEDED
// error naming the limit.
func (w *limitWalk) check(op *ast.OperationDefinition) error {
	root := w.ex.gql.Query
	if op.Operation == ast.Mutation {
		root = w.ex.gql.Mutation
	}
	if root == nil {
		return nil
	}
	cost, err := w.cost([]ast.SelectionSet{op.SelectionSet}, root, 0)
	if err != nil {
		return err
	}
	if w.reads > w.limits.MaxReads {
		return limitError(http.StatusBadRequest, "the query reads records %d times, above the limit %d (complexity limit): ask for fewer fields", w.reads, w.limits.MaxReads)
	}
	if cost > w.limits.MaxComplexity {
		return limitError(http.StatusBadRequest, "query complexity %d is above the limit %d (complexity limit): ask for smaller pages or fewer fields", cost, w.limits.MaxComplexity)
	}
	return nil
}

// wrapper reports whether a field only wraps a level of a connection
// (edges, node), which does not count as depth.
func wrapper(parent *ast.Definition, name string) bool {
	return (name == "edges" && strings.HasSuffix(parent.Name, "Connection")) ||
		(name == "node" && strings.HasSuffix(parent.Name, "Edge"))
}

func (w *limitWalk) cost(sets []ast.SelectionSet, def *ast.Definition, depth int) (int, error) {
	total := 0
	for _, f := range w.ex.collect(sets, def.Name) {
		if strings.HasPrefix(f.field.Name, "__") {
			continue // introspection: bounded by the schema
		}
		d := depth
		if !wrapper(def, f.field.Name) {
			d++
		}
		if d > w.limits.MaxDepth {
			return 0, limitError(http.StatusBadRequest, "the query is deeper than %d levels at %q (depth limit)", w.limits.MaxDepth, f.key)
		}
		c := 1
		fd := f.field.Definition
		if fd == nil || len(f.sets) == 0 {
			total += c
			continue
		}
		child := w.ex.gql.Types[fd.Type.Name()]
		if child == nil {
			total += c
			continue
		}
		if reads(child, f.field.Name) {
			w.reads++
		}
		sub, err := w.cost(f.sets, child, d)
		if err != nil {
			return 0, err
		}
		mult := 1
		// Arguments that cannot be coerced are the field's error when it
		// runs; here they cost what a field without arguments costs.
		args, _ := w.ex.args(f.field)
		if fd.Arguments.ForName("first") != nil {
			mult = min(DefaultPageSize, w.maxPage)
			for _, name := range []string{"first", "last"} {
				if v, ok := args[name]; ok && v != nil {
					n, ok := asInt(v)
					if !ok || n < 0 {
						return 0, rowhouse.Invalidf("%s must be a non-negative integer", name)
					}
					if n > w.maxPage {
						return 0, limitError(http.StatusBadRequest, "%s %d at %q is above the maximum page size %d (page size limit)", name, n, f.key, w.maxPage)
					}
					mult = n
				}
			}
		}
		if l, ok := args["data"].([]any); ok && fd.Type.Elem != nil {
			if len(l) > w.maxBatch {
				return 0, limitError(http.StatusRequestEntityTooLarge, "%s has %d records, above the maximum batch size %d (batch size limit)", f.key, len(l), w.maxBatch)
			}
			mult = max(len(l), 1)
		}
		total += c + mult*sub
		if total > w.limits.MaxComplexity {
			return 0, limitError(http.StatusBadRequest, "query complexity is above the limit %d at %q (complexity limit): ask for smaller pages or fewer fields", w.limits.MaxComplexity, f.key)
		}
	}
	return total, nil
}

// reads reports whether a field of type def, named name, reads records:
// it returns records (a table's object or connection, or the metadata
// API's tables) and is not the node of an edge, which its connection read.
func reads(def *ast.Definition, name string) bool {
	return def.Kind == ast.Object && name != "node" && def.Name != "PageInfo" &&
		!strings.HasSuffix(def.Name, "Edge") && !strings.HasPrefix(def.Name, "__")
}

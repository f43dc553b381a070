package graphql_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse/api/graphql"
	"github.com/rowhouse/rowhouse/core"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the generated text (go test -update rewrites it); got:\n%s", path, got)
	}
}

func TestSDLGolden(t *testing.T) {
	e := newEnv(t)
	e.sample(t)
	d, err := e.docs.Open(context.Background(), e.doc)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s, err := d.Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sdl := graphql.SDL(s)
	if _, err := gqlparser.LoadSchema(&ast.Source{Name: "sample.graphql", Input: sdl}); err != nil {
		t.Fatalf("generated SDL does not load: %v", err)
	}
	golden(t, "sample.graphql", sdl)
}

// TestSDLEmptyDocument: a document without tables still has a valid
// schema (Query always has _schemaVersion; no Mutation type).
func TestSDLEmptyDocument(t *testing.T) {
	e := newEnv(t)
	res := e.gql(t, e.ownerKey, `{ _schemaVersion __schema { mutationType { name } } }`, nil)
	if res.Status != 200 || !strings.Contains(string(res.Body), `"mutationType":null`) {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
}

// TestSchemaFollowsVersion: the schema is regenerated when the document's
// schema version changes, and reused while it does not.
func TestSchemaFollowsVersion(t *testing.T) {
	e := newEnv(t)
	e.sample(t)
	q := `{ __type(name: "City") { fields { name } } }`
	before := string(e.gql(t, e.ownerKey, q, nil).Body)
	if strings.Contains(before, `"area"`) {
		t.Fatalf("unexpected field: %s", before)
	}
	e.apply(t, core.AddColumn{Table: "Cities", Column: core.ColumnSpec{ID: "area", Type: "Numeric"}})
	after := string(e.gql(t, e.ownerKey, q, nil).Body)
	if !strings.Contains(after, `"area"`) {
		t.Fatalf("new column missing from the schema: %s", after)
	}
}

// TestIntrospectionGraphQLJS runs graphql-js's introspection query and
// checks the answer with buildClientSchema and assertValidSchema, as
// GraphiQL does; the printed client schema is compared with a golden file.
func TestIntrospectionGraphQLJS(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the graphql-js introspection check needs node 18+")
	}
	if _, err := os.Stat(filepath.Join("testdata", "node_modules", "graphql")); err != nil {
		t.Skip("graphql-js is not installed: run npm install --prefix api/graphql/testdata graphql@16")
	}
	out, err := exec.Command(node, filepath.Join("testdata", "introspect.js"), "query").Output()
	if err != nil {
		t.Fatalf("introspection query: %v", err)
	}
	e := newEnv(t)
	e.sample(t)
	for _, c := range []struct{ name, path, golden string }{
		{"core", e.gqlPath, "introspection.graphql"},
		{"metadata", e.metaPath, "introspection_metadata.graphql"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := e.send(t, "POST", c.path, e.viewerKey, map[string]any{"query": string(out)})
			if res.Status != 200 {
				t.Fatalf("introspection: %d %s", res.Status, res.Body)
			}
			cmd := exec.Command(node, filepath.Join("testdata", "introspect.js"), "check")
			cmd.Stdin = bytes.NewReader(res.Body)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			printed, err := cmd.Output()
			if err != nil {
				t.Fatalf("graphql-js refused the introspection answer: %v\n%s", err, stderr.String())
			}
			golden(t, c.golden, string(printed))
		})
	}
}

package webhook

import (
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse/schema"
)

// FuzzOperations checks that Twenty operations are accepted only in the
// form <object>.<operation> with a known object (or *) and a known
// operation (or *), deduplicated, and that an accepted list matches the
// events it names. ops is a newline-separated list.
func FuzzOperations(f *testing.F) {
	for _, seed := range []string{"*.*", "person.created\n*.updated", "person.created\nperson.created", "company.*", "person",
		".created", "person.born", "nobody.created", "person.created.x", ""} {
		f.Add(seed)
	}
	s := schema.New(1, []*schema.Table{{ID: "People", NameSingular: "person", NamePlural: "people"},
		{ID: "Companies", NameSingular: "company", NamePlural: "companies"}})
	f.Fuzz(func(t *testing.T, list string) {
		var ops []string
		if list != "" {
			ops = strings.Split(list, "\n")
		}
		got, err := checkOperations(s, ops)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, op := range got {
			obj, action, ok := strings.Cut(op, ".")
			if !ok || seen[op] || (obj != "*" && s.Table(map[string]string{"person": "People", "company": "Companies"}[obj]) == nil) {
				t.Fatalf("accepted %q in %q", op, got)
			}
			switch action {
			case opCreated, opUpdated, opDeleted:
				if obj != "*" && !matches(got, obj, action) {
					t.Fatalf("%q does not match %s.%s", got, obj, action)
				}
			case "*":
			default:
				t.Fatalf("accepted %q: operation %q", op, action)
			}
			seen[op] = true
		}
	})
}

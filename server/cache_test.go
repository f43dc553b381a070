package server_test

import (
	"fmt"
	"testing"

	"github.com/rowhouse/rowhouse/internal/testserver"
)

// Who may do what is cached for a moment on every request path; a change
// made through the server must still hold from the very next request.
func TestAccessChangesTakeEffectAtOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	k := w.keys
	tm := w.newTeam(t)
	records := "/api/docs/" + tm.doc + "/tables/People/records"
	orgAccess := "/api/orgs/" + tm.domain + "/access"
	steps := []testserver.Scenario{
		{Name: "the viewer reads", Method: "GET", URL: records, Key: k[cViewer], Status: 200},
		{Name: "the stranger is refused", Method: "GET", URL: records, Key: k[cStranger], Status: 403},
		{Name: "the viewer is removed", Method: "PATCH", URL: orgAccess, Key: k[cOwner],
			Body: map[string]any{"delta": map[string]any{"users": map[string]any{email(cViewer): nil}}}, Status: 200},
		{Name: "and refused at once", Method: "GET", URL: records, Key: k[cViewer], Status: 403},
		{Name: "the stranger is made an editor", Method: "PATCH", URL: orgAccess, Key: k[cOwner],
			Body: map[string]any{"delta": map[string]any{"users": map[string]any{email(cStranger): "editors"}}}, Status: 200},
		{Name: "and writes at once", Method: "POST", URL: records, Key: k[cStranger],
			Body: `{"records":[{"fields":{"name":"Cy"}}]}`, Status: 200},
		{Name: "the document is deleted", Method: "DELETE", URL: "/api/docs/" + tm.doc, Key: k[cOwner], Status: 200},
		{Name: "and gone at once", Method: "GET", URL: records, Key: k[cStranger], Status: 404},
	}
	for i, sc := range steps {
		sc.Name = fmt.Sprintf("%d %s", i, sc.Name)
		sc.Run(t, w.s)
	}
}

package twenty

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
)

// badPath answers a path under rest/ that no route takes: 405 for a known
// path with another method, else Twenty's 400 for an invalid path.
func badPath(w http.ResponseWriter, r *http.Request) error {
	rest := strings.Trim(strings.TrimPrefix(r.URL.Path, "/api/docs/"+r.PathValue("doc")+"/rest"), "/")
	parts := strings.Split(rest, "/")
	if rest != "" && len(parts) <= 2 {
		allowed := "GET, POST, PATCH, PUT, DELETE"
		switch {
		case parts[0] == "batch" && len(parts) == 2:
			allowed = "POST"
		case len(parts) == 2:
			allowed = "GET, PATCH, PUT, DELETE"
		}
		w.Header().Set("Allow", allowed)
		status := http.StatusMethodNotAllowed
		api.WriteJSON(w, status, errorBody{StatusCode: status, Error: errorNames[status],
			Messages: []string{fmt.Sprintf("%s is not allowed on /rest/%s (allowed: %s)", r.Method, clip(rest), allowed)}})
		return nil
	}
	return rowhouse.Invalidf("Query path '/rest/%s' invalid. Valid examples: /rest/companies/id or /rest/companies or /rest/batch/companies", clip(rest))
}

// IsPath reports whether path is one of this API's: Twenty's own /rest/
// paths, or a document's /api/docs/{doc}/rest/ ones (also under an
// /o/{orgDomain}/ prefix). Errors there are answered in Twenty's shape,
// also those the server answers before any handler (authentication, body
// limit).
func IsPath(path string) bool {
	if path == "/rest" || strings.HasPrefix(path, "/rest/") {
		return true
	}
	if rest, ok := strings.CutPrefix(path, "/o/"); ok {
		_, after, ok := strings.Cut(rest, "/")
		if !ok {
			return false
		}
		path = "/" + after
	}
	rest, ok := strings.CutPrefix(path, "/api/docs/")
	if !ok {
		return false
	}
	_, after, ok := strings.Cut(rest, "/")
	return ok && (after == "rest" || strings.HasPrefix(after, "rest/"))
}

// Scoped serves Twenty's own paths, /rest/..., for a caller whose API key
// is scoped to exactly one document: the request goes to next as
// /api/docs/{thatDoc}/rest/..., so that a Twenty client pointed at
// Rowhouse works with nothing but its base URL and key changed. Any other
// caller is told why the path cannot be served, and what to use instead.
func Scoped(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		docID, err := scopedDoc(api.ActorFrom(r.Context()))
		if err != nil {
			WriteError(w, r, log, err)
			return
		}
		api.ServeAt(next, w, r, r.Context(), "/api/docs/"+docID+r.URL.Path)
	})
}

// scopedDoc is the one document a caller's key is scoped to (see
// api.ScopedDoc).
func scopedDoc(a rowhouse.Actor) (string, error) {
	return api.ScopedDoc(a, "Twenty's paths /rest/...", "use /api/docs/{docId}/rest/... instead, or a key created with scopes: {docs: [docId]}")
}

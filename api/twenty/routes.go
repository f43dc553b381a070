package twenty

import "net/http"

// Routes registers every route of the Twenty-compatible API on mux, under
// /api/docs/{doc}/rest/. (The server maps Twenty's own /rest/ paths onto
// them for a key scoped to one document.)
func (a *API) Routes(mux *http.ServeMux) {
	// Metadata: objects (tables) and fields (columns).

	// Core: records of each table, by its plural and singular names.
}

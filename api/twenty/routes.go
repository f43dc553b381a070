package twenty

import "net/http"

// Routes registers every route of the Twenty-compatible API on mux, under
// /api/docs/{doc}/rest/. (The server maps Twenty's own /rest/ paths onto
// them for a key scoped to one document.)
func (a *API) Routes(mux *http.ServeMux) {
	// Metadata: objects (tables) and fields (columns).

	// Core: records of each table, by its plural and singular names.
	const p = "/api/docs/{doc}/rest/"
	mux.Handle("GET "+p+"{plural}", a.handle(a.findMany))
	mux.Handle("POST "+p+"{plural}", a.handle(a.createOne))
	mux.Handle("PATCH "+p+"{plural}", a.handle(a.updateMany))
	mux.Handle("PUT "+p+"{plural}", a.handle(a.updateMany)) // Twenty takes PUT as PATCH
	mux.Handle("DELETE "+p+"{plural}", a.handle(a.deleteMany))
	mux.Handle("POST "+p+"batch/{plural}", a.handle(a.createMany))
	mux.Handle("GET "+p+"{plural}/{id}", a.handle(a.findOne))
	mux.Handle("PATCH "+p+"{plural}/{id}", a.handle(a.updateOne))
	mux.Handle("PUT "+p+"{plural}/{id}", a.handle(a.updateOne))
	mux.Handle("DELETE "+p+"{plural}/{id}", a.handle(a.deleteOne))
	// Anything else under rest/: Twenty's answer for a path it does not
	// know, in its shape.
	mux.Handle(p, a.handle(badPath))
}

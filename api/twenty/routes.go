package twenty

import "net/http"

// Routes registers every route of the Twenty-compatible API on mux, under
// /api/docs/{doc}/rest/. (The server maps Twenty's own /rest/ paths onto
// them for a key scoped to one document.)
func (a *API) Routes(mux *http.ServeMux) {
	// Metadata: objects (tables) and fields (columns), metadata.go. PUT is
	// PATCH, as Twenty keeps it.
	const meta = "/api/docs/{doc}/rest/metadata/"
	mux.Handle("GET "+meta+"objects", a.handle(a.listObjects))
	mux.Handle("POST "+meta+"objects", a.handle(a.createObject))
	mux.Handle("GET "+meta+"objects/{id}", a.handle(a.getObject))
	mux.Handle("PATCH "+meta+"objects/{id}", a.handle(a.updateObject))
	mux.Handle("PUT "+meta+"objects/{id}", a.handle(a.updateObject))
	mux.Handle("DELETE "+meta+"objects/{id}", a.handle(a.deleteObject))
	mux.Handle("GET "+meta+"fields", a.handle(a.listFields))
	mux.Handle("POST "+meta+"fields", a.handle(a.createField))
	mux.Handle("GET "+meta+"fields/{id}", a.handle(a.getField))
	mux.Handle("PATCH "+meta+"fields/{id}", a.handle(a.updateField))
	mux.Handle("PUT "+meta+"fields/{id}", a.handle(a.updateField))
	mux.Handle("DELETE "+meta+"fields/{id}", a.handle(a.deleteField))
	// Webhooks in Twenty's shape and delivery format, at both of Twenty's
	// paths (/rest/webhooks answers lists as arrays, /rest/metadata/webhooks
	// as {data, pageInfo, totalCount}), metadata_webhooks.go.
	for _, base := range []string{"/api/docs/{doc}/rest/webhooks", meta + "webhooks"} {
		mux.Handle("GET "+base, a.handle(a.listWebhooks))
		mux.Handle("POST "+base, a.handle(a.createWebhook))
		mux.Handle("GET "+base+"/{id}", a.handle(a.getWebhook))
		mux.Handle("PATCH "+base+"/{id}", a.handle(a.updateWebhook))
		mux.Handle("DELETE "+base+"/{id}", a.handle(a.deleteWebhook))
	}

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

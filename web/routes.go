package web

import (
	"net/http"
	"strings"

	"github.com/rowhouse/rowhouse/auth"
)

// Routes registers every page, form and asset. Only these paths are the
// pages'; anything else falls through to the server's JSON 404.
func (w *Web) Routes(mux *http.ServeMux) {
	mux.Handle("GET /static/", w.assets())

	mux.HandleFunc("GET /login", w.loginPage)
	mux.HandleFunc("POST /login", w.login)
	mux.HandleFunc("POST /logout", w.logout)
	mux.HandleFunc("GET "+auth.SignInPath+"{token}", w.signInLink)

	mux.Handle("GET /{$}", w.signedIn(w.homePage))
	mux.Handle("POST /orgs/{org}/workspaces", w.signedIn(w.createWorkspace))
	mux.Handle("POST /workspaces/{ws}/rename", w.signedIn(w.renameWorkspace))
	mux.Handle("POST /workspaces/{ws}/delete", w.signedIn(w.deleteWorkspace))
	mux.Handle("POST /workspaces/{ws}/docs", w.signedIn(w.createDoc))
	mux.Handle("POST /doc/{docId}/rename", w.signedIn(w.renameDoc))
	mux.Handle("POST /doc/{docId}/delete", w.signedIn(w.deleteDoc))

	mux.Handle("GET /account", w.signedIn(w.accountPage))
	mux.Handle("POST /account/keys", w.signedIn(w.createKey))
	mux.Handle("POST /account/keys/{id}/delete", w.signedIn(w.deleteKey))
	mux.Handle("POST /account/password", w.signedIn(w.setPassword))

	mux.Handle("GET /doc/{docId}", w.signedIn(w.docPage))
	mux.Handle("GET /doc/{docId}/api", w.signedIn(w.docAPIPage))
	mux.Handle("POST /doc/{docId}/api/webhooks", w.signedIn(w.createWebhook))
	mux.Handle("POST /doc/{docId}/api/webhooks/{id}", w.signedIn(w.updateWebhook))
	mux.Handle("POST /doc/{docId}/api/webhooks/{id}/delete", w.signedIn(w.deleteWebhook))
	mux.Handle("GET /doc/{docId}/api/rest", w.signedIn(w.restConsole))
	mux.Handle("GET /doc/{docId}/api/graphql", w.signedIn(w.graphqlConsole))
}

// assets serves the embedded files under /static/. Vendored files never
// change within a build, so browsers may cache them for a day.
func (w *Web) assets() http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") { // no folder listings
			http.NotFound(rw, r)
			return
		}
		rw.Header().Set("Cache-Control", "public, max-age=86400")
		rw.Header().Set("X-Content-Type-Options", "nosniff")
		w.static.ServeHTTP(rw, r)
	})
}

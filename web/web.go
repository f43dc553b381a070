// Package web serves Rowhouse's pages for people: sign-in, the home page
// (orgs, workspaces, documents), the account page with API keys, and per
// document a record browser, an "API & webhooks" page and two consoles (a
// vendored Swagger UI for REST and a vendored GraphiQL).
//
// Pages are rendered on the server with html/template; every asset they load
// is embedded with go:embed and served from /static/, so the pages work
// offline and `go build` needs no Node. Pages call the Go services (home,
// auth, core) directly, never HTTP to the server itself, and check the
// signed-in user's role exactly as the API does: the services do the
// checking. Every form carries the session's CSRF token (synchronizer token
// pattern) and every POST is refused without it, before anything is read
// or changed.
//
// The package must never write SQL or decide access itself.
package web

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/webhook"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps are the services the pages use.
type Deps struct {
	Home     *home.Service
	Keys     *auth.Keys
	Docs     *core.Docs
	Sessions *auth.Sessions
	Log      *slog.Logger
	Now      func() time.Time
	// Webhooks manages the documents' webhooks (the forms of the API
	// page), shared with the REST and GraphQL APIs.
	Webhooks *webhook.Service
}

// Web holds the parsed pages and the services behind them.
type Web struct {
	Deps
	pages  map[string]*template.Template
	static http.Handler
}

// pageNames are the templates in templates/, each rendered inside
// layout.html.
var pageNames = []string{"login", "home", "account", "doc", "docapi", "rest", "graphql", "error"}

// New parses the embedded templates; it fails only if they are broken,
// which the package's tests catch.
func New(d Deps) *Web {
	w := &Web{Deps: d, pages: map[string]*template.Template{}}
	funcs := template.FuncMap{
		"time":   formatTime,
		"timep":  formatTimePtr,
		"scopes": formatScopes,
		"csrf":   func() string { return auth.CSRFField },
		"itoa":   itoa,
		"has":    slices.Contains[[]string],
		// pwform is the password form's data: the page's CSRF token and
		// user with the form's state.
		"pwform": func(csrf string, u *rowhouse.User, p any) map[string]any {
			m := map[string]any{"CSRF": csrf, "Email": ""}
			if u != nil {
				m["Email"] = u.Email
			}
			if pc, ok := p.(passwordContent); ok {
				m["NeedCurrent"], m["HasPassword"], m["Next"] = pc.NeedCurrent, pc.HasPassword, pc.Next
			}
			return m
		},
		// pending tells a delivery that waits for its next attempt.
		"pending": func(d store.Delivery) bool { return d.Status == store.DeliveryPending },
	}
	for _, name := range pageNames {
		files := []string{"templates/layout.html", "templates/" + name + ".html"}
		switch name {
		case "docapi":
			files = append(files, "templates/webhooks.html")
		case "home", "account":
			files = append(files, "templates/password.html")
		}
		t := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, files...))
		w.pages[name] = t
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil { // the embed pattern guarantees the folder
		panic(err)
	}
	w.static = http.StripPrefix("/static/", http.FileServerFS(sub))
	return w
}

// page is what every template receives.
type page struct {
	Title   string
	User    *rowhouse.User
	CSRF    string
	Error   string
	Notice  string
	Content any
	// Scripts and Styles are extra assets under /static/ for this page.
	Scripts []string
	Styles  []string
	// Wide pages (the consoles) use the whole window; narrow ones (sign-in,
	// errors) a column.
	Wide, Narrow bool
}

// contentSecurityPolicy allows only this origin: no request leaves the
// machine. The vendored consoles need inline styles (React sets style
// attributes) and data: images and fonts.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// render writes a page with the given status.
func (w *Web) render(rw http.ResponseWriter, r *http.Request, status int, name string, p page) {
	if s, ok := auth.SessionFrom(r.Context()); ok {
		u := s.User
		p.User, p.CSRF = &u, s.CSRF
	}
	var buf bytes.Buffer
	if err := w.pages[name].Execute(&buf, p); err != nil {
		w.Log.Error("render page", "page", name, "err", err)
		http.Error(rw, "internal error", http.StatusInternalServerError)
		return
	}
	h := rw.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	rw.WriteHeader(status)
	_, _ = rw.Write(buf.Bytes())
}

// fail renders the error page for err: its public message and the status
// of its kind, as the API would answer; internal errors are logged and
// shown as "internal error".
func (w *Web) fail(rw http.ResponseWriter, r *http.Request, err error) {
	status := api.Status(err)
	msg := rowhouse.ErrorMessage(err)
	if status >= 500 {
		w.Log.Error("page failed", "method", r.Method, "path", r.URL.Path, "err", err)
		msg = "Something went wrong on the server. Please try again."
	}
	w.render(rw, r, status, "error", page{Title: http.StatusText(status), Error: msg, Narrow: true})
}

// handler is a page handler that has a signed-in session.
type handler func(rw http.ResponseWriter, r *http.Request, s auth.Session) error

// signedIn wraps a page that needs a session: without one, a GET goes to
// the sign-in page (and back after it); a POST too, with a note that the
// session has ended. A POST with a missing or wrong CSRF token is refused
// with 403 before the handler runs, so nothing is changed.
func (w *Web) signedIn(h handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		s, ok := auth.SessionFrom(r.Context())
		if !ok {
			q := url.Values{}
			if r.Method == http.MethodGet {
				q.Set("next", r.URL.RequestURI())
			}
			// A session cookie that no longer works: say so, and drop it.
			if _, err := r.Cookie(auth.SessionCookie); err == nil || r.Method != http.MethodGet {
				q.Set("expired", "1")
				http.SetCookie(rw, w.Sessions.Cookie(r, "", time.Time{}))
			}
			http.Redirect(rw, r, "/login?"+q.Encode(), http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost && !s.CheckCSRF(r.PostFormValue(auth.CSRFField)) {
			w.render(rw, r, http.StatusForbidden, "error", page{Title: "Forbidden", Error: errCSRF, Narrow: true})
			return
		}
		if err := h(rw, r, s); err != nil {
			w.fail(rw, r, err)
		}
	})
}

// notices are the messages a page shows after a form succeeded, keyed by
// the "done" query parameter of the redirect. Only these texts can appear:
// a link cannot make a page say something else.
var notices = map[string]string{
	"workspace-created": "Workspace created.",
	"workspace-renamed": "Workspace renamed.",
	"workspace-deleted": "Workspace deleted.",
	"doc-created":       "Document created.",
	"doc-renamed":       "Document renamed.",
	"doc-deleted":       "Document deleted.",
	"key-removed":       "Key removed.",
	"webhook-saved":     "Webhook saved.",
	"webhook-removed":   "Webhook removed.",
	"password-set":      "Password saved. Sign in with it next time.",
}

// notice is the message for the request's "done" parameter, if any.
func notice(r *http.Request) string { return notices[r.URL.Query().Get("done")] }

// errCSRF is shown when a form comes without the session's token: it was
// sent from another site, or from a page older than the session.
const errCSRF = "This form has expired or did not come from this site, so nothing was changed. Reload the page and try again."

// actor is the signed-in user as an API actor (a session has no key
// scopes: it may do all its user may do).
func actor(s auth.Session) rowhouse.Actor { return rowhouse.Actor{User: s.User} }

// safeNext returns a local path to go to after signing in, "/" unless next
// is a path on this site (never another host: no open redirect).
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

// redirect answers a successful form with 303 to a page (post/redirect/get).
func redirect(rw http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(rw, r, to, http.StatusSeeOther)
	return nil
}

// isUserError reports whether err is one the user can fix by changing the
// form (shown on the page), rather than a missing page or a failure.
func isUserError(err error) bool {
	var e *rowhouse.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Kind {
	case rowhouse.EINVALID, rowhouse.ECONFLICT, rowhouse.EFORBIDDEN, rowhouse.ETOOLARGE, rowhouse.EUNPROCESSABLE:
		return true
	}
	return false
}

// userMessage is an error's message for the page, with the payload
// details Grist puts in details.userError.
func userMessage(err error) string {
	var e *rowhouse.Error
	if errors.As(err, &e) && e.Details != nil {
		if ue, ok := e.Details["userError"].(string); ok && ue != "" {
			return ue
		}
	}
	return rowhouse.ErrorMessage(err)
}

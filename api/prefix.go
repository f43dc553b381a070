package api

import (
	"context"
	"net/http"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/home"
)

// PrefixDomain is the org domain named by the request's /o/{orgDomain}
// prefix, with "docs" meaning the caller's personal org; "" without a
// prefix.
func PrefixDomain(r *http.Request) string {
	d := OrgDomainFrom(r.Context())
	if d == "docs" {
		if actor := ActorFrom(r.Context()); !actor.Anonymous() {
			return home.PersonalDomain(actor.User.ID)
		}
	}
	return d
}

// UnderPrefix applies the /o/{orgDomain} rule to the answer of a document
// access check (v, err): a document of another org than the prefix names is
// absent (404 "document not found"), whatever the caller's access to it.
// Every surface's document routes go through it.
func UnderPrefix(r *http.Request, v home.DocView, err error) (home.DocView, error) {
	if err != nil && !(rowhouse.ErrorKind(err) == rowhouse.EFORBIDDEN && v.ID != "") {
		return v, err // not found, or a failure: nothing to compare
	}
	if d := PrefixDomain(r); d != "" && d != v.Workspace.Org.Domain {
		return v, rowhouse.NotFoundf("document not found")
	}
	return v, err
}

// ScopedDoc is the one document a caller's API key is scoped to, for the
// paths that name no document (Twenty's /rest/..., /graphql and /metadata):
// the key says which. A browser session has no key, so it never reaches a
// document through them (they are outside /api/, where the server checks a
// session's CSRF token on writes). paths names the paths in the errors,
// and instead says what to use otherwise.
func ScopedDoc(a rowhouse.Actor, paths, instead string) (string, error) {
	switch {
	case a.Anonymous():
		return "", rowhouse.Errorf(rowhouse.EUNAUTHORIZED, "%s need an API key scoped to exactly one document (Authorization: Bearer <key>), which says which document they address; %s", paths, instead)
	case a.Key == nil:
		return "", rowhouse.Invalidf("%s need an API key scoped to exactly one document, which says which document they address; this request has no API key (a browser session names no document): %s", paths, instead)
	case len(a.Key.Scopes.Docs) == 0:
		return "", rowhouse.Invalidf("%s need an API key scoped to exactly one document, which says which document they address; this key is not scoped to documents: %s", paths, instead)
	case len(a.Key.Scopes.Docs) > 1:
		return "", rowhouse.Invalidf("%s need an API key scoped to exactly one document, which says which document they address; this key is scoped to %d documents: %s", paths, len(a.Key.Scopes.Docs), instead)
	}
	return a.Key.Scopes.Docs[0], nil
}

// ServeAt serves r through next as if it had asked for path (its query
// kept), with ctx as its context: the /o/{orgDomain} prefix and the
// paths that name no document are other paths to the same routes. r
// takes the inner route's pattern, so that metrics label it.
func ServeAt(next http.Handler, w http.ResponseWriter, r *http.Request, ctx context.Context, path string) {
	r2 := r.WithContext(ctx)
	u := *r.URL
	u.Path, u.RawPath = path, ""
	r2.URL = &u
	next.ServeHTTP(w, r2)
	r.Pattern = r2.Pattern
}

package api

import (
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

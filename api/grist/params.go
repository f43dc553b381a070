package grist

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
)

// The query parameters of the records and data endpoints, one list per
// endpoint family. A parameter not listed is a 400 naming it, never
// silently ignored: a client asking for order_by, depth or fields where
// they do not exist must learn so, not get a differently shaped answer.
// An endpoint that learns a parameter adds it here (and reads it in its
// handler); the lists are what OpenAPI and tests can rely on too.
var (
	// readParams are GET .../records and GET .../data: Grist's filter,
	// sort, limit, hidden and immediate (a Grist option to skip waiting
	// for the document to load: nothing to wait for here, so accepted and
	// without effect), cellFormat, and Rowhouse's cursor pages, offset
	// (the grid's jumps) and count.
	readParams = []string{"filter", "sort", "limit", "hidden", "cellFormat", "immediate",
		"starting_after", "ending_before", "offset", "count"}
	// listParams are POST .../records/list: everything is in the body.
	listParams = []string{}
	// addParams are POST .../records: noparse, Grist's flat (a plain array
	// of field objects as the body) and utm_source (sent by Grist forms).
	addParams = []string{"noparse", "flat", "utm_source"}
	// updateParams are PATCH .../records, POST and PATCH .../data.
	updateParams = []string{"noparse"}
	// upsertParams are PUT .../records.
	upsertParams = []string{"noparse", "noadd", "noupdate", "onmany", "allow_empty_require"}
	// deleteParams are POST .../records/delete and .../data/delete.
	deleteParams = []string{}
)

// params wraps a handler so that a query parameter outside allowed is a
// 400 naming it, before anything else is done.
func params(allowed []string, h api.HandlerFunc) api.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := checkParams(r, allowed); err != nil {
			return err
		}
		return h(w, r)
	}
}

// checkParams refuses the first query parameter (in the order given) that
// is not in allowed. It reads the raw query without building url.Values:
// it runs on every read.
func checkParams(r *http.Request, allowed []string) error {
	for part := range strings.SplitSeq(r.URL.RawQuery, "&") {
		name, _, _ := strings.Cut(part, "=")
		if strings.ContainsAny(name, "%+") {
			n, err := url.QueryUnescape(name)
			if err != nil {
				continue // url.Values drops it too
			}
			name = n
		}
		if name == "" || slices.Contains(allowed, name) {
			continue
		}
		if len(allowed) == 0 {
			return rowhouse.Invalidf("unknown query parameter %q: this endpoint takes none", name)
		}
		return rowhouse.Invalidf("unknown query parameter %q (this endpoint takes %s)", name, strings.Join(allowed, ", "))
	}
	return nil
}

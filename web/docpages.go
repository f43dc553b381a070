package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/query"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/webhook"
)

// recordsPerPage is the record browser's page size.
const recordsPerPage = 50

// docContent is the record browser: the document's tables and one page of
// the selected table.
type docContent struct {
	Doc     home.DocView
	Tables  []*schema.Table
	Table   *schema.Table
	Columns []*schema.Column
	Rows    []recordRow
	Total   int64
	// PrevURL and NextURL page through the table ("" at either end).
	PrevURL, NextURL string
}

type recordRow struct {
	ID    int64
	Cells []string
}

// openDoc checks the user's role on the page's document (as the API does:
// 404 for a missing document, 403 without access) and opens it.
func (w *Web) openDoc(r *http.Request, s auth.Session, want rowhouse.Role) (*core.Doc, home.DocView, error) {
	v, err := w.Home.Doc(r.Context(), actor(s), r.PathValue("docId"), want)
	if err != nil {
		return nil, v, err
	}
	d, err := w.Docs.Open(r.Context(), v.ID)
	if err != nil {
		return nil, v, fmt.Errorf("open doc %s: %w", v.ID, err)
	}
	return d, v, nil
}

func (w *Web) docPage(rw http.ResponseWriter, r *http.Request, s auth.Session) error {
	ctx := r.Context()
	d, v, err := w.openDoc(r, s, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	defer d.Close()
	sch, err := d.Schema(ctx)
	if err != nil {
		return fmt.Errorf("doc %s: schema: %w", v.ID, err)
	}
	c := docContent{Doc: v, Tables: sch.Tables}
	q := r.URL.Query()
	tableID := q.Get("table")
	if tableID == "" && len(sch.Tables) > 0 {
		tableID = sch.Tables[0].ID
	}
	if tableID == "" {
		w.render(rw, r, http.StatusOK, "doc", page{Title: v.Name, Content: c})
		return nil
	}
	if c.Table, err = d.Table(ctx, tableID); err != nil {
		return err
	}
	sel := core.Select{Table: c.Table.ID, Limit: recordsPerPage, Count: true, Surface: "web"}
	for _, p := range []struct {
		param string
		dst   **query.Cursor
	}{{"after", &sel.After}, {"before", &sel.Before}} {
		if raw := q.Get(p.param); raw != "" {
			cur, err := query.DecodeCursor(raw)
			if err != nil {
				return rowhouse.Invalidf("This page link is not valid (bad %s cursor).", p.param)
			}
			*p.dst = &cur
		}
	}
	rows, err := d.Query(ctx, sel)
	if err != nil {
		return err
	}
	defer rows.Close()
	c.Columns = rows.Columns
	var vals []any
	for rows.Next() {
		vals = rows.Values(vals, false)
		row := recordRow{ID: rows.ID(), Cells: make([]string, len(vals))}
		for i, val := range vals {
			row.Cells[i] = formatCell(rows.Columns[i], val)
		}
		c.Rows = append(c.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("doc %s: read %s: %w", v.ID, c.Table.ID, err)
	}
	if rows.TotalCount != nil {
		c.Total = *rows.TotalCount
	}
	pageURL := func(param, cur string) string {
		return "/doc/" + url.PathEscape(v.ID) + "?" + url.Values{"table": {c.Table.ID}, param: {cur}}.Encode()
	}
	if p := rows.Page; p != nil {
		if p.HasNextPage && p.EndCursor != nil {
			c.NextURL = pageURL("after", *p.EndCursor)
		}
		if p.HasPreviousPage && p.StartCursor != nil {
			c.PrevURL = pageURL("before", *p.StartCursor)
		}
	}
	w.render(rw, r, http.StatusOK, "doc", page{Title: v.Name, Content: c})
	return nil
}

// formatCell shows a cell value as text: dates as dates, lists without
// their "L" marker, other values as JSON.
func formatCell(c *schema.Column, v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	}
	if c != nil {
		switch c.Type.Kind {
		case schema.KindDate, schema.KindDateTime:
			if f, ok := toFloat(v); ok {
				t := time.Unix(0, int64(f*1e9)).UTC()
				if c.Type.Kind == schema.KindDate {
					return t.Format("2006-01-02")
				}
				return t.Format("2006-01-02 15:04:05Z")
			}
		}
	}
	if l, ok := v.([]any); ok && len(l) > 0 && l[0] == "L" {
		parts := make([]string, 0, len(l)-1)
		for _, e := range l[1:] {
			parts = append(parts, formatCell(nil, e))
		}
		return strings.Join(parts, ", ")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case int64:
		return float64(v), true
	case int:
		return float64(v), true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	}
	return 0, false
}

// ---- API & webhooks

type docAPIContent struct {
	Doc     home.DocView
	Origin  string
	Tables  []*schema.Table
	IsOwner bool
	// Webhooks are listed for owners only (the API allows no one else).
	Webhooks []webhookEntry
	// Form refills the webhook form after a refusal; NewSecret is a new
	// webhook's signing secret, shown once.
	Form      webhookForm
	NewSecret string
}

// docAPIExtras are what a form adds to the API page.
type docAPIExtras struct {
	Error, Notice string
	Form          *webhookForm
	NewSecret     string
	// Access is the owner check a webhook form already made, which the
	// page then reuses; zero: the page makes it.
	Access webhook.Access
}

func (w *Web) docAPIPage(rw http.ResponseWriter, r *http.Request, s auth.Session) error {
	return w.renderDocAPI(rw, r, s, http.StatusOK, docAPIExtras{Notice: notice(r)})
}

func (w *Web) renderDocAPI(rw http.ResponseWriter, r *http.Request, s auth.Session, status int, x docAPIExtras) error {
	d, v, err := w.openDoc(r, s, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	defer d.Close()
	sch, err := d.Schema(r.Context())
	if err != nil {
		return fmt.Errorf("doc %s: schema: %w", v.ID, err)
	}
	c := docAPIContent{Doc: v, Origin: origin(r), Tables: sch.Tables, IsOwner: v.Access.AtLeast(rowhouse.RoleOwners),
		NewSecret: x.NewSecret, Form: webhookForm{Enabled: true, EventTypes: []string{"add", "update"}}}
	if x.Form != nil {
		c.Form = *x.Form
	}
	if c.IsOwner {
		acc := x.Access
		if acc.DocID() != v.ID {
			if acc, err = w.webhookAccess(r, s, v.ID); err != nil {
				return err
			}
		}
		if c.Webhooks, err = w.webhooks(r.Context(), acc); err != nil {
			return err
		}
	}
	w.render(rw, r, status, "docapi", page{Title: "API · " + v.Name, Error: x.Error, Notice: x.Notice, Content: c})
	return nil
}

// ---- consoles

type consoleContent struct {
	Doc      home.DocView
	SpecURL  string
	Endpoint string
}

// restConsole is Swagger UI over the document's OpenAPI document; its
// requests go with the session cookie and the CSRF header (static/rest.js).
func (w *Web) restConsole(rw http.ResponseWriter, r *http.Request, s auth.Session) error {
	v, err := w.Home.Doc(r.Context(), actor(s), r.PathValue("docId"), rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	c := consoleContent{Doc: v, SpecURL: "/api/docs/" + url.PathEscape(v.ID) + "/openapi.json"}
	w.render(rw, r, http.StatusOK, "rest", page{Title: "REST console · " + v.Name, Content: c, Wide: true,
		Styles: []string{"vendor/swagger-ui/swagger-ui.css"}, Scripts: []string{"vendor/swagger-ui/swagger-ui-bundle.js", "rest.js"}})
	return nil
}

// graphqlConsole is GraphiQL over the document's GraphQL endpoint
// (static/graphiql.js).
func (w *Web) graphqlConsole(rw http.ResponseWriter, r *http.Request, s auth.Session) error {
	v, err := w.Home.Doc(r.Context(), actor(s), r.PathValue("docId"), rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	c := consoleContent{Doc: v, Endpoint: "/api/docs/" + url.PathEscape(v.ID) + "/graphql"}
	w.render(rw, r, http.StatusOK, "graphql", page{Title: "GraphiQL · " + v.Name, Content: c, Wide: true,
		Styles: []string{"vendor/graphiql/graphiql.min.css"},
		Scripts: []string{"vendor/react/react.production.min.js", "vendor/react-dom/react-dom.production.min.js",
			"vendor/graphiql/graphiql.min.js", "graphiql.js"}})
	return nil
}

// ---- template helpers

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func formatTimePtr(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return formatTime(*t)
}

// formatScopes describes a key's scope, naming its documents by their
// names where the user can see them (by id otherwise).
func formatScopes(s rowhouse.KeyScopes, docs []home.DocView) string {
	var parts []string
	if len(s.Docs) > 0 {
		names := make([]string, len(s.Docs))
		for i, id := range s.Docs {
			names[i] = id
			for _, d := range docs {
				if d.ID == id {
					names[i] = d.Name
				}
			}
		}
		parts = append(parts, "documents "+strings.Join(names, ", "))
	} else {
		parts = append(parts, "all documents")
	}
	if s.ReadOnly {
		parts = append(parts, "read-only")
	} else {
		parts = append(parts, "read-write")
	}
	return strings.Join(parts, ", ")
}

// itoa is for templates that build URLs from ids.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }

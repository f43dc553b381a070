package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/webhook"
)

// docContent is the grid page: the document's tables, the one shown, and
// what the grid's script needs to start (static/grid.js): the role, which
// decides what it offers, and the change feed's sequence number at the
// moment the page was made, so that the script follows every change from
// there and misses none between the page and its first read.
type docContent struct {
	Doc    home.DocView
	Tables []*schema.Table
	Table  *schema.Table
	Seq    int64
	// CanEdit (editors and owners) edits cells and rows; CanSchema
	// (owners) changes tables and columns.
	CanEdit, CanSchema bool
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

// docPage is the data grid of one table. The page itself carries no
// records: the script reads and writes them through the public REST API,
// as any client would.
func (w *Web) docPage(rw http.ResponseWriter, r *http.Request, s auth.Session) error {
	ctx := r.Context()
	d, v, err := w.openDoc(r, s, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	defer d.Close()
	// The sequence number first: whatever commits after it reaches the
	// grid through the feed, even what the schema read below already sees.
	seq, err := d.LastSeq(ctx)
	if err != nil {
		return fmt.Errorf("doc %s: last change: %w", v.ID, err)
	}
	sch, err := d.Schema(ctx)
	if err != nil {
		return fmt.Errorf("doc %s: schema: %w", v.ID, err)
	}
	c := docContent{Doc: v, Tables: sch.Tables, Seq: seq,
		CanEdit: v.Access.AtLeast(rowhouse.RoleEditors), CanSchema: v.Access.AtLeast(rowhouse.RoleOwners)}
	tableID := r.URL.Query().Get("table")
	if tableID == "" && len(sch.Tables) > 0 {
		tableID = sch.Tables[0].ID
	}
	if tableID != "" {
		if c.Table = sch.Table(tableID); c.Table == nil {
			return rowhouse.NotFoundf("Table not found %q", tableID)
		}
	}
	title := v.Name
	if c.Table != nil {
		title = c.Table.ID + " · " + v.Name
	}
	w.render(rw, r, http.StatusOK, "doc", page{Title: title, Content: c, Wide: true,
		Styles:  []string{"vendor/slickgrid/slick-alpine-theme.css", "grid.css"},
		Scripts: gridScripts})
	return nil
}

// gridScripts are the grid page's scripts, in load order: the first reads
// (sent before the rest is parsed), SlickGrid (vendored, see
// static/vendor/README.md) and the page's own.
var gridScripts = []string{
	"grid-boot.js", "vendor/slickgrid/slick.core.js", "vendor/slickgrid/slick.interactions.js", "vendor/slickgrid/slick.grid.js",
	"vendor/slickgrid/slick.cellrangedecorator.js", "vendor/slickgrid/slick.cellrangeselector.js",
	"vendor/slickgrid/slick.cellselectionmodel.js", "vendor/slickgrid/slick.headermenu.js", "grid.js",
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
	c := docAPIContent{Doc: v, Origin: api.Origin(r), Tables: sch.Tables, IsOwner: v.Access.AtLeast(rowhouse.RoleOwners),
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

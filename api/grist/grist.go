// Package grist serves Rowhouse's REST API in the shape of Grist's public
// REST API, so that existing Grist clients and integrations work unchanged.
// Handlers decode and validate requests, call the services (home, auth,
// and the document core), and encode answers; they never touch storage.
package grist

import (
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/webhook"
)

// Deps are what the Grist API needs.
type Deps struct {
	Home *home.Service
	Keys *auth.Keys
	Docs *core.Docs
	// Engine is the storage engine, for what goes below the document core
	// (whole-document downloads).
	Engine store.Engine
	Log    *slog.Logger
	Now    func() time.Time
	// Bus carries commit signals to the change feed and webhook changes to
	// the dispatcher; nil: the feed polls.
	Bus webhook.Bus
	// Webhooks manages webhooks, shared with the other surfaces; nil: the
	// webhook routes answer that webhooks are not available.
	Webhooks *webhook.Service
	// FeedHeartbeat is the change feed's keep-alive interval; 0: the
	// default.
	FeedHeartbeat time.Duration
	// Done, closed when the server shuts down, ends long-lived answers
	// (the change feed) so that shutdown need not wait for them.
	Done <-chan struct{}
}

// API is the Grist-compatible REST API.
type API struct {
	home   *home.Service
	keys   *auth.Keys
	docs   *core.Docs
	engine store.Engine
	log    *slog.Logger
	now    func() time.Time
	bus    webhook.Bus
	feeds  *feedHub
	done   <-chan struct{}
	bufs   sync.Pool // of *bufio.Writer for streamed answers (see writer)

	webhooks *webhook.Service // nil: no webhooks
}

// New returns the API.
func New(d Deps) *API {
	a := &API{home: d.Home, keys: d.Keys, docs: d.Docs, engine: d.Engine, log: d.Log, now: d.Now,
		bus: d.Bus, feeds: newFeedHub(d.Docs, d.Log, d.FeedHeartbeat), done: d.Done, webhooks: d.Webhooks}
	if a.bus != nil {
		a.bus.Subscribe(a.feeds.signal)
	}
	return a
}

func (a *API) handle(h api.HandlerFunc) http.Handler { return api.Handle(a.log, h) }

// orgRef resolves the {org} path value: "current" is the org of the
// /o/{orgDomain} prefix, else the caller's personal org.
func orgRef(r *http.Request) string {
	ref := r.PathValue("org")
	if ref != "current" {
		return ref
	}
	if d := api.PrefixDomain(r); d != "" {
		return d
	}
	actor := api.ActorFrom(r.Context())
	if actor.Anonymous() {
		return "docs" // a reserved domain no org has: 404
	}
	return home.PersonalDomain(actor.User.ID)
}

// checkPrefix makes a resource reached under another org's prefix 404, as
// if it were not there.
func checkPrefix(r *http.Request, org home.OrgView, notFound string) error {
	if d := api.PrefixDomain(r); d != "" && d != org.Domain {
		return rowhouse.NotFoundf("%s", notFound)
	}
	return nil
}

func wsID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("ws"), 10, 64)
	if err != nil || id <= 0 {
		return 0, rowhouse.NotFoundf("workspace not found")
	}
	return id, nil
}

func docID(r *http.Request) string { return r.PathValue("doc") }

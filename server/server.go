// Package server assembles Rowhouse's HTTP server: every surface's routes,
// the middleware around them (recovery, logging, metrics, body limit,
// authentication, rate limit) and the operational endpoints. It holds
// wiring only; behaviour lives in the packages it wires.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/api/graphql"
	"github.com/rowhouse/rowhouse/api/grist"
	"github.com/rowhouse/rowhouse/api/openapi"
	"github.com/rowhouse/rowhouse/api/twenty"
	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/metrics"
	"github.com/rowhouse/rowhouse/ratelimit"
	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/web"
	"github.com/rowhouse/rowhouse/webhook"
)

// Config holds the server's limits.
type Config struct {
	// MaxBody is the largest request body accepted, in bytes.
	MaxBody int64
	// RateLimit is how many requests one key (or one anonymous client
	// address) may make per RateWindow; 0 disables rate limiting.
	RateLimit  int
	RateWindow time.Duration
	// TrustProxy takes the client address from X-Forwarded-For, and the
	// host and scheme from X-Forwarded-Host and X-Forwarded-Proto.
	TrustProxy bool
	// BaseDomain names team sites by host: <org>.BaseDomain is that org,
	// docs.BaseDomain the caller's personal org (api.Hosts); "" is off.
	BaseDomain string
}

// Defaults for Config.
const (
	DefaultMaxBody    = 64 << 20
	DefaultRateLimit  = 100_000
	DefaultRateWindow = time.Minute
)

// Deps are the services the server wires together.
type Deps struct {
	Engine  store.Engine
	Home    *home.Service
	Keys    *auth.Keys
	Docs    *core.Docs
	Metrics *metrics.Metrics
	Log     *slog.Logger
	Now     func() time.Time
	// Sessions are the browser sessions of the web pages; nil makes one
	// over Engine's home database.
	Sessions *auth.Sessions
	// Bus carries commit signals (from core.Options.OnCommit) to the change
	// feed, and webhook changes to the dispatcher; nil: the feed polls.
	Bus webhook.Bus
	// WebhookGuard checks webhook URLs when saved; nil refuses private
	// addresses.
	WebhookGuard *webhook.Guard
	// FeedHeartbeat is the change feed's keep-alive interval; 0: default.
	FeedHeartbeat time.Duration
	// Done, closed when the server begins to shut down, ends long-lived
	// answers (the change feed); nil: they end with their clients.
	Done <-chan struct{}
}

// New returns the server's root handler.
func New(cfg Config, d Deps) http.Handler {
	if d.Sessions == nil {
		d.Sessions = auth.NewSessions(d.Engine.Home(), d.Now, auth.SessionConfig{TrustProxy: cfg.TrustProxy, BaseDomain: cfg.BaseDomain})
	}
	mux := http.NewServeMux()
	routes(mux, d)

	limiter := ratelimit.New(ratelimit.Config{Limit: cfg.RateLimit, Window: cfg.RateWindow, TrustProxy: cfg.TrustProxy}, d.Now)
	var h http.Handler = metrics.CapturePattern(mux)
	h = authenticate(d.Keys, d.Sessions, d.Log, limiter, h)
	h = limitBody(cfg.MaxBody, h)
	h = d.Metrics.Middleware(h)
	h = api.Hosts{BaseDomain: cfg.BaseDomain, TrustProxy: cfg.TrustProxy}.Middleware(h)
	h = logRequests(d.Log, h)
	h = recoverPanics(d.Log, h)
	return h
}

// routes lists every route of the server.
func routes(mux *http.ServeMux, d Deps) {
	// One webhook service behind every surface that manages webhooks.
	hooks := webhook.NewService(webhook.ServiceDeps{Home: d.Home, Docs: d.Docs, Store: d.Engine.Home(),
		Guard: d.WebhookGuard, Bus: d.Bus, Now: d.Now})
	grist.New(grist.Deps{Home: d.Home, Keys: d.Keys, Docs: d.Docs, Engine: d.Engine, Log: d.Log, Now: d.Now,
		Bus: d.Bus, Webhooks: hooks, FeedHeartbeat: d.FeedHeartbeat, Done: d.Done}).Routes(mux)
	openapi.New(openapi.Deps{Home: d.Home, Docs: d.Docs, Log: d.Log}).Routes(mux)
	gql := graphql.New(graphql.Deps{Home: d.Home, Docs: d.Docs, Log: d.Log, Webhooks: hooks})
	gql.Routes(mux)
	twenty.New(twenty.Deps{Home: d.Home, Docs: d.Docs, Webhooks: hooks, Log: d.Log, Now: d.Now}).Routes(mux)
	web.New(web.Deps{Home: d.Home, Keys: d.Keys, Docs: d.Docs, Sessions: d.Sessions, Log: d.Log, Now: d.Now, Webhooks: hooks}).Routes(mux)

	// The same API under /o/{orgDomain}/, where "current" means that org.
	mux.HandleFunc("/o/{orgDomain}/api/", func(w http.ResponseWriter, r *http.Request) {
		domain := r.PathValue("orgDomain")
		api.ServeAt(mux, w, r, api.WithOrgDomain(r.Context(), domain), strings.TrimPrefix(r.URL.Path, "/o/"+domain))
	})

	// Twenty's own paths, for an API key scoped to exactly one document:
	// /rest/companies is /api/docs/{thatDoc}/rest/companies.
	mux.Handle("/rest/", twenty.Scoped(mux, d.Log))
	// And Twenty's GraphQL endpoints: /graphql and /metadata.
	mux.Handle("POST /graphql", gql.Scoped(mux))
	mux.Handle("GET /graphql", gql.Scoped(mux))
	mux.Handle("POST /metadata", gql.Scoped(mux))
	mux.Handle("GET /metadata", gql.Scoped(mux))

	mux.Handle("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}))
	mux.Handle("GET /readyz", api.Handle(d.Log, func(w http.ResponseWriter, r *http.Request) error {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := d.Engine.Ping(ctx); err != nil {
			d.Log.Warn("readiness check failed", "err", err)
			return rowhouse.Errorf(rowhouse.EUNAVAILABLE, "storage is not reachable")
		}
		api.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
		return nil
	}))
	mux.Handle("GET /metrics", d.Metrics.Handler())

	// Anything else: a known path asked with another method is 405 with
	// Allow (this catch-all would otherwise hide ServeMux's own 405); the
	// rest is Grist's JSON 404, never an HTML page.
	mux.Handle(catchAll, api.Handle(d.Log, func(w http.ResponseWriter, r *http.Request) error {
		if allow := allowedMethods(mux, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			return rowhouse.Errorf(rowhouse.EMETHOD, "method %s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", "))
		}
		return rowhouse.NotFoundf("not found: %s", r.URL.Path)
	}))
}

// catchAll is the pattern of the route that answers what no other does.
const catchAll = "/"

// probeMethods are the methods allowedMethods tries.
var probeMethods = [...]string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}

// allowedMethods lists the methods that some route other than the
// catch-all answers for r's path, as ServeMux would in its 405's Allow.
func allowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var allow []string
	for _, m := range probeMethods {
		if m == r.Method {
			continue
		}
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != catchAll {
			allow = append(allow, m)
		}
	}
	return allow
}

// sessionActor authenticates a request that has no Authorization header by
// its session cookie, if any: a live session yields its user's actor, and
// the session goes in the context for the web pages. A cookie-authenticated
// API write must carry the session's CSRF token in X-CSRF-Token (the pages
// check their forms' token themselves). A missing or ended session leaves
// the anonymous actor.
func sessionActor(sessions *auth.Sessions, r *http.Request, anon rowhouse.Actor) (*http.Request, rowhouse.Actor, error) {
	c, err := r.Cookie(auth.SessionCookie)
	if err != nil {
		return r, anon, nil
	}
	sess, err := sessions.Lookup(r.Context(), c.Value)
	if rowhouse.ErrorKind(err) == rowhouse.EUNAUTHORIZED {
		return r, anon, nil
	}
	if err != nil {
		return r, anon, err
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		if isAPIPath(r.URL.Path) && !sess.CheckCSRF(r.Header.Get(auth.CSRFHeader)) {
			return r, anon, rowhouse.Forbiddenf("CSRF token missing or invalid: send the session's token in %s", auth.CSRFHeader)
		}
	}
	return r.WithContext(auth.WithSession(r.Context(), sess)), rowhouse.Actor{User: sess.User}, nil
}

// isAPIPath reports whether path is under /api/ or /o/{orgDomain}/api/.
func isAPIPath(path string) bool {
	if strings.HasPrefix(path, "/api/") {
		return true
	}
	if rest, ok := strings.CutPrefix(path, "/o/"); ok {
		_, after, ok := strings.Cut(rest, "/")
		return ok && strings.HasPrefix(after, "api/")
	}
	return false
}

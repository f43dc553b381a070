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
	"github.com/rowhouse/rowhouse/api/grist"
	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/metrics"
	"github.com/rowhouse/rowhouse/ratelimit"
	"github.com/rowhouse/rowhouse/store"
)

// Config holds the server's limits.
type Config struct {
	// MaxBody is the largest request body accepted, in bytes.
	MaxBody int64
	// RateLimit is how many requests one key (or one anonymous client
	// address) may make per RateWindow; 0 disables rate limiting.
	RateLimit  int
	RateWindow time.Duration
	// TrustProxy takes the client address from X-Forwarded-For.
	TrustProxy bool
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
}

// New returns the server's root handler.
func New(cfg Config, d Deps) http.Handler {
	mux := http.NewServeMux()
	routes(mux, d)

	limiter := ratelimit.New(ratelimit.Config{Limit: cfg.RateLimit, Window: cfg.RateWindow, TrustProxy: cfg.TrustProxy}, d.Now)
	var h http.Handler = metrics.CapturePattern(mux)
	h = authenticate(d.Keys, d.Log, limiter, h)
	h = limitBody(cfg.MaxBody, h)
	h = d.Metrics.Middleware(h)
	h = logRequests(d.Log, h)
	h = recoverPanics(d.Log, h)
	return h
}

// routes lists every route of the server.
func routes(mux *http.ServeMux, d Deps) {
	grist.New(grist.Deps{Home: d.Home, Keys: d.Keys, Docs: d.Docs, Engine: d.Engine, Log: d.Log, Now: d.Now}).Routes(mux)

	// The same API under /o/{orgDomain}/, where "current" means that org.
	mux.HandleFunc("/o/{orgDomain}/api/", func(w http.ResponseWriter, r *http.Request) {
		domain := r.PathValue("orgDomain")
		r2 := r.WithContext(api.WithOrgDomain(r.Context(), domain))
		u := *r.URL
		u.Path = strings.TrimPrefix(r.URL.Path, "/o/"+domain)
		u.RawPath = ""
		r2.URL = &u
		mux.ServeHTTP(w, r2)
		r.Pattern = r2.Pattern // so that metrics label the inner route
	})

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

	// Anything else: Grist's JSON 404, never an HTML page.
	mux.Handle("/", api.Handle(d.Log, func(w http.ResponseWriter, r *http.Request) error {
		return rowhouse.NotFoundf("not found: %s", r.URL.Path)
	}))
}

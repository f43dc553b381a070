package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/metrics"
	"github.com/rowhouse/rowhouse/server"
	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/store/postgres"
	"github.com/rowhouse/rowhouse/store/sqlite"
	"github.com/rowhouse/rowhouse/webhook"
	"github.com/rowhouse/rowhouse/webhook/pgbus"
)

// envOr returns the environment variable's value, or def if it is unset.
func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// envDuration reads a duration ("1s", "10m") from the environment.
func envDuration(getenv func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, usageError{fmt.Sprintf("%s: not a positive duration: %q", name, v)}
	}
	return d, nil
}

func envInt(getenv func(string) string, name string, def int64) (int64, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, usageError{fmt.Sprintf("%s: not an integer: %q", name, v)}
	}
	return n, nil
}

// storage is what a command opens: the engine and the services over it.
type storage struct {
	engine store.Engine
	home   *home.Service
	keys   *auth.Keys
}

// dbFlagHelp documents the --db flag of the commands that open storage.
const dbFlagHelp = "PostgreSQL database URL (postgres://user:password@host:5432/dbname); empty: SQLite in the data folder (default $ROWHOUSE_DB)"

// openStorage opens the PostgreSQL database at dbURL, or when it is empty
// the SQLite data folder dir, locking it when exclusive (the server: one
// per folder). An unreachable database is an error after at most a few
// seconds (postgres.DefaultConnectTimeout).
func openStorage(ctx context.Context, dir, dbURL string, syncFull, exclusive bool, log *slog.Logger) (*storage, error) {
	var engine store.Engine
	if dbURL != "" {
		e, err := postgres.Open(ctx, dbURL, postgres.Options{})
		if err != nil {
			return nil, err
		}
		engine = e
	} else {
		e, err := sqlite.Open(ctx, dir, sqlite.Options{SyncFull: syncFull, Exclusive: exclusive})
		if err != nil {
			return nil, err
		}
		if exclusive && !e.Exclusive() {
			log.Warn("the data folder's file system cannot lock files: run one server per folder, and reads check the schema version each time", "data", dir)
		}
		engine = e
	}
	hs := home.New(engine, time.Now, log)
	return &storage{engine: engine, home: hs, keys: auth.NewKeys(engine.Home(), hs, time.Now)}, nil
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	maxBodyDef, err := envInt(getenv, "ROWHOUSE_MAX_BODY", server.DefaultMaxBody)
	if err != nil {
		return err
	}
	rateDef, err := envInt(getenv, "ROWHOUSE_RATE_LIMIT", server.DefaultRateLimit)
	if err != nil {
		return err
	}
	maxBatchDef, err := envInt(getenv, "ROWHOUSE_MAX_BATCH", core.DefaultMaxBatch)
	if err != nil {
		return err
	}
	maxPageDef, err := envInt(getenv, "ROWHOUSE_MAX_PAGE", core.DefaultMaxPage)
	if err != nil {
		return err
	}
	var (
		dataDir    = fs.String("data", envOr(getenv, "ROWHOUSE_DATA", "./rowhouse-data"), "data folder (env ROWHOUSE_DATA)")
		dbURL      = fs.String("db", "", dbFlagHelp)
		addr       = fs.String("addr", envOr(getenv, "ROWHOUSE_ADDR", "127.0.0.1:8484"), "address to listen on (env ROWHOUSE_ADDR)")
		maxBody    = fs.Int64("max-body", maxBodyDef, "largest request body in bytes (env ROWHOUSE_MAX_BODY)")
		rateLimit  = fs.Int("rate-limit", int(rateDef), "requests per key per --rate-window; 0 disables (env ROWHOUSE_RATE_LIMIT)")
		rateWindow = fs.Duration("rate-window", server.DefaultRateWindow, "rate limit window")
		trustProxy = fs.Bool("trust-proxy", getenv("ROWHOUSE_TRUST_PROXY") == "1", "take client addresses, hosts and schemes from X-Forwarded-For, -Host and -Proto (env ROWHOUSE_TRUST_PROXY=1)")
		baseDomain = fs.String("base-domain", getenv("ROWHOUSE_BASE_DOMAIN"), "name team sites by host: <org>.DOMAIN is that org, docs.DOMAIN your personal one (env ROWHOUSE_BASE_DOMAIN)")
		syncFull   = fs.Bool("sync-full", getenv("ROWHOUSE_SYNC_FULL") == "1", "SQLite synchronous=FULL: survive power loss, not only crashes (env ROWHOUSE_SYNC_FULL=1)")
		maxBatch   = fs.Int("max-batch", int(maxBatchDef), "most records in one write request (env ROWHOUSE_MAX_BATCH)")
		maxPage    = fs.Int("max-page", int(maxPageDef), "largest page a read may ask for with limit (env ROWHOUSE_MAX_PAGE)")
		logFormat  = fs.String("log-format", envOr(getenv, "ROWHOUSE_LOG_FORMAT", "text"), "log format: text or json (env ROWHOUSE_LOG_FORMAT)")
		autoIndex  = fs.Bool("auto-index", getenv("ROWHOUSE_AUTO_INDEX") != "0", "build indexes for the filters and sorts that reads keep asking for (env ROWHOUSE_AUTO_INDEX=0 turns it off)")
	)
	whRetryBaseDef, err := envDuration(getenv, "ROWHOUSE_WEBHOOK_RETRY_BASE", webhook.DefaultBaseDelay)
	if err != nil {
		return err
	}
	whRetryMaxDef, err := envDuration(getenv, "ROWHOUSE_WEBHOOK_RETRY_MAX", webhook.DefaultMaxDelay)
	if err != nil {
		return err
	}
	var (
		whAllowPrivate = fs.Bool("webhook-allow-private", getenv("ROWHOUSE_WEBHOOK_ALLOW_PRIVATE") == "1", "let webhooks reach loopback, private and link-local addresses (env ROWHOUSE_WEBHOOK_ALLOW_PRIVATE=1)")
		whAllowedHosts = fs.String("webhook-allowed-hosts", getenv("ROWHOUSE_WEBHOOK_ALLOWED_HOSTS"), "comma list of webhook hosts allowed whatever they resolve to (env ROWHOUSE_WEBHOOK_ALLOWED_HOSTS)")
		whRetryBase    = fs.Duration("webhook-retry-base", whRetryBaseDef, "first webhook retry delay, doubling on each failure (env ROWHOUSE_WEBHOOK_RETRY_BASE)")
		whRetryMax     = fs.Duration("webhook-retry-max", whRetryMaxDef, "longest webhook retry delay (env ROWHOUSE_WEBHOOK_RETRY_MAX)")
		whMaxAttempts  = fs.Int("webhook-max-attempts", webhook.DefaultMaxAttempts, "attempts before a webhook delivery is marked failed (it can be redelivered)")
	)
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	fromEnv(dbURL, getenv, "ROWHOUSE_DB")
	if *maxBody <= 0 || *maxBatch <= 0 || *maxPage <= 0 {
		return usageError{"--max-body, --max-batch and --max-page must be positive"}
	}
	log, err := newLogger(*logFormat, stderr)
	if err != nil {
		return err
	}

	start := time.Now()
	st, err := openStorage(ctx, *dataDir, *dbURL, *syncFull, true, log)
	if err != nil {
		return err
	}
	defer st.engine.Close()
	// Listen before the owner's key is printed, so that the curl line it
	// comes with names the real port (--addr may say port 0).
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	url := baseURL(ln.Addr())
	hint := signInLinkHint(*dataDir, *dbURL, defaultBaseURL(getenv), url)
	if err := bootstrapOwner(ctx, st, getenv, url, hint, stderr); err != nil {
		return err
	}

	m := metrics.New()
	// Commit signals: in process, plus LISTEN/NOTIFY between the processes
	// sharing a PostgreSQL database.
	var bus webhook.Bus = webhook.NewLocalBus()
	if pg, ok := st.engine.(*postgres.Engine); ok {
		pb, err := pgbus.Open(ctx, pg.Pool(), pgbus.Channel(pg.HomeSchema()), log)
		if err != nil {
			return err
		}
		defer pb.Close()
		bus = pb
		// Home writes (keys, access, documents) tell the other processes on
		// a channel of their own, whose cached answers about keys and access
		// then go stale at once.
		homeBus, err := pgbus.Open(ctx, pg.Pool(), pgbus.HomeChannel(pg.HomeSchema()), log)
		if err != nil {
			return err
		}
		defer homeBus.Close()
		h := st.engine.Home()
		h.OnWrite(func() { homeBus.Publish("") })
		defer homeBus.Subscribe(func(string) { h.Invalidate() })()
	}
	guard := &webhook.Guard{AllowPrivate: *whAllowPrivate, AllowedHosts: webhook.ParseAllowedHosts(*whAllowedHosts)}
	docs := core.NewDocs(st.engine, core.Options{Now: time.Now, Statements: m.SQLStatements,
		Limits: core.Limits{MaxBatch: *maxBatch, MaxPage: *maxPage}, OnCommit: bus.Publish, Log: log,
		IndexAdvice: core.IndexAdvice{Disabled: !*autoIndex}})
	defer docs.Wait() // automatic index builds finish before the engine closes
	stopping := make(chan struct{})
	handler := server.New(server.Config{MaxBody: *maxBody, RateLimit: *rateLimit, RateWindow: *rateWindow, TrustProxy: *trustProxy,
		BaseDomain: *baseDomain},
		server.Deps{Engine: st.engine, Home: st.home, Keys: st.keys, Docs: docs, Metrics: m, Log: log, Now: time.Now,
			Bus: bus, WebhookGuard: guard, Done: stopping})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("listening", "addr", ln.Addr().String(), "url", url, "data", *dataDir,
		"engine", st.engine.Name(), "startup", time.Since(start).Round(time.Millisecond))

	srv.RegisterOnShutdown(func() { close(stopping) })
	dispatcher := webhook.New(webhook.Options{Home: st.engine.Home(), Docs: docs, Bus: bus, Guard: guard, Log: log,
		BaseDelay: *whRetryBase, MaxDelay: *whRetryMax, MaxAttempts: *whMaxAttempts})
	dispatcher.Start()
	defer func() { // on every way out; a no-op after the drain below
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = dispatcher.Shutdown(dctx)
	}()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("shutting down: draining webhook deliveries")
	if err := dispatcher.Shutdown(sctx); err != nil {
		log.Warn("webhook deliveries still in flight were abandoned; they are retried after a restart", "err", err)
	}
	log.Info("stopped")
	return nil
}

// baseURL is the URL a local client reaches the listener at.
func baseURL(a net.Addr) string { return hostURL(a.String()) }

// hostURL is the http URL of a listening address: an unspecified host
// (":8484", "0.0.0.0:8484") is reached on the loopback.
func hostURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// defaultBaseURL is the address `rowhouse user signin-link` puts in its
// links unless --url says otherwise: ROWHOUSE_URL, else the listening
// address that ROWHOUSE_ADDR (or the default 127.0.0.1:8484) names.
func defaultBaseURL(getenv func(string) string) string {
	if u := getenv("ROWHOUSE_URL"); u != "" {
		return strings.TrimRight(u, "/")
	}
	return hostURL(envOr(getenv, "ROWHOUSE_ADDR", "127.0.0.1:8484"))
}

func newLogger(format string, w io.Writer) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: durationsInMS})), nil
	}
	return nil, usageError{fmt.Sprintf("--log-format must be text or json, not %q", format)}
}

// durationsInMS writes every duration of a JSON log as milliseconds, in a
// field named with "_ms" ("duration": 1500000 nanoseconds becomes
// "duration_ms": 1.5): what log tools sum and chart, where slog's default
// is nanoseconds.
func durationsInMS(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.Float64(a.Key+"_ms", float64(a.Value.Duration().Microseconds())/1000)
	}
	return a
}

// bootstrapOwner creates the owner account on a data folder with no users,
// and installs ROWHOUSE_OWNER_API_KEY as the owner's key whenever it is set.
// When it creates the account it prints, on stderr, the server's address, a
// one-time sign-in link for the browser (the owner has no password yet),
// and the owner's API key unless it was chosen with ROWHOUSE_OWNER_API_KEY.
func bootstrapOwner(ctx context.Context, st *storage, getenv func(string) string, url string, signInHint string, stderr io.Writer) error {
	email := envOr(getenv, "ROWHOUSE_OWNER_EMAIL", "owner@localhost")
	fixedKey := getenv("ROWHOUSE_OWNER_API_KEY")
	n, err := st.home.CountUsers(ctx)
	if err != nil {
		return fmt.Errorf("count users: %w", err)
	}
	if n > 0 && fixedKey == "" {
		return nil
	}
	owner, created, err := st.home.EnsureUser(ctx, email, "Owner")
	if err != nil {
		return fmt.Errorf("create owner %s: %w", email, err)
	}
	if fixedKey != "" {
		if err := st.keys.Install(ctx, owner.ID, "owner (ROWHOUSE_OWNER_API_KEY)", fixedKey); err != nil {
			return fmt.Errorf("install ROWHOUSE_OWNER_API_KEY: %w", err)
		}
	}
	if !created {
		return nil
	}
	sessions := auth.NewSessions(st.engine.Home(), time.Now, auth.SessionConfig{})
	token, _, err := sessions.CreateSignInLink(ctx, owner.ID, auth.DefaultSignInLinkTTL)
	if err != nil {
		return fmt.Errorf("sign-in link for the owner: %w", err)
	}
	fmt.Fprintf(stderr, "\nCreated the owner account %s. Rowhouse is at %s\n\n"+
		"Sign in to it in your browser with this one-time link (it works once, within %s):\n\n  %s\n\n"+
		"It opens your documents and asks you to choose a password. For a new link later:\n\n  rowhouse user signin-link --email %s%s\n\n",
		owner.Email, url, "an hour", auth.SignInURL(url, token), owner.Email, signInHint)
	if fixedKey != "" {
		return nil // the key is the one chosen: nothing to show
	}
	_, secret, err := st.keys.Create(ctx, rowhouse.Actor{User: owner}, auth.NewKey{Name: "owner"})
	if err != nil {
		return fmt.Errorf("create owner key: %w", err)
	}
	fmt.Fprintf(stderr, "The owner's API key (shown only this once):\n\n  %s\n\nTry it:\n\n  curl -H 'Authorization: Bearer %s' %s/api/orgs\n\n", secret, secret, url)
	return nil
}

// signInLinkHint is what `rowhouse user signin-link` needs besides the
// email to reach this server's storage: the data folder when it is not the
// default, or a reminder of the database URL (never printed: it may hold a
// password).
func signInLinkHint(dataDir, dbURL, defaultURL, url string) string {
	var hint string
	switch {
	case dbURL != "":
		hint = " --db \"$ROWHOUSE_DB\""
	case dataDir != "./rowhouse-data":
		hint = " --data " + shellQuote(dataDir)
	}
	if url != defaultURL {
		hint += " --url " + url
	}
	return hint
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@=+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

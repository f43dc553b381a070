package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/store"
)

// Options configure a Dispatcher. Zero fields take the defaults below.
type Options struct {
	Home *store.Home
	Docs *core.Docs
	// Bus wakes the dispatcher when a document commits; nil: only polling.
	Bus Bus
	// Guard builds the HTTP client when Client is nil; nil: a Guard that
	// refuses private addresses.
	Guard  *Guard
	Client *http.Client
	Log    *slog.Logger
	Now    func() time.Time
	// Jitter spreads a retry delay d; the default picks uniformly in
	// [d/2, d].
	Jitter func(d time.Duration) time.Duration

	BaseDelay    time.Duration // first retry delay (1 s)
	MaxDelay     time.Duration // longest retry delay (10 min)
	MaxAttempts  int           // attempts before a delivery is marked failed (20)
	DisableAfter time.Duration // failing this long disables the webhook (24 h)
	BatchSize    int           // records per delivery (100)
	// PollInterval is the fallback scan for work nobody signalled (5 s).
	PollInterval time.Duration
	// MaxInFlight bounds concurrent HTTP requests over all webhooks (32).
	MaxInFlight int
	// Lease is how long a claim on a webhook lasts without renewal (30 s).
	Lease time.Duration
	// Retention is how long finished deliveries stay in the log (7 days).
	Retention time.Duration
	// MaxResponseBody is how much of a receiver's answer is read (64 KiB).
	MaxResponseBody int64
	// Owner names this process in claims; default a random id.
	Owner string
	// FailureLogEvery is how often, at most, a failing webhook's attempts
	// are logged (1 min): each failure is a WARN line, and those that
	// come sooner are counted in the next line's "suppressed".
	FailureLogEvery time.Duration
}

// Defaults.
const (
	DefaultBaseDelay    = time.Second
	DefaultMaxDelay     = 10 * time.Minute
	DefaultMaxAttempts  = 20
	DefaultDisableAfter = 24 * time.Hour
	DefaultBatchSize    = 100
)

// enqueueEvery is how often a webhook with deliveries pending looks for
// new events.
const enqueueEvery = time.Second

// eventsPerRound bounds how many outbox events are read (and queued) in
// one transaction.
const eventsPerRound = 50

// Dispatcher delivers outbox events to webhooks. Each webhook is served by
// at most one goroutine (and, across processes, one lease holder) that
// sends its deliveries one at a time in commit order; a slow or failing
// receiver therefore delays only its own webhook.
type Dispatcher struct {
	o      Options
	client *http.Client
	sem    chan struct{}

	mu      sync.Mutex
	workers map[string]*worker // webhook id -> its running goroutine
	docs    map[string]bool    // documents signalled since the last scan
	wake    chan struct{}
	stop    chan struct{}
	stopped bool
	unsub   func()
	wg      sync.WaitGroup

	// failLog is, per webhook, when its last failure was logged and how
	// many were not logged since (FailureLogEvery).
	failLog map[string]*failNote

	// hard is cancelled when a shutdown runs out of time: in-flight
	// requests are abandoned (their deliveries stay pending).
	hard       context.Context
	hardCancel context.CancelFunc
}

type worker struct{ nudge chan struct{} }

// failNote is the failure log's state for one webhook.
type failNote struct {
	logged     time.Time
	suppressed int
}

// New returns a dispatcher; Start runs it.
func New(o Options) *Dispatcher {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Jitter == nil {
		o.Jitter = func(d time.Duration) time.Duration {
			if d <= 1 {
				return d
			}
			return d/2 + rand.N(d/2+1)
		}
	}
	if o.Guard == nil {
		o.Guard = &Guard{}
	}
	setDefault(&o.BaseDelay, DefaultBaseDelay)
	setDefault(&o.MaxDelay, DefaultMaxDelay)
	setDefault(&o.DisableAfter, DefaultDisableAfter)
	setDefault(&o.PollInterval, 5*time.Second)
	setDefault(&o.Lease, 30*time.Second)
	setDefault(&o.Retention, 7*24*time.Hour)
	setDefault(&o.MaxAttempts, DefaultMaxAttempts)
	setDefault(&o.BatchSize, DefaultBatchSize)
	setDefault(&o.MaxInFlight, 32)
	setDefault(&o.MaxResponseBody, 64<<10)
	setDefault(&o.FailureLogEvery, time.Minute)
	if o.Owner == "" {
		o.Owner = uuid.NewString()
	}
	client := o.Client
	if client == nil {
		client = o.Guard.Client(Timeouts{})
	}
	hard, cancel := context.WithCancel(context.Background())
	return &Dispatcher{o: o, client: client, sem: make(chan struct{}, o.MaxInFlight),
		workers: map[string]*worker{}, docs: map[string]bool{}, failLog: map[string]*failNote{}, wake: make(chan struct{}, 1), stop: make(chan struct{}),
		hard: hard, hardCancel: cancel}
}

func setDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Backoff returns the delay before retry n (n >= 1), before jitter: base
// doubling each time, capped at max.
func Backoff(n int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

// Start runs the dispatcher until Shutdown: it serves every webhook with
// work, wakes on bus signals, and polls as a fallback.
func (d *Dispatcher) Start() {
	if d.o.Bus != nil {
		d.unsub = d.o.Bus.Subscribe(d.signal)
	}
	d.wg.Add(1)
	go d.loop()
}

// signal notes that a document has news; it never blocks.
func (d *Dispatcher) signal(docID string) {
	d.mu.Lock()
	d.docs[docID] = true
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *Dispatcher) loop() {
	defer d.wg.Done()
	ctx := d.hard
	d.scan(ctx, "")
	poll := time.NewTicker(d.o.PollInterval)
	defer poll.Stop()
	prune := time.NewTicker(time.Hour)
	defer prune.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-poll.C:
			d.scan(ctx, "")
		case <-prune.C:
			if err := d.o.Home.WriteUncached(ctx, func(q store.HomeQueries) error {
				_, err := q.PruneDeliveries(ctx, d.o.Now().Add(-d.o.Retention))
				return err
			}); err != nil {
				d.o.Log.Warn("webhooks: prune deliveries", "err", err)
			}
		case <-d.wake:
			d.mu.Lock()
			docs := d.docs
			d.docs = map[string]bool{}
			d.mu.Unlock()
			for doc := range docs {
				d.scan(ctx, doc)
			}
		}
	}
}

// scan makes sure every enabled webhook (of docID, or of all documents)
// has a worker looking at it.
func (d *Dispatcher) scan(ctx context.Context, docID string) {
	hooks, err := d.o.Home.Read().EnabledWebhooks(ctx, docID)
	if err != nil {
		d.o.Log.Warn("webhooks: scan", "doc", docID, "err", err)
		return
	}
	for _, h := range hooks {
		d.kick(h.ID)
	}
}

// kick starts a worker for the webhook, or nudges the running one.
func (d *Dispatcher) kick(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return
	}
	if w := d.workers[id]; w != nil {
		select {
		case w.nudge <- struct{}{}:
		default:
		}
		return
	}
	w := &worker{nudge: make(chan struct{}, 1)}
	d.workers[id] = w
	d.wg.Add(1)
	go d.run(id, w)
}

// run serves one webhook until it has nothing left to do.
func (d *Dispatcher) run(id string, w *worker) {
	defer d.wg.Done()
	for {
		next, err := d.serve(d.hard, id)
		if err != nil {
			if d.hard.Err() != nil {
				return
			}
			d.o.Log.Warn("webhooks: serve", "webhook", id, "err", err)
			next = d.o.Now().Add(5 * time.Second)
		}
		if next.IsZero() {
			d.mu.Lock()
			select {
			case <-w.nudge:
				d.mu.Unlock()
				continue
			default:
			}
			delete(d.workers, id)
			d.mu.Unlock()
			return
		}
		t := time.NewTimer(max(0, next.Sub(d.o.Now())))
		select {
		case <-t.C:
		case <-w.nudge:
			t.Stop()
		case <-d.stop:
			t.Stop()
			return
		}
	}
}

func (d *Dispatcher) stopping() bool {
	select {
	case <-d.stop:
		return true
	default:
		return false
	}
}

// Step serves every enabled webhook once, synchronously, at the clock's
// current time: everything due is sent. It is what the background workers
// do, offered for tests and tools that drive time themselves.
func (d *Dispatcher) Step(ctx context.Context) error {
	hooks, err := d.o.Home.Read().EnabledWebhooks(ctx, "")
	if err != nil {
		return err
	}
	var errs []error
	for _, h := range hooks {
		if _, err := d.serve(ctx, h.ID); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// serve claims a webhook, queues its new events and sends what is due, in
// order. It returns when the next delivery is due (zero: nothing pending,
// or the webhook is gone or disabled).
func (d *Dispatcher) serve(ctx context.Context, id string) (time.Time, error) {
	now := d.o.Now()
	// Look before claiming: an idle webhook costs only reads.
	if work, next, err := d.hasWork(ctx, id, now); err != nil || !work {
		return next, err
	}
	ok, err := d.claim(ctx, id, now)
	if err != nil {
		return time.Time{}, err
	}
	if !ok {
		return now.Add(d.o.Lease), nil // another process serves it
	}
	defer func() {
		// Release even when ctx ended, so a restart need not wait.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := d.o.Home.WriteUncached(rctx, func(q store.HomeQueries) error { return q.ReleaseWebhook(rctx, id, d.o.Owner) }); err != nil {
			d.o.Log.Warn("webhooks: release", "webhook", id, "err", err)
		}
	}()
	claimed := now
	var enqueued time.Time // real time of the last enqueue
	for !d.stopping() {
		h, err := d.o.Home.Read().WebhookByID(ctx, id)
		if rowhouse.ErrorKind(err) == rowhouse.ENOTFOUND {
			return time.Time{}, nil
		}
		if err != nil {
			return time.Time{}, err
		}
		if !h.Enabled {
			return time.Time{}, nil
		}
		del, ok, err := d.o.Home.Read().NextDelivery(ctx, id)
		if err != nil {
			return time.Time{}, err
		}
		if !ok && h.Retiring() {
			// What was queued before the removal is sent: disable it.
			return time.Time{}, d.o.Home.WriteUncached(ctx, func(q store.HomeQueries) error {
				return q.FinishRetiring(ctx, id, h.DisabledReason, d.o.Now())
			})
		}
		// New events are queued when the queue runs dry, and at least
		// every enqueueEvery while it drains: a busy webhook turns many
		// commits into deliveries in one transaction, and the queue
		// (numWaiting) stays current.
		if !ok || time.Since(enqueued) >= enqueueEvery {
			if err := d.enqueue(ctx, h); err != nil {
				return time.Time{}, err
			}
			enqueued = time.Now()
			if !ok {
				if del, ok, err = d.o.Home.Read().NextDelivery(ctx, id); err != nil || !ok {
					return time.Time{}, err
				}
			}
		}
		now := d.o.Now()
		if del.NextAttemptAt.After(now) {
			return del.NextAttemptAt, nil
		}
		// Renew the lease once a third of it is used, so that it never
		// lapses during an attempt (bounded by the client's timeouts).
		if now.Sub(claimed) > d.o.Lease/3 {
			if ok, err := d.claim(ctx, id, now); err != nil || !ok {
				return now.Add(d.o.Lease), err
			}
			claimed = now
		}
		if err := d.attempt(ctx, h, del); err != nil {
			return time.Time{}, err
		}
	}
	return time.Time{}, nil
}

// hasWork reports whether an enabled webhook has a delivery due or
// outbox events not yet queued; if not, next is when its next delivery is
// due (zero: none is pending).
func (d *Dispatcher) hasWork(ctx context.Context, id string, now time.Time) (work bool, next time.Time, err error) {
	h, err := d.o.Home.Read().WebhookByID(ctx, id)
	if rowhouse.ErrorKind(err) == rowhouse.ENOTFOUND {
		return false, time.Time{}, nil
	}
	if err != nil || !h.Enabled {
		return false, time.Time{}, err
	}
	del, ok, err := d.o.Home.Read().NextDelivery(ctx, id)
	if err != nil {
		return false, time.Time{}, err
	}
	if ok && !del.NextAttemptAt.After(now) {
		return true, time.Time{}, nil
	}
	if ok {
		next = del.NextAttemptAt
	}
	if h.Retiring() {
		// Nothing more is queued for it; once its queue is empty, it is
		// disabled.
		return !ok, next, nil
	}
	doc, err := d.o.Docs.Open(ctx, h.DocID)
	if rowhouse.ErrorKind(err) == rowhouse.ENOTFOUND {
		return false, time.Time{}, nil
	}
	if err != nil {
		return false, time.Time{}, fmt.Errorf("webhook %s: %w", id, err)
	}
	defer doc.Close()
	last, err := doc.LastSeq(ctx)
	if err != nil {
		return false, time.Time{}, fmt.Errorf("webhook %s: %w", id, err)
	}
	return last > h.AckedSeq, next, nil
}

func (d *Dispatcher) claim(ctx context.Context, id string, now time.Time) (bool, error) {
	var ok bool
	err := d.o.Home.WriteUncached(ctx, func(q store.HomeQueries) error {
		var err error
		ok, err = q.ClaimWebhook(ctx, id, d.o.Owner, now.Add(d.o.Lease), now)
		return err
	})
	return ok, err
}

// ruleOf is the rule a stored webhook holds.
func ruleOf(h store.Webhook) Rule {
	return Rule{TableID: h.TableID, EventTypes: h.EventTypes, WatchedColIDs: h.WatchedColIDs, IsReadyColumn: h.IsReadyColumn,
		NamesSeq: h.NamesSeq}
}

// enqueue turns the webhook's new outbox events into delivery rows, moving
// its acknowledged sequence number in the same transaction.
//
// The names the webhook holds (its table and columns) are those valid at
// its acknowledged sequence number, or at its names_seq when its owner set
// them later (schema events up to that are not followed again): events
// are recorded under the names
// of their time, so a rename in the outbox renames what the webhook
// holds, in the transaction that moves it past the rename. That makes
// following renames exactly as durable and as ordered as delivery itself:
// a restart replays from the acknowledged sequence number with the names
// valid there. A removal that leaves the webhook matching nothing retires
// it (store.HomeQueries.RetireWebhook) at the removal: it sends what was
// queued before, then is disabled with the reason shown to its owners.
func (d *Dispatcher) enqueue(ctx context.Context, h store.Webhook) error {
	if h.Retiring() {
		return nil // nothing after its removal concerns it
	}
	doc, err := d.o.Docs.Open(ctx, h.DocID)
	if rowhouse.ErrorKind(err) == rowhouse.ENOTFOUND {
		return nil // the document is being deleted; its webhooks go with it
	}
	if err != nil {
		return fmt.Errorf("webhook %s: %w", h.ID, err)
	}
	defer doc.Close()
	for {
		rule := ruleOf(h)
		events, err := doc.Events(ctx, h.AckedSeq, eventsPerRound)
		if err != nil {
			return fmt.Errorf("webhook %s: %w", h.ID, err)
		}
		if len(events) == 0 {
			return nil
		}
		var earlier []core.Event
		if h.NamesSeq > h.AckedSeq {
			// Its owner set its names after some of these events: read
			// those under the names of their time.
			if earlier, err = doc.SchemaEvents(ctx, h.AckedSeq, h.NamesSeq); err != nil {
				return fmt.Errorf("webhook %s: %w", h.ID, err)
			}
		}
		now := d.o.Now()
		var p Planned
		if Format(h) == FormatTwenty {
			// Every table, named as it is now: the schema, and the schema
			// events after these events' start to follow them there.
			sch, err := doc.Schema(ctx)
			if err != nil {
				return fmt.Errorf("webhook %s: %w", h.ID, err)
			}
			later, err := doc.SchemaEvents(ctx, h.AckedSeq, 0)
			if err != nil {
				return fmt.Errorf("webhook %s: %w", h.ID, err)
			}
			if p, err = planTwenty(h, sch, later, events); err != nil {
				return fmt.Errorf("webhook %s: %w", h.ID, err)
			}
		} else {
			p = plan(rule, earlier, events, d.o.BatchSize)
		}
		var ds []store.Delivery
		for _, b := range p.Batches {
			body := b.Body
			if body == nil {
				if body, err = json.Marshal(b.Records); err != nil {
					return fmt.Errorf("webhook %s: encode batch: %w", h.ID, err)
				}
			}
			ds = append(ds, store.Delivery{ID: uuid.NewString(), Event: b.Event, FirstSeq: b.FirstSeq, LastSeq: b.LastSeq,
				NumRecords: len(b.Records), Body: body, NextAttemptAt: now, CommittedAt: b.CommittedAt, CreatedAt: now})
		}
		renamed := !p.Rule.sameNames(rule)
		var moved bool
		if err := d.o.Home.WriteUncached(ctx, func(q store.HomeQueries) error {
			var qerr error
			if moved, qerr = q.EnqueueDeliveries(ctx, h.ID, h.AckedSeq, h.NamesSeq, p.Through, ds); qerr != nil || !moved {
				return qerr
			}
			if renamed {
				// If its owner renamed them meanwhile, theirs win.
				if _, err := q.FollowWebhookNames(ctx, h.ID, h.NamesSeq, h.Names(), store.WebhookNames{
					TableID: p.Rule.TableID, WatchedColIDs: p.Rule.WatchedColIDs, IsReadyColumn: p.Rule.IsReadyColumn}); err != nil {
					return err
				}
			}
			if p.Gone != "" {
				return q.RetireWebhook(ctx, h.ID, h.NamesSeq, p.Gone, now)
			}
			return nil
		}); err != nil {
			return fmt.Errorf("webhook %s: %w", h.ID, err)
		}
		if !moved {
			return nil // the queue was cleared, or names set, meanwhile; the caller re-reads
		}
		if p.Gone != "" {
			d.o.Log.Info("webhooks: retiring", "webhook", h.ID, "doc", h.DocID, "reason", p.Gone)
			return nil
		}
		if renamed {
			// Read back what the webhook holds now (the followed names,
			// or its owner's).
			id := h.ID
			if h, err = d.o.Home.Read().WebhookByID(ctx, id); err != nil {
				return fmt.Errorf("webhook %s: %w", id, err)
			}
			if !h.Enabled || h.Retiring() {
				return nil
			}
		} else {
			h.AckedSeq = p.Through
		}
		if len(events) < eventsPerRound {
			return nil
		}
	}
}

// attempt sends one delivery and records the outcome.
func (d *Dispatcher) attempt(ctx context.Context, h store.Webhook, del store.Delivery) error {
	select {
	case d.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	started := d.o.Now()
	t0 := time.Now()
	status, errMsg := d.send(h, del, started)
	<-d.sem
	finished := d.o.Now()
	o := store.AttemptOutcome{
		Attempt: store.Attempt{DeliveryID: del.ID, Attempt: del.Attempts + 1, StartedAt: started, Duration: time.Since(t0),
			HTTPStatus: status, Error: errMsg},
		Now: finished, Status: store.DeliveryDelivered, NextAttemptAt: finished,
	}
	if errMsg != "" {
		round := del.RoundAttempts + 1
		if round >= d.o.MaxAttempts {
			o.Status = store.DeliveryFailed
			o.Attempt.Error = fmt.Sprintf("%s (gave up after %d attempts; redeliver to retry)", errMsg, round)
		} else {
			o.Status = store.DeliveryPending
			o.NextAttemptAt = finished.Add(d.o.Jitter(Backoff(round, d.o.BaseDelay, d.o.MaxDelay)))
		}
		d.logFailure(h, del, o, finished)
	} else {
		d.mu.Lock()
		delete(d.failLog, h.ID) // the next failure is news again
		d.mu.Unlock()
	}
	// The outcome is recorded even if shutdown began meanwhile.
	wctx := context.WithoutCancel(ctx)
	return d.o.Home.WriteUncached(wctx, func(q store.HomeQueries) error {
		if err := q.RecordAttempt(wctx, h.ID, o); err != nil {
			return err
		}
		if o.Status == store.DeliveryDelivered {
			return nil
		}
		cur, err := q.WebhookByID(wctx, h.ID)
		if err != nil {
			return err
		}
		if cur.FailingSince != nil && finished.Sub(*cur.FailingSince) >= d.o.DisableAfter {
			reason := fmt.Sprintf("disabled after failing since %s: %s", cur.FailingSince.Format(time.RFC3339), errMsg)
			d.o.Log.Error("webhooks: disabling", "webhook", h.ID, "doc", h.DocID, "url", redactURL(h.URL), "reason", reason)
			return q.DisableWebhook(wctx, h.ID, reason, finished)
		}
		return nil
	})
}

// logFailure logs a failed attempt at WARN, at most once per
// FailureLogEvery for each webhook (a receiver down for hours must not
// flood the log, nor go unnoticed); the line counts the failures not
// logged since the last one. Giving up on a delivery is always logged.
func (d *Dispatcher) logFailure(h store.Webhook, del store.Delivery, o store.AttemptOutcome, now time.Time) {
	gaveUp := o.Status == store.DeliveryFailed
	d.mu.Lock()
	n := d.failLog[h.ID]
	if n == nil {
		n = &failNote{}
		d.failLog[h.ID] = n
	}
	if !gaveUp && !n.logged.IsZero() && now.Sub(n.logged) < d.o.FailureLogEvery {
		n.suppressed++
		d.mu.Unlock()
		return
	}
	suppressed := n.suppressed
	n.logged, n.suppressed = now, 0
	d.mu.Unlock()
	attrs := []any{"webhook", h.ID, "doc", h.DocID, "url", redactURL(h.URL), "delivery", del.ID,
		"attempt", o.Attempt.Attempt, "error", o.Attempt.Error}
	if o.Attempt.HTTPStatus != nil {
		attrs = append(attrs, "http_status", *o.Attempt.HTTPStatus)
	}
	if gaveUp {
		attrs = append(attrs, "gave_up", true)
	} else {
		attrs = append(attrs, "next_attempt", o.NextAttemptAt.UTC().Format(time.RFC3339))
	}
	if suppressed > 0 {
		attrs = append(attrs, "suppressed", suppressed)
	}
	d.o.Log.Warn("webhooks: delivery failed", attrs...)
}

// redactURL is a webhook URL for the log: without user info or query,
// which may hold credentials.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid url)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

// send POSTs a delivery; it returns the HTTP status (nil if none came) and
// an error message ("" on success).
func (d *Dispatcher) send(h store.Webhook, del store.Delivery, at time.Time) (*int, string) {
	ctx, cancel := context.WithCancel(d.hard)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(del.Body))
	if err != nil {
		return nil, "invalid url: " + err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Rowhouse-Webhooks/1")
	req.Header.Set(HeaderEvent, del.Event)
	req.Header.Set(HeaderDelivery, del.ID)
	if Format(h) == FormatTwenty {
		hs, err := twentyHeaders(h.Secret, at, del.Body)
		if err != nil {
			return nil, "sign: " + err.Error()
		}
		for k, v := range hs {
			req.Header.Set(k, v)
		}
	} else {
		req.Header.Set(HeaderSignature, Sign(h.Secret, at, del.Body))
	}
	if h.Authorization != "" {
		req.Header.Set("Authorization", h.Authorization)
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, describeSendError(err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, d.o.MaxResponseBody))
	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		return &code, ""
	case code >= 300 && code < 400:
		return &code, fmt.Sprintf("HTTP %d: redirect to %q not followed", code, resp.Header.Get("Location"))
	}
	msg := strings.ToValidUTF8(strings.TrimSpace(string(snippet)), "?")
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	if msg == "" {
		return &code, fmt.Sprintf("HTTP %d", code)
	}
	return &code, fmt.Sprintf("HTTP %d: %s", code, msg)
}

// isTimeout reports whether err is a network timeout (connect, response
// header, or the client's overall deadline).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func describeSendError(err error) string {
	switch {
	case IsForbiddenDial(err):
		var e errForbiddenAddr
		errors.As(err, &e)
		return "refused: " + e.Error()
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return "timeout: " + err.Error()
	}
	return err.Error()
}

// Shutdown stops starting deliveries and waits for the ones in flight to
// finish and be recorded; if ctx ends first, they are abandoned (they stay
// pending and are sent again, with the same id, after a restart).
func (d *Dispatcher) Shutdown(ctx context.Context) error {
	d.mu.Lock()
	if !d.stopped {
		d.stopped = true
		close(d.stop)
	}
	d.mu.Unlock()
	if d.unsub != nil {
		d.unsub()
	}
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	select {
	case <-done:
		d.hardCancel()
		return nil
	case <-ctx.Done():
		d.hardCancel()
		<-done
		return ctx.Err()
	}
}

package webhook

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/store"
)

// Service manages documents' webhooks on behalf of their owners. It is the
// one implementation behind every API surface that manages webhooks (the
// Grist-compatible REST routes and the GraphQL metadata API): surfaces
// decode a request, call the Service, and encode its answer, so that the
// access check, validation, secrets, starting sequence numbers and the
// dispatcher's wake-up are done in one place.
//
// Every method but Authorize takes an Access, which only Authorize makes:
// no surface can reach a webhook without the owner check.
type Service struct {
	home  *home.Service
	docs  *core.Docs
	store *store.Home
	guard *Guard
	bus   Bus
	now   func() time.Time
}

// ServiceDeps are what a Service needs.
type ServiceDeps struct {
	Home  *home.Service
	Docs  *core.Docs
	Store *store.Home
	// Guard checks URLs when webhooks are saved; nil: a Guard that refuses
	// private addresses.
	Guard *Guard
	// Bus is signalled when a document's webhooks change, so that the
	// dispatcher picks them up at once; nil: the dispatcher polls.
	Bus Bus
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

// NewService returns a Service over d.
func NewService(d ServiceDeps) *Service {
	s := &Service{home: d.Home, docs: d.Docs, store: d.Store, guard: d.Guard, bus: d.Bus, now: d.Now}
	if s.guard == nil {
		s.guard = &Guard{}
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Access is an actor's checked ownership of one document, made by
// Authorize for one request; keep it no longer. Its zero value grants
// nothing.
type Access struct{ docID string }

// DocID is the document the access was granted on.
func (a Access) DocID() string { return a.docID }

// Authorize checks that actor owns docID, with home.Service.Doc's errors
// (404 for an unknown document, 403 "No view access" or "No owner
// access"). Like
// home.Service.Doc, it returns the document's view whenever the document
// exists, even when access is refused, so that a surface can refine the
// error (REST hides documents reached under another org's prefix).
func (s *Service) Authorize(ctx context.Context, actor rowhouse.Actor, docID string) (Access, home.DocView, error) {
	v, err := s.home.Doc(ctx, actor, docID, rowhouse.RoleOwners)
	if err != nil {
		return Access{}, v, err
	}
	return Access{docID: v.ID}, v, nil
}

func (a Access) check() error {
	if a.docID == "" {
		return rowhouse.Errorf(rowhouse.EINTERNAL, "webhook access was not authorized")
	}
	return nil
}

// Fields are a webhook's settings as the APIs take them. A nil field is
// left as it is (on creation: the default, enabled for Enabled and empty
// for the others).
type Fields struct {
	URL           *string
	EventTypes    *[]string
	TableID       *string
	Enabled       *bool
	IsReadyColumn *string
	WatchedColIDs *[]string
	Name          *string
	Memo          *string
	Authorization *string
	// Format is the delivery format, FormatRowhouse (the default) or
	// FormatTwenty; it is chosen at creation and cannot change.
	Format *string
	// Operations are a Twenty-format webhook's operations (person.created,
	// *.updated, *.*; default *.*), in place of EventTypes and TableID.
	Operations *[]string
	// Secret, if set, is the signing secret to use instead of a new random
	// one (Twenty lets its clients choose it); at least 16 characters.
	Secret *string
}

// apply copies the fields that are set onto w.
func (f Fields) apply(w *store.Webhook) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&w.URL, f.URL)
	set(&w.TableID, f.TableID)
	set(&w.Name, f.Name)
	set(&w.Memo, f.Memo)
	set(&w.Authorization, f.Authorization)
	set(&w.IsReadyColumn, f.IsReadyColumn)
	if f.EventTypes != nil {
		w.EventTypes = *f.EventTypes
	}
	if f.WatchedColIDs != nil {
		w.WatchedColIDs = *f.WatchedColIDs
	}
	if f.Enabled != nil {
		w.Enabled = *f.Enabled
	}
	if f.Operations != nil {
		w.EventTypes = *f.Operations
	}
	if f.Secret != nil {
		w.Secret = *f.Secret
	}
}

// minSecret is the shortest secret a caller may choose.
const minSecret = 16

// check refuses fields that do not fit the webhook's format (format, the
// stored one) before they are applied.
func (f Fields) check(format string) error {
	if format == FormatTwenty {
		if f.EventTypes != nil {
			return rowhouse.Invalidf("eventTypes are for rowhouse webhooks; twenty webhooks take operations (person.created, *.*)")
		}
	} else if f.Operations != nil {
		return rowhouse.Invalidf("operations are for twenty webhooks (format \"twenty\"); rowhouse webhooks take eventTypes and tableId")
	}
	if f.Secret != nil && len(*f.Secret) < minSecret {
		return rowhouse.Invalidf("secret must be at least %d characters", minSecret)
	}
	return nil
}

// Created is a new webhook with its signing secret, which is shown only
// in the answer that creates it.
type Created struct {
	Hook
	Secret string
}

// Create validates and saves new webhooks of the document, all or none.
// Each starts after the document's last committed change and gets a new
// secret; the dispatcher is signalled.
func (s *Service) Create(ctx context.Context, acc Access, fields []Fields) ([]Created, error) {
	if err := acc.check(); err != nil {
		return nil, err
	}
	if len(fields) == 0 {
		return nil, rowhouse.Invalidf("webhooks must be a non-empty array")
	}
	d, err := s.docs.Open(ctx, acc.docID)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	sch, err := d.Schema(ctx)
	if err != nil {
		return nil, err
	}
	last, err := d.LastSeq(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	hooks := make([]store.Webhook, 0, len(fields))
	for _, f := range fields {
		h := store.Webhook{ID: uuid.NewString(), DocID: acc.docID, Enabled: true, AckedSeq: last, NamesSeq: last, CreatedAt: now, UpdatedAt: now}
		if f.Format != nil {
			if h.Format, err = formatOf(*f.Format); err != nil {
				return nil, err
			}
		}
		if err := f.check(Format(h)); err != nil {
			return nil, err
		}
		if Format(h) == FormatTwenty && f.Operations == nil {
			h.EventTypes = DefaultOperations
		}
		f.apply(&h)
		if err := Validate(ctx, s.guard, sch, &h); err != nil {
			return nil, err
		}
		if h.Secret == "" {
			if h.Secret, err = NewSecret(); err != nil {
				return nil, err
			}
		}
		hooks = append(hooks, h)
	}
	if err := s.store.WriteUncached(ctx, func(q store.HomeQueries) error {
		for _, h := range hooks {
			if err := q.CreateWebhook(ctx, h); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("create webhooks of doc %s: %w", acc.docID, err)
	}
	s.notify(acc.docID)
	out := make([]Created, len(hooks))
	for i, h := range hooks {
		out[i] = Created{Hook: hook(h, store.WebhookQueue{}), Secret: h.Secret}
	}
	return out, nil
}

// Usage statuses.
const (
	StatusIdle     = "idle"     // nothing waiting
	StatusSending  = "sending"  // deliveries waiting, the last attempt did not fail
	StatusRetrying = "retrying" // deliveries waiting, the last attempt failed
	StatusDisabled = "disabled" // the webhook is disabled (by its owner or after failing too long)
)

// Usage is a webhook's delivery state as its owners see it.
type Usage struct {
	// NumWaiting is the number of records waiting to be delivered.
	NumWaiting     int
	Status         string
	UpdatedAt      time.Time
	LastSuccessAt  *time.Time
	LastFailureAt  *time.Time
	LastError      string // "" when none
	LastHTTPStatus *int
	DisabledReason string // "" when none
}

// Hook is a webhook as its owners see it: its settings (without its
// secret) and its usage.
type Hook struct {
	Webhook store.Webhook
	Usage   Usage
}

// status is the usage status of h with queue q.
func status(h store.Webhook, q store.WebhookQueue) string {
	switch {
	case !h.Enabled:
		return StatusDisabled
	case q.Deliveries == 0:
		return StatusIdle
	case h.FailingSince != nil:
		return StatusRetrying
	}
	return StatusSending
}

func hook(h store.Webhook, q store.WebhookQueue) Hook {
	h.Secret = ""
	return Hook{Webhook: h, Usage: Usage{NumWaiting: q.Records, Status: status(h, q), UpdatedAt: h.UpdatedAt,
		LastSuccessAt: h.LastSuccessAt, LastFailureAt: h.LastFailureAt, LastError: h.LastError,
		LastHTTPStatus: h.LastHTTPStatus, DisabledReason: h.DisabledReason}}
}

// current is what a stored webhook holds brought up to date with its
// document's schema (see currentOf).
type current struct {
	store.Webhook
	// Gone says why the webhook can match nothing any more, by a removal
	// the dispatcher has not passed yet ("" if it still can, or if it was
	// retired already: its stored reason says why).
	Gone string
}

// currentOf returns hooks, stored with the names valid at their
// acknowledged sequence numbers (or at their names_seq, when their owners
// set them later; see Dispatcher.enqueue), with the names valid after the
// schema events given (the document's, after the smallest acknowledged
// sequence number; see schemaSince): what their owners see and edit,
// whether or not the dispatcher has passed the renames yet, and whether
// the webhook is gone, by a removal it has not passed yet. A retired
// webhook keeps the names it had at its removal: no later event concerns
// it, and whether it is retired is stored, never derived from the events.
func currentOf(hooks []store.Webhook, events []core.Event) []current {
	out := make([]current, len(hooks))
	for i, h := range hooks {
		out[i] = current{Webhook: h}
		if h.Retired {
			continue
		}
		rule := ruleOf(h)
		for _, e := range events {
			if e.Seq <= h.AckedSeq {
				continue
			}
			var gone string
			if rule, gone = rule.Follow(e); gone != "" {
				out[i].Gone = gone
				break
			}
		}
		out[i].TableID, out[i].WatchedColIDs, out[i].IsReadyColumn = rule.TableID, rule.WatchedColIDs, rule.IsReadyColumn
	}
	return out
}

// schemaSince returns the document's schema events after the smallest
// acknowledged sequence number of hooks, up to upTo (0: all), as
// currentOf needs them.
func (s *Service) schemaSince(ctx context.Context, docID string, hooks []store.Webhook, upTo int64) ([]core.Event, error) {
	if len(hooks) == 0 {
		return nil, nil
	}
	from := hooks[0].AckedSeq
	for _, h := range hooks[1:] {
		from = min(from, h.AckedSeq)
	}
	d, err := s.docs.Open(ctx, docID)
	if err != nil {
		return nil, fmt.Errorf("webhooks of doc %s: %w", docID, err)
	}
	defer d.Close()
	events, err := d.SchemaEvents(ctx, from, upTo)
	if err != nil {
		return nil, fmt.Errorf("webhooks of doc %s: %w", docID, err)
	}
	return events, nil
}

// shown is a webhook as its owners see it: with its current names and,
// when it is gone but not yet disabled for it, why it matches nothing.
func shown(c current, q store.WebhookQueue) Hook {
	h := hook(c.Webhook, q)
	if c.Gone != "" && h.Usage.DisabledReason == "" {
		h.Usage.DisabledReason = c.Gone
	}
	return h
}

// List returns the document's webhooks with their usage.
func (s *Service) List(ctx context.Context, acc Access) ([]Hook, error) {
	if err := acc.check(); err != nil {
		return nil, err
	}
	q := s.store.Read()
	hooks, err := q.WebhooksOfDoc(ctx, acc.docID)
	if err != nil {
		return nil, fmt.Errorf("webhooks of doc %s: %w", acc.docID, err)
	}
	queues, err := q.WebhookQueues(ctx, acc.docID)
	if err != nil {
		return nil, fmt.Errorf("webhook queues of doc %s: %w", acc.docID, err)
	}
	events, err := s.schemaSince(ctx, acc.docID, hooks, 0)
	if err != nil {
		return nil, err
	}
	out := make([]Hook, 0, len(hooks))
	for _, c := range currentOf(hooks, events) {
		out = append(out, shown(c, queues[c.ID]))
	}
	return out, nil
}

// Get returns one webhook of the document with its usage.
func (s *Service) Get(ctx context.Context, acc Access, id string) (Hook, error) {
	if err := acc.check(); err != nil {
		return Hook{}, err
	}
	q := s.store.Read()
	h, err := q.Webhook(ctx, acc.docID, id)
	if err != nil {
		return Hook{}, err
	}
	queues, err := q.WebhookQueues(ctx, acc.docID)
	if err != nil {
		return Hook{}, fmt.Errorf("webhook queues of doc %s: %w", acc.docID, err)
	}
	events, err := s.schemaSince(ctx, acc.docID, []store.Webhook{h}, 0)
	if err != nil {
		return Hook{}, err
	}
	return shown(currentOf([]store.Webhook{h}, events)[0], queues[h.ID]), nil
}

// updateTries bounds how often Update reads a webhook again because the
// dispatcher moved it on meanwhile.
const updateTries = 5

// Update changes the fields of f that are set on webhook id, validating
// the result as Create does, and signals the dispatcher.
//
// Its owner sees and gives the names valid now (see currentOf). When no
// name is set, the webhook keeps the names it holds (valid at its
// progress through the outbox), so that the dispatcher still follows the
// renames it has not passed yet. When names are set (or a retired webhook
// is enabled again), the webhook holds all its names as valid now, and
// names_seq records the sequence number they are valid at: the renames
// and removals before it are not followed again onto them.
func (s *Service) Update(ctx context.Context, acc Access, id string, f Fields) error {
	if err := acc.check(); err != nil {
		return err
	}
	d, err := s.docs.Open(ctx, acc.docID)
	if err != nil {
		return err
	}
	defer d.Close()
	namesSet := f.TableID != nil || f.WatchedColIDs != nil || f.IsReadyColumn != nil
	for try := 1; ; try++ {
		// The names are valid at last, and validated against a schema
		// read after it: if a schema event came in between, read again.
		last, err := d.LastSeq(ctx)
		if err != nil {
			return err
		}
		sch, err := d.Schema(ctx)
		if err != nil {
			return err
		}
		stored, err := s.store.Read().Webhook(ctx, acc.docID, id)
		if err != nil {
			return err
		}
		events, err := d.SchemaEvents(ctx, min(stored.AckedSeq, last), 0)
		if err != nil {
			return err
		}
		if n := len(events); n > 0 && events[n-1].Seq > last {
			if try < updateTries {
				continue
			}
			return rowhouse.Errorf(rowhouse.ECONFLICT, "the schema of doc %s changed while webhook %s was updated", acc.docID, id)
		}
		if f.Format != nil {
			if format, err := formatOf(*f.Format); err != nil {
				return err
			} else if format != stored.Format {
				return rowhouse.Invalidf("format cannot change: make a new webhook")
			}
		}
		if err := f.check(Format(stored)); err != nil {
			return err
		}
		cur := currentOf([]store.Webhook{stored}, events)[0]
		h := cur.Webhook
		f.apply(&h)
		if err := Validate(ctx, s.guard, sch, &h); err != nil {
			return err
		}
		if namesSet || (stored.Retired && h.Enabled) {
			h.NamesSeq = max(last, stored.NamesSeq, stored.AckedSeq)
		} else {
			h.TableID, h.WatchedColIDs, h.IsReadyColumn = stored.TableID, stored.WatchedColIDs, stored.IsReadyColumn
		}
		err = s.store.WriteUncached(ctx, func(q store.HomeQueries) error { return q.UpdateWebhookAt(ctx, h, stored.NamesSeq, s.now()) })
		if rowhouse.ErrorKind(err) == rowhouse.ECONFLICT && try < updateTries {
			continue // the dispatcher moved it on: read it again
		}
		if err != nil {
			return fmt.Errorf("update webhook %s: %w", id, err)
		}
		s.notify(acc.docID)
		return nil
	}
}

// Delete removes webhook id and its delivery log.
func (s *Service) Delete(ctx context.Context, acc Access, id string) error {
	if err := acc.check(); err != nil {
		return err
	}
	return s.store.WriteUncached(ctx, func(q store.HomeQueries) error { return q.DeleteWebhook(ctx, acc.docID, id) })
}

// ClearQueue drops every undelivered delivery of the document's webhooks
// and moves them past the document's last committed change.
func (s *Service) ClearQueue(ctx context.Context, acc Access) error {
	if err := acc.check(); err != nil {
		return err
	}
	d, err := s.docs.Open(ctx, acc.docID)
	if err != nil {
		return err
	}
	defer d.Close()
	last, err := d.LastSeq(ctx)
	if err != nil {
		return err
	}
	hooks, err := s.store.Read().WebhooksOfDoc(ctx, acc.docID)
	if err != nil {
		return fmt.Errorf("webhooks of doc %s: %w", acc.docID, err)
	}
	events, err := s.schemaSince(ctx, acc.docID, hooks, last)
	if err != nil {
		return err
	}
	err = s.store.WriteUncached(ctx, func(q store.HomeQueries) error {
		now := s.now()
		if _, err := q.ClearWebhookQueue(ctx, acc.docID, last, now); err != nil {
			return err
		}
		// The webhooks skip to the last event: the renames and removals
		// on the way are followed as the dispatcher would have.
		for i, c := range currentOf(hooks, events) {
			stored := hooks[i]
			if c.AckedSeq < last && !ruleOf(c.Webhook).sameNames(ruleOf(stored)) {
				if _, err := q.FollowWebhookNames(ctx, c.ID, stored.NamesSeq, stored.Names(), c.Names()); err != nil {
					return err
				}
			}
			if c.Gone != "" || c.Retiring() {
				reason := c.DisabledReason
				if reason == "" {
					reason = c.Gone
				}
				if err := q.RetireWebhook(ctx, c.ID, stored.NamesSeq, reason, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("clear webhook queue of doc %s: %w", acc.docID, err)
	}
	return nil
}

// MaxDeliveries is the most deliveries Deliveries lists at once.
const MaxDeliveries = 1000

// Logged is a delivery with its attempts, oldest first.
type Logged struct {
	Delivery store.Delivery
	Attempts []store.Attempt
}

// Deliveries lists the latest limit deliveries of webhook id (1 to
// MaxDeliveries), with their attempts.
func (s *Service) Deliveries(ctx context.Context, acc Access, id string, limit int) ([]Logged, error) {
	if err := acc.check(); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxDeliveries {
		return nil, rowhouse.Invalidf("limit must be an integer from 1 to %d", MaxDeliveries)
	}
	q := s.store.Read()
	h, err := q.Webhook(ctx, acc.docID, id)
	if err != nil {
		return nil, err
	}
	ds, err := q.Deliveries(ctx, h.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("deliveries of webhook %s: %w", h.ID, err)
	}
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	attempts, err := q.Attempts(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("attempts of webhook %s: %w", h.ID, err)
	}
	out := make([]Logged, len(ds))
	for i, d := range ds {
		out[i] = Logged{Delivery: d, Attempts: attempts[d.ID]}
	}
	return out, nil
}

// Redeliver queues delivery deliveryID of webhook id again and signals
// the dispatcher.
func (s *Service) Redeliver(ctx context.Context, acc Access, id, deliveryID string) error {
	if err := acc.check(); err != nil {
		return err
	}
	if err := s.store.WriteUncached(ctx, func(q store.HomeQueries) error {
		h, err := q.Webhook(ctx, acc.docID, id)
		if err != nil {
			return err
		}
		return q.Redeliver(ctx, h.ID, deliveryID, s.now())
	}); err != nil {
		return err
	}
	s.notify(acc.docID)
	return nil
}

// notify wakes the dispatcher (and the change feed) about a document.
func (s *Service) notify(docID string) {
	if s.bus != nil {
		s.bus.Publish(docID)
	}
}

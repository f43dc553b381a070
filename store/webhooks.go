package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rowhouse/rowhouse"
)

// This file holds the home database's webhook queries: the webhooks of
// each document, their delivery queue and the log of delivery attempts.
//
// Representation. A webhook's progress through its document's outbox is
// acked_seq: every outbox event up to it has been turned into delivery rows
// (or found not to match). Turning events into deliveries and moving
// acked_seq happen in one transaction (EnqueueDeliveries), so an event is
// never lost nor queued twice, whatever crashes. A delivery row is written
// with its id before it is first sent, so every retry, even after a
// restart, carries the same id. Deliveries of one webhook are ordered by
// pos, which follows commit order; the dispatcher sends only the lowest
// pending one, so a receiver sees batches in commit order.
//
// Names. The table and columns a webhook holds are valid at acked_seq, or
// at names_seq when its owner set them later: the dispatcher follows only
// the renames and removals after max(acked_seq, names_seq), and its writes
// (EnqueueDeliveries, FollowWebhookNames, RetireWebhook) are conditional on
// the names_seq they were planned from, so an owner's names are never
// overwritten by a rename they already reflect. A removal that leaves a
// webhook matching nothing is stored (retired), never derived again.
//
// Claims. One process at a time works on a webhook: it holds a lease
// (claimed_by, claimed_until) taken by ClaimWebhook with a conditional
// UPDATE, which is portable; on PostgreSQL the same claim can be made with
// SELECT ... FOR UPDATE SKIP LOCKED.

// Delivery statuses.
const (
	DeliveryPending   = "pending"   // waiting to be sent, or to be retried
	DeliveryDelivered = "delivered" // a 2xx answer was received
	DeliveryFailed    = "failed"    // gave up after the maximum attempts; can be redelivered
	DeliveryCleared   = "cleared"   // dropped on purpose by DELETE .../webhooks/queue
)

// Webhook is a document's webhook and its delivery state.
type Webhook struct {
	ID            string
	DocID         string
	TableID       string
	URL           string
	EventTypes    []string
	WatchedColIDs []string
	IsReadyColumn string // "" when none
	Enabled       bool
	Name          string
	Memo          string
	Authorization string // sent as the Authorization header; "" when none
	// Format is the delivery format: "" (Rowhouse's: batches of records,
	// X-Rowhouse-Signature) or "twenty" (Twenty's: one POST per record).
	// A Twenty-format webhook watches every table of its document: its
	// TableID is "" and its EventTypes hold Twenty's operations
	// ("person.created", "*.updated", "*.*").
	Format string
	// Secret signs deliveries. It is kept in clear because the server
	// must compute HMACs with it; it is shown only when the webhook is
	// created.
	Secret         string
	DisabledReason string
	AckedSeq       int64
	// NamesSeq is the outbox sequence number at which the names the
	// webhook holds (its table and columns) were set by its owner: they
	// are the names valid there. Schema events up to max(AckedSeq,
	// NamesSeq) are therefore already reflected in them; only later ones
	// are followed (renames) or retire it (removals).
	NamesSeq int64
	// Retired is set when a removal left the webhook matching nothing (see
	// RetireWebhook): its names are frozen at the removal, and no later
	// event concerns it. Its owner setting names, or enabling it, clears it.
	Retired        bool
	FailingSince   *time.Time
	LastSuccessAt  *time.Time
	LastFailureAt  *time.Time
	LastError      string
	LastHTTPStatus *int
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Delivery is one batch of records to POST to a webhook, with its state.
type Delivery struct {
	ID             string
	WebhookID      string
	Pos            int64
	Event          string
	FirstSeq       int64
	LastSeq        int64
	NumRecords     int
	Body           []byte
	Status         string
	Attempts       int // every attempt ever made
	RoundAttempts  int // attempts since it was (re)queued
	NextAttemptAt  time.Time
	CommittedAt    time.Time // commit time of its newest event
	CreatedAt      time.Time
	DeliveredAt    *time.Time
	LastHTTPStatus *int
	LastError      string
}

// Attempt is one try at sending a delivery.
type Attempt struct {
	DeliveryID string
	Attempt    int
	StartedAt  time.Time
	Duration   time.Duration
	HTTPStatus *int
	Error      string
}

// WebhookQueue summarises a webhook's pending deliveries.
type WebhookQueue struct {
	Deliveries int
	Records    int
}

const webhookCols = `id, doc_id, table_id, url, event_types, watched_col_ids, is_ready_column, enabled, name, memo,
 authorization_header, secret, disabled_reason, acked_seq, names_seq, retired, failing_since, last_success_at, last_failure_at,
 last_error, last_http_status, created_at, updated_at, format`

func scanWebhook(r Row) (Webhook, error) {
	var w Webhook
	var types, watched string
	var enabled, retired int
	var failing, success, failure *int64
	var status *int64
	var created, updated int64
	err := r.Scan(&w.ID, &w.DocID, &w.TableID, &w.URL, &types, &watched, &w.IsReadyColumn, &enabled, &w.Name, &w.Memo,
		&w.Authorization, &w.Secret, &w.DisabledReason, &w.AckedSeq, &w.NamesSeq, &retired, &failing, &success, &failure,
		&w.LastError, &status, &created, &updated, &w.Format)
	if err != nil {
		return w, err
	}
	if err := json.Unmarshal([]byte(types), &w.EventTypes); err != nil {
		return w, fmt.Errorf("webhook %s: event types: %w", w.ID, err)
	}
	if err := json.Unmarshal([]byte(watched), &w.WatchedColIDs); err != nil {
		return w, fmt.Errorf("webhook %s: watched columns: %w", w.ID, err)
	}
	w.Enabled, w.Retired = enabled != 0, retired != 0
	w.FailingSince, w.LastSuccessAt, w.LastFailureAt = fromMSPtr(failing), fromMSPtr(success), fromMSPtr(failure)
	if status != nil {
		s := int(*status)
		w.LastHTTPStatus = &s
	}
	w.CreatedAt, w.UpdatedAt = fromMS(created), fromMS(updated)
	return w, nil
}

func jsonList(s []string) (string, error) {
	if s == nil {
		s = []string{}
	}
	b, err := json.Marshal(s)
	return string(b), err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CreateWebhook inserts a webhook.
func (h HomeQueries) CreateWebhook(ctx context.Context, w Webhook) error {
	types, err := jsonList(w.EventTypes)
	if err != nil {
		return err
	}
	watched, err := jsonList(w.WatchedColIDs)
	if err != nil {
		return err
	}
	_, err = h.q.Exec(ctx, `INSERT INTO webhooks (id, doc_id, ord, table_id, url, event_types, watched_col_ids, is_ready_column, enabled,
 name, memo, authorization_header, secret, acked_seq, names_seq, created_at, updated_at, format)
 VALUES (?, ?, (SELECT COALESCE(MAX(ord), 0) + 1 FROM webhooks WHERE doc_id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		w.ID, w.DocID, w.DocID, w.TableID, w.URL, types, watched, w.IsReadyColumn, boolInt(w.Enabled),
		w.Name, w.Memo, w.Authorization, w.Secret, w.AckedSeq, w.NamesSeq, ms(w.CreatedAt), ms(w.UpdatedAt), w.Format)
	if err != nil {
		return fmt.Errorf("create webhook: %w", err)
	}
	return nil
}

// Webhook returns one webhook of a document; ENOTFOUND if there is none.
func (h HomeQueries) Webhook(ctx context.Context, docID, id string) (Webhook, error) {
	w, err := scanWebhook(h.q.QueryRow(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE id = ? AND doc_id = ?`, id, docID))
	return w, notFound(err, "Webhook not found")
}

// WebhookByID returns a webhook whatever its document; ENOTFOUND if there
// is none.
func (h HomeQueries) WebhookByID(ctx context.Context, id string) (Webhook, error) {
	w, err := scanWebhook(h.q.QueryRow(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE id = ?`, id))
	return w, notFound(err, "Webhook not found")
}

// WebhooksOfDoc returns a document's webhooks in the order they were
// created.
func (h HomeQueries) WebhooksOfDoc(ctx context.Context, docID string) ([]Webhook, error) {
	rows, err := h.q.Query(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE doc_id = ? ORDER BY ord`, docID)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return collect(rows, scanWebhook)
}

// EnabledWebhooks returns every enabled webhook, of every document; with
// docID set, only that document's.
func (h HomeQueries) EnabledWebhooks(ctx context.Context, docID string) ([]Webhook, error) {
	q := `SELECT ` + webhookCols + ` FROM webhooks WHERE enabled = 1`
	var args []any
	if docID != "" {
		q += ` AND doc_id = ?`
		args = append(args, docID)
	}
	rows, err := h.q.Query(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list enabled webhooks: %w", err)
	}
	return collect(rows, scanWebhook)
}

// UpdateWebhook stores a webhook's settings, its secret included (not its
// format, nor its delivery state, except that re-enabling clears the
// failure streak, the disabled reason and the retirement), with NamesSeq, the sequence number its names are valid at.
// Names set or re-enabling clear the retirement.
func (h HomeQueries) UpdateWebhook(ctx context.Context, w Webhook, now time.Time) error {
	return h.updateWebhook(ctx, w, nil, now)
}

// UpdateWebhookAt is UpdateWebhook on condition that the webhook's
// progress through the outbox (acked_seq) is still w.AckedSeq and its
// names_seq is still namesSeq (the value read): the names it holds are
// those valid at that point, and the dispatcher may have moved on
// (following renames) since w was read. It returns a
// rowhouse.ECONFLICT error, changing nothing, if it has; read again and
// retry.
func (h HomeQueries) UpdateWebhookAt(ctx context.Context, w Webhook, namesSeq int64, now time.Time) error {
	return h.updateWebhook(ctx, w, &[2]int64{w.AckedSeq, namesSeq}, now)
}

func (h HomeQueries) updateWebhook(ctx context.Context, w Webhook, at *[2]int64, now time.Time) error {
	types, err := jsonList(w.EventTypes)
	if err != nil {
		return err
	}
	watched, err := jsonList(w.WatchedColIDs)
	if err != nil {
		return err
	}
	q := `UPDATE webhooks SET table_id = ?, url = ?, event_types = ?, watched_col_ids = ?, is_ready_column = ?,
 name = ?, memo = ?, authorization_header = ?, secret = ?, updated_at = ?,
 failing_since = CASE WHEN enabled = 0 AND ? = 1 THEN NULL ELSE failing_since END,
 disabled_reason = CASE WHEN ? = 1 THEN '' ELSE disabled_reason END,
 retired = CASE WHEN ? = 1 OR names_seq <> ? THEN 0 ELSE retired END,
 names_seq = ?, enabled = ? WHERE id = ? AND doc_id = ?`
	args := []any{w.TableID, w.URL, types, watched, w.IsReadyColumn, w.Name, w.Memo, w.Authorization, w.Secret, ms(now),
		boolInt(w.Enabled), boolInt(w.Enabled), boolInt(w.Enabled), w.NamesSeq, w.NamesSeq, boolInt(w.Enabled), w.ID, w.DocID}
	if at != nil {
		q += ` AND acked_seq = ? AND names_seq = ?`
		args = append(args, at[0], at[1])
	}
	n, err := h.q.Exec(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("update webhook: %w", err)
	}
	if n == 0 && at != nil {
		if _, err := h.Webhook(ctx, w.DocID, w.ID); err != nil {
			return err
		}
		return rowhouse.Errorf(rowhouse.ECONFLICT, "webhook %s moved on while it was updated", w.ID)
	}
	if n == 0 {
		return rowhouse.NotFoundf("Webhook not found")
	}
	return nil
}

// DeleteWebhook removes a webhook with its deliveries.
func (h HomeQueries) DeleteWebhook(ctx context.Context, docID, id string) error {
	n, err := h.q.Exec(ctx, `DELETE FROM webhooks WHERE id = ? AND doc_id = ?`, id, docID)
	if err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	if n == 0 {
		return rowhouse.NotFoundf("Webhook not found")
	}
	return nil
}

// WebhookNames are the document names a webhook's rule holds: its table
// and columns, which follow renames.
type WebhookNames struct {
	TableID       string
	WatchedColIDs []string
	IsReadyColumn string
}

// Names returns the document names w holds.
func (w Webhook) Names() WebhookNames {
	return WebhookNames{TableID: w.TableID, WatchedColIDs: w.WatchedColIDs, IsReadyColumn: w.IsReadyColumn}
}

// FollowWebhookNames renames what a webhook names in its document (after
// a table or column rename) from the names from to the names to, field by
// field: a field (table, watched columns, ready column) follows if it
// still holds its from value, and keeps what its owner set meanwhile
// otherwise (theirs win, and a rename of another field is not lost). It
// reports whether every field that was to move did. It changes nothing
// (and reports false) if the webhook's names_seq is no longer namesSeq:
// its owner set names valid at a later point, which no earlier rename
// concerns. It does not touch updated_at: the webhook's owner changed
// nothing.
func (h HomeQueries) FollowWebhookNames(ctx context.Context, id string, namesSeq int64, from, to WebhookNames) (bool, error) {
	fromWatched, err := jsonList(from.WatchedColIDs)
	if err != nil {
		return false, err
	}
	toWatched, err := jsonList(to.WatchedColIDs)
	if err != nil {
		return false, err
	}
	var table, watched, ready string
	err = h.q.QueryRow(ctx, `UPDATE webhooks SET
 table_id = CASE WHEN table_id = ? THEN ? ELSE table_id END,
 watched_col_ids = CASE WHEN watched_col_ids = ? THEN ? ELSE watched_col_ids END,
 is_ready_column = CASE WHEN is_ready_column = ? THEN ? ELSE is_ready_column END
 WHERE id = ? AND names_seq = ? RETURNING table_id, watched_col_ids, is_ready_column`,
		from.TableID, to.TableID, fromWatched, toWatched, from.IsReadyColumn, to.IsReadyColumn, id, namesSeq).Scan(&table, &watched, &ready)
	if errors.Is(err, ErrNoRows) {
		return false, nil // deleted, or given new names, meanwhile
	}
	if err != nil {
		return false, fmt.Errorf("follow webhook names: %w", err)
	}
	ok := (from.TableID == to.TableID || table == to.TableID) &&
		(fromWatched == toWatched || watched == toWatched) &&
		(from.IsReadyColumn == to.IsReadyColumn || ready == to.IsReadyColumn)
	return ok, nil
}

// RetireWebhook records why an enabled webhook can match nothing any more
// (its table or one of its columns was removed) and disables it, saying
// why, unless deliveries are still pending: then it stays enabled, with
// its reason set, until they are sent, and the dispatcher calls
// FinishRetiring once the queue is empty. An enabled retired webhook is
// thus retiring: nothing more is queued for it. The retirement is stored
// (Webhook.Retired), never derived again from the outbox. It changes
// nothing if the webhook's names_seq is no longer namesSeq: its owner set
// names meanwhile, which the removal does not concern.
func (h HomeQueries) RetireWebhook(ctx context.Context, id string, namesSeq int64, reason string, now time.Time) error {
	_, err := h.q.Exec(ctx, `UPDATE webhooks SET disabled_reason = ?, retired = 1, updated_at = ?,
 enabled = CASE WHEN EXISTS (SELECT 1 FROM webhook_deliveries WHERE webhook_id = ? AND status = ?) THEN enabled ELSE 0 END
 WHERE id = ? AND names_seq = ?`, reason, ms(now), id, DeliveryPending, id, namesSeq)
	if err != nil {
		return fmt.Errorf("retire webhook: %w", err)
	}
	return nil
}

// FinishRetiring disables a retiring webhook (see RetireWebhook) once its
// queue is empty, if it is still retiring for reason: an owner who fixed
// its names meanwhile (which clears the reason) keeps it enabled.
func (h HomeQueries) FinishRetiring(ctx context.Context, id, reason string, now time.Time) error {
	_, err := h.q.Exec(ctx, `UPDATE webhooks SET enabled = 0, updated_at = ?
 WHERE id = ? AND enabled = 1 AND retired = 1 AND disabled_reason = ?
 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries WHERE webhook_id = ? AND status = ?)`, ms(now), id, reason, id, DeliveryPending)
	if err != nil {
		return fmt.Errorf("finish retiring webhook: %w", err)
	}
	return nil
}

// Retiring reports whether w is enabled but can match nothing any more:
// it sends what is queued, then is disabled (see RetireWebhook).
func (w Webhook) Retiring() bool { return w.Enabled && w.Retired }

// DisableWebhook turns a webhook off, saying why.
func (h HomeQueries) DisableWebhook(ctx context.Context, id, reason string, now time.Time) error {
	_, err := h.q.Exec(ctx, `UPDATE webhooks SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ?`, reason, ms(now), id)
	if err != nil {
		return fmt.Errorf("disable webhook: %w", err)
	}
	return nil
}

// ClaimWebhook takes or renews the lease on a webhook for owner until the
// given time; false if another owner holds an unexpired lease. (On
// PostgreSQL, SELECT ... FOR UPDATE SKIP LOCKED can replace this.)
func (h HomeQueries) ClaimWebhook(ctx context.Context, id, owner string, until, now time.Time) (bool, error) {
	n, err := h.q.Exec(ctx, `UPDATE webhooks SET claimed_by = ?, claimed_until = ?
 WHERE id = ? AND (claimed_by = '' OR claimed_by = ? OR claimed_until < ?)`, owner, ms(until), id, owner, ms(now))
	if err != nil {
		return false, fmt.Errorf("claim webhook: %w", err)
	}
	return n == 1, nil
}

// ReleaseWebhook gives up owner's lease on a webhook.
func (h HomeQueries) ReleaseWebhook(ctx context.Context, id, owner string) error {
	_, err := h.q.Exec(ctx, `UPDATE webhooks SET claimed_by = '', claimed_until = 0 WHERE id = ? AND claimed_by = ?`, id, owner)
	if err != nil {
		return fmt.Errorf("release webhook: %w", err)
	}
	return nil
}

// EnqueueDeliveries appends deliveries to a webhook's queue (their Pos is
// assigned here, after every existing one) and moves its acked_seq from
// fromSeq to toSeq, in the caller's transaction. It returns false, doing
// nothing, if acked_seq is no longer fromSeq (someone else enqueued, or the
// queue was cleared) or names_seq no longer namesSeq (its owner set names
// meanwhile, for which the deliveries were not planned). The check and the
// move are one conditional UPDATE, which holds the row until the
// transaction ends: a concurrent change from another process can neither
// be overwritten nor move acked_seq backwards.
func (h HomeQueries) EnqueueDeliveries(ctx context.Context, webhookID string, fromSeq, namesSeq, toSeq int64, ds []Delivery) (bool, error) {
	var next int64
	err := h.q.QueryRow(ctx, `UPDATE webhooks SET acked_seq = ?, next_pos = next_pos + ?
 WHERE id = ? AND acked_seq = ? AND names_seq = ? RETURNING next_pos`, toSeq, len(ds), webhookID, fromSeq, namesSeq).Scan(&next)
	if errors.Is(err, ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("enqueue deliveries: %w", err)
	}
	next -= int64(len(ds))
	for i := range ds {
		d := &ds[i]
		d.WebhookID, d.Pos, d.Status = webhookID, next, DeliveryPending
		next++
		if _, err := h.q.Exec(ctx, `INSERT INTO webhook_deliveries (id, webhook_id, pos, event, first_seq, last_seq, num_records, body,
 status, next_attempt_at, committed_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.ID, d.WebhookID, d.Pos, d.Event, d.FirstSeq, d.LastSeq, d.NumRecords, string(d.Body),
			d.Status, ms(d.NextAttemptAt), ms(d.CommittedAt), ms(d.CreatedAt)); err != nil {
			return false, fmt.Errorf("enqueue delivery: %w", err)
		}
	}
	return true, nil
}

const deliveryCols = `id, webhook_id, pos, event, first_seq, last_seq, num_records, body, status, attempts, round_attempts,
 next_attempt_at, committed_at, created_at, delivered_at, last_http_status, last_error`

func scanDelivery(r Row) (Delivery, error) {
	var d Delivery
	var body string
	var next, committed, created int64
	var delivered, status *int64
	err := r.Scan(&d.ID, &d.WebhookID, &d.Pos, &d.Event, &d.FirstSeq, &d.LastSeq, &d.NumRecords, &body, &d.Status,
		&d.Attempts, &d.RoundAttempts, &next, &committed, &created, &delivered, &status, &d.LastError)
	d.Body = []byte(body)
	d.NextAttemptAt, d.CommittedAt, d.CreatedAt = fromMS(next), fromMS(committed), fromMS(created)
	d.DeliveredAt = fromMSPtr(delivered)
	if status != nil {
		s := int(*status)
		d.LastHTTPStatus = &s
	}
	return d, err
}

// NextDelivery returns the webhook's first pending delivery in commit
// order; false if none is pending.
func (h HomeQueries) NextDelivery(ctx context.Context, webhookID string) (Delivery, bool, error) {
	d, err := scanDelivery(h.q.QueryRow(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries
 WHERE webhook_id = ? AND status = ? ORDER BY pos LIMIT 1`, webhookID, DeliveryPending))
	if errors.Is(err, ErrNoRows) {
		return d, false, nil
	}
	if err != nil {
		return d, false, fmt.Errorf("next delivery: %w", err)
	}
	return d, true, nil
}

// Delivery returns one delivery of a webhook; ENOTFOUND if there is none.
func (h HomeQueries) Delivery(ctx context.Context, webhookID, id string) (Delivery, error) {
	d, err := scanDelivery(h.q.QueryRow(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries WHERE webhook_id = ? AND id = ?`, webhookID, id))
	return d, notFound(err, "Delivery not found")
}

// Deliveries returns a webhook's most recent deliveries, newest first.
func (h HomeQueries) Deliveries(ctx context.Context, webhookID string, limit int) ([]Delivery, error) {
	rows, err := h.q.Query(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries WHERE webhook_id = ? ORDER BY pos DESC LIMIT ?`, webhookID, limit)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	return collect(rows, scanDelivery)
}

func scanAttempt(r Row) (Attempt, error) {
	var a Attempt
	var started, dur int64
	var status *int64
	err := r.Scan(&a.DeliveryID, &a.Attempt, &started, &dur, &status, &a.Error)
	a.StartedAt, a.Duration = fromMS(started), time.Duration(dur)*time.Millisecond
	if status != nil {
		s := int(*status)
		a.HTTPStatus = &s
	}
	return a, err
}

// Attempts returns the attempts at the given deliveries, keyed by delivery
// id, in order.
func (h HomeQueries) Attempts(ctx context.Context, deliveryIDs []string) (map[string][]Attempt, error) {
	out := map[string][]Attempt{}
	if len(deliveryIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(deliveryIDs))
	for i, id := range deliveryIDs {
		args[i] = id
	}
	rows, err := h.q.Query(ctx, `SELECT delivery_id, attempt, started_at, duration_ms, http_status, error FROM webhook_attempts
 WHERE delivery_id IN (`+placeholders(len(args))+`) ORDER BY delivery_id, attempt`, args...)
	if err != nil {
		return nil, fmt.Errorf("list attempts: %w", err)
	}
	all, err := collect(rows, scanAttempt)
	if err != nil {
		return nil, fmt.Errorf("list attempts: %w", err)
	}
	for _, a := range all {
		out[a.DeliveryID] = append(out[a.DeliveryID], a)
	}
	return out, nil
}

// AttemptOutcome is what RecordAttempt stores about an attempt's result.
type AttemptOutcome struct {
	Attempt Attempt
	// Status is the delivery's new status; NextAttemptAt matters when it
	// stays pending.
	Status        string
	NextAttemptAt time.Time
	// Now is when the attempt finished.
	Now time.Time
}

// RecordAttempt logs an attempt and updates its delivery and the webhook's
// status, in the caller's transaction.
func (h HomeQueries) RecordAttempt(ctx context.Context, webhookID string, o AttemptOutcome) error {
	a := o.Attempt
	var status any
	if a.HTTPStatus != nil {
		status = *a.HTTPStatus
	}
	if _, err := h.q.Exec(ctx, `INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, http_status, error)
 VALUES (?, ?, ?, ?, ?, ?)`, a.DeliveryID, a.Attempt, ms(a.StartedAt), a.Duration.Milliseconds(), status, a.Error); err != nil {
		return fmt.Errorf("record attempt: %w", err)
	}
	var delivered any
	if o.Status == DeliveryDelivered {
		delivered = ms(o.Now)
	}
	if _, err := h.q.Exec(ctx, `UPDATE webhook_deliveries SET status = ?, attempts = ?, round_attempts = round_attempts + 1,
 next_attempt_at = ?, delivered_at = ?, last_http_status = ?, last_error = ? WHERE id = ?`,
		o.Status, a.Attempt, ms(o.NextAttemptAt), delivered, status, a.Error, a.DeliveryID); err != nil {
		return fmt.Errorf("record attempt: %w", err)
	}
	var err error
	if o.Status == DeliveryDelivered {
		_, err = h.q.Exec(ctx, `UPDATE webhooks SET last_success_at = ?, failing_since = NULL, last_http_status = ?, last_error = '' WHERE id = ?`,
			ms(o.Now), status, webhookID)
	} else {
		_, err = h.q.Exec(ctx, `UPDATE webhooks SET last_failure_at = ?, failing_since = COALESCE(failing_since, ?), last_http_status = ?, last_error = ?
 WHERE id = ?`, ms(o.Now), ms(a.StartedAt), status, a.Error, webhookID)
	}
	if err != nil {
		return fmt.Errorf("record attempt: %w", err)
	}
	return nil
}

// Redeliver puts a delivery back at its place in the queue, to be sent at
// once with the same id; ENOTFOUND if the webhook has no such delivery.
func (h HomeQueries) Redeliver(ctx context.Context, webhookID, id string, now time.Time) error {
	n, err := h.q.Exec(ctx, `UPDATE webhook_deliveries SET status = ?, round_attempts = 0, next_attempt_at = ?
 WHERE webhook_id = ? AND id = ?`, DeliveryPending, ms(now), webhookID, id)
	if err != nil {
		return fmt.Errorf("redeliver: %w", err)
	}
	if n == 0 {
		return rowhouse.NotFoundf("Delivery not found")
	}
	return nil
}

// WebhookQueues returns the pending deliveries of each webhook of a
// document, keyed by webhook id.
func (h HomeQueries) WebhookQueues(ctx context.Context, docID string) (map[string]WebhookQueue, error) {
	rows, err := h.q.Query(ctx, `SELECT d.webhook_id, COUNT(*), COALESCE(SUM(d.num_records), 0) FROM webhook_deliveries d
 JOIN webhooks w ON w.id = d.webhook_id WHERE w.doc_id = ? AND d.status = ? GROUP BY d.webhook_id`, docID, DeliveryPending)
	if err != nil {
		return nil, fmt.Errorf("webhook queues: %w", err)
	}
	defer rows.Close()
	out := map[string]WebhookQueue{}
	for rows.Next() {
		var id string
		var q WebhookQueue
		if err := rows.Scan(&id, &q.Deliveries, &q.Records); err != nil {
			return nil, fmt.Errorf("webhook queues: %w", err)
		}
		out[id] = q
	}
	return out, rows.Err()
}

// ClearWebhookQueue drops every pending delivery of a document's webhooks
// (marking them cleared, so the log shows what was dropped) and moves their
// progress to lastSeq, so events not yet queued are skipped too. It
// returns how many deliveries were cleared.
func (h HomeQueries) ClearWebhookQueue(ctx context.Context, docID string, lastSeq int64, now time.Time) (int64, error) {
	n, err := h.q.Exec(ctx, `UPDATE webhook_deliveries SET status = ?, last_error = ?
 WHERE status = ? AND webhook_id IN (SELECT id FROM webhooks WHERE doc_id = ?)`,
		DeliveryCleared, "cleared from the queue at "+now.UTC().Format(time.RFC3339), DeliveryPending, docID)
	if err != nil {
		return 0, fmt.Errorf("clear webhook queue: %w", err)
	}
	if _, err := h.q.Exec(ctx, `UPDATE webhooks SET acked_seq = ?, failing_since = NULL WHERE doc_id = ? AND acked_seq < ?`, lastSeq, docID, lastSeq); err != nil {
		return 0, fmt.Errorf("clear webhook queue: %w", err)
	}
	return n, nil
}

// PruneDeliveries deletes finished deliveries (delivered, failed or
// cleared) created before the cutoff, with their attempts.
func (h HomeQueries) PruneDeliveries(ctx context.Context, before time.Time) (int64, error) {
	n, err := h.q.Exec(ctx, `DELETE FROM webhook_deliveries WHERE status IN (?, ?, ?) AND created_at < ?`,
		DeliveryDelivered, DeliveryFailed, DeliveryCleared, ms(before))
	if err != nil {
		return 0, fmt.Errorf("prune deliveries: %w", err)
	}
	return n, nil
}

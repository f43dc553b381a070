package client

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// WebhookFields are a webhook's settings. URL, EventTypes ("add",
// "update", "remove") and TableID are required when creating one.
type WebhookFields struct {
	Name          string   `json:"name,omitempty"`
	Memo          string   `json:"memo,omitempty"`
	URL           string   `json:"url,omitempty"`
	EventTypes    []string `json:"eventTypes,omitempty"`
	TableID       string   `json:"tableId,omitempty"`
	Enabled       *bool    `json:"enabled,omitempty"`
	IsReadyColumn *string  `json:"isReadyColumn,omitempty"`
	WatchedColIDs []string `json:"watchedColIds,omitempty"`
	Authorization string   `json:"authorization,omitempty"`
}

// WebhookUsage is a webhook's delivery state.
type WebhookUsage struct {
	NumWaiting       int      `json:"numWaiting"`
	Status           string   `json:"status"`
	LastSuccessTime  *float64 `json:"lastSuccessTime"` // unix milliseconds
	LastFailureTime  *float64 `json:"lastFailureTime"` // unix milliseconds
	LastErrorMessage *string  `json:"lastErrorMessage"`
	LastHTTPStatus   *int     `json:"lastHttpStatus"`
	DisabledReason   *string  `json:"disabledReason"`
}

// Webhook is a webhook as listed by the server.
type Webhook struct {
	ID     string        `json:"id"`
	Fields WebhookFields `json:"fields"`
	Usage  *WebhookUsage `json:"usage"`
}

// CreatedWebhook is a new webhook's id and its signing secret, which the
// server shows only in this answer.
type CreatedWebhook struct {
	ID     string `json:"id"`
	Secret string `json:"secret"`
}

// Webhooks lists the document's webhooks (owners only).
func (d *Doc) Webhooks(ctx context.Context) ([]Webhook, error) {
	var out struct {
		Webhooks []Webhook `json:"webhooks"`
	}
	err := d.c.call(ctx, http.MethodGet, d.path("/webhooks"), nil, &out)
	return out.Webhooks, err
}

// CreateWebhooks creates webhooks in one request and returns their ids
// and secrets, in order.
func (d *Doc) CreateWebhooks(ctx context.Context, hooks ...WebhookFields) ([]CreatedWebhook, error) {
	in := make([]map[string]any, len(hooks))
	for i, h := range hooks {
		in[i] = map[string]any{"fields": h}
	}
	var out struct {
		Webhooks []CreatedWebhook `json:"webhooks"`
	}
	err := d.c.call(ctx, http.MethodPost, d.path("/webhooks"), map[string]any{"webhooks": in}, &out)
	return out.Webhooks, err
}

// UpdateWebhook changes a webhook's settings; zero fields are unchanged.
func (d *Doc) UpdateWebhook(ctx context.Context, id string, f WebhookFields) error {
	return d.c.call(ctx, http.MethodPatch, d.path("/webhooks/"+seg(id)), f, nil)
}

// DeleteWebhook removes a webhook.
func (d *Doc) DeleteWebhook(ctx context.Context, id string) error {
	return d.c.call(ctx, http.MethodDelete, d.path("/webhooks/"+seg(id)), nil, nil)
}

// ClearWebhookQueue drops every delivery still waiting, for every webhook
// of the document.
func (d *Doc) ClearWebhookQueue(ctx context.Context) error {
	return d.c.call(ctx, http.MethodDelete, d.path("/webhooks/queue"), nil, nil)
}

// Delivery is one delivery of a webhook: a batch of records for one event,
// with its attempts.
type Delivery struct {
	ID             string     `json:"id"` // the X-Rowhouse-Delivery header, stable across retries
	Event          string     `json:"event"`
	Status         string     `json:"status"`
	FirstSeq       int64      `json:"firstSeq"`
	LastSeq        int64      `json:"lastSeq"`
	NumRecords     int        `json:"numRecords"`
	Attempts       int        `json:"attempts"`
	CreatedAt      time.Time  `json:"createdAt"`
	CommittedAt    time.Time  `json:"committedAt"`
	NextAttemptAt  *time.Time `json:"nextAttemptAt"`
	DeliveredAt    *time.Time `json:"deliveredAt"`
	LastHTTPStatus *int       `json:"lastHttpStatus"`
	LastError      string     `json:"lastError"`
	AttemptLog     []struct {
		Attempt    int       `json:"attempt"`
		StartedAt  time.Time `json:"startedAt"`
		DurationMS int64     `json:"durationMs"`
		HTTPStatus *int      `json:"httpStatus"`
		Error      string    `json:"error"`
	} `json:"attemptLog"`
}

// Deliveries lists a webhook's latest deliveries (limit <= 0: the server's
// default of 100).
func (d *Doc) Deliveries(ctx context.Context, webhookID string, limit int) ([]Delivery, error) {
	r, err := jsonRequest(http.MethodGet, d.path("/webhooks/"+seg(webhookID)+"/deliveries"), nil)
	if err != nil {
		return nil, err
	}
	if limit > 0 {
		r.query = url.Values{"limit": {strconv.Itoa(limit)}}
	}
	var out struct {
		Deliveries []Delivery `json:"deliveries"`
	}
	err = d.c.do(ctx, r, &out)
	return out.Deliveries, err
}

// Redeliver sends a delivery again.
func (d *Doc) Redeliver(ctx context.Context, webhookID, deliveryID string) error {
	return d.c.call(ctx, http.MethodPost, d.path("/webhooks/"+seg(webhookID)+"/deliveries/"+seg(deliveryID)+"/redeliver"), nil, nil)
}

// Change is one committed change from the document's change feed: its
// sequence number, the table, the action (e.g. "add", "update", "remove",
// or a schema action) and the rows after the change (as they were, for
// removals).
type Change struct {
	Seq    int64    `json:"seq"`
	Table  string   `json:"table"`
	Action string   `json:"action"`
	Rows   []Record `json:"rows"`
}

// Changes follows the document's change feed (GET .../changes, Server-Sent
// Events), starting after sequence number since (0: from the beginning).
// When the connection drops it reconnects after a backoff and resumes
// after the last change seen, so no change is missed or repeated. It ends
// when ctx is done (without an error) or on an answer that retrying cannot
// fix (a 4xx), which is yielded as the last pair; with WithRetries(0) any
// failure ends it that way.
func (d *Doc) Changes(ctx context.Context, since int64) iter.Seq2[Change, error] {
	return func(yield func(Change, error) bool) {
		last := since
		failures := 0
		for {
			got, err := d.followOnce(ctx, last, func(ch Change) bool {
				last = ch.Seq
				return yield(ch, nil)
			})
			if ctx.Err() != nil || errors.Is(err, errStop) {
				return
			}
			if s := StatusOf(err); s >= 400 && s < 500 && s != http.StatusTooManyRequests {
				yield(Change{}, err)
				return
			}
			if got > 0 {
				failures = 0
			}
			if d.c.retries == 0 { // WithRetries(0): no reconnecting either
				yield(Change{}, err)
				return
			}
			if sleep(ctx, d.c.backoff(failures, nil)) != nil {
				return
			}
			failures++
		}
	}
}

// errStop is the consumer's break out of the iteration.
var errStop = errors.New("stop")

// followOnce reads one connection of the change feed and returns how many
// changes it delivered and why it ended.
func (d *Doc) followOnce(ctx context.Context, since int64, emit func(Change) bool) (int, error) {
	r := &request{method: http.MethodGet, path: d.path("/changes"), query: url.Values{"since": {strconv.FormatInt(since, 10)}}}
	r.header = http.Header{"Last-Event-Id": {strconv.FormatInt(since, 10)}, "Accept": {"text/event-stream"}}
	resp, err := d.c.send(ctx, r)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if mt := contentBase(resp.Header.Get("Content-Type")); mt != "text/event-stream" {
		return 0, fmt.Errorf("GET %s: answer is %q, not text/event-stream", r.path, mt)
	}
	n := 0
	err = readEvents(resp.Body, func(ev sseEvent) error {
		if ev.data == "" {
			return nil
		}
		var ch Change
		if err := json.Unmarshal([]byte(ev.data), &ch); err != nil {
			return fmt.Errorf("GET %s: event %q: %w", r.path, ev.id, err)
		}
		if ch.Seq == 0 && ev.id != "" {
			ch.Seq, _ = strconv.ParseInt(ev.id, 10, 64)
		}
		if ch.Seq <= since {
			return nil // already seen
		}
		since = ch.Seq
		n++
		if !emit(ch) {
			return errStop
		}
		return nil
	})
	if err == nil {
		err = io.ErrUnexpectedEOF // the feed never ends by itself
	}
	return n, err
}

// sseEvent is one Server-Sent Event.
type sseEvent struct {
	id, event, data string
}

// readEvents parses a text/event-stream, calling fn for each event, until
// the stream ends (nil) or fn or the reader fails.
func readEvents(r io.Reader, fn func(sseEvent) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	var ev sseEvent
	var data strings.Builder
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if data.Len() > 0 || ev.id != "" {
				ev.data = strings.TrimSuffix(data.String(), "\n")
				if err := fn(ev); err != nil {
					return err
				}
			}
			ev, data = sseEvent{}, strings.Builder{}
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue // a comment: the server's keep-alive
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			ev.id = value
		case "event":
			ev.event = value
		case "data":
			data.WriteString(value)
			data.WriteByte('\n')
		}
	}
	return sc.Err()
}

// DefaultSignatureTolerance is how far a delivery's signed time may be from
// now before VerifySignature refuses it (replay protection).
const DefaultSignatureTolerance = 5 * time.Minute

// ErrBadSignature is returned (wrapped) by VerifySignature for a delivery
// that was not signed with the secret, or not recently.
var ErrBadSignature = errors.New("webhook signature is not valid")

// Sign returns the X-Rowhouse-Signature header value for body signed with
// secret at time t: "t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
// "<t>.<body>")>". Receivers verify it with VerifySignature; tests use it
// to sign deliveries.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// VerifySignature checks a webhook delivery: header is its
// X-Rowhouse-Signature, body the raw request body, now the receiver's
// clock. It fails (wrapping ErrBadSignature) unless one v1 signature
// matches the HMAC of "<t>.<body>" under secret and t is within tolerance
// of now (DefaultSignatureTolerance if tolerance <= 0).
func VerifySignature(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultSignatureTolerance
	}
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	if ts == "" || len(sigs) == 0 {
		return fmt.Errorf("%w: header %q has no t= and v1= parts", ErrBadSignature, header)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: t=%q is not a unix time", ErrBadSignature, ts)
	}
	if age := now.Sub(time.Unix(sec, 0)); age > tolerance || age < -tolerance {
		return fmt.Errorf("%w: signed at %s, %s away from now (tolerance %s)", ErrBadSignature,
			time.Unix(sec, 0).UTC().Format(time.RFC3339), age.Round(time.Second), tolerance)
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return fmt.Errorf("%w: no v1 signature matches the body", ErrBadSignature)
}

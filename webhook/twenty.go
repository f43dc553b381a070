package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/twentymodel"
)

// Delivery formats.
const (
	// FormatRowhouse POSTs batches of up to 100 records of one table
	// (a JSON array), signed with X-Rowhouse-Signature.
	FormatRowhouse = "rowhouse"
	// FormatTwenty POSTs one record at a time, in Twenty's payload
	// ({eventName, objectMetadata, workspaceId, webhookId, eventDate,
	// record, updatedFields}), for every table of the document that its
	// operations name, signed as Twenty signs (X-Twenty-Webhook-Signature).
	FormatTwenty = "twenty"
)

// Headers of Twenty-format deliveries, as Twenty names them.
const (
	HeaderTwentySignature = "X-Twenty-Webhook-Signature"
	HeaderTwentyTimestamp = "X-Twenty-Webhook-Timestamp"
	HeaderTwentyNonce     = "X-Twenty-Webhook-Nonce"
)

// formatOf is the stored format of a format given to the APIs.
func formatOf(f string) (string, error) {
	switch f {
	case "", FormatRowhouse:
		return "", nil
	case FormatTwenty:
		return FormatTwenty, nil
	}
	return "", rowhouse.Invalidf("format must be %q or %q, not %q", FormatRowhouse, FormatTwenty, f)
}

// Format is the delivery format of a stored webhook (FormatRowhouse or
// FormatTwenty).
func Format(h store.Webhook) string {
	if h.Format == FormatTwenty {
		return FormatTwenty
	}
	return FormatRowhouse
}

// Twenty's record operations, as event names say them.
const (
	opCreated = "created"
	opUpdated = "updated"
	opDeleted = "deleted"
)

// twentyOp is Twenty's name of a core event kind.
func twentyOp(kind string) string {
	switch kind {
	case core.EventAdd:
		return opCreated
	case core.EventUpdate:
		return opUpdated
	}
	return opDeleted
}

// DefaultOperations are the operations of a Twenty-format webhook created
// without any, as Twenty's default: every change of every object.
var DefaultOperations = []string{"*.*"}

// checkOperations validates Twenty operations against schema s:
// "<object>.<operation>", the object a nameSingular of s or "*", the
// operation created, updated, deleted or "*". It returns them without
// duplicates, in order.
func checkOperations(s *schema.Schema, ops []string) ([]string, error) {
	if len(ops) == 0 {
		return nil, rowhouse.Invalidf("operations must be a non-empty array")
	}
	var out []string
	for _, op := range ops {
		obj, action, ok := strings.Cut(op, ".")
		if !ok || obj == "" {
			return nil, rowhouse.Invalidf("operation %q is not <object>.<operation>, such as person.created or *.*", op)
		}
		switch action {
		case opCreated, opUpdated, opDeleted, "*":
		default:
			return nil, rowhouse.Invalidf("operation %q: %q is not one of created, updated, deleted, *", op, action)
		}
		if obj != "*" && !slices.ContainsFunc(s.Tables, func(t *schema.Table) bool { return t.NameSingular == obj }) {
			return nil, rowhouse.NotFoundf("operation %q: no object is named %q", op, obj)
		}
		if !slices.Contains(out, op) {
			out = append(out, op)
		}
	}
	return out, nil
}

// matches reports whether operations ops cover the event name
// "<object>.<operation>", as Twenty matches them.
func matches(ops []string, object, op string) bool {
	for _, o := range ops {
		if o == object+"."+op || o == "*."+op || o == object+".*" || o == "*.*" {
			return true
		}
	}
	return false
}

// validateTwenty checks a Twenty-format webhook's settings.
func validateTwenty(s *schema.Schema, w *store.Webhook) error {
	if w.TableID != "" {
		return rowhouse.Invalidf("tableId is not for twenty webhooks: their operations name the objects (person.created, *.*)")
	}
	if w.IsReadyColumn != "" || len(w.WatchedColIDs) > 0 {
		return rowhouse.Invalidf("isReadyColumn and watchedColIds are not for twenty webhooks")
	}
	ops, err := checkOperations(s, w.EventTypes)
	if err != nil {
		return err
	}
	w.EventTypes = ops
	return nil
}

// SignTwenty returns Twenty's signature of body sent at timestamp ts (a
// Unix time in milliseconds, as X-Twenty-Webhook-Timestamp carries it):
// the hex HMAC-SHA256 of "<ts>:<body>" with the webhook's secret.
func SignTwenty(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{':'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// twentyHeaders are the headers of a Twenty-format attempt at time at.
func twentyHeaders(secret string, at time.Time, body []byte) (map[string]string, error) {
	ts := strconv.FormatInt(at.UnixMilli(), 10)
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return map[string]string{HeaderTwentyTimestamp: ts, HeaderTwentySignature: SignTwenty(secret, ts, body),
		HeaderTwentyNonce: hex.EncodeToString(nonce)}, nil
}

// tableAt follows table id, as event seq named it, through the renames
// and removals of the schema events later (the document's, in order) to
// the table of s it is now (nil if it was removed), and returns the
// table's nameSingular at the event's time, as Twenty names an event when
// it happens: its name now, unless a rename since re-derived it from the
// new id (the names were the default ones), when it was the old id's;
// the old id's default for a removed table.
func tableAt(s *schema.Schema, id string, seq int64, later []core.Event) (*schema.Table, string) {
	orig, updated := id, false
	for _, e := range later {
		if e.Seq <= seq || len(e.Columns) < 2 {
			continue
		}
		switch c := e.Columns; {
		case c[0] == "RenameTable" && len(c) == 3 && c[1] == id:
			id = c[2]
		case c[0] == "UpdateTable" && c[1] == id:
			updated = true
		case c[0] == "RemoveTable" && c[1] == id:
			singular, _ := schema.Inflect(orig)
			return nil, singular
		}
	}
	t := s.Table(id)
	if t == nil {
		singular, _ := schema.Inflect(orig)
		return nil, singular
	}
	if id != orig && !updated {
		if ds, dp := schema.Inflect(id); ds == t.NameSingular && dp == t.NamePlural {
			singular, _ := schema.Inflect(orig)
			return t, singular
		}
	}
	return t, t.NameSingular
}

// planTwenty turns events into Twenty-format deliveries for webhook h:
// one per record whose event its operations match, each body Twenty's
// payload. Each event's table is found in s (the document's schema when
// the events are queued) through the schema events later than it, and
// named as it was at the event's time (see tableAt). An update that
// changed no value is not sent.
func planTwenty(h store.Webhook, s *schema.Schema, later []core.Event, events []core.Event) (Planned, error) {
	info := twentymodel.Info{DocID: h.DocID}
	var out []Batch
	var through int64
	for _, e := range events {
		through = e.Seq
		if e.Kind == core.EventSchema {
			continue
		}
		t, singular := tableAt(s, e.Table, e.Seq, later)
		objectID := twentymodel.ObjectID(info, &schema.Table{ID: e.Table})
		if t != nil {
			objectID = twentymodel.ObjectID(info, t)
		}
		op := twentyOp(e.Kind)
		if !matches(h.EventTypes, singular, op) {
			continue
		}
		name := singular + "." + op
		at := e.At
		for i, r := range e.Rows {
			times := twentymodel.RecordTimes{}
			var updated []string
			switch e.Kind {
			case core.EventAdd:
				times.CreatedAt, times.UpdatedAt = &at, &at
			case core.EventUpdate:
				times.UpdatedAt = &at
				if i < len(e.Before) {
					updated = changed(t, e.Before[i], r)
				}
				if len(updated) == 0 {
					continue
				}
			case core.EventRemove:
				times.DeletedAt = &at
			}
			payload := twentymodel.Members{
				{Key: "targetUrl", Value: h.URL},
				{Key: "eventName", Value: name},
				{Key: "objectMetadata", Value: twentymodel.Members{{Key: "id", Value: objectID},
					{Key: "nameSingular", Value: singular}}},
				{Key: "workspaceId", Value: h.DocID},
				{Key: "webhookId", Value: h.ID},
				{Key: "eventDate", Value: twentymodel.Time(at)},
				{Key: "record", Value: twentymodel.Record(t, r, times)},
			}
			if e.Kind == core.EventUpdate {
				payload = append(payload, twentymodel.Member{Key: "updatedFields", Value: twentymodel.FieldNames(t, updated)})
			}
			body, err := twentymodel.MarshalJS(payload)
			if err != nil {
				return Planned{}, err
			}
			out = append(out, Batch{Event: name, FirstSeq: e.Seq, LastSeq: e.Seq, Records: []map[string]any{flatten(r)},
				CommittedAt: at, Body: body})
		}
	}
	return Planned{Batches: out, Rule: ruleOf(h), Through: through}, nil
}

// changed lists the columns whose values differ between two versions of
// a record of table t: in t's order, then (columns t no longer has, or
// all when t is nil) by id.
func changed(t *schema.Table, before, after core.Record) []string {
	var out []string
	for k, v := range after.Fields {
		if old, ok := before.Fields[k]; !ok || !sameValue(old, v) {
			out = append(out, k)
		}
	}
	pos := func(id string) int {
		if t != nil {
			if i := slices.Index(t.ColumnIDs(), id); i >= 0 {
				return i
			}
		}
		return 1 << 30
	}
	slices.SortFunc(out, func(a, b string) int {
		if pa, pb := pos(a), pos(b); pa != pb {
			return pa - pb
		}
		return strings.Compare(a, b)
	})
	return out
}

package webhook

import (
	"encoding/json"
	"reflect"
	"slices"
	"time"

	"github.com/rowhouse/rowhouse/core"
)

// Rule is what a webhook listens to.
type Rule struct {
	TableID    string
	EventTypes []string // of core.EventAdd, core.EventUpdate, core.EventRemove
	// WatchedColIDs, if any, limit updates to those that change one of
	// these columns.
	WatchedColIDs []string
	// IsReadyColumn, if set, names a Bool column: only records where it is
	// true are sent. A record that becomes ready in an update is sent as
	// an "add"; removals send only records that were ready.
	IsReadyColumn string
}

// Batch is a run of matched records of one event type, in commit order,
// ready to be POSTed as one delivery.
type Batch struct {
	Event    string
	FirstSeq int64
	LastSeq  int64
	// Records are in the delivery shape: {"id": n, "<col>": value, ...}.
	Records []map[string]any
	// CommittedAt is when the newest of its events was committed.
	CommittedAt time.Time
}

// Plan turns events, in commit order, into the batches a webhook with this
// rule must receive: at most size records each, consecutive records of the
// same event type sharing a batch (even across commits), order kept. The
// rule follows its table through renames; FollowRenames says where it
// ends up.
func Plan(rule Rule, events []core.Event, size int) []Batch {
	if size <= 0 {
		size = 100
	}
	var out []Batch
	add := func(e core.Event, kind string, rec core.Record) {
		if !slices.Contains(rule.EventTypes, kind) {
			return
		}
		n := len(out)
		if n == 0 || out[n-1].Event != kind || len(out[n-1].Records) >= size {
			out = append(out, Batch{Event: kind, FirstSeq: e.Seq})
			n++
		}
		b := &out[n-1]
		b.LastSeq, b.CommittedAt = e.Seq, e.At
		b.Records = append(b.Records, flatten(rec))
	}
	for _, e := range events {
		if to, ok := renamed(rule.TableID, e); ok {
			rule.TableID = to
			continue
		}
		if e.Table != rule.TableID {
			continue
		}
		switch e.Kind {
		case core.EventAdd:
			for _, r := range e.Rows {
				if rule.ready(r) {
					add(e, core.EventAdd, r)
				}
			}
		case core.EventUpdate:
			for i, r := range e.Rows {
				var before core.Record
				if i < len(e.Before) {
					before = e.Before[i]
				}
				switch {
				case !rule.ready(r):
				case rule.IsReadyColumn != "" && !rule.ready(before):
					add(e, core.EventAdd, r) // it just became ready
				case rule.watchedChanged(before, r):
					add(e, core.EventUpdate, r)
				}
			}
		case core.EventRemove:
			for _, r := range e.Rows {
				if rule.ready(r) {
					add(e, core.EventRemove, r)
				}
			}
		}
	}
	return out
}

// FollowRenames returns the id that table tableID has after events.
func FollowRenames(tableID string, events []core.Event) string {
	for _, e := range events {
		if to, ok := renamed(tableID, e); ok {
			tableID = to
		}
	}
	return tableID
}

// renamed reports whether e renames table from, and to what. The core
// records a rename as a schema event with columns
// ["RenameTable", <old id>, <new id>].
func renamed(from string, e core.Event) (string, bool) {
	c := e.Columns
	if e.Kind == core.EventSchema && len(c) == 3 && c[0] == "RenameTable" && c[1] == from && c[2] != from {
		return c[2], true
	}
	return "", false
}

func (rule Rule) ready(r core.Record) bool {
	if rule.IsReadyColumn == "" {
		return true
	}
	v, _ := r.Fields[rule.IsReadyColumn].(bool)
	return v
}

// watchedChanged reports whether an update changed a watched column (any
// column when none is watched).
func (rule Rule) watchedChanged(before, after core.Record) bool {
	if len(rule.WatchedColIDs) == 0 {
		return true
	}
	for _, c := range rule.WatchedColIDs {
		if !sameValue(before.Fields[c], after.Fields[c]) {
			return true
		}
	}
	return false
}

// sameValue compares two cell values as JSON would show them.
func sameValue(a, b any) bool {
	if reflect.DeepEqual(a, b) {
		return true
	}
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// flatten turns a record into the delivery shape.
func flatten(r core.Record) map[string]any {
	m := make(map[string]any, len(r.Fields)+1)
	for k, v := range r.Fields {
		m[k] = v
	}
	m["id"] = r.ID
	return m
}

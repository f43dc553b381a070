package webhook

import (
	"encoding/json"
	"fmt"
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
	// NamesSeq is the outbox sequence number at which the names above are
	// valid when it is later than the events' start (its owner set them
	// there): schema events up to it are already reflected in them, and
	// Follow passes them by. Record events up to it carry the names of
	// their time, which Planner.Earlier gives the way back to.
	NamesSeq int64
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
	// Body, if set, is the delivery's body (Twenty's format: one record's
	// payload); else the body is Records as a JSON array.
	Body []byte
}

// Planned is what a run of events means for a webhook with a rule.
type Planned struct {
	Batches []Batch
	// Rule is the rule as it reads the events after Through: it follows
	// renames of its table and columns.
	Rule Rule
	// Through is the sequence number of the last event consumed: the last
	// event given, or the one that made the rule Gone.
	Through int64
	// Gone says why the rule can match nothing after Through ("" if it
	// still can): its table, ready column or a watched column was removed.
	// Events after Through were not looked at.
	Gone string
}

// Plan turns events, in commit order, into the batches a webhook with this
// rule must receive: at most size records each, consecutive records of the
// same event type sharing a batch (even across commits), order kept. The
// rule follows its table and columns through renames, and stops at a
// removal that leaves it matching nothing (see Rule.Follow).
func Plan(rule Rule, events []core.Event, size int) Planned {
	return plan(rule, nil, events, size)
}

// plan is Plan for a rule whose names are valid at rule.NamesSeq, later
// than some of the events: earlier are the document's schema events after
// the first event's predecessor up to rule.NamesSeq, through which the
// record events before rule.NamesSeq are read under the names of their
// time (see Rule.at).
func plan(rule Rule, earlier []core.Event, events []core.Event, size int) Planned {
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
	var through int64
	for _, e := range events {
		through = e.Seq
		if e.Kind == core.EventSchema {
			var gone string
			if rule, gone = rule.Follow(e); gone != "" {
				return Planned{Batches: out, Rule: rule, Through: through, Gone: gone}
			}
			continue
		}
		rule := rule
		if e.Seq <= rule.NamesSeq && len(earlier) > 0 {
			rule = rule.at(e.Seq, earlier)
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
	return Planned{Batches: out, Rule: rule, Through: through}
}

// Follow returns the rule as it must read the events after schema event e
// (see core.Doc.SchemaEvents for their shape), and why it can match
// nothing any more ("" if it still can). A rename of its table, of its
// ready column or of a watched column carries over. The removal of its
// table, of its ready column or of a watched column leaves it gone: it
// would otherwise match nothing (or, for a watched column, something else
// than its owner asked for), silently. Other events leave it as it is.
// Events up to rule.NamesSeq are passed by. The receiver is not modified.
func (rule Rule) Follow(e core.Event) (Rule, string) {
	c := e.Columns
	if e.Kind != core.EventSchema || len(c) < 2 || e.Seq <= rule.NamesSeq {
		return rule, ""
	}
	when := e.At.UTC().Format(time.RFC3339)
	switch {
	case c[0] == "RenameTable" && len(c) == 3 && c[1] == rule.TableID:
		rule.TableID = c[2]
	case c[0] == "RemoveTable" && c[1] == rule.TableID:
		return rule, fmt.Sprintf("disabled after its table %q was removed at %s", rule.TableID, when)
	case e.Table != rule.TableID:
		// A column of another table.
	case c[0] == "ModifyColumn" && len(c) == 3 && c[1] != c[2]:
		if rule.IsReadyColumn == c[1] {
			rule.IsReadyColumn = c[2]
		}
		if i := slices.Index(rule.WatchedColIDs, c[1]); i >= 0 {
			rule.WatchedColIDs = slices.Clone(rule.WatchedColIDs)
			rule.WatchedColIDs[i] = c[2]
		}
	case c[0] == "RemoveColumn" && c[1] == rule.IsReadyColumn:
		return rule, fmt.Sprintf("disabled after its ready column %q of table %q was removed at %s", c[1], rule.TableID, when)
	case c[0] == "RemoveColumn" && slices.Contains(rule.WatchedColIDs, c[1]):
		return rule, fmt.Sprintf("disabled after its watched column %q of table %q was removed at %s", c[1], rule.TableID, when)
	}
	return rule, ""
}

// absentCol stands for a watched or ready column that did not exist yet:
// no column id holds a '#', so it matches nothing.
const absentCol = "#absent"

// at returns the rule, whose names are valid at rule.NamesSeq, with the
// names valid at seq (before it): the schema events of earlier after seq
// and up to rule.NamesSeq undone, newest first. A table or column added
// meanwhile did not exist at seq: the rule then names nothing there.
func (rule Rule) at(seq int64, earlier []core.Event) Rule {
	for i := len(earlier) - 1; i >= 0 && earlier[i].Seq > seq; i-- {
		if e := earlier[i]; e.Seq <= rule.NamesSeq {
			rule = rule.undo(e)
		}
	}
	return rule
}

// undo returns the rule as it read events before schema event e, given
// the rule valid after it: the reverse of Follow, for renames and
// additions. The receiver is not modified.
func (rule Rule) undo(e core.Event) Rule {
	c := e.Columns
	if e.Kind != core.EventSchema || len(c) < 2 {
		return rule
	}
	replace := func(from, to string) {
		if rule.IsReadyColumn == from {
			rule.IsReadyColumn = to
		}
		if i := slices.Index(rule.WatchedColIDs, from); i >= 0 {
			rule.WatchedColIDs = slices.Clone(rule.WatchedColIDs)
			rule.WatchedColIDs[i] = to
		}
	}
	switch {
	case c[0] == "RenameTable" && len(c) == 3 && c[2] == rule.TableID:
		rule.TableID = c[1]
	case c[0] == "AddTable" && c[1] == rule.TableID:
		rule.TableID = "" // no table: matches no record event
	case rule.TableID == "" || e.Table != rule.TableID:
		// A column of another table.
	case c[0] == "ModifyColumn" && len(c) == 3 && c[1] != c[2]:
		replace(c[2], c[1])
	case c[0] == "AddColumn":
		replace(c[1], absentCol)
	}
	return rule
}

// sameNames reports whether two rules name the same table and columns.
func (rule Rule) sameNames(o Rule) bool {
	return rule.TableID == o.TableID && rule.IsReadyColumn == o.IsReadyColumn && slices.Equal(rule.WatchedColIDs, o.WatchedColIDs)
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

package grist

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/core"
)

// The change feed: GET /api/docs/{doc}/changes as Server-Sent Events.
//
// Each document with subscribers has one docFeed. When the document
// commits (a signal on the bus, or the slow poll that covers commits made
// by other processes), one goroutine of the feed reads the new events from
// the outbox once and keeps the most recent ones in memory; subscribers,
// each only its own request goroutine, are woken through a one-slot channel
// and copy what they have not sent yet from that cache. A subscriber that
// is further behind than the cache (resuming from an old sequence number)
// reads the outbox itself until it catches up. Sequence numbers only grow,
// so "everything after my last seq" has neither gaps nor repeats.

// Change feed tuning.
const (
	// DefaultFeedHeartbeat is the interval of comment lines that keep idle
	// connections (and proxies) alive.
	DefaultFeedHeartbeat = 15 * time.Second
	// feedPoll is the fallback check for commits nobody signalled.
	feedPoll = 2 * time.Second
	// feedCache is how many recent events a document's feed keeps.
	feedCache = 1024
	// feedPage is how many events one outbox read returns.
	feedPage = 500
)

// feedHub holds the feeds of the documents that have subscribers.
type feedHub struct {
	docs      *core.Docs
	log       *slog.Logger
	heartbeat time.Duration

	mu    sync.Mutex
	feeds map[string]*docFeed
}

func newFeedHub(docs *core.Docs, log *slog.Logger, heartbeat time.Duration) *feedHub {
	if heartbeat <= 0 {
		heartbeat = DefaultFeedHeartbeat
	}
	return &feedHub{docs: docs, log: log, heartbeat: heartbeat, feeds: map[string]*docFeed{}}
}

// signal is the bus listener: a document committed.
func (h *feedHub) signal(docID string) {
	h.mu.Lock()
	f := h.feeds[docID]
	h.mu.Unlock()
	if f != nil {
		f.refresh()
	}
}

// docFeed is one document's shared reader and its subscribers.
type docFeed struct {
	hub  *feedHub
	id   string
	stop chan struct{}

	mu       sync.Mutex
	subs     map[*feedSub]struct{}
	cache    []frame // the newest events read, ascending, at most feedCache
	last     int64   // the newest sequence number read
	fetching bool
	again    bool
}

type feedSub struct{ wake chan struct{} }

// frame is one event encoded once for every subscriber.
type frame struct {
	seq  int64
	data []byte // "id: <seq>\ndata: {...}\n\n"
}

// encodeFrame renders an event as a Server-Sent Event.
func encodeFrame(e core.Event) (frame, error) {
	rows := e.Rows
	if rows == nil {
		rows = []core.Record{}
	}
	data, err := json.Marshal(changeJSON{Seq: e.Seq, Table: e.Table, Action: e.Kind, Rows: rows})
	if err != nil {
		return frame{}, fmt.Errorf("encode event %d: %w", e.Seq, err)
	}
	return frame{seq: e.Seq, data: fmt.Appendf(nil, "id: %d\ndata: %s\n\n", e.Seq, data)}, nil
}

func encodeFrames(evs []core.Event) ([]frame, error) {
	out := make([]frame, len(evs))
	for i, e := range evs {
		var err error
		if out[i], err = encodeFrame(e); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// join subscribes to a document's feed, creating it if needed.
func (h *feedHub) join(ctx context.Context, doc *core.Doc) (*docFeed, *feedSub, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f := h.feeds[doc.ID()]
	if f == nil {
		last, err := doc.LastSeq(ctx)
		if err != nil {
			return nil, nil, err
		}
		f = &docFeed{hub: h, id: doc.ID(), stop: make(chan struct{}), subs: map[*feedSub]struct{}{}, last: last}
		h.feeds[doc.ID()] = f
		go f.poll()
	}
	s := &feedSub{wake: make(chan struct{}, 1)}
	f.mu.Lock()
	f.subs[s] = struct{}{}
	f.mu.Unlock()
	return f, s, nil
}

// leave unsubscribes; the last one out closes the feed.
func (f *docFeed) leave(s *feedSub) {
	f.hub.mu.Lock()
	defer f.hub.mu.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.subs, s)
	if len(f.subs) == 0 && f.hub.feeds[f.id] == f {
		delete(f.hub.feeds, f.id)
		close(f.stop)
	}
}

func (f *docFeed) poll() {
	t := time.NewTicker(feedPoll)
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-t.C:
			f.refresh()
		}
	}
}

// refresh makes sure one goroutine reads the outbox's new events.
func (f *docFeed) refresh() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fetching {
		f.again = true
		return
	}
	f.fetching = true
	go f.fetch()
}

func (f *docFeed) fetch() {
	for {
		n, err := f.fetchOnce()
		if err != nil {
			f.hub.log.Warn("change feed: read events", "doc", f.id, "err", err)
		}
		f.mu.Lock()
		if err == nil && (f.again || n == feedPage) {
			f.again = false
			f.mu.Unlock()
			continue
		}
		f.fetching = false
		f.mu.Unlock()
		return
	}
}

// fetchOnce reads one page of new events into the cache and wakes every
// subscriber.
func (f *docFeed) fetchOnce() (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	doc, err := f.hub.docs.Open(ctx, f.id)
	if err != nil {
		return 0, err
	}
	defer doc.Close()
	f.mu.Lock()
	after := f.last
	f.mu.Unlock()
	evs, err := doc.Events(ctx, after, feedPage)
	if err != nil || len(evs) == 0 {
		return 0, err
	}
	frames, err := encodeFrames(evs)
	if err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.last != after {
		return len(evs), nil // cannot happen with one fetcher; stay safe
	}
	f.cache = append(f.cache, frames...)
	if over := len(f.cache) - feedCache; over > 0 {
		f.cache = append([]frame(nil), f.cache[over:]...)
	}
	f.last = evs[len(evs)-1].Seq
	for s := range f.subs {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return len(evs), nil
}

// after returns the cached events after seq. behind is true when seq is
// older than the cache holds: the caller must read the outbox itself.
func (f *docFeed) after(seq int64) (frames []frame, behind bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if seq >= f.last {
		return nil, false
	}
	if len(f.cache) == 0 || seq < f.cache[0].seq-1 {
		return nil, true
	}
	i := len(f.cache)
	for i > 0 && f.cache[i-1].seq > seq {
		i--
	}
	return f.cache[i:], false
}

// changeJSON is the data of one feed event.
type changeJSON struct {
	Seq    int64         `json:"seq"`
	Table  string        `json:"table"`
	Action string        `json:"action"`
	Rows   []core.Record `json:"rows"`
}

// startSeq is where a subscriber resumes: Last-Event-ID (a reconnecting
// EventSource) over ?since=; -1 when neither is given (only new events).
func startSeq(r *http.Request) (int64, error) {
	for _, v := range []struct{ name, val string }{
		{"Last-Event-ID", r.Header.Get("Last-Event-ID")},
		{"since", r.URL.Query().Get("since")},
	} {
		if v.val == "" {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v.val), 10, 64)
		if err != nil || n < 0 {
			return 0, rowhouse.Invalidf("%s must be a non-negative integer sequence number", v.name)
		}
		return n, nil
	}
	return -1, nil
}

func (a *API) changes(w http.ResponseWriter, r *http.Request) error {
	since, err := startSeq(r)
	if err != nil {
		return err
	}
	d, v, err := a.openDoc(r, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	defer d.Close()
	ctx := r.Context()
	f, sub, err := a.feeds.join(ctx, d)
	if err != nil {
		return err
	}
	defer f.leave(sub)
	seq := since
	if seq < 0 {
		f.mu.Lock()
		seq = f.last
		f.mu.Unlock()
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprintf(w, "retry: 2000\n: following %s after seq %d\n\n", v.ID, seq); err != nil {
		return nil
	}
	if rc.Flush() != nil {
		return nil
	}
	actor := api.ActorFrom(ctx)
	beat := time.NewTimer(a.feeds.heartbeat)
	defer beat.Stop()
	for {
		// Send everything after seq, from the shared cache or, when
		// behind it, from the outbox.
		for {
			frames, behind := f.after(seq)
			if behind {
				evs, err := d.Events(ctx, seq, feedPage)
				if err != nil {
					return err
				}
				if frames, err = encodeFrames(evs); err != nil {
					return err
				}
			}
			if len(frames) == 0 {
				break
			}
			for _, fr := range frames {
				if _, err := w.Write(fr.data); err != nil {
					return nil // the client went away
				}
				seq = fr.seq
			}
			if rc.Flush() != nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-a.done: // nil (never ready) when the server has no shutdown signal
			return nil
		case <-sub.wake:
		case <-beat.C:
			// Access may have been withdrawn since the stream began.
			if _, err := a.home.Doc(ctx, actor, v.ID, rowhouse.RoleViewers); err != nil {
				fmt.Fprintf(w, "event: error\ndata: %s\n\n", mustJSON(map[string]string{"error": rowhouse.ErrorMessage(err)}))
				rc.Flush()
				return nil
			}
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil || rc.Flush() != nil {
				return nil
			}
			beat.Reset(a.feeds.heartbeat)
		}
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

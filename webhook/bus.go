// Package webhook delivers a document's committed changes to the URLs its
// owners registered, and guards those URLs against server-side request
// forgery. It reads events only from each document's outbox (written by the
// document core in the same transaction as the change) and keeps its
// progress and delivery log in the home database, so that no event is ever
// lost or silently dropped, whatever crashes: a restart resumes where the
// last one stopped and a retried delivery keeps its id.
//
// It must never write to a document, and never send to an address the
// Guard refuses.
package webhook

import (
	"sync"
)

// Bus carries the signal "document docID has committed changes (or its
// webhooks changed)" from the document core and the API handlers to the
// dispatcher and the change feed. A signal carries no data: listeners read
// the outbox, so a lost or duplicated signal costs only latency. The
// in-process LocalBus serves one server process; an implementation over
// PostgreSQL's LISTEN/NOTIFY would let several processes wake each other.
type Bus interface {
	// Publish signals listeners; it must not block.
	Publish(docID string)
	// Subscribe calls fn for every signal until cancel is called. fn must
	// not block.
	Subscribe(fn func(docID string)) (cancel func())
}

// LocalBus is a Bus within one process. The zero value is ready to use.
type LocalBus struct {
	mu   sync.RWMutex
	next int
	subs map[int]func(string)
}

// NewLocalBus returns an empty in-process bus.
func NewLocalBus() *LocalBus { return &LocalBus{} }

// Publish calls every subscriber with docID.
func (b *LocalBus) Publish(docID string) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, fn := range b.subs {
		fn(docID)
	}
}

// Subscribe registers fn until the returned function is called.
func (b *LocalBus) Subscribe(fn func(docID string)) func() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs == nil {
		b.subs = map[int]func(string){}
	}
	id := b.next
	b.next++
	b.subs[id] = fn
	return func() {
		b.mu.Lock()
		delete(b.subs, id)
		b.mu.Unlock()
	}
}

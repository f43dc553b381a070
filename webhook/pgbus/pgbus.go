// Package pgbus is a webhook.Bus over PostgreSQL's LISTEN/NOTIFY, for
// several Rowhouse processes sharing one database: a commit in one process
// wakes the webhook dispatchers and change feeds of all of them. Signals
// are hints (listeners read the outbox), so a signal lost while a
// connection is down costs only the listeners' polling delay.
//
// It must never carry data beyond a document id, and never block a
// publisher.
package pgbus

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rowhouse/rowhouse/webhook"
)

// Bus signals subscribers in this process at once, and the other processes
// through NOTIFY on one channel.
type Bus struct {
	local   webhook.LocalBus
	pool    *pgxpool.Pool
	channel string
	origin  string // this bus's id, to skip its own notifications
	log     *slog.Logger

	mu      sync.Mutex
	pending map[string]bool // documents to notify about
	kick    chan struct{}

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Channel returns the notification channel of the Rowhouse installation
// whose home tables are in schema homeSchema.
func Channel(homeSchema string) string { return "rowhouse_changes_" + strings.ToLower(homeSchema) }

// HomeChannel returns the channel on which the processes of that
// installation announce writes to the home tables (the payload is empty),
// so that the others drop their cached answers about keys and access.
func HomeChannel(homeSchema string) string { return "rowhouse_home_" + strings.ToLower(homeSchema) }

// Open starts a bus on channel, listening on a connection of its own taken
// from pool. Close stops it.
func Open(ctx context.Context, pool *pgxpool.Pool, channel string, log *slog.Logger) (*Bus, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := &Bus{pool: pool, channel: channel, origin: uuid.NewString(), log: log,
		pending: map[string]bool{}, kick: make(chan struct{}, 1)}
	conn, err := b.listen(ctx)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	b.wg.Add(2)
	go b.receive(runCtx, conn)
	go b.send(runCtx)
	return b, nil
}

// listen takes a connection out of the pool and LISTENs on it.
func (b *Bus) listen(ctx context.Context) (*pgx.Conn, error) {
	c, err := b.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("pgbus: acquire: %w", err)
	}
	conn := c.Hijack()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{b.channel}.Sanitize()); err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("pgbus: listen %s: %w", b.channel, err)
	}
	return conn, nil
}

// Publish signals this process's subscribers and queues a NOTIFY for the
// others; it never blocks.
func (b *Bus) Publish(docID string) {
	b.local.Publish(docID)
	b.mu.Lock()
	b.pending[docID] = true
	b.mu.Unlock()
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// Subscribe calls fn for every signal, local or from another process.
func (b *Bus) Subscribe(fn func(docID string)) func() { return b.local.Subscribe(fn) }

// send NOTIFYs the queued documents, coalescing repeats.
func (b *Bus) send(ctx context.Context) {
	defer b.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.kick:
		}
		b.mu.Lock()
		docs := b.pending
		b.pending = map[string]bool{}
		b.mu.Unlock()
		for doc := range docs {
			if _, err := b.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, b.channel, b.origin+" "+doc); err != nil && ctx.Err() == nil {
				b.log.Warn("pgbus: notify", "doc", doc, "err", err)
			}
		}
	}
}

// receive passes other processes' notifications to local subscribers,
// reconnecting when the connection fails.
func (b *Bus) receive(ctx context.Context, conn *pgx.Conn) {
	defer b.wg.Done()
	defer func() {
		if conn != nil {
			conn.Close(context.Background())
		}
	}()
	for ctx.Err() == nil {
		if conn == nil {
			c, err := b.listen(ctx)
			if err != nil {
				b.log.Warn("pgbus: reconnect", "err", err)
				select {
				case <-ctx.Done():
				case <-time.After(time.Second):
				}
				continue
			}
			conn = c
		}
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			if ctx.Err() == nil {
				b.log.Warn("pgbus: wait for notification", "err", err)
			}
			conn.Close(context.Background())
			conn = nil
			continue
		}
		origin, doc, ok := strings.Cut(n.Payload, " ")
		if ok && origin != b.origin {
			b.local.Publish(doc)
		}
	}
}

// Close stops listening and sending.
func (b *Bus) Close() {
	b.cancel()
	b.wg.Wait()
}

package pgbus_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/store/postgres/pgtest"
	"github.com/rowhouse/rowhouse/webhook/pgbus"
)

type recorder struct {
	mu   sync.Mutex
	docs []string
}

func (r *recorder) add(doc string) { r.mu.Lock(); r.docs = append(r.docs, doc); r.mu.Unlock() }

func (r *recorder) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.docs...)
}

// TestBusAcrossProcesses: two buses on one database and channel stand for
// two server processes. A publish reaches the other bus's subscribers
// through NOTIFY, and its own subscribers exactly once.
func TestBusAcrossProcesses(t *testing.T) {
	engine := pgtest.Open(t)
	ctx := context.Background()
	channel := pgbus.Channel(engine.HomeSchema())
	a, err := pgbus.Open(ctx, engine.Pool(), channel, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := pgbus.Open(ctx, engine.Pool(), channel, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var onA, onB recorder
	a.Subscribe(onA.add)
	b.Subscribe(onB.add)

	a.Publish("doc1")
	a.Publish("doc2")
	deadline := time.Now().Add(10 * time.Second)
	for len(onB.get()) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the other process got %v", onB.get())
		}
		time.Sleep(10 * time.Millisecond)
	}
	got := onB.get()
	if strings.Join(got, ",") != "doc1,doc2" && strings.Join(got, ",") != "doc2,doc1" {
		t.Errorf("other process got %v", got)
	}
	time.Sleep(200 * time.Millisecond) // an echo of its own NOTIFY would have arrived by now
	if got := onA.get(); strings.Join(got, ",") != "doc1,doc2" {
		t.Errorf("the publishing process got %v, want each once", got)
	}
	// Another installation (another channel) hears nothing.
	other, err := pgbus.Open(ctx, engine.Pool(), channel+"_other", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var onOther recorder
	other.Subscribe(onOther.add)
	b.Publish("doc3")
	for len(onA.get()) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("doc3 did not reach a: %v", onA.get())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := onOther.get(); len(got) != 0 {
		t.Errorf("another channel got %v", got)
	}
}

package client_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/client"
)

// TestChangesResumes checks the feed reader against a scripted server: it
// parses events (comments, multi-line data), and after a dropped
// connection it reconnects with the last sequence number it saw.
func TestChangesResumes(t *testing.T) {
	var mu sync.Mutex
	var sinces, lastIDs []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sinces = append(sinces, r.URL.Query().Get("since"))
		lastIDs = append(lastIDs, r.Header.Get("Last-Event-ID"))
		conn := len(sinces)
		mu.Unlock()
		if r.URL.Path != "/api/docs/D/changes" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Accept") != "text/event-stream" {
			w.WriteHeader(http.StatusNotAcceptable)
			fmt.Fprintf(w, `{"error":"Accept %s"}`, r.Header.Get("Accept"))
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		switch conn {
		case 1: // two events, one repeated, then the connection drops
			fmt.Fprint(w, ": keep-alive\n\n")
			fmt.Fprint(w, "id: 1\ndata: {\"seq\":1,\"table\":\"T\",\"action\":\"add\",\n")
			fmt.Fprint(w, "data: \"rows\":[{\"id\":1,\"fields\":{\"a\":\"x\"}}]}\n\n")
			fmt.Fprint(w, "id: 2\ndata: {\"seq\":2,\"table\":\"T\",\"action\":\"update\",\"rows\":[]}\n\n")
		case 2: // the server resends 2 (already seen), then 3
			fmt.Fprint(w, "id: 2\ndata: {\"seq\":2,\"table\":\"T\",\"action\":\"update\",\"rows\":[]}\n\n")
			fmt.Fprint(w, "id: 3\ndata: {\"seq\":3,\"table\":\"T\",\"action\":\"remove\",\"rows\":[{\"id\":1,\"fields\":{}}]}\n\n")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c := client.New(srv.URL, "k", client.WithBackoff(time.Millisecond, 5*time.Millisecond))
	var seqs []int64
	var actions []string
	for ch, err := range c.Doc("D").Changes(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, ch.Seq)
		actions = append(actions, ch.Action)
		if ch.Seq == 1 && (len(ch.Rows) != 1 || ch.Rows[0].Fields["a"] != "x") {
			t.Fatalf("first change %+v", ch)
		}
		if ch.Seq == 3 {
			break
		}
	}
	if fmt.Sprint(seqs) != "[1 2 3]" || fmt.Sprint(actions) != "[add update remove]" {
		t.Fatalf("changes %v %v", seqs, actions)
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(sinces) != "[0 2]" || fmt.Sprint(lastIDs) != "[0 2]" {
		t.Fatalf("connections asked since %v, Last-Event-ID %v; want [0 2]", sinces, lastIDs)
	}
}

// TestChangesStopsOnClientError: a 4xx cannot be fixed by retrying.
func TestChangesStopsOnClientError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"error":"No view access"}`)
	}))
	defer srv.Close()
	n := 0
	for _, err := range client.New(srv.URL, "k").Doc("D").Changes(t.Context(), 5) {
		n++
		if client.StatusOf(err) != http.StatusForbidden {
			t.Fatalf("error %v, want the 403", err)
		}
	}
	if n != 1 {
		t.Fatalf("%d yields, want one error", n)
	}
}

func TestDecodeAndFieldsOf(t *testing.T) {
	type person struct {
		ID    int64    `json:"id"`
		Name  string   `json:"name"`
		Age   int      `json:"age"`
		Tags  []any    `json:"tags"`
		Score *float64 `json:"score"`
	}
	p, err := client.Decode[person](client.Record{ID: 7, Fields: map[string]any{"name": "Ann", "age": float64(41), "tags": []any{"L", "a"}, "score": nil}})
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != 7 || p.Name != "Ann" || p.Age != 41 || fmt.Sprint(p.Tags) != "[L a]" || p.Score != nil {
		t.Fatalf("decoded %+v", p)
	}
	if _, err := client.Decode[person](client.Record{ID: 1, Fields: map[string]any{"age": "old"}}); err == nil {
		t.Fatal("a text age decoded into an int")
	}
	f, err := client.FieldsOf(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f["id"]; ok || f["name"] != "Ann" || f["age"] != float64(41) || len(f) != 4 {
		t.Fatalf("fields %v", f)
	}
	if _, err := client.FieldsOf([]int{1}); err == nil {
		t.Fatal("FieldsOf accepted a slice")
	}
}

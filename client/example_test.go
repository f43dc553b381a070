package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/rowhouse/rowhouse/client"
)

// This example needs a running server: set ROWHOUSE_URL and
// ROWHOUSE_API_KEY (the key `rowhouse serve` prints on its first start).
func Example() {
	ctx := context.Background()
	c := client.New(os.Getenv("ROWHOUSE_URL"), os.Getenv("ROWHOUSE_API_KEY"))

	// A workspace and a document in the caller's personal org.
	ws, err := c.CreateWorkspace(ctx, "current", "Examples")
	if err != nil {
		log.Fatal(err)
	}
	docID, err := c.CreateDoc(ctx, ws, "Contacts")
	if err != nil {
		log.Fatal(err)
	}
	doc := c.Doc(docID)

	// A table, some records, and a read back page by page.
	if _, err := doc.CreateTables(ctx, client.NewTable{ID: "People", Columns: []client.NewColumn{
		{ID: "name"}, {ID: "age", Fields: client.ColumnFields{Type: "Int"}},
	}}); err != nil {
		log.Fatal(err)
	}
	if _, err := doc.AddRecords(ctx, "People", []map[string]any{
		{"name": "Ann", "age": 41}, {"name": "Bob", "age": 29},
	}); err != nil {
		log.Fatal(err)
	}
	for rec, err := range doc.All(ctx, "People", &client.Query{Sort: "-age"}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(rec.ID, rec.Fields["name"], rec.Fields["age"])
	}
}

func ExampleDoc_UpsertRecords() {
	ctx := context.Background()
	doc := client.New(os.Getenv("ROWHOUSE_URL"), os.Getenv("ROWHOUSE_API_KEY")).Doc(os.Getenv("ROWHOUSE_DOC"))

	// Match on the email column; update the name, or add the record.
	res, err := doc.UpsertRecords(ctx, "People", []client.Upsert{
		{Require: map[string]any{"email": "ann@example.com"}, Fields: map[string]any{"name": "Ann"}},
		{Require: map[string]any{"email": "bob@example.com"}, Fields: map[string]any{"name": "Bob"}},
	}, nil)
	var we *client.WriteError
	if errors.As(err, &we) {
		log.Fatalf("only %d of %d records were written: %v", we.Written, we.Total, we.Err)
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("added", len(res.Added))
}

func ExampleDecode() {
	type person struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
		Age  int    `json:"age"`
	}
	p, err := client.Decode[person](client.Record{ID: 3, Fields: map[string]any{"name": "Ann", "age": 41.0}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", p)
	// Output: {ID:3 Name:Ann Age:41}
}

func ExampleStatusOf() {
	doc := client.New(os.Getenv("ROWHOUSE_URL"), os.Getenv("ROWHOUSE_API_KEY")).Doc("no-such-document")
	_, err := doc.Tables(context.Background())
	if client.StatusOf(err) == http.StatusNotFound {
		fmt.Println("no such document:", err)
	}
}

func ExampleVerifySignature() {
	secret := "the webhook's secret, from CreateWebhooks"
	body := []byte(`[{"id":1,"name":"Ann"}]`)
	sent := time.Unix(1_800_000_000, 0)
	header := client.Sign(secret, sent, body) // what the server puts in X-Rowhouse-Signature

	fmt.Println(client.VerifySignature(secret, header, body, sent.Add(time.Minute), 0))
	err := client.VerifySignature(secret, header, body, sent.Add(time.Hour), 0)
	fmt.Println(errors.Is(err, client.ErrBadSignature))
	// Output:
	// <nil>
	// true
}

// Command csvsync makes a Rowhouse table match a CSV file by key: rows
// whose key is in the table are updated, new keys are added, and with
// -delete-missing records whose key is no longer in the file are removed.
// It shows the client package's chunked upserts, the record iterator and
// the partial-write error.
//
//	ROWHOUSE_URL=http://127.0.0.1:8484 ROWHOUSE_API_KEY=rh_... \
//	  go run ./examples/csvsync -doc DOC -table People -key email people.csv
package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"

	"github.com/rowhouse/rowhouse/client"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "csvsync:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("csvsync", flag.ContinueOnError)
	url := fs.String("url", os.Getenv("ROWHOUSE_URL"), "server URL (env ROWHOUSE_URL)")
	key := fs.String("key-env", "ROWHOUSE_API_KEY", "environment variable holding the API key")
	doc := fs.String("doc", "", "document id")
	table := fs.String("table", "", "table id (must exist, with a column for each CSV column)")
	keyCol := fs.String("key", "", "the column identifying records")
	deleteMissing := fs.Bool("delete-missing", false, "remove records whose key is not in the file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *doc == "" || *table == "" || *keyCol == "" || *url == "" {
		return errors.New("usage: csvsync -url URL -doc DOC -table T -key COLUMN [-delete-missing] FILE.csv")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	d := client.New(*url, os.Getenv(*key)).Doc(*doc)
	res, err := Sync(ctx, d, *table, *keyCol, csv.NewReader(f), *deleteMissing)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d added, %d updated, %d removed\n", res.Added, res.Updated, res.Removed)
	return nil
}

// Result counts what Sync did.
type Result struct{ Added, Updated, Removed int }

// Sync upserts every row of r (header first) into table by keyCol, and if
// deleteMissing removes the records whose key the file does not have.
// Values are sent as text: the server parses them for typed columns.
func Sync(ctx context.Context, d *client.Doc, table, keyCol string, r *csv.Reader, deleteMissing bool) (Result, error) {
	header, err := r.Read()
	if err != nil {
		return Result{}, fmt.Errorf("read header: %w", err)
	}
	k := slices.Index(header, keyCol)
	if k < 0 {
		return Result{}, fmt.Errorf("the file has no column %q", keyCol)
	}
	var ups []client.Upsert
	keys := map[string]bool{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Result{}, err
		}
		if keys[rec[k]] {
			return Result{}, fmt.Errorf("key %q appears twice in the file", rec[k])
		}
		keys[rec[k]] = true
		fields := map[string]any{}
		for i, v := range rec {
			if i != k {
				fields[header[i]] = v
			}
		}
		ups = append(ups, client.Upsert{Require: map[string]any{keyCol: rec[k]}, Fields: fields})
	}
	var res Result
	up, err := d.UpsertRecords(ctx, table, ups, nil)
	if we := (*client.WriteError)(nil); errors.As(err, &we) {
		return res, fmt.Errorf("only the first %d of %d rows were synced: %w", we.Written, we.Total, we.Err)
	}
	if err != nil {
		return res, err
	}
	res.Added = len(up.Added)
	res.Updated = len(ups) - res.Added
	if !deleteMissing {
		return res, nil
	}
	// Keep the records the file matched or added, by id: comparing key
	// values would miss every record of a non-Text key column (the server
	// answers numbers, the file holds text).
	kept := map[int64]bool{}
	for _, ids := range up.RecordIDs {
		for _, id := range ids {
			kept[id] = true
		}
	}
	var gone []int64
	for rec, err := range d.All(ctx, table, nil) {
		if err != nil {
			return res, err
		}
		if !kept[rec.ID] {
			gone = append(gone, rec.ID)
		}
	}
	if err := d.DeleteRecords(ctx, table, gone); err != nil {
		return res, err
	}
	res.Removed = len(gone)
	return res, nil
}

// Command csvsync makes a Rowhouse table match a CSV file by key: rows
// whose key is in the table and whose values differ are updated, new keys
// are added, rows that already match are left alone (and not counted), and
// with --delete-missing records whose key is no longer in the file are
// removed. It shows the client package's record iterator, chunked upserts
// and the partial-write error.
//
//	ROWHOUSE_URL=http://127.0.0.1:8484 ROWHOUSE_API_KEY=rh_... \
//	  go run ./examples/csvsync --doc DOC --table People --key-column email people.csv
package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"

	"github.com/rowhouse/rowhouse/client"
	"github.com/rowhouse/rowhouse/schema"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp): // -h: the flags were printed
	case err != nil:
		fmt.Fprintln(os.Stderr, "csvsync:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, out, stderr io.Writer) error {
	fs := flag.NewFlagSet("csvsync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "", "server URL (default $ROWHOUSE_URL)")
	// The key's default is read after parsing, never shown by -h.
	key := fs.String("key", "", "API key (default $ROWHOUSE_API_KEY)")
	doc := fs.String("doc", "", "document id")
	table := fs.String("table", "", "table id (must exist, with a column for each CSV column)")
	keyCol := fs.String("key-column", "", "the column identifying records")
	deleteMissing := fs.Bool("delete-missing", false, "remove records whose key is not in the file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" {
		*url = getenv("ROWHOUSE_URL")
	}
	if *key == "" {
		*key = getenv("ROWHOUSE_API_KEY")
	}
	if fs.NArg() != 1 || *doc == "" || *table == "" || *keyCol == "" || *url == "" {
		return errors.New("usage: csvsync --url URL --doc DOC --table T --key-column COLUMN [--delete-missing] FILE.csv")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	d := client.New(*url, *key).Doc(*doc)
	res, err := Sync(ctx, d, *table, *keyCol, csv.NewReader(f), *deleteMissing)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d added, %d updated, %d removed\n", res.Added, res.Updated, res.Removed)
	return nil
}

// Result counts what Sync did: records added, records whose values changed,
// and records removed. Rows that already matched count nowhere.
type Result struct{ Added, Updated, Removed int }

// Sync makes table match r (header first) by keyCol: rows with a new key
// are added, rows whose values differ from their record's are updated,
// and if deleteMissing the records whose key the file does not have are
// removed. Values are sent as text, which the server parses for typed
// columns; to tell which rows changed, each is compared with its record
// the way the server would store it (schema.Type's Encode and Decode).
func Sync(ctx context.Context, d *client.Doc, table, keyCol string, r *csv.Reader, deleteMissing bool) (Result, error) {
	header, err := r.Read()
	if err != nil {
		return Result{}, fmt.Errorf("read header: %w", err)
	}
	k := slices.Index(header, keyCol)
	if k < 0 {
		return Result{}, fmt.Errorf("the file has no column %q", keyCol)
	}
	cols, err := d.Columns(ctx, table)
	if err != nil {
		return Result{}, err
	}
	types := make([]schema.Type, len(header))
	for i, h := range header {
		j := slices.IndexFunc(cols, func(c client.Column) bool { return c.ID == h })
		if j < 0 {
			return Result{}, fmt.Errorf("table %s has no column %q", table, h)
		}
		if types[i], err = schema.ParseType(cols[j].Type); err != nil {
			return Result{}, fmt.Errorf("column %s: %w", h, err)
		}
	}
	// The table as it is, by key.
	current := map[string]client.Record{}
	for rec, err := range d.All(ctx, table, nil) {
		if err != nil {
			return Result{}, err
		}
		current[canonical(rec.Fields[keyCol])] = rec
	}

	var ups []client.Upsert
	var res Result
	inFile := map[string]bool{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Result{}, err
		}
		kv := canonical(stored(types[k], rec[k]))
		if inFile[kv] {
			return Result{}, fmt.Errorf("key %q appears twice in the file", rec[k])
		}
		inFile[kv] = true
		old, exists := current[kv]
		fields := map[string]any{}
		same := exists
		for i, v := range rec {
			if i == k {
				continue
			}
			fields[header[i]] = v
			if same && canonical(stored(types[i], v)) != canonical(old.Fields[header[i]]) {
				same = false
			}
		}
		if same {
			continue // nothing to write: the record already holds these values
		}
		if exists {
			res.Updated++
		}
		ups = append(ups, client.Upsert{Require: map[string]any{keyCol: rec[k]}, Fields: fields})
	}
	if len(ups) > 0 {
		up, err := d.UpsertRecords(ctx, table, ups, nil)
		if we := (*client.WriteError)(nil); errors.As(err, &we) {
			return Result{}, fmt.Errorf("only the first %d of %d changed rows were synced: %w", we.Written, we.Total, we.Err)
		}
		if err != nil {
			return Result{}, err
		}
		res.Added = len(up.Added)
	}
	if !deleteMissing {
		return res, nil
	}
	var gone []int64
	for kv, rec := range current {
		if !inFile[kv] {
			gone = append(gone, rec.ID)
		}
	}
	slices.Sort(gone)
	if err := d.DeleteRecords(ctx, table, gone); err != nil {
		return res, err
	}
	res.Removed = len(gone)
	return res, nil
}

// stored is the value the server keeps for the text v in a column of type
// t: parsed when it fits (42 for "42" in an Int column), else the text as
// given.
func stored(t schema.Type, v string) any {
	sv, alt, ok := t.Encode(v, true)
	if !ok {
		return alt
	}
	return t.Decode(sv)
}

// canonical is a value's JSON text, so that a number read back from the
// server (a float64) and one parsed here (an int64) compare equal.
func canonical(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return b.String()
}

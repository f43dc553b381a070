// Command changefeed follows a document's change feed and prints each
// change as a line of JSON. It remembers the last sequence number it
// printed in a state file, so that when it is stopped and started again it
// resumes exactly where it left off: no change is missed or printed twice
// (the client also resumes by itself when a connection drops).
//
//	ROWHOUSE_URL=http://127.0.0.1:8484 ROWHOUSE_API_KEY=rh_... \
//	  go run ./examples/changefeed --doc DOC --state feed.seq
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/rowhouse/rowhouse/client"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "changefeed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("changefeed", flag.ContinueOnError)
	url := fs.String("url", os.Getenv("ROWHOUSE_URL"), "server URL (env ROWHOUSE_URL)")
	// The key's default is read after parsing, never shown by -h.
	key := fs.String("key", "", "API key (default $ROWHOUSE_API_KEY)")
	doc := fs.String("doc", "", "document id")
	state := fs.String("state", "changefeed.seq", "file keeping the last sequence number printed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *doc == "" || *url == "" {
		return errors.New("usage: changefeed --url URL --doc DOC [--key KEY] [--state FILE]")
	}
	since, err := loadSeq(*state)
	if err != nil {
		return err
	}
	if *key == "" {
		*key = os.Getenv("ROWHOUSE_API_KEY")
	}
	d := client.New(*url, *key).Doc(*doc)
	return Follow(ctx, d, since, out, func(seq int64) error { return saveSeq(*state, seq) })
}

// Follow prints every change after since to out, one JSON object a line,
// calling saved with each change's sequence number once it is printed.
func Follow(ctx context.Context, d *client.Doc, since int64, out io.Writer, saved func(int64) error) error {
	enc := json.NewEncoder(out)
	for ch, err := range d.Changes(ctx, since) {
		if err != nil {
			return err
		}
		if err := enc.Encode(ch); err != nil {
			return err
		}
		if err := saved(ch.Seq); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func loadSeq(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: not a sequence number: %w", path, err)
	}
	return n, nil
}

// saveSeq replaces the state file atomically, so a crash never leaves it
// half-written.
func saveSeq(path string, seq int64) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.FormatInt(seq, 10)+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

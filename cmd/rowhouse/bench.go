package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/rowhouse/rowhouse/bench"
)

// runBench runs load scenarios against a server over HTTP and prints a
// table of results on stdout; progress and the first error bodies go to
// stderr. On an interrupt it prints what it measured so far.
func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		url         = fs.String("url", envOr(getenv, "ROWHOUSE_URL", ""), "the server's base URL, e.g. http://127.0.0.1:8484 (env ROWHOUSE_URL)")
		key         = fs.String("key", envOr(getenv, "ROWHOUSE_API_KEY", ""), "API key (env ROWHOUSE_API_KEY)")
		scenarios   = fs.String("scenario", "", "comma-separated scenarios to run, in order (default all: "+strings.Join(bench.Scenarios(), ",")+")")
		concurrency = fs.Int("concurrency", bench.DefaultConcurrency, "readers at once in page, get-one and mixed")
		duration    = fs.Duration("duration", bench.DefaultDuration, "how long each scenario runs at most")
		records     = fs.Int("records", bench.DefaultRecords, "records bulk-add adds, in batches of 1000")
		doc         = fs.String("doc", "", "use this document instead of making a workspace and a document")
		table       = fs.String("table", "", "use this table (shaped like bulk-add's Bench) instead of making one")
		seed        = fs.Uint64("seed", 1, "seed of the generated data and random ids")
		pid         = fs.Int("pid", 0, "the server's process id: print its memory after each scenario (Linux)")
	)
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("bench: unexpected argument %q", fs.Arg(0))}
	}
	if *url == "" || *key == "" {
		return usageError{"bench: --url and --key are required"}
	}
	if *concurrency <= 0 || *duration <= 0 || *records <= 0 {
		return usageError{"bench: --concurrency, --duration and --records must be positive"}
	}
	var names []string
	if *scenarios != "" && *scenarios != "all" {
		for n := range strings.SplitSeq(*scenarios, ",") {
			n = strings.TrimSpace(n)
			if !slices.Contains(bench.Scenarios(), n) {
				return usageError{fmt.Sprintf("bench: unknown scenario %q (known: %s)", n, strings.Join(bench.Scenarios(), ", "))}
			}
			names = append(names, n)
		}
	}
	r, err := bench.New(bench.Config{URL: *url, Key: *key, Doc: *doc, Table: *table, Concurrency: *concurrency,
		Duration: *duration, Records: *records, Seed: *seed, PID: *pid, Log: stderr})
	if err != nil {
		return usageError{err.Error()}
	}
	results, err := r.Run(ctx, names)
	if len(results) > 0 {
		fmt.Fprintf(stdout, "url %s  doc %s  table %s  concurrency %d  duration %s  records %d  seed %d\n\n",
			*url, r.Doc(), r.Table(), *concurrency, *duration, *records, *seed)
		if werr := bench.WriteTable(stdout, results); werr != nil {
			return werr
		}
	}
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

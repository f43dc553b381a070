package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

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
		key         = fs.String("key", "", "API key (default $ROWHOUSE_API_KEY)")
		scenarios   = fs.String("scenario", "", "comma-separated scenarios to run, in order (default all: "+strings.Join(bench.Scenarios(), ",")+"; cold-page only when named)")
		concurrency = fs.Int("concurrency", bench.DefaultConcurrency, "readers at once in page, get-one and mixed")
		duration    = fs.Duration("duration", bench.DefaultDuration, "how long each scenario runs at most")
		records     = fs.Int("records", bench.DefaultRecords, "records bulk-add adds, in batches of 1000")
		doc         = fs.String("doc", "", "use this document instead of making a workspace and a document")
		table       = fs.String("table", "", "use this table (shaped like bulk-add's Bench) instead of making one")
		seed        = fs.Uint64("seed", 1, "seed of the generated data and random ids")
		pid         = fs.Int("pid", 0, "the server's process id: print its memory after each scenario (Linux)")
		keep        = fs.Bool("keep", false, "keep the workspace, document or table bulk-add made (default: removed at the end)")
	)
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	fromEnv(key, getenv, "ROWHOUSE_API_KEY")
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
			if !slices.Contains(bench.Known(), n) {
				return usageError{fmt.Sprintf("bench: unknown scenario %q (known: %s)", n, strings.Join(bench.Known(), ", "))}
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
	// Tidy up even after an interrupt (ctx is done then): what bulk-add made
	// would otherwise stay in the owner's home with its many rows.
	usedDoc, usedTable := r.Doc(), r.Table()
	if r.Made() {
		if *keep {
			fmt.Fprintf(stderr, "bench: kept document %s, table %s (run again with --doc %s --table %s)\n", usedDoc, usedTable, usedDoc, usedTable)
		} else {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			what, cerr := r.Cleanup(cctx)
			cancel()
			if cerr != nil {
				fmt.Fprintf(stderr, "bench: could not remove what it made (document %s, table %s): %v\n", usedDoc, usedTable, cerr)
				if err == nil {
					err = cerr
				}
			} else {
				fmt.Fprintf(stderr, "bench: removed %s (--keep keeps them)\n", what)
			}
		}
	}
	if len(results) > 0 {
		fmt.Fprintf(stdout, "url %s  doc %s  table %s  concurrency %d  duration %s  records %d  seed %d\n\n",
			*url, usedDoc, usedTable, *concurrency, *duration, *records, *seed)
		if werr := bench.WriteTable(stdout, results); werr != nil {
			return werr
		}
	}
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	rhclient "github.com/rowhouse/rowhouse/client"
)

// runExport is `rowhouse export --doc DOC [--table T] --format
// csv|xlsx|json [--output F]`: it downloads through the client package, to
// stdout or to a file that appears only once it is complete.
func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		url    = fs.String("url", envOr(getenv, "ROWHOUSE_URL", "http://127.0.0.1:8484"), "the server's base URL (env ROWHOUSE_URL)")
		key    = fs.String("key", "", "API key (default $ROWHOUSE_API_KEY)")
		doc    = fs.String("doc", "", "document id (required)")
		table  = fs.String("table", "", "table id (required for csv; json exports every table without it; xlsx always exports every table)")
		format = fs.String("format", "", "csv, xlsx or json (required)")
		output = fs.String("output", "", "file to write (default stdout)")
		header = fs.String("header", "colId", "csv: header row of column ids (colId) or labels (label)")
		page   = fs.Int("page", rhclient.DefaultPageSize, "json: records per request")
	)
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	fromEnv(key, getenv, "ROWHOUSE_API_KEY")
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Sprintf("export: unexpected argument %q", fs.Arg(0))}
	case *doc == "":
		return usageError{"export: --doc is required"}
	case *format == "csv" && *table == "":
		return usageError{"export: --format csv needs --table (xlsx and json export every table)"}
	case *format == "xlsx" && *table != "":
		return usageError{"export: --format xlsx exports every table; drop --table or use csv or json"}
	case *format != "csv" && *format != "xlsx" && *format != "json":
		return usageError{fmt.Sprintf("export: --format must be csv, xlsx or json, not %q", *format)}
	case *page <= 0:
		return usageError{"export: --page must be positive"}
	}
	d := rhclient.New(*url, *key, rhclient.WithUserAgent("rowhouse-export/"+version)).Doc(*doc)
	write := func(w io.Writer) error {
		var err error
		switch *format {
		case "csv":
			_, err = d.DownloadCSV(ctx, *table, *header, w)
		case "xlsx":
			_, err = d.DownloadXLSX(ctx, w)
		case "json":
			err = exportJSON(ctx, d, *table, *page, w)
		}
		return err
	}
	if *output == "" {
		bw := bufio.NewWriterSize(stdout, 64<<10)
		if err := write(bw); err != nil {
			bw.Flush()
			return fmt.Errorf("export: %w", err)
		}
		return bw.Flush()
	}
	if err := writeFileAtomic(*output, write); err != nil {
		return fmt.Errorf("export to %s: %w", *output, err)
	}
	fmt.Fprintf(stderr, "exported %s to %s\n", *doc, *output)
	return nil
}

// writeFileAtomic writes a temporary file next to path and renames it into
// place only once write succeeded: a failed export leaves no partial file.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.part")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after a successful rename, there is nothing left to remove
	bw := bufio.NewWriterSize(f, 64<<10)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// exportJSON writes {"records":[...]} for one table, or
// {"tables":[{"id":T,"records":[...]}, ...]} for every table, reading
// pages by cursor so memory does not grow with the table.
func exportJSON(ctx context.Context, d *rhclient.Doc, table string, page int, w io.Writer) error {
	if table != "" {
		if err := writeRecordsJSON(ctx, d, table, page, w); err != nil {
			return err
		}
		_, err := io.WriteString(w, "\n")
		return err
	}
	tables, err := d.Tables(ctx)
	if err != nil {
		return err
	}
	io.WriteString(w, `{"tables":[`)
	for i, t := range tables {
		if i > 0 {
			io.WriteString(w, ",")
		}
		id, _ := json.Marshal(t.ID)
		fmt.Fprintf(w, "\n{\"id\":%s,\"data\":", id)
		if err := writeRecordsJSON(ctx, d, t.ID, page, w); err != nil {
			return err
		}
		io.WriteString(w, "}")
	}
	_, err = io.WriteString(w, "\n]}\n")
	return err
}

func writeRecordsJSON(ctx context.Context, d *rhclient.Doc, table string, page int, w io.Writer) error {
	io.WriteString(w, `{"records":[`)
	n := 0
	for rec, err := range d.All(ctx, table, &rhclient.Query{Limit: page}) {
		if err != nil {
			return err
		}
		b, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if n > 0 {
			io.WriteString(w, ",")
		}
		io.WriteString(w, "\n")
		if _, err := w.Write(b); err != nil {
			return err
		}
		n++
	}
	_, err := io.WriteString(w, "\n]}")
	return err
}

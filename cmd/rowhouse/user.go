package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/auth"
)

// runUserCreate creates a user (or finds one) and prints a new API key,
// alone, on stdout. It works while a server runs on the same data folder:
// SQLite's WAL and busy timeout let both write.
func runUserCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the user's email (required)")
	name := fs.String("name", "", "the user's name (default: the email's local part)")
	dataDir := fs.String("data", envOr(getenv, "ROWHOUSE_DATA", "./rowhouse-data"), "data folder (env ROWHOUSE_DATA)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) { // -h: the flags are printed, nothing failed
			return nil
		}
		return usageError{err.Error()}
	}
	if *email == "" {
		return usageError{"--email is required"}
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := openStorage(ctx, *dataDir, false, log)
	if err != nil {
		return err
	}
	defer st.engine.Close()
	u, created, err := st.home.EnsureUser(ctx, *email, *name)
	if err != nil {
		return err
	}
	keyName := "cli " + time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	_, secret, err := st.keys.Create(ctx, rowhouse.Actor{User: u}, auth.NewKey{Name: keyName})
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(stderr, "created user %s (id %d)\n", u.Email, u.ID)
	} else {
		fmt.Fprintf(stderr, "user %s (id %d) exists; made a new key\n", u.Email, u.ID)
	}
	fmt.Fprintln(stdout, secret)
	return nil
}

package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/home"
)

// runUserCreate creates a user (or finds one). Without a password it makes
// a new API key and prints it, alone, on stdout. With --password or
// --password-stdin (the first line of standard input, so that the password
// stays out of the process list and the shell history) it sets the user's
// password for the web pages and makes no key unless --new-key asks for
// one: setting a password again must not pile up keys.
// It works while a server runs on the same data folder: SQLite's WAL and
// busy timeout let both write.
func runUserCreate(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the user's email (required)")
	name := fs.String("name", "", "the user's name (default: the email's local part)")
	dataDir := fs.String("data", envOr(getenv, "ROWHOUSE_DATA", "./rowhouse-data"), "data folder (env ROWHOUSE_DATA)")
	dbURL := fs.String("db", "", dbFlagHelp)
	password := fs.String("password", "", "set the user's password for signing in to the web pages (visible in the process list: prefer --password-stdin)")
	passwordStdin := fs.Bool("password-stdin", false, "read the user's password from the first line of standard input")
	newKey := fs.Bool("new-key", false, "with a password: also make a new API key and print it (without a password a key is always made)")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	fromEnv(dbURL, getenv, "ROWHOUSE_DB")
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("user create: unexpected argument %q", fs.Arg(0))}
	}
	if *email == "" {
		return usageError{"--email is required"}
	}
	if !home.ValidEmail(*email) {
		return usageError{fmt.Sprintf("--email: invalid email address %q", *email)}
	}
	if *password != "" && *passwordStdin {
		return usageError{"--password and --password-stdin cannot be used together"}
	}
	if *passwordStdin {
		line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password from stdin: %w", err)
		}
		*password = strings.TrimRight(line, "\r\n")
		if *password == "" {
			return usageError{"--password-stdin: standard input holds no password"}
		}
	}
	if *password != "" {
		if err := auth.CheckPasswordRules(*password); err != nil {
			return usageError{"password: " + rowhouse.ErrorMessage(err)}
		}
	}
	makeKey := *password == "" || *newKey
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := openStorage(ctx, *dataDir, *dbURL, false, false, log)
	if err != nil {
		return err
	}
	defer st.engine.Close()
	u, created, err := st.home.EnsureUser(ctx, *email, *name)
	if err != nil {
		return err
	}
	if *password != "" {
		if err := auth.NewSessions(st.engine.Home(), time.Now, auth.SessionConfig{}).SetPassword(ctx, u.ID, *password); err != nil {
			return fmt.Errorf("set password of %s: %w", u.Email, err)
		}
		fmt.Fprintf(stderr, "password set for %s\n", u.Email)
	}
	switch {
	case created:
		fmt.Fprintf(stderr, "created user %s (id %d)\n", u.Email, u.ID)
	case makeKey:
		fmt.Fprintf(stderr, "user %s (id %d) exists; making a new key\n", u.Email, u.ID)
	default:
		fmt.Fprintf(stderr, "user %s (id %d) exists\n", u.Email, u.ID)
	}
	if !makeKey {
		return nil
	}
	keyName := "cli " + time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	_, secret, err := st.keys.Create(ctx, rowhouse.Actor{User: u}, auth.NewKey{Name: keyName})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, secret)
	return nil
}

// runUserSignInLink prints, alone on stdout, a one-time sign-in link for an
// existing user: it signs the browser in once, within --ttl, and the home
// page then asks for a (new) password. It is how the owner gets back in
// when the first start's link has expired, and how anyone replaces a
// forgotten password. It works while a server runs on the same storage.
func runUserSignInLink(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user signin-link", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the user's email (required)")
	base := fs.String("url", defaultBaseURL(getenv), "the server's address, as the browser reaches it (env ROWHOUSE_URL, else from ROWHOUSE_ADDR)")
	ttl := fs.Duration("ttl", auth.DefaultSignInLinkTTL, "how long the link works")
	dataDir := fs.String("data", envOr(getenv, "ROWHOUSE_DATA", "./rowhouse-data"), "data folder (env ROWHOUSE_DATA)")
	dbURL := fs.String("db", getenv("ROWHOUSE_DB"), dbFlagHelp)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err.Error()}
	}
	if *email == "" {
		return usageError{"--email is required"}
	}
	if *ttl <= 0 || *ttl > 7*24*time.Hour {
		return usageError{"--ttl must be positive and at most 168h"}
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := openStorage(ctx, *dataDir, *dbURL, false, false, log)
	if err != nil {
		return err
	}
	defer st.engine.Close()
	u, err := st.engine.Home().Read().UserByEmail(ctx, home.NormalizeEmail(*email))
	if rowhouse.ErrorKind(err) == rowhouse.ENOTFOUND {
		return fmt.Errorf("there is no user %s (rowhouse user create --email %s makes one)", *email, *email)
	}
	if err != nil {
		return err
	}
	token, exp, err := auth.NewSessions(st.engine.Home(), time.Now, auth.SessionConfig{}).CreateSignInLink(ctx, u.ID, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "one-time sign-in link for %s, valid until %s:\n", u.Email, exp.UTC().Format(time.RFC3339))
	fmt.Fprintln(stdout, auth.SignInURL(strings.TrimRight(*base, "/"), token))
	return nil
}

// Command rowhouse is the Rowhouse server and its command-line tools. main
// only wires: it calls run with the process's arguments, environment and
// streams, so tests can run the whole program in-process.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // DateTime columns name IANA zones; a static binary must know them without system files
)

// version is the release of this build.
const version = "0.1.0-dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "rowhouse:", err)
		os.Exit(exitCode(err))
	}
}

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// parseFlags parses a command's flags. -h and --help are not mistakes: the
// flags are printed and the command ends with exit code 0, which help
// reports. Any other error is a usage error (exit code 2).
func parseFlags(fs *flag.FlagSet, args []string) (help bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil
		}
		return false, usageError{err.Error()}
	}
	return false, nil
}

// fromEnv fills a flag left empty from the environment variable name.
// Flags that may hold a secret (an API key, a database URL with its
// password) take the environment only after parsing, never as their
// default: flag prints defaults in -h, and the secret would be shown.
func fromEnv(v *string, getenv func(string) string, name string) {
	if *v == "" {
		*v = getenv(name)
	}
}

func exitCode(err error) int {
	if _, ok := err.(usageError); ok {
		return 2
	}
	return 1
}

const usage = `usage: rowhouse <command> [flags]

commands:
  serve         run the server (default data folder ./rowhouse-data, address 127.0.0.1:8484)
  user create   create a user (or find one) and print a new API key
  user signin-link  print a one-time sign-in link for the browser (--email; a forgotten password)
  bench         load-test a server over HTTP (--url, --key) and print ops, p50, p99, errors
  import        import a CSV or XLSX file into a table (--doc, --table, --key-column to upsert)
  export        export a table or document as CSV, XLSX or JSON (--doc, --table, --format)
  migrate       copy a SQLite data folder into PostgreSQL (--from DIR --to postgres://..., --force)
  backup        copy a SQLite data folder online into a new folder (--data DIR --to DIR)
  version       print the version

Run 'rowhouse <command> -h' for a command's flags.`

// run is the whole program.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return usageError{"no command given"}
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], getenv, stderr)
	case "user":
		const userUsage = "usage: rowhouse user create --email E [--name N] [--password P | --password-stdin [--new-key]] [--data DIR | --db URL]\n" +
			"       rowhouse user signin-link --email E [--url URL] [--ttl 1h] [--data DIR | --db URL]"
		switch {
		case len(args) == 2 && (args[1] == "-h" || args[1] == "--help" || args[1] == "help"):
			fmt.Fprintln(stdout, userUsage)
			return nil
		case len(args) >= 2 && args[1] == "create":
			return runUserCreate(ctx, args[2:], getenv, stdin, stdout, stderr)
		case len(args) >= 2 && args[1] == "signin-link":
			return runUserSignInLink(ctx, args[2:], getenv, stdout, stderr)
		}
		return usageError{userUsage}
	case "bench":
		return runBench(ctx, args[1:], getenv, stdout, stderr)
	case "import":
		return runImport(ctx, args[1:], getenv, stdout, stderr)
	case "export":
		return runExport(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args[1:], getenv, stdout, stderr)
	case "backup":
		return runBackup(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "rowhouse", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}

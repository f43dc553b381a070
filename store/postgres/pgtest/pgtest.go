// Package pgtest gives tests fresh PostgreSQL engines on a shared test
// database named by the environment variable ROWHOUSE_TEST_POSTGRES
// (postgres://rowhouse:rowhouse@127.0.0.1:5432/rowhouse_test). Each engine
// gets its own home schema and document-schema prefix, dropped with the
// document reader roles when the test ends, so tests stay independent and
// may run in parallel on one database.
//
// It is for tests only and must never be imported by production code.
package pgtest

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rowhouse/rowhouse/store/postgres"
)

// EnvURL is the environment variable holding the test database's URL.
const EnvURL = "ROWHOUSE_TEST_POSTGRES"

// SkipMessage is why PostgreSQL tests are skipped when EnvURL is unset.
const SkipMessage = EnvURL + " is not set: PostgreSQL half of the suite skipped " +
	"(set it to e.g. postgres://rowhouse:rowhouse@127.0.0.1:5432/rowhouse_test, as .ci/run does)"

// URL returns the test database's URL, "" when PostgreSQL tests are off.
func URL() string { return os.Getenv(EnvURL) }

// Enabled reports whether PostgreSQL tests run.
func Enabled() bool { return URL() != "" }

// Skip skips t unless PostgreSQL tests run.
func Skip(t testing.TB) {
	t.Helper()
	if !Enabled() {
		t.Skip(SkipMessage)
	}
}

// Prefix returns a new random prefix for the schemas and roles of one
// test ("rht_" and 10 lowercase letters), and drops everything named with
// it when t ends (after cleanups registered later, such as closing
// engines).
func Prefix(t testing.TB) string {
	t.Helper()
	Skip(t)
	prefix := "rht_" + strings.ToLower(rand.Text()[:10])
	t.Cleanup(func() {
		if err := Drop(context.Background(), URL(), prefix); err != nil {
			t.Errorf("pgtest: drop %s: %v", prefix, err)
		}
	})
	return prefix
}

// Options returns engine options for a fresh prefix (see Prefix).
func Options(t testing.TB) postgres.Options {
	t.Helper()
	p := Prefix(t)
	return postgres.Options{Schema: p + "_home", DocPrefix: p + "_doc_", MaxConns: 4}
}

// Open returns a fresh engine on the test database, closed and dropped
// when t ends; it skips t when PostgreSQL tests are off.
func Open(t testing.TB) *postgres.Engine {
	t.Helper()
	opts := Options(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e, err := postgres.Open(ctx, URL(), opts)
	if err != nil {
		t.Fatalf("pgtest: open engine: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// Drop removes the schemas and roles whose names start with prefix.
func Drop(ctx context.Context, url, prefix string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	like := strings.ReplaceAll(prefix, "_", `\_`) + "%"
	names := func(q string) ([]string, error) {
		rows, err := conn.Query(ctx, q, like)
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, pgx.RowTo[string])
	}
	schemas, err := names(`SELECT nspname::text FROM pg_namespace WHERE nspname LIKE $1`)
	if err != nil {
		return err
	}
	for _, s := range schemas {
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{s}.Sanitize()+` CASCADE`); err != nil {
			return err
		}
	}
	roles, err := names(`SELECT rolname::text FROM pg_roles WHERE rolname LIKE $1`)
	if err != nil {
		return err
	}
	for _, r := range roles {
		if _, err := conn.Exec(ctx, `DROP ROLE `+pgx.Identifier{r}.Sanitize()); err != nil {
			return err
		}
	}
	return nil
}

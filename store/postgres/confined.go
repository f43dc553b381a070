package postgres

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/store"
)

// The SQL endpoint's confinement.
//
// Each document has a reader role (<prefix><docId>_reader) that may LOGIN,
// USAGE the document's schema and SELECT its user tables, present and
// future, and nothing else: not its "_rh_" system tables, not the home
// schema, not another document. A caller's statement runs on a connection
// of its own logged in as that role, so that the session user itself is
// the reader: SET ROLE NONE or set_config('role', ...) inside the
// statement cannot give it back the engine's privileges (it would, had the
// statement run under SET ROLE on one of the engine's connections).
//
// The role's password is derived from a secret kept in the home schema
// (HMAC-SHA256 of the role name), so every process sharing the database
// computes the same one; it is stored in PostgreSQL as a SCRAM-SHA-256
// verifier, never as text. Logging in as the reader needs pg_hba.conf to
// allow password logins for all users from where the engine connects, as
// it does for the engine's own user.

// confinedConnLimit caps the connections of one document's reader role.
const confinedConnLimit = 8

// defaultConfinedTimeout is the statement timeout of a confined query whose
// context has no deadline.
const defaultConfinedTimeout = time.Second

// loadSecret returns the engine's secret, creating it on first use. It
// runs inside the home migration lock.
func (e *Engine) loadSecret(ctx context.Context) error {
	if _, err := e.home.Exec(ctx, `CREATE TABLE IF NOT EXISTS _rh_engine (key TEXT PRIMARY KEY, value TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("engine table: %w", err)
	}
	if _, err := e.home.Exec(ctx, `INSERT INTO _rh_engine (key, value) VALUES ('reader_secret', ?) ON CONFLICT (key) DO NOTHING`, rand.Text()+rand.Text()); err != nil {
		return fmt.Errorf("engine secret: %w", err)
	}
	var s string
	if err := e.home.QueryRow(ctx, `SELECT value FROM _rh_engine WHERE key = 'reader_secret'`).Scan(&s); err != nil {
		return fmt.Errorf("engine secret: %w", err)
	}
	e.secret = []byte(s)
	return nil
}

// readerPassword is the password of a reader role.
func (e *Engine) readerPassword(role string) string {
	m := hmac.New(sha256.New, e.secret)
	m.Write([]byte(role))
	return hex.EncodeToString(m.Sum(nil))
}

// scramVerifier is PostgreSQL's stored form of a SCRAM-SHA-256 password
// (RFC 5803), which CREATE ROLE ... PASSWORD accepts as it is.
func scramVerifier(password string) (string, error) {
	const iterations = 4096
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return "", err
	}
	mac := func(key []byte, msg string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	clientKey := mac(salted, "Client Key")
	storedKey := sha256.Sum256(clientKey)
	serverKey := mac(salted, "Server Key")
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", iterations, b64(salt), b64(storedKey[:]), b64(serverKey)), nil
}

// readerRoleDDL returns the statements that create (or update) a reader
// role able to log in with its password.
func (e *Engine) readerRoleDDL(role string, exists bool) ([]string, error) {
	v, err := scramVerifier(e.readerPassword(role))
	if err != nil {
		return nil, err
	}
	verb := "CREATE"
	if exists {
		verb = "ALTER"
	}
	// The verifier is base64 and '$' ':' only, safe in a literal.
	return []string{verb + ` ROLE ` + quoteIdent(role) + ` LOGIN NOINHERIT NOCREATEDB NOCREATEROLE CONNECTION LIMIT ` +
		strconv.Itoa(confinedConnLimit) + ` PASSWORD '` + v + `'`}, nil
}

// QueryConfined runs a caller's SELECT (the SQL endpoint) confined by the
// database itself: on a new connection logged in as the document's reader
// role (see above), in a READ ONLY transaction, with search_path set to the
// document's schema and a statement_timeout a little past the context's
// deadline (the context, canceled first, is what normally stops the
// statement). The connection is closed with the rows.
//
// Errors of the statement come back as EINVALID with PostgreSQL's message;
// an interrupted statement (ctx done) comes back as ctx's error.
func (h *docHandle) QueryConfined(ctx context.Context, query string, args ...any) (store.Rows, error) {
	e := h.e
	cfg := e.pool.Config().ConnConfig.Copy()
	cfg.User = h.role
	cfg.Password = e.readerPassword(h.role)
	cfg.RuntimeParams = map[string]string{"search_path": quoteIdent(h.schema), "application_name": "rowhouse sql"}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, confinedErr(ctx, fmt.Errorf("connect as reader: %w", mapErr(err)))
	}
	end := func() { conn.Close(context.Background()) }
	timeout := defaultConfinedTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(dl), time.Millisecond)
	}
	ms := strconv.FormatInt((timeout + 100*time.Millisecond).Milliseconds(), 10)
	for _, s := range []string{`BEGIN READ ONLY`, `SET LOCAL statement_timeout = ` + ms} {
		if _, err := conn.Exec(ctx, s); err != nil {
			end()
			return nil, confinedErr(ctx, fmt.Errorf("confine: %w", mapErr(err)))
		}
	}
	r, err := conn.Query(ctx, store.RebindDollar(query), bindArgs(args)...)
	if err != nil {
		end()
		return nil, confinedErr(ctx, mapErr(err))
	}
	rs, err := startRows(r, end)
	if err != nil {
		return nil, confinedErr(ctx, err)
	}
	return &confinedRows{ctx: ctx, rows: rs}, nil
}

// confinedRows are the rows of a confined query: their errors are the
// caller's statement's.
type confinedRows struct {
	ctx  context.Context
	rows *rows
}

func (r *confinedRows) Next() bool                 { return r.rows.Next() }
func (r *confinedRows) Scan(dest ...any) error     { return confinedErr(r.ctx, r.rows.Scan(dest...)) }
func (r *confinedRows) Columns() ([]string, error) { return r.rows.Columns() }
func (r *confinedRows) Err() error                 { return confinedErr(r.ctx, r.rows.Err()) }
func (r *confinedRows) Close() error               { return confinedErr(r.ctx, r.rows.Close()) }

// confinedErr makes an error of the caller's statement public:
// PostgreSQL's message as EINVALID; an interrupt is ctx's error; a lost
// database stays EUNAVAILABLE.
func confinedErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	if rowhouse.ErrorKind(err) == rowhouse.EUNAVAILABLE {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return &rowhouse.Error{Kind: rowhouse.EINVALID, Message: pgErr.Message, Err: err}
	}
	return err
}

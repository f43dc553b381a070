package store

import (
	"context"
	"fmt"
	"time"

	"github.com/rowhouse/rowhouse"
)

// Session is a signed-in browser session as stored in the home database.
// The session token itself is never stored: TokenHash is the hex SHA-256
// of it, so a copy of the database cannot be replayed as a cookie. The
// CSRF secret is the synchronizer token that every form and every
// cookie-authenticated API write must echo.
type Session struct {
	TokenHash  string
	UserID     int64
	CSRFSecret string
	CreatedAt  time.Time
	// ExpiresAt is the absolute end of the session, whatever its use.
	ExpiresAt time.Time
	// LastSeenAt is when the session was last used (written at most once
	// a minute), for the idle timeout.
	LastSeenAt time.Time
	// FromLink is set on a session started by a one-time sign-in link: it
	// may set the user's password without knowing the current one (the
	// link is how a forgotten password is replaced).
	FromLink bool
}

// CreateSession stores a new session.
func (h HomeQueries) CreateSession(ctx context.Context, s Session) error {
	_, err := h.q.Exec(ctx,
		`INSERT INTO sessions (token_hash, user_id, csrf_secret, created_at, expires_at, last_seen_at, from_link) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		s.TokenHash, s.UserID, s.CSRFSecret, ms(s.CreatedAt), ms(s.ExpiresAt), ms(s.LastSeenAt), boolInt(s.FromLink))
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionAndUser finds a session by its token's hash, with its user, in one
// query; ENOTFOUND if there is none. It does not judge expiry.
func (h HomeQueries) SessionAndUser(ctx context.Context, tokenHash string) (Session, rowhouse.User, error) {
	var s Session
	var u rowhouse.User
	var sc, se, sl, uc, fl int64
	err := h.q.QueryRow(ctx, `SELECT s.token_hash, s.user_id, s.csrf_secret, s.created_at, s.expires_at, s.last_seen_at, s.from_link,
		u.email, u.name, u.created_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`, tokenHash).
		Scan(&s.TokenHash, &s.UserID, &s.CSRFSecret, &sc, &se, &sl, &fl, &u.Email, &u.Name, &uc)
	if err != nil {
		return s, u, notFound(err, "session not found")
	}
	s.CreatedAt, s.ExpiresAt, s.LastSeenAt, s.FromLink = fromMS(sc), fromMS(se), fromMS(sl), fl != 0
	u.ID, u.CreatedAt = s.UserID, fromMS(uc)
	return s, u, nil
}

// TouchSession records a session's use.
func (h HomeQueries) TouchSession(ctx context.Context, tokenHash string, at time.Time) error {
	if _, err := h.q.Exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`, ms(at), tokenHash); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession removes one session (sign-out); removing a session that
// does not exist is not an error.
func (h HomeQueries) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := h.q.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteSessionsOf removes every session of a user (after a password
// change) and returns how many there were.
func (h HomeQueries) DeleteSessionsOf(ctx context.Context, userID int64) (int64, error) {
	n, err := h.q.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	if err != nil {
		return 0, fmt.Errorf("delete sessions: %w", err)
	}
	return n, nil
}

// DeleteSessionsIdleOrExpired removes sessions that ended before now, or
// were last used before idleBefore, and returns how many.
func (h HomeQueries) DeleteSessionsIdleOrExpired(ctx context.Context, now, idleBefore time.Time) (int64, error) {
	n, err := h.q.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at < ?`, ms(now), ms(idleBefore))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return n, nil
}

// SignInLink is a one-time sign-in link as stored: like a session, only
// the hex SHA-256 of its token is kept, so that a copy of the database
// holds no link that works.
type SignInLink struct {
	TokenHash string
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateSignInLink stores a new sign-in link.
func (h HomeQueries) CreateSignInLink(ctx context.Context, l SignInLink) error {
	_, err := h.q.Exec(ctx, `INSERT INTO signin_links (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		l.TokenHash, l.UserID, ms(l.CreatedAt), ms(l.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create sign-in link: %w", err)
	}
	return nil
}

// TakeSignInLink removes the sign-in link of a token hash and returns it,
// expired or not: a link works at most once, whoever wins a race for it.
// ENOTFOUND if there is none (never made, or already used).
func (h HomeQueries) TakeSignInLink(ctx context.Context, tokenHash string) (SignInLink, error) {
	var l SignInLink
	var c, e int64
	err := h.q.QueryRow(ctx, `DELETE FROM signin_links WHERE token_hash = ? RETURNING token_hash, user_id, created_at, expires_at`, tokenHash).
		Scan(&l.TokenHash, &l.UserID, &c, &e)
	if err != nil {
		return l, notFound(err, "sign-in link not found")
	}
	l.CreatedAt, l.ExpiresAt = fromMS(c), fromMS(e)
	return l, nil
}

// DeleteExpiredSignInLinks removes the links that expired before now and
// returns how many.
func (h HomeQueries) DeleteExpiredSignInLinks(ctx context.Context, now time.Time) (int64, error) {
	n, err := h.q.Exec(ctx, `DELETE FROM signin_links WHERE expires_at <= ?`, ms(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired sign-in links: %w", err)
	}
	return n, nil
}

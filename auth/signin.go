package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/store"
)

// One-time sign-in links: a URL holding a random token that starts a
// browser session for one user, once, within a short time. The server
// prints one for the owner on its first start (there is no password yet),
// and `rowhouse user signin-link` makes one later, for a forgotten
// password. Like session tokens, only the SHA-256 of a link's token is
// stored; using it deletes it, so a link that worked once never works
// again, whoever raced for it.

// SignInPath is the path of the sign-in link page; the token follows it.
const SignInPath = "/signin/"

// DefaultSignInLinkTTL is how long a sign-in link works.
const DefaultSignInLinkTTL = time.Hour

// signInTokenLen is the random base58 characters of a link's token.
const signInTokenLen = 40

// Errors of a sign-in link that does not work.
var (
	ErrSignInLinkInvalid = &rowhouse.Error{Kind: rowhouse.EUNAUTHORIZED,
		Message: "This sign-in link is not valid: it may have been used already. Ask for a new one."}
	ErrSignInLinkExpired = &rowhouse.Error{Kind: rowhouse.EUNAUTHORIZED,
		Message: "This sign-in link has expired. Ask for a new one."}
)

// SignInURL is the link for a token on a server whose address is base
// ("http://127.0.0.1:8484").
func SignInURL(base, token string) string { return base + SignInPath + token }

// CreateSignInLink makes a one-time sign-in link for a user, working for
// ttl (DefaultSignInLinkTTL when ttl <= 0), and returns its token (shown
// once: only its hash is kept) and when it expires.
func (s *Sessions) CreateSignInLink(ctx context.Context, userID int64, ttl time.Duration) (string, time.Time, error) {
	if ttl <= 0 {
		ttl = DefaultSignInLinkTTL
	}
	now := s.now()
	token := rowhouse.RandomBase58(signInTokenLen)
	l := store.SignInLink{TokenHash: hashToken(token), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	err := s.home.WriteUncached(ctx, func(q store.HomeQueries) error {
		// Sweep expired links whenever one is made: links are few.
		if _, err := q.DeleteExpiredSignInLinks(ctx, now); err != nil {
			return err
		}
		if _, err := q.UserByID(ctx, userID); err != nil {
			return err
		}
		return q.CreateSignInLink(ctx, l)
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign-in link for user %d: %w", userID, err)
	}
	return token, l.ExpiresAt, nil
}

// SignInWithLink uses a link's token: the link is removed, and if it had
// not expired a session starts for its user, returned with the cookie's
// token. The session may set the user's password without the current one
// (Session.FromLink). An unknown or used token is ErrSignInLinkInvalid, an
// expired one ErrSignInLinkExpired.
func (s *Sessions) SignInWithLink(ctx context.Context, token string) (Session, string, error) {
	if token == "" || len(token) > 100 {
		return Session{}, "", ErrSignInLinkInvalid
	}
	now := s.now()
	var sess Session
	var cookie string
	expired := false
	err := s.home.WriteUncached(ctx, func(q store.HomeQueries) error {
		l, err := q.TakeSignInLink(ctx, hashToken(token))
		if rowhouse.ErrorKind(err) == rowhouse.ENOTFOUND {
			return ErrSignInLinkInvalid
		}
		if err != nil {
			return err
		}
		if !now.Before(l.ExpiresAt) {
			expired = true // and gone: the removal commits
			return nil
		}
		u, err := q.UserByID(ctx, l.UserID)
		if err != nil {
			return err
		}
		sess, cookie, err = s.startSession(ctx, q, u, now, true)
		return err
	})
	switch {
	case err != nil:
		return Session{}, "", err
	case expired:
		return Session{}, "", ErrSignInLinkExpired
	}
	return sess, cookie, nil
}

// startSession stores a new session for u in q's transaction.
func (s *Sessions) startSession(ctx context.Context, q store.HomeQueries, u rowhouse.User, now time.Time, fromLink bool) (Session, string, error) {
	token := rowhouse.RandomBase58(sessionTokenLen)
	st := store.Session{TokenHash: hashToken(token), UserID: u.ID, CSRFSecret: rowhouse.RandomBase58(csrfLen),
		CreatedAt: now, ExpiresAt: now.Add(s.cfg.MaxAge), LastSeenAt: now, FromLink: fromLink}
	if _, err := q.DeleteSessionsIdleOrExpired(ctx, now, now.Add(-s.cfg.IdleTimeout)); err != nil {
		return Session{}, "", err
	}
	if err := q.CreateSession(ctx, st); err != nil {
		return Session{}, "", err
	}
	return Session{User: u, CSRF: st.CSRFSecret, ExpiresAt: st.ExpiresAt, FromLink: fromLink, tokenHash: st.TokenHash}, token, nil
}

// HasPassword reports whether a user has a password set.
func (s *Sessions) HasPassword(ctx context.Context, userID int64) (bool, error) {
	h, err := s.home.Read().PasswordHash(ctx, userID)
	if err != nil {
		return false, fmt.Errorf("password of user %d: %w", userID, err)
	}
	return h != "", nil
}

// ErrWrongCurrentPassword refuses a password change whose current password
// is not the user's.
var ErrWrongCurrentPassword = rowhouse.Invalidf("The current password is not right.")

// ChangePassword sets the password of a session's user. The current
// password must be given, unless the user has none yet or the session came
// from a sign-in link. Every session of the user ends (a stolen cookie
// stops working), and a new one starts for this browser: it is returned
// with its cookie's token.
func (s *Sessions) ChangePassword(ctx context.Context, sess Session, current, password string) (Session, string, error) {
	hash, err := HashPassword(password)
	if err != nil {
		return Session{}, "", err
	}
	old, err := s.home.Read().PasswordHash(ctx, sess.User.ID)
	if err != nil {
		return Session{}, "", fmt.Errorf("change password: %w", err)
	}
	if old != "" && !sess.FromLink {
		ok, err := CheckPassword(old, current)
		if err != nil {
			return Session{}, "", fmt.Errorf("change password: %w", err)
		}
		if !ok {
			return Session{}, "", ErrWrongCurrentPassword
		}
	}
	now := s.now()
	var ns Session
	var token string
	err = s.home.WriteUncached(ctx, func(q store.HomeQueries) error {
		if err := q.SetPasswordHash(ctx, sess.User.ID, hash); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		if _, err := q.DeleteSessionsOf(ctx, sess.User.ID); err != nil {
			return err
		}
		ns, token, err = s.startSession(ctx, q, sess.User, now, false)
		return err
	})
	if err != nil {
		return Session{}, "", err
	}
	return ns, token, nil
}

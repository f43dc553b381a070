// Package auth turns credentials into an Actor and manages API keys. Keys
// are random secrets with a recognisable prefix, stored only as SHA-256
// hashes: a key is shown once, when it is created, and never again. Package
// auth never decides what an actor may do with a resource (package home
// does); it only says who the actor is and what their key allows.
package auth

import (
	"context"
	"crypto/sha256"
	"github.com/rowhouse/rowhouse/internal/gencache"
	"strings"
	"sync"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/store"
)

// KeyPrefix starts every key Rowhouse generates, so that keys are
// recognisable (in logs, in secret scanners).
const KeyPrefix = "rh_"

// keyLen is the number of random base58 characters of a generated key:
// 40 carry about 234 bits.
const keyLen = 40

// touchEvery bounds how often a key's last-used time is written.
const touchEvery = time.Minute

// NewSecret returns a fresh random key.
func NewSecret() string { return KeyPrefix + rowhouse.RandomBase58(keyLen) }

// Hash returns the stored form of a key.
func Hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// displayPrefix is the part of a key shown in listings: enough to tell
// keys apart, never enough to guess one (at most a quarter of the key).
func displayPrefix(secret string) string {
	n := min(len(KeyPrefix)+6, len(secret)/4)
	return secret[:n]
}

// Keys manages API keys and authenticates requests.
type Keys struct {
	home *store.Home
	docs *home.Service
	now  func() time.Time

	mu      sync.Mutex
	touched map[int64]time.Time // last time each key's last_used_at was written

	// byHash keeps recently used keys and their users, the lookup every
	// request starts with. A key deleted through this process is refused
	// at once, as is one through another process that says so
	// (store.Home.Invalidate); otherwise within keyCacheTTL.
	byHash *gencache.Cache[string, keyAndUser]
}

// Bounds of the key cache.
const (
	keyCacheTTL  = 10 * time.Second
	keyCacheSize = 16_384
)

type keyAndUser struct {
	key  rowhouse.APIKey
	user rowhouse.User
}

// NewKeys returns the key service.
func NewKeys(h *store.Home, docs *home.Service, now func() time.Time) *Keys {
	return &Keys{home: h, docs: docs, now: now, touched: map[int64]time.Time{},
		byHash: gencache.New[string, keyAndUser](h.Generation, now, keyCacheTTL, keyCacheSize)}
}

// Error messages of authentication, exactly as Grist words them.
var (
	errScheme     = &rowhouse.Error{Kind: rowhouse.EUNAUTHORIZED, Message: "Bad request: unsupported Authorization scheme, expected 'Bearer'"}
	errInvalidKey = &rowhouse.Error{Kind: rowhouse.EUNAUTHORIZED, Message: "Bad request: invalid API key"}
)

// Authenticate resolves an Authorization header to an actor: no header is
// the anonymous user; a Bearer key must exist, be unexpired and unrevoked.
func (k *Keys) Authenticate(ctx context.Context, header string) (rowhouse.Actor, error) {
	if header == "" {
		return rowhouse.Actor{User: rowhouse.AnonymousUser()}, nil
	}
	scheme, secret, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return rowhouse.Actor{}, errScheme
	}
	secret = strings.TrimSpace(secret)
	if secret == "" {
		return rowhouse.Actor{}, errInvalidKey
	}
	hash := Hash(secret)
	// An exact lookup of the secret's SHA-256 (in the cache's map or the
	// database): what a guess has in common with a real key says nothing
	// about the key, so timing leaks nothing.
	ku, ok := k.byHash.Get(string(hash))
	if !ok {
		gen := k.byHash.Generation()
		key, u, err := k.home.Read().KeyAndUser(ctx, hash)
		if rowhouse.ErrorKind(err) == rowhouse.ENOTFOUND {
			return rowhouse.Actor{}, errInvalidKey
		}
		if err != nil {
			return rowhouse.Actor{}, err
		}
		ku = keyAndUser{key: key, user: u}
		k.byHash.Put(string(hash), gen, ku)
	}
	key, u := ku.key, ku.user // copies: the caller gets a key of its own
	now := k.now()
	if key.ExpiresAt != nil && !now.Before(*key.ExpiresAt) {
		return rowhouse.Actor{}, errInvalidKey
	}
	k.touch(ctx, key.ID, now)
	return rowhouse.Actor{User: u, Key: &key}, nil
}

// touch records the key's use at most once a minute per key.
func (k *Keys) touch(ctx context.Context, id int64, now time.Time) {
	k.mu.Lock()
	last, ok := k.touched[id]
	if ok && now.Sub(last) < touchEvery {
		k.mu.Unlock()
		return
	}
	k.touched[id] = now
	k.mu.Unlock()
	// Best effort: a failure to record the time must not fail the request.
	_ = k.home.WriteUncached(ctx, func(q store.HomeQueries) error { return q.TouchKey(ctx, id, now) })
}

// NewKey describes a key to create.
type NewKey struct {
	Name      string
	ExpiresAt *time.Time
	Scopes    rowhouse.KeyScopes
}

// checkManager refuses key management to the anonymous user and to keys
// that are themselves limited: a limited key must not mint a wider one.
func checkManager(a rowhouse.Actor) error {
	if a.Anonymous() {
		return rowhouse.Errorf(rowhouse.EUNAUTHORIZED, "Bad request: an API key or a session is required")
	}
	if a.DocScoped() || a.ReadOnly() {
		return rowhouse.Forbiddenf("a limited API key cannot manage API keys")
	}
	return nil
}

// Create makes a new key for the actor and returns it with its secret,
// which is never available again.
func (k *Keys) Create(ctx context.Context, a rowhouse.Actor, nk NewKey) (rowhouse.APIKey, string, error) {
	if err := checkManager(a); err != nil {
		return rowhouse.APIKey{}, "", err
	}
	nk.Name = strings.TrimSpace(nk.Name)
	if nk.Name == "" || len(nk.Name) > 100 {
		return rowhouse.APIKey{}, "", rowhouse.InvalidPayload("name must be 1 to 100 characters")
	}
	now := k.now()
	if nk.ExpiresAt != nil && !nk.ExpiresAt.After(now) {
		return rowhouse.APIKey{}, "", rowhouse.InvalidPayload("expiresAt must be in the future")
	}
	for _, d := range nk.Scopes.Docs {
		if _, err := k.docs.Doc(ctx, a, d, rowhouse.RoleViewers); err != nil {
			return rowhouse.APIKey{}, "", rowhouse.InvalidPayload("scopes.docs: %s: %s", d, rowhouse.ErrorMessage(err))
		}
	}
	secret := NewSecret()
	key, err := k.store(ctx, a.User.ID, nk, secret, now)
	return key, secret, err
}

func (k *Keys) store(ctx context.Context, userID int64, nk NewKey, secret string, now time.Time) (rowhouse.APIKey, error) {
	var out rowhouse.APIKey
	err := k.home.Write(ctx, func(q store.HomeQueries) error {
		var err error
		out, err = q.CreateKey(ctx, rowhouse.APIKey{UserID: userID, Name: nk.Name, Prefix: displayPrefix(secret),
			Hash: Hash(secret), Scopes: nk.Scopes, ExpiresAt: nk.ExpiresAt, CreatedAt: now})
		return err
	})
	return out, err
}

// Install stores a key chosen by the operator (ROWHOUSE_OWNER_API_KEY) for
// a user, under the given name, unless that exact key is already stored.
func (k *Keys) Install(ctx context.Context, userID int64, name, secret string) error {
	if len(secret) < 16 {
		return rowhouse.Invalidf("an API key must have at least 16 characters")
	}
	if _, err := k.home.Read().KeyByHash(ctx, Hash(secret)); err == nil {
		return nil
	}
	_, err := k.store(ctx, userID, NewKey{Name: name}, secret, k.now())
	return err
}

// List returns the actor's keys (never their secrets).
func (k *Keys) List(ctx context.Context, a rowhouse.Actor) ([]rowhouse.APIKey, error) {
	if a.Anonymous() {
		return nil, rowhouse.Errorf(rowhouse.EUNAUTHORIZED, "Bad request: an API key or a session is required")
	}
	return k.home.Read().KeysOf(ctx, a.User.ID)
}

// Delete revokes one of the actor's keys.
func (k *Keys) Delete(ctx context.Context, a rowhouse.Actor, id int64) error {
	if err := checkManager(a); err != nil {
		return err
	}
	return k.home.Write(ctx, func(q store.HomeQueries) error { return q.DeleteKey(ctx, a.User.ID, id) })
}

// DefaultKeyName is the name of the key that Grist's single-key endpoints
// (/api/profile/apikey) manage.
const DefaultKeyName = "default"

// ReplaceDefault creates the actor's "default" key; if one exists it is
// replaced only when force is set.
func (k *Keys) ReplaceDefault(ctx context.Context, a rowhouse.Actor, force bool) (string, error) {
	if err := checkManager(a); err != nil {
		return "", err
	}
	secret := NewSecret()
	now := k.now()
	err := k.home.Write(ctx, func(q store.HomeQueries) error {
		keys, err := q.KeysOf(ctx, a.User.ID)
		if err != nil {
			return err
		}
		for _, key := range keys {
			if key.Name == DefaultKeyName && !force {
				return rowhouse.Invalidf("An apikey is already set, use `{\"force\": true}` to override it.")
			}
		}
		if _, err := q.DeleteKeyByName(ctx, a.User.ID, DefaultKeyName); err != nil {
			return err
		}
		_, err = q.CreateKey(ctx, rowhouse.APIKey{UserID: a.User.ID, Name: DefaultKeyName, Prefix: displayPrefix(secret), Hash: Hash(secret), CreatedAt: now})
		return err
	})
	return secret, err
}

// DeleteDefault revokes the actor's "default" key.
func (k *Keys) DeleteDefault(ctx context.Context, a rowhouse.Actor) error {
	if err := checkManager(a); err != nil {
		return err
	}
	return k.home.Write(ctx, func(q store.HomeQueries) error {
		_, err := q.DeleteKeyByName(ctx, a.User.ID, DefaultKeyName)
		return err
	})
}

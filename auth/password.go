package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/rowhouse/rowhouse"
)

// Passwords are hashed with argon2id and stored in the PHC string format,
// "$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>" (base64
// without padding), so that the parameters travel with each hash and can
// be raised later without invalidating stored passwords. The defaults are
// OWASP's minimum for argon2id (19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Password length bounds, in characters. The upper bound keeps hashing
// cheap for a server that anyone can send a form to.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 256
)

// CheckPasswordRules returns an EINVALID error saying what is wrong with a
// new password, or nil.
func CheckPasswordRules(password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return rowhouse.Invalidf("the password is not valid UTF-8")
	case n < MinPasswordLen:
		return rowhouse.Invalidf("the password must have at least %d characters", MinPasswordLen)
	case n > MaxPasswordLen:
		return rowhouse.Invalidf("the password must have at most %d characters", MaxPasswordLen)
	}
	return nil
}

// HashPassword returns the stored form of a password: argon2id with a
// fresh random salt.
func HashPassword(password string) (string, error) {
	if err := CheckPasswordRules(password); err != nil {
		return "", err
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches a hash made by
// HashPassword. A malformed hash is an error; an empty hash (a user with
// no password) matches nothing.
func CheckPassword(hash, password string) (bool, error) {
	if hash == "" {
		return false, nil
	}
	p, err := parsePHC(hash)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1, nil
}

// phc is a parsed argon2id hash.
type phc struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

func parsePHC(s string) (phc, error) {
	var p phc
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, fmt.Errorf("password hash: not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, fmt.Errorf("password hash: unsupported argon2 version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return p, fmt.Errorf("password hash: bad parameters %q: %w", parts[3], err)
	}
	if p.memory == 0 || p.time == 0 || p.threads == 0 || p.memory > 1<<21 || p.time > 100 {
		return p, fmt.Errorf("password hash: parameters out of range %q", parts[3])
	}
	var err error
	if p.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil {
		return p, fmt.Errorf("password hash: bad salt: %w", err)
	}
	if p.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(p.key) < 16 {
		return p, fmt.Errorf("password hash: bad key")
	}
	return p, nil
}

package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/auth"
)

// TestUserCreatePassword sets passwords with --password and
// --password-stdin and signs in with them.
func TestUserCreatePassword(t *testing.T) {
	dir := t.TempDir()
	signIn := func(email, password string) error {
		t.Helper()
		st, err := openStorage(t.Context(), dir, "", false, false, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		defer st.engine.Close()
		_, _, err = auth.NewSessions(st.engine.Home(), time.Now, auth.SessionConfig{}).SignIn(t.Context(), email, password, "127.0.0.1")
		return err
	}
	for _, tc := range []struct {
		name, stdin string
		args        []string
		email, pw   string
	}{
		{"stdin", "correct horse\n", []string{"--password-stdin"}, "ann@example.com", "correct horse"},
		{"stdin, CRLF trimmed", "battery staple\r\n", []string{"--password-stdin"}, "bob@example.com", "battery staple"},
		{"stdin without newline", "no-newline-pass", []string{"--password-stdin"}, "eve@example.com", "no-newline-pass"},
		{"flag", "", []string{"--password", "flag-password"}, "cy@example.com", "flag-password"},
		{"existing user, new password", "replaced-password\n", []string{"--password-stdin"}, "ann@example.com", "replaced-password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"user", "create", "--email", tc.email, "--data", dir}, tc.args...)
			if err := run(t.Context(), args, env(), strings.NewReader(tc.stdin), &stdout, &stderr); err != nil {
				t.Fatalf("run: %v; stderr %s", err, stderr.String())
			}
			if !strings.Contains(stderr.String(), "password set for "+tc.email) || stdout.Len() != 0 {
				t.Errorf("stdout %q (want no key: a password makes none) stderr %q", stdout.String(), stderr.String())
			}
			if err := signIn(tc.email, tc.pw); err != nil {
				t.Errorf("sign in with the new password: %v", err)
			}
		})
	}
	if err := signIn("ann@example.com", "correct horse"); err != auth.ErrBadCredentials {
		t.Errorf("the replaced password still works: %v", err)
	}

	for _, tc := range []struct {
		name, stdin, want string
		args              []string
	}{
		{"both", "x\n", "--password and --password-stdin cannot be used together", []string{"--password", "abcdefghij", "--password-stdin"}},
		{"empty stdin", "", "--password-stdin: standard input holds no password", []string{"--password-stdin"}},
		{"short", "short\n", "password: the password must have at least 8 characters", []string{"--password-stdin"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"user", "create", "--email", "dan@example.com", "--data", dir}, tc.args...)
			err := run(t.Context(), args, env(), strings.NewReader(tc.stdin), &stdout, &stderr)
			if _, ok := err.(usageError); !ok || err.Error() != tc.want {
				t.Errorf("err %v, want usage error %q", err, tc.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("printed a key although refused: %q", stdout.String())
			}
		})
	}
	if err := signIn("dan@example.com", "abcdefghij"); err != auth.ErrBadCredentials {
		t.Errorf("a refused command created a usable account: %v", err)
	}
}

package auth_test

import (
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/auth"
)

func TestHashPasswordRoundTrip(t *testing.T) {
	h1, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not an argon2id PHC string with the expected parameters", h1)
	}
	h2, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if h1 == h2 {
		t.Errorf("two hashes of one password are equal: the salt is not random")
	}
	for _, tc := range []struct {
		password string
		want     bool
	}{
		{"correct horse battery", true},
		{"correct horse batterY", false},
		{"correct horse battery ", false},
		{"", false},
	} {
		for _, h := range []string{h1, h2} {
			ok, err := auth.CheckPassword(h, tc.password)
			if err != nil || ok != tc.want {
				t.Errorf("CheckPassword(%q) = %v, %v; want %v", tc.password, ok, err, tc.want)
			}
		}
	}
}

func TestCheckPasswordBadHashes(t *testing.T) {
	if ok, err := auth.CheckPassword("", "anything"); ok || err != nil {
		t.Errorf("empty hash: %v, %v; want false, nil (a user without a password)", ok, err)
	}
	good, _ := auth.HashPassword("password123")
	parts := strings.Split(good, "$")
	for name, h := range map[string]string{
		"bcrypt":      "$2a$10$abcdefghijklmnopqrstuu",
		"version":     strings.Replace(good, "v=19", "v=16", 1),
		"params":      "$argon2id$v=19$m=x,t=2,p=1$" + parts[4] + "$" + parts[5],
		"huge memory": "$argon2id$v=19$m=99999999,t=2,p=1$" + parts[4] + "$" + parts[5],
		"salt":        "$argon2id$v=19$m=19456,t=2,p=1$!!$" + parts[5],
		"short key":   "$argon2id$v=19$m=19456,t=2,p=1$" + parts[4] + "$AAAA",
		"fields":      "$argon2id$v=19$" + parts[4],
	} {
		if ok, err := auth.CheckPassword(h, "password123"); ok || err == nil {
			t.Errorf("%s: CheckPassword(%q) = %v, %v; want an error", name, h, ok, err)
		}
	}
}

func TestPasswordRules(t *testing.T) {
	for _, tc := range []struct {
		password, err string
	}{
		{"1234567", "the password must have at least 8 characters"},
		{"12345678", ""},
		{"ééééééé", "the password must have at least 8 characters"}, // counted in characters, not bytes
		{strings.Repeat("x", 256), ""},
		{strings.Repeat("x", 257), "the password must have at most 256 characters"},
		{"abcdefgh\xff", "the password is not valid UTF-8"},
	} {
		err := auth.CheckPasswordRules(tc.password)
		if got := errText(err); got != tc.err {
			t.Errorf("CheckPasswordRules(%q) = %q, want %q", tc.password, got, tc.err)
		}
		if err != nil && rowhouse.ErrorKind(err) != rowhouse.EINVALID {
			t.Errorf("CheckPasswordRules(%q): kind %s, want EINVALID", tc.password, rowhouse.ErrorKind(err))
		}
		if _, herr := auth.HashPassword(tc.password); errText(herr) != tc.err {
			t.Errorf("HashPassword(%q) error %q, want %q", tc.password, errText(herr), tc.err)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// BenchmarkHashPassword measures one argon2id hash (every sign-in checks
// one, known email or not).
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := auth.HashPassword("correct horse battery"); err != nil {
			b.Fatal(err)
		}
	}
}

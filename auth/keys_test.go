package auth

import (
	"bytes"
	"strings"
	"testing"
)

func TestSecrets(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if a == b || !strings.HasPrefix(a, KeyPrefix) || len(a) != len(KeyPrefix)+keyLen {
		t.Fatalf("secrets %q %q", a, b)
	}
	if h := Hash(a); len(h) != 32 || !bytes.Equal(h, Hash(a)) || bytes.Equal(h, Hash(b)) {
		t.Fatal("Hash must be a stable SHA-256 per key")
	}
	// The shown prefix identifies a key but never gives away much of it.
	for _, s := range []string{a, "0123456789abcdef", "0123456789abcdef0123456789abcdef"} {
		p := displayPrefix(s)
		if !strings.HasPrefix(s, p) || len(p) > len(s)/4 {
			t.Errorf("displayPrefix(%q) = %q", s, p)
		}
	}
}

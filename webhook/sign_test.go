package webhook

import (
	"errors"
	"github.com/rowhouse/rowhouse/client"
	"strings"
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	at := time.Unix(1_700_000_000, 0)
	body := []byte(`[{"id":1,"name":"Rex"}]`)
	sig := Sign("whsec_abc", at, body)
	// The receivers' check (client.VerifySignature) accepts what Sign makes.
	// Known answer: HMAC-SHA256("whsec_abc", "1700000000.<body>").
	if !strings.HasPrefix(sig, "t=1700000000,v1=") || len(sig) != len("t=1700000000,v1=")+64 {
		t.Fatalf("signature %q has the wrong shape", sig)
	}
	if err := client.VerifySignature("whsec_abc", sig, body, at.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatalf("verify own signature: %v", err)
	}
	for name, tc := range map[string]struct {
		secret, header string
		body           []byte
		now            time.Time
		want           error
	}{
		"other secret":    {"whsec_other", sig, body, at, client.ErrBadSignature},
		"tampered body":   {"whsec_abc", sig, []byte(`[{"id":2}]`), at, client.ErrBadSignature},
		"other time":      {"whsec_abc", strings.Replace(sig, "t=1700000000", "t=1700000001", 1), body, at, client.ErrBadSignature},
		"stale":           {"whsec_abc", sig, body, at.Add(time.Hour), client.ErrBadSignature},
		"from the future": {"whsec_abc", sig, body, at.Add(-time.Hour), client.ErrBadSignature},
	} {
		if err := client.VerifySignature(tc.secret, tc.header, tc.body, tc.now, 5*time.Minute); !errors.Is(err, tc.want) {
			t.Errorf("%s: Verify = %v, want %v", name, err, tc.want)
		}
	}
	if err := client.VerifySignature("whsec_abc", "v1=deadbeef", body, at, 0); err == nil {
		t.Error("a header without t= verified")
	}
	s1, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := NewSecret()
	if s1 == s2 || !strings.HasPrefix(s1, "whsec_") || len(s1) != 6+64 {
		t.Errorf("secrets %q, %q: want distinct whsec_ + 64 hex", s1, s2)
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600, 600}
	for i, w := range want {
		if got := Backoff(i+1, time.Second, 10*time.Minute); got != w*time.Second {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w*time.Second)
		}
	}
	if got := Backoff(1000, time.Second, 10*time.Minute); got != 10*time.Minute {
		t.Errorf("Backoff(1000) = %v, want the cap", got)
	}
}

func TestDefaultJitterRange(t *testing.T) {
	d := New(Options{})
	for range 200 {
		if j := d.o.Jitter(8 * time.Second); j < 4*time.Second || j > 8*time.Second {
			t.Fatalf("jitter(8s) = %v, want within [4s, 8s]", j)
		}
	}
}

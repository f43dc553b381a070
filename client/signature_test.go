package client_test

import (
	"errors"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/client"
)

func TestVerifySignature(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`[{"id":1,"name":"Ann"}]`)
	good := client.Sign("s3cret", now, body)
	// The documented format, computed independently:
	// printf '1800000000.[{"id":1,"name":"Ann"}]' | openssl dgst -sha256 -hmac s3cret
	const want = "t=1800000000,v1=986107bbd1c34b66da017e5086477c1ee63ee440859b6f6518caad21e7417b83"
	if good != want {
		t.Fatalf("Sign = %q, want %q", good, want)
	}
	cases := []struct {
		name, secret, header string
		body                 []byte
		now                  time.Time
		tolerance            time.Duration
		ok                   bool
	}{
		{"valid", "s3cret", good, body, now, 0, true},
		{"valid within tolerance", "s3cret", good, body, now.Add(4 * time.Minute), 0, true},
		{"clock behind the sender", "s3cret", good, body, now.Add(-4 * time.Minute), 0, true},
		{"too old", "s3cret", good, body, now.Add(6 * time.Minute), 0, false},
		{"too old for a tight tolerance", "s3cret", good, body, now.Add(2 * time.Second), time.Second, false},
		{"from the future", "s3cret", good, body, now.Add(-6 * time.Minute), 0, false},
		{"wrong secret", "other", good, body, now, 0, false},
		{"body changed", "s3cret", good, []byte(`[{"id":2}]`), now, 0, false},
		{"second v1 matches (rotation)", "s3cret", client.Sign("old", now, body) + "," + good[len("t=1800000000,"):], body, now, 0, true},
		{"timestamp changed", "s3cret", "t=1800000001," + good[len("t=1800000000,"):], body, now, 0, false},
		{"no v1", "s3cret", "t=1800000000", body, now, 0, false},
		{"no t", "s3cret", good[len("t=1800000000,"):], body, now, 0, false},
		{"not hex", "s3cret", "t=1800000000,v1=zz", body, now, 0, false},
		{"empty", "s3cret", "", body, now, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := client.VerifySignature(tc.secret, tc.header, tc.body, tc.now, tc.tolerance)
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok && !errors.Is(err, client.ErrBadSignature) {
				t.Fatalf("error %v, want ErrBadSignature", err)
			}
		})
	}
}

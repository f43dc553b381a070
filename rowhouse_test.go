package rowhouse_test

import (
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse"
)

func TestDocIDs(t *testing.T) {
	seen := map[string]bool{}
	counts := map[rune]int{}
	for i := 0; i < 2000; i++ {
		id := rowhouse.NewDocID()
		if !rowhouse.ValidDocID(id) || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
		for _, c := range id {
			counts[c]++
		}
	}
	// 44,000 draws over 58 characters: every character shows up, none of
	// the look-alikes ever does.
	if len(counts) != 58 {
		t.Errorf("%d distinct characters, want 58", len(counts))
	}
	for _, c := range "0OIl" {
		if counts[c] > 0 {
			t.Errorf("look-alike %q in ids", c)
		}
	}
	for _, bad := range []string{"", "short", strings.Repeat("0", 22), strings.Repeat("a", 23), strings.Repeat("a", 21) + "l"} {
		if rowhouse.ValidDocID(bad) {
			t.Errorf("ValidDocID(%q) = true", bad)
		}
	}
}

func TestRoles(t *testing.T) {
	order := []rowhouse.Role{rowhouse.RoleNone, rowhouse.RoleGuests, rowhouse.RoleMembers, rowhouse.RoleViewers, rowhouse.RoleEditors, rowhouse.RoleOwners}
	for i, a := range order {
		for j, b := range order {
			if got := a.AtLeast(b); got != (i >= j) {
				t.Errorf("%q.AtLeast(%q) = %v", a, b, got)
			}
			if got, want := rowhouse.MaxRole(a, b), order[max(i, j)]; got != want {
				t.Errorf("MaxRole(%q, %q) = %q", a, b, got)
			}
			if got, want := rowhouse.MinRole(a, b), order[min(i, j)]; got != want {
				t.Errorf("MinRole(%q, %q) = %q", a, b, got)
			}
		}
	}
	if rowhouse.RoleMembers.Valid(false) || !rowhouse.RoleMembers.Valid(true) || rowhouse.RoleGuests.Valid(true) {
		t.Error("members may be granted on orgs only; guests never")
	}
}

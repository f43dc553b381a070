// Package rowhouse holds the domain types shared by every layer of Rowhouse:
// users, orgs, workspaces, documents, roles and API keys, plus the one error
// type (see errors.go). It has no behaviour beyond small value methods and
// must never import another package of this module.
package rowhouse

import (
	"crypto/rand"
	"time"
)

// Role is a level of access to an org, workspace or document. The empty
// role means no access.
type Role string

// Roles, as named by Grist. Members is only granted on orgs: it shows the
// org in listings but gives no access to its workspaces or documents.
// Guests is never granted: it is reported on an org where the user has
// access only to something inside it.
const (
	RoleNone    Role = ""
	RoleGuests  Role = "guests"
	RoleMembers Role = "members"
	RoleViewers Role = "viewers"
	RoleEditors Role = "editors"
	RoleOwners  Role = "owners"
)

// rank orders roles; a higher rank includes every right of a lower one.
func (r Role) rank() int {
	switch r {
	case RoleGuests:
		return 1
	case RoleMembers:
		return 2
	case RoleViewers:
		return 3
	case RoleEditors:
		return 4
	case RoleOwners:
		return 5
	}
	return 0
}

// AtLeast reports whether r includes every right of min.
func (r Role) AtLeast(min Role) bool { return r.rank() >= min.rank() }

// MaxRole returns the stronger of two roles.
func MaxRole(a, b Role) Role {
	if a.rank() >= b.rank() {
		return a
	}
	return b
}

// MinRole returns the weaker of two roles.
func MinRole(a, b Role) Role {
	if a.rank() <= b.rank() {
		return a
	}
	return b
}

// Valid reports whether r can be granted directly. Orgs accept members too.
func (r Role) Valid(onOrg bool) bool {
	switch r {
	case RoleOwners, RoleEditors, RoleViewers:
		return true
	case RoleMembers:
		return onOrg
	}
	return false
}

// Resource kinds that carry access rules.
const (
	ResourceOrg       = "org"
	ResourceWorkspace = "ws"
	ResourceDoc       = "doc"
)

// User is a person (or robot) who signs in or calls the API.
type User struct {
	ID        int64
	Email     string
	Name      string
	CreatedAt time.Time
}

// AnonymousUser returns the user of requests that carry no credentials. Its
// id is 0 and it has no access unless something is shared publicly.
func AnonymousUser() User { return User{ID: 0, Email: "anon@getgrist.com", Name: "Anonymous"} }

// Org is a site: a team org, or the personal org of one user (OwnerID set,
// domain "docs-{userId}").
type Org struct {
	ID        int64
	Name      string
	Domain    string
	OwnerID   int64 // 0 for team orgs
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Personal reports whether o is a user's personal org.
func (o Org) Personal() bool { return o.OwnerID != 0 }

// Workspace groups documents inside an org.
type Workspace struct {
	ID               int64
	OrgID            int64
	Name             string
	MaxInheritedRole Role // caps what is inherited from the org; RoleNone blocks inheritance
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Doc is a document's entry in the home database. Its tables and records
// live in the document's own database.
type Doc struct {
	ID               string
	WorkspaceID      int64
	Name             string
	IsPinned         bool
	URLID            string // "" when unset
	MaxInheritedRole Role
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// APIKey is the stored form of an API key: never the key itself, only a
// SHA-256 hash of it and a short prefix to recognise it by.
type APIKey struct {
	ID         int64
	UserID     int64
	Name       string
	Prefix     string
	Hash       []byte
	Scopes     KeyScopes
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	CreatedAt  time.Time
}

// KeyScopes narrows what a key may do. The zero value allows everything
// its user may do.
type KeyScopes struct {
	Docs     []string `json:"docs,omitempty"`     // if set, only these documents (and nothing outside documents)
	ReadOnly bool     `json:"readOnly,omitempty"` // if set, no writes at all
}

// AllowsDoc reports whether the scopes allow access to document docID.
func (s KeyScopes) AllowsDoc(docID string) bool {
	if len(s.Docs) == 0 {
		return true
	}
	for _, d := range s.Docs {
		if d == docID {
			return true
		}
	}
	return false
}

// base58 is the alphabet of document ids: no 0, O, I or l.
const base58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// DocIDLen is the length of a document id.
const DocIDLen = 22

// NewDocID returns a random 22-character base58 document id (about 128
// bits of randomness).
func NewDocID() string { return RandomBase58(DocIDLen) }

// RandomBase58 returns n random characters of the base58 alphabet, each
// uniformly drawn from crypto/rand (about 5.86 bits each).
func RandomBase58(n int) string {
	b := make([]byte, n)
	buf := make([]byte, 2*n)
	for i := 0; i < n; {
		_, _ = rand.Read(buf) // crypto/rand never fails on supported platforms
		for _, c := range buf {
			// 58*4 = 232: reject values >= 232 to avoid modulo bias.
			if c < 232 && i < n {
				b[i] = base58[c%58]
				i++
			}
		}
	}
	return string(b)
}

// ValidDocID reports whether s has the shape of a document id.
func ValidDocID(s string) bool {
	if len(s) != DocIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isBase58(s[i]) {
			return false
		}
	}
	return true
}

func isBase58(c byte) bool {
	switch {
	case c >= '1' && c <= '9':
		return true
	case c >= 'A' && c <= 'Z':
		return c != 'I' && c != 'O'
	case c >= 'a' && c <= 'z':
		return c != 'l'
	}
	return false
}

// Actor is who is making a request: a user, and the API key they used (nil
// for a web session or an anonymous request). Every service method that
// reads or changes a resource takes the Actor and checks its access.
type Actor struct {
	User User
	Key  *APIKey
}

// Anonymous reports whether the actor presented no credentials.
func (a Actor) Anonymous() bool { return a.User.ID == 0 }

// ReadOnly reports whether the actor's key forbids writes.
func (a Actor) ReadOnly() bool { return a.Key != nil && a.Key.Scopes.ReadOnly }

// DocScoped reports whether the actor's key is limited to some documents.
func (a Actor) DocScoped() bool { return a.Key != nil && len(a.Key.Scopes.Docs) > 0 }

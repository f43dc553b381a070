package grist

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/home"
)

// The JSON shapes of Grist's public API. Field names, nesting and nulls
// follow Grist exactly; that is what makes existing clients work.

type userJSON struct {
	ID      int64   `json:"id"`
	Name    string  `json:"name"`
	Picture *string `json:"picture"`
}

type orgJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Domain    string    `json:"domain"`
	Host      *string   `json:"host"`
	Owner     *userJSON `json:"owner"`
	Access    string    `json:"access"`
	CreatedAt string    `json:"createdAt"`
	UpdatedAt string    `json:"updatedAt"`
}

type docJSON struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Access    string         `json:"access"`
	IsPinned  bool           `json:"isPinned"`
	URLID     *string        `json:"urlId"`
	CreatedAt string         `json:"createdAt"`
	UpdatedAt string         `json:"updatedAt"`
	Workspace *workspaceJSON `json:"workspace,omitempty"`
}

type workspaceJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Access    string    `json:"access"`
	Docs      []docJSON `json:"docs,omitzero"` // nil: not listed; empty: []
	OrgDomain string    `json:"orgDomain,omitempty"`
	Org       *orgJSON  `json:"org,omitempty"`
	CreatedAt string    `json:"createdAt"`
	UpdatedAt string    `json:"updatedAt"`
}

// timeJSON formats a time as Grist does: ISO 8601, UTC, milliseconds.
func timeJSON(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func orgView(v home.OrgView) *orgJSON {
	o := &orgJSON{ID: v.ID, Name: v.Name, Domain: v.Domain, Access: string(v.Access),
		CreatedAt: timeJSON(v.CreatedAt), UpdatedAt: timeJSON(v.UpdatedAt)}
	if v.Owner != nil {
		o.Owner = &userJSON{ID: v.Owner.ID, Name: v.Owner.Name}
	}
	return o
}

func docView(v home.DocView) docJSON {
	d := docJSON{ID: v.ID, Name: v.Name, Access: string(v.Access), IsPinned: v.IsPinned,
		CreatedAt: timeJSON(v.CreatedAt), UpdatedAt: timeJSON(v.UpdatedAt)}
	if v.URLID != "" {
		u := v.URLID
		d.URLID = &u
	}
	return d
}

// workspaceView renders a workspace; withDocs lists its documents (an
// empty list stays [] rather than disappearing).
func workspaceView(v home.WorkspaceView, withDocs, withOrg bool) workspaceJSON {
	w := workspaceJSON{ID: v.ID, Name: v.Name, Access: string(v.Access),
		CreatedAt: timeJSON(v.CreatedAt), UpdatedAt: timeJSON(v.UpdatedAt)}
	if withOrg {
		w.Org = orgView(v.Org)
	} else {
		w.OrgDomain = v.Org.Domain
	}
	if withDocs {
		w.Docs = make([]docJSON, 0, len(v.Docs))
		for _, d := range v.Docs {
			w.Docs = append(w.Docs, docView(d))
		}
	}
	return w
}

type accessUserJSON struct {
	ID           int64   `json:"id"`
	Name         string  `json:"name"`
	Email        string  `json:"email"`
	Ref          string  `json:"ref"`
	Picture      *string `json:"picture"`
	Access       *string `json:"access"`
	ParentAccess *string `json:"parentAccess,omitempty"`
	IsMember     *bool   `json:"isMember,omitempty"`
}

func rolePtr(r rowhouse.Role) *string {
	if r == rowhouse.RoleNone {
		return nil
	}
	s := string(r)
	return &s
}

// userRef is a stable, opaque reference to a user, as Grist's "ref".
func userRef(u rowhouse.User) string {
	h := sha256.Sum256([]byte("rowhouse-user-ref:" + u.Email))
	return hex.EncodeToString(h[:10])
}

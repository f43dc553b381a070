package client

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// User is a user as the server shows it in listings.
type User struct {
	ID      int64   `json:"id"`
	Name    string  `json:"name"`
	Picture *string `json:"picture"`
}

// Profile is the caller's own account (GET /api/profile/user).
type Profile struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Ref   string `json:"ref"`
}

// Org is an organization. Owner is set for a personal org (domain
// "docs-<userId>") and nil for a team org. Access is the caller's role.
type Org struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Domain    string    `json:"domain"`
	Owner     *User     `json:"owner"`
	Access    string    `json:"access"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Workspace is a folder of documents inside an org. Docs is filled by
// Workspaces and Workspace; Org only by Workspace.
type Workspace struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Access    string    `json:"access"`
	Docs      []DocInfo `json:"docs"`
	OrgDomain string    `json:"orgDomain"`
	Org       *Org      `json:"org"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// DocInfo is a document's entry in the home database. Workspace is set by
// Doc.Info only.
type DocInfo struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Access    string     `json:"access"`
	IsPinned  bool       `json:"isPinned"`
	URLID     *string    `json:"urlId"`
	CreatedAt time.Time  `json:"createdAt"`
	UpdatedAt time.Time  `json:"updatedAt"`
	Workspace *Workspace `json:"workspace"`
}

// Profile returns the caller's account.
func (c *Client) Profile(ctx context.Context) (Profile, error) {
	var p Profile
	err := c.call(ctx, http.MethodGet, "/api/profile/user", nil, &p)
	return p, err
}

// Orgs lists the orgs the caller can see.
func (c *Client) Orgs(ctx context.Context) ([]Org, error) {
	var out []Org
	err := c.call(ctx, http.MethodGet, "/api/orgs", nil, &out)
	return out, err
}

// Org returns one org; ref is its id, its domain, or "current" (the
// caller's personal org, or the org of an /o/<domain> base URL).
func (c *Client) Org(ctx context.Context, ref string) (Org, error) {
	var o Org
	err := c.call(ctx, http.MethodGet, "/api/orgs/"+seg(ref), nil, &o)
	return o, err
}

// CreateOrg creates a team org and returns its id.
func (c *Client) CreateOrg(ctx context.Context, name, domain string) (int64, error) {
	var id int64
	err := c.call(ctx, http.MethodPost, "/api/orgs", map[string]string{"name": name, "domain": domain}, &id)
	return id, err
}

// DeleteOrg deletes an org with everything in it; confirm must be the
// org's domain or name (the server's safety check).
func (c *Client) DeleteOrg(ctx context.Context, ref, confirm string) error {
	return c.call(ctx, http.MethodDelete, "/api/orgs/"+seg(ref)+"/"+seg(confirm), nil, nil)
}

// Workspaces lists an org's workspaces with their documents; org is as for
// Org.
func (c *Client) Workspaces(ctx context.Context, org string) ([]Workspace, error) {
	var out []Workspace
	err := c.call(ctx, http.MethodGet, "/api/orgs/"+seg(org)+"/workspaces", nil, &out)
	return out, err
}

// Workspace returns one workspace with its documents and its org.
func (c *Client) Workspace(ctx context.Context, id int64) (Workspace, error) {
	var w Workspace
	err := c.call(ctx, http.MethodGet, "/api/workspaces/"+strconv.FormatInt(id, 10), nil, &w)
	return w, err
}

// CreateWorkspace creates a workspace in org and returns its id.
func (c *Client) CreateWorkspace(ctx context.Context, org, name string) (int64, error) {
	var id int64
	err := c.call(ctx, http.MethodPost, "/api/orgs/"+seg(org)+"/workspaces", map[string]string{"name": name}, &id)
	return id, err
}

// RenameWorkspace renames a workspace.
func (c *Client) RenameWorkspace(ctx context.Context, id int64, name string) error {
	return c.call(ctx, http.MethodPatch, "/api/workspaces/"+strconv.FormatInt(id, 10), map[string]string{"name": name}, nil)
}

// DeleteWorkspace deletes a workspace and its documents.
func (c *Client) DeleteWorkspace(ctx context.Context, id int64) error {
	return c.call(ctx, http.MethodDelete, "/api/workspaces/"+strconv.FormatInt(id, 10), nil, nil)
}

// CreateDoc creates an empty document in a workspace and returns its id.
func (c *Client) CreateDoc(ctx context.Context, workspace int64, name string) (string, error) {
	var id string
	err := c.call(ctx, http.MethodPost, "/api/workspaces/"+strconv.FormatInt(workspace, 10)+"/docs", map[string]string{"name": name}, &id)
	return id, err
}

// DeleteDoc deletes a document.
func (c *Client) DeleteDoc(ctx context.Context, docID string) error {
	return c.call(ctx, http.MethodDelete, "/api/docs/"+seg(docID), nil, nil)
}

// APIKey is an API key's metadata. Key, the secret itself, is set only in
// the answer of CreateAPIKey: the server stores keys hashed.
type APIKey struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Key        string     `json:"key,omitempty"`
	Prefix     string     `json:"prefix"`
	Scopes     KeyScopes  `json:"scopes"`
	ExpiresAt  *time.Time `json:"expiresAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	CreatedAt  time.Time  `json:"createdAt"`
}

// KeyScopes narrows what a key may do; the zero value allows everything
// its user may do.
type KeyScopes struct {
	Docs     []string `json:"docs,omitempty"`     // only these documents
	ReadOnly bool     `json:"readOnly,omitempty"` // no writes
}

// NewAPIKey describes a key to create.
type NewAPIKey struct {
	Name      string     `json:"name"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	Scopes    *KeyScopes `json:"scopes,omitempty"`
}

// APIKeys lists the caller's API keys (without their secrets).
func (c *Client) APIKeys(ctx context.Context) ([]APIKey, error) {
	var out []APIKey
	err := c.call(ctx, http.MethodGet, "/api/profile/apikeys", nil, &out)
	return out, err
}

// CreateAPIKey creates a key for the caller; the answer's Key is the
// secret, shown this once.
func (c *Client) CreateAPIKey(ctx context.Context, k NewAPIKey) (APIKey, error) {
	if k.ExpiresAt != nil {
		t := k.ExpiresAt.UTC().Truncate(time.Second)
		k.ExpiresAt = &t
	}
	var out APIKey
	err := c.call(ctx, http.MethodPost, "/api/profile/apikeys", k, &out)
	return out, err
}

// DeleteAPIKey revokes one of the caller's keys.
func (c *Client) DeleteAPIKey(ctx context.Context, id int64) error {
	return c.call(ctx, http.MethodDelete, "/api/profile/apikeys/"+strconv.FormatInt(id, 10), nil, nil)
}

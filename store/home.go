package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/rowhouse/rowhouse"
)

// Home gives access to the home database: users, orgs, workspaces,
// documents' entries, access rules and API keys. It stores and fetches;
// the rules (who may do what, what a new user gets) live in package home.
type Home struct {
	db DB
	// gen counts committed writes, for caches of home answers (see
	// Generation).
	gen atomic.Uint64
	// onWrite, if set, is told after each committed write (see OnWrite).
	onWrite atomic.Pointer[func()]
}

// NewHome returns the home store over db, whose schema an engine has
// already migrated.
func NewHome(db DB) *Home { return &Home{db: db} }

// Read returns queries that run outside any transaction.
func (h *Home) Read() HomeQueries { return HomeQueries{q: h.db, d: h.db.Dialect()} }

// Write runs fn in one write transaction, committed if fn returns nil.
// Cached answers (see Generation) go stale, here and in the processes told
// through OnWrite.
func (h *Home) Write(ctx context.Context, fn func(HomeQueries) error) error {
	if err := h.write(ctx, fn); err != nil {
		return err
	}
	h.gen.Add(1) // after the commit: a reader that saw the old data holds the old generation
	if fn := h.onWrite.Load(); fn != nil {
		(*fn)()
	}
	return nil
}

// WriteUncached is Write for what no cached answer depends on (sessions,
// webhooks and their delivery logs and leases, last-used times): it leaves
// the caches of keys and access alone, here and in the other processes,
// which a busy webhook dispatcher would otherwise empty on every attempt.
func (h *Home) WriteUncached(ctx context.Context, fn func(HomeQueries) error) error {
	return h.write(ctx, fn)
}

func (h *Home) write(ctx context.Context, fn func(HomeQueries) error) error {
	tx, err := h.db.BeginWrite(ctx)
	if err != nil {
		return fmt.Errorf("home: begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(HomeQueries{q: tx, d: h.db.Dialect()}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("home: commit: %w", err)
	}
	return nil
}

// OnWrite sets fn to be called after each write this process commits, so
// that other processes sharing the database can be told (they call
// Invalidate). fn must not block.
func (h *Home) OnWrite(fn func()) { h.onWrite.Store(&fn) }

// Invalidate moves the generation on, as a write does: another process
// wrote to the home database, so every cached answer is stale.
func (h *Home) Invalidate() { h.gen.Add(1) }

// Generation counts the writes this process has committed to the home
// database, and the other processes' it was told of (Invalidate). A cached
// answer read at one generation is stale once it moves; caches also bound
// their answers' age, for writes no one was told of.
func (h *Home) Generation() uint64 { return h.gen.Load() }

// Ping checks that the home database answers.
func (h *Home) Ping(ctx context.Context) error {
	var one int
	return h.db.QueryRow(ctx, `SELECT 1`).Scan(&one)
}

// HomeQueries are the home database's queries, bound to a transaction or
// to the database itself.
type HomeQueries struct {
	q Querier
	d Dialect
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromMSPtr(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := fromMS(*v)
	return &t
}

func msPtr(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := ms(*t)
	return &v
}

// notFound turns ErrNoRows into the domain's not-found error.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, ErrNoRows) {
		return rowhouse.NotFoundf(format, args...)
	}
	return err
}

// ---- users

const userCols = `id, email, name, created_at`

func scanUser(r Row) (rowhouse.User, error) {
	var u rowhouse.User
	var created int64
	err := r.Scan(&u.ID, &u.Email, &u.Name, &created)
	u.CreatedAt = fromMS(created)
	return u, err
}

// CreateUser inserts a user; ECONFLICT if the email is taken. The email
// must already be normalized (lower case, trimmed).
func (h HomeQueries) CreateUser(ctx context.Context, email, name string, now time.Time) (rowhouse.User, error) {
	u, err := scanUser(h.q.QueryRow(ctx,
		`INSERT INTO users (email, name, created_at) VALUES (?, ?, ?) RETURNING `+userCols,
		email, name, ms(now)))
	if err != nil && h.d.IsUniqueViolation(err) {
		return u, rowhouse.Errorf(rowhouse.ECONFLICT, "user %s already exists", email)
	}
	if err != nil {
		return u, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// UserByID returns a user; ENOTFOUND if there is none.
func (h HomeQueries) UserByID(ctx context.Context, id int64) (rowhouse.User, error) {
	u, err := scanUser(h.q.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
	return u, notFound(err, "user not found")
}

// UserByEmail returns a user by normalized email; ENOTFOUND if there is none.
func (h HomeQueries) UserByEmail(ctx context.Context, email string) (rowhouse.User, error) {
	u, err := scanUser(h.q.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE email = ?`, email))
	return u, notFound(err, "user not found")
}

// CountUsers returns how many users exist.
func (h HomeQueries) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := h.q.QueryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// SetPasswordHash stores a user's password hash.
func (h HomeQueries) SetPasswordHash(ctx context.Context, userID int64, hash string) error {
	_, err := h.q.Exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID)
	return err
}

// SetUserName changes a user's display name; ENOTFOUND if there is no
// such user.
func (h HomeQueries) SetUserName(ctx context.Context, userID int64, name string) error {
	n, err := h.q.Exec(ctx, `UPDATE users SET name = ? WHERE id = ?`, name, userID)
	if err != nil {
		return fmt.Errorf("set user name: %w", err)
	}
	if n == 0 {
		return rowhouse.NotFoundf("user not found")
	}
	return nil
}

// PasswordHash returns a user's password hash ("" if none is set).
func (h HomeQueries) PasswordHash(ctx context.Context, userID int64) (string, error) {
	var s string
	err := h.q.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = ?`, userID).Scan(&s)
	return s, notFound(err, "user not found")
}

// UsersByIDs returns the users with the given ids, keyed by id, in one
// query.
func (h HomeQueries) UsersByIDs(ctx context.Context, ids []int64) (map[int64]rowhouse.User, error) {
	out := make(map[int64]rowhouse.User, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := h.q.Query(ctx, `SELECT `+userCols+` FROM users WHERE id IN (`+placeholders(len(ids))+`)`, int64Args(ids)...)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	users, err := collect(rows, scanUser)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	for _, u := range users {
		out[u.ID] = u
	}
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			return nil, rowhouse.NotFoundf("user not found")
		}
	}
	return out, nil
}

// ---- orgs

const orgCols = `id, name, domain, COALESCE(owner_id, 0), created_at, updated_at`

func scanOrg(r Row) (rowhouse.Org, error) {
	var o rowhouse.Org
	var c, u int64
	err := r.Scan(&o.ID, &o.Name, &o.Domain, &o.OwnerID, &c, &u)
	o.CreatedAt, o.UpdatedAt = fromMS(c), fromMS(u)
	return o, err
}

// CreateOrg inserts an org; ECONFLICT if the domain is taken.
func (h HomeQueries) CreateOrg(ctx context.Context, name, domain string, ownerID int64, now time.Time) (rowhouse.Org, error) {
	var owner any
	if ownerID != 0 {
		owner = ownerID
	}
	o, err := scanOrg(h.q.QueryRow(ctx,
		`INSERT INTO orgs (name, domain, owner_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING `+orgCols,
		name, domain, owner, ms(now), ms(now)))
	if err != nil && h.d.IsUniqueViolation(err) {
		return o, rowhouse.Invalidf("Domain already in use")
	}
	if err != nil {
		return o, fmt.Errorf("create org: %w", err)
	}
	return o, nil
}

// OrgByID returns an org; ENOTFOUND if there is none.
func (h HomeQueries) OrgByID(ctx context.Context, id int64) (rowhouse.Org, error) {
	o, err := scanOrg(h.q.QueryRow(ctx, `SELECT `+orgCols+` FROM orgs WHERE id = ?`, id))
	return o, notFound(err, "organization not found")
}

// OrgByDomain returns an org by its domain; ENOTFOUND if there is none.
func (h HomeQueries) OrgByDomain(ctx context.Context, domain string) (rowhouse.Org, error) {
	o, err := scanOrg(h.q.QueryRow(ctx, `SELECT `+orgCols+` FROM orgs WHERE domain = ?`, domain))
	return o, notFound(err, "organization not found")
}

// OrgsByIDs returns the orgs with the given ids, ordered by id.
func (h HomeQueries) OrgsByIDs(ctx context.Context, ids []int64) ([]rowhouse.Org, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := h.q.Query(ctx, `SELECT `+orgCols+` FROM orgs WHERE id IN (`+placeholders(len(ids))+`) ORDER BY id`, int64Args(ids)...)
	if err != nil {
		return nil, fmt.Errorf("list orgs: %w", err)
	}
	return collect(rows, scanOrg)
}

// UpdateOrg renames an org or changes its domain.
func (h HomeQueries) UpdateOrg(ctx context.Context, o rowhouse.Org, now time.Time) error {
	_, err := h.q.Exec(ctx, `UPDATE orgs SET name = ?, domain = ?, updated_at = ? WHERE id = ?`, o.Name, o.Domain, ms(now), o.ID)
	if err != nil && h.d.IsUniqueViolation(err) {
		return rowhouse.Invalidf("Domain already in use")
	}
	return err
}

// DeleteOrg removes an org, its workspaces, its documents' entries and
// every access rule on them. It returns the ids of the removed documents,
// whose databases the caller must delete.
func (h HomeQueries) DeleteOrg(ctx context.Context, orgID int64) ([]string, error) {
	docs, err := h.DocsInOrg(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, d := range docs {
		ids = append(ids, d.ID)
		if err := h.deleteACL(ctx, rowhouse.ResourceDoc, d.ID); err != nil {
			return nil, err
		}
	}
	wss, err := h.WorkspacesInOrg(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for _, ws := range wss {
		if err := h.deleteACL(ctx, rowhouse.ResourceWorkspace, fmt.Sprint(ws.ID)); err != nil {
			return nil, err
		}
	}
	if err := h.deleteACL(ctx, rowhouse.ResourceOrg, fmt.Sprint(orgID)); err != nil {
		return nil, err
	}
	if _, err := h.q.Exec(ctx, `DELETE FROM docs WHERE workspace_id IN (SELECT id FROM workspaces WHERE org_id = ?)`, orgID); err != nil {
		return nil, err
	}
	if _, err := h.q.Exec(ctx, `DELETE FROM workspaces WHERE org_id = ?`, orgID); err != nil {
		return nil, err
	}
	if _, err := h.q.Exec(ctx, `DELETE FROM orgs WHERE id = ?`, orgID); err != nil {
		return nil, err
	}
	return ids, nil
}

// ---- workspaces

const wsCols = `id, org_id, name, max_inherited_role, created_at, updated_at`

func scanWorkspace(r Row) (rowhouse.Workspace, error) {
	var w rowhouse.Workspace
	var role string
	var c, u int64
	err := r.Scan(&w.ID, &w.OrgID, &w.Name, &role, &c, &u)
	w.MaxInheritedRole, w.CreatedAt, w.UpdatedAt = rowhouse.Role(role), fromMS(c), fromMS(u)
	return w, err
}

// CreateWorkspace inserts a workspace in an org.
func (h HomeQueries) CreateWorkspace(ctx context.Context, orgID int64, name string, now time.Time) (rowhouse.Workspace, error) {
	w, err := scanWorkspace(h.q.QueryRow(ctx,
		`INSERT INTO workspaces (org_id, name, max_inherited_role, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING `+wsCols,
		orgID, name, string(rowhouse.RoleOwners), ms(now), ms(now)))
	if err != nil {
		return w, fmt.Errorf("create workspace: %w", err)
	}
	return w, nil
}

// WorkspaceByID returns a workspace; ENOTFOUND if there is none.
func (h HomeQueries) WorkspaceByID(ctx context.Context, id int64) (rowhouse.Workspace, error) {
	w, err := scanWorkspace(h.q.QueryRow(ctx, `SELECT `+wsCols+` FROM workspaces WHERE id = ?`, id))
	return w, notFound(err, "workspace not found")
}

// WorkspacesInOrg lists an org's workspaces by id.
func (h HomeQueries) WorkspacesInOrg(ctx context.Context, orgID int64) ([]rowhouse.Workspace, error) {
	rows, err := h.q.Query(ctx, `SELECT `+wsCols+` FROM workspaces WHERE org_id = ? ORDER BY id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list workspaces: %w", err)
	}
	return collect(rows, scanWorkspace)
}

// UpdateWorkspace stores a workspace's name and maximum inherited role.
func (h HomeQueries) UpdateWorkspace(ctx context.Context, w rowhouse.Workspace, now time.Time) error {
	_, err := h.q.Exec(ctx, `UPDATE workspaces SET name = ?, max_inherited_role = ?, updated_at = ? WHERE id = ?`,
		w.Name, string(w.MaxInheritedRole), ms(now), w.ID)
	return err
}

// DeleteWorkspace removes a workspace, its documents' entries and their
// access rules, and returns the removed documents' ids.
func (h HomeQueries) DeleteWorkspace(ctx context.Context, wsID int64) ([]string, error) {
	docs, err := h.DocsInWorkspace(ctx, wsID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, d := range docs {
		ids = append(ids, d.ID)
		if err := h.deleteACL(ctx, rowhouse.ResourceDoc, d.ID); err != nil {
			return nil, err
		}
	}
	if err := h.deleteACL(ctx, rowhouse.ResourceWorkspace, fmt.Sprint(wsID)); err != nil {
		return nil, err
	}
	if _, err := h.q.Exec(ctx, `DELETE FROM docs WHERE workspace_id = ?`, wsID); err != nil {
		return nil, err
	}
	if _, err := h.q.Exec(ctx, `DELETE FROM workspaces WHERE id = ?`, wsID); err != nil {
		return nil, err
	}
	return ids, nil
}

// ---- docs

const docCols = `id, workspace_id, name, is_pinned, COALESCE(url_id, ''), max_inherited_role, created_at, updated_at`

func scanDoc(r Row) (rowhouse.Doc, error) {
	var d rowhouse.Doc
	var role string
	var pinned bool
	var c, u int64
	err := r.Scan(&d.ID, &d.WorkspaceID, &d.Name, &pinned, &d.URLID, &role, &c, &u)
	d.IsPinned, d.MaxInheritedRole, d.CreatedAt, d.UpdatedAt = pinned, rowhouse.Role(role), fromMS(c), fromMS(u)
	return d, err
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreateDoc inserts a document's entry.
func (h HomeQueries) CreateDoc(ctx context.Context, d rowhouse.Doc) error {
	_, err := h.q.Exec(ctx,
		`INSERT INTO docs (id, workspace_id, name, is_pinned, url_id, max_inherited_role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.WorkspaceID, d.Name, d.IsPinned, nullIfEmpty(d.URLID), string(d.MaxInheritedRole), ms(d.CreatedAt), ms(d.UpdatedAt))
	if err != nil {
		return fmt.Errorf("create doc: %w", err)
	}
	return nil
}

// DocByID returns a document's entry by id or urlId; ENOTFOUND if there is
// none.
func (h HomeQueries) DocByID(ctx context.Context, id string) (rowhouse.Doc, error) {
	d, err := scanDoc(h.q.QueryRow(ctx, `SELECT `+docCols+` FROM docs WHERE id = ? OR url_id = ? ORDER BY (id = ?) DESC LIMIT 1`, id, id, id))
	return d, notFound(err, "document not found")
}

// DocWithParents returns a document's entry (by id or urlId) with its
// workspace and org, in one query: the access check of every document
// request needs all three.
func (h HomeQueries) DocWithParents(ctx context.Context, id string) (rowhouse.Doc, rowhouse.Workspace, rowhouse.Org, error) {
	var d rowhouse.Doc
	var w rowhouse.Workspace
	var o rowhouse.Org
	var dRole, wRole string
	var pinned bool
	var dc, du, wc, wu, oc, ou int64
	err := h.q.QueryRow(ctx, `SELECT d.id, d.workspace_id, d.name, d.is_pinned, COALESCE(d.url_id, ''), d.max_inherited_role, d.created_at, d.updated_at,
		w.id, w.org_id, w.name, w.max_inherited_role, w.created_at, w.updated_at,
		o.id, o.name, o.domain, COALESCE(o.owner_id, 0), o.created_at, o.updated_at
		FROM docs d JOIN workspaces w ON w.id = d.workspace_id JOIN orgs o ON o.id = w.org_id
		WHERE d.id = ? OR d.url_id = ? ORDER BY (d.id = ?) DESC LIMIT 1`, id, id, id).Scan(
		&d.ID, &d.WorkspaceID, &d.Name, &pinned, &d.URLID, &dRole, &dc, &du,
		&w.ID, &w.OrgID, &w.Name, &wRole, &wc, &wu,
		&o.ID, &o.Name, &o.Domain, &o.OwnerID, &oc, &ou)
	if err != nil {
		return d, w, o, notFound(err, "document not found")
	}
	d.IsPinned, d.MaxInheritedRole, d.CreatedAt, d.UpdatedAt = pinned, rowhouse.Role(dRole), fromMS(dc), fromMS(du)
	w.MaxInheritedRole, w.CreatedAt, w.UpdatedAt = rowhouse.Role(wRole), fromMS(wc), fromMS(wu)
	o.CreatedAt, o.UpdatedAt = fromMS(oc), fromMS(ou)
	return d, w, o, nil
}

// DocsInWorkspace lists a workspace's documents by name.
func (h HomeQueries) DocsInWorkspace(ctx context.Context, wsID int64) ([]rowhouse.Doc, error) {
	rows, err := h.q.Query(ctx, `SELECT `+docCols+` FROM docs WHERE workspace_id = ? ORDER BY name, id`, wsID)
	if err != nil {
		return nil, fmt.Errorf("list docs: %w", err)
	}
	return collect(rows, scanDoc)
}

// DocsInOrg lists the documents of every workspace of an org.
func (h HomeQueries) DocsInOrg(ctx context.Context, orgID int64) ([]rowhouse.Doc, error) {
	rows, err := h.q.Query(ctx, `SELECT `+docCols+` FROM docs WHERE workspace_id IN (SELECT id FROM workspaces WHERE org_id = ?) ORDER BY name, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list docs: %w", err)
	}
	return collect(rows, scanDoc)
}

// UpdateDoc stores a document entry's name, pin, urlId, workspace and
// maximum inherited role; ECONFLICT-free but EINVALID if the urlId is taken.
func (h HomeQueries) UpdateDoc(ctx context.Context, d rowhouse.Doc, now time.Time) error {
	_, err := h.q.Exec(ctx, `UPDATE docs SET workspace_id = ?, name = ?, is_pinned = ?, url_id = ?, max_inherited_role = ?, updated_at = ? WHERE id = ?`,
		d.WorkspaceID, d.Name, d.IsPinned, nullIfEmpty(d.URLID), string(d.MaxInheritedRole), ms(now), d.ID)
	if err != nil && h.d.IsUniqueViolation(err) {
		return rowhouse.Invalidf("urlId already in use")
	}
	return err
}

// DeleteDoc removes a document's entry and its access rules.
func (h HomeQueries) DeleteDoc(ctx context.Context, id string) error {
	if err := h.deleteACL(ctx, rowhouse.ResourceDoc, id); err != nil {
		return err
	}
	_, err := h.q.Exec(ctx, `DELETE FROM docs WHERE id = ?`, id)
	return err
}

// ---- access rules

// Grant is one direct access rule: a user's role on a resource.
type Grant struct {
	Resource   string // rowhouse.ResourceOrg, ResourceWorkspace or ResourceDoc
	ResourceID string // org or workspace id in decimal, or a doc id
	UserID     int64
	Role       rowhouse.Role
}

func scanGrant(r Row) (Grant, error) {
	var g Grant
	var role string
	err := r.Scan(&g.Resource, &g.ResourceID, &g.UserID, &role)
	g.Role = rowhouse.Role(role)
	return g, err
}

// SetGrant gives a user a role on a resource, replacing any other;
// RoleNone removes the user's rule.
func (h HomeQueries) SetGrant(ctx context.Context, g Grant) error {
	if _, err := h.q.Exec(ctx, `DELETE FROM acl WHERE resource = ? AND resource_id = ? AND user_id = ?`, g.Resource, g.ResourceID, g.UserID); err != nil {
		return fmt.Errorf("set grant: %w", err)
	}
	if g.Role == rowhouse.RoleNone {
		return nil
	}
	if _, err := h.q.Exec(ctx, `INSERT INTO acl (resource, resource_id, user_id, role) VALUES (?, ?, ?, ?)`, g.Resource, g.ResourceID, g.UserID, string(g.Role)); err != nil {
		return fmt.Errorf("set grant: %w", err)
	}
	return nil
}

// GrantsOn lists the direct rules on one resource.
func (h HomeQueries) GrantsOn(ctx context.Context, resource, resourceID string) ([]Grant, error) {
	rows, err := h.q.Query(ctx, `SELECT resource, resource_id, user_id, role FROM acl WHERE resource = ? AND resource_id = ? ORDER BY user_id`, resource, resourceID)
	if err != nil {
		return nil, fmt.Errorf("list grants: %w", err)
	}
	return collect(rows, scanGrant)
}

// GrantsOf lists every direct rule of one user.
func (h HomeQueries) GrantsOf(ctx context.Context, userID int64) ([]Grant, error) {
	rows, err := h.q.Query(ctx, `SELECT resource, resource_id, user_id, role FROM acl WHERE user_id = ?`, userID)
	if err != nil {
		return nil, fmt.Errorf("list grants: %w", err)
	}
	return collect(rows, scanGrant)
}

func (h HomeQueries) deleteACL(ctx context.Context, resource, id string) error {
	_, err := h.q.Exec(ctx, `DELETE FROM acl WHERE resource = ? AND resource_id = ?`, resource, id)
	return err
}

// ---- API keys

const keyCols = `id, user_id, name, prefix, hash, scopes, expires_at, last_used_at, created_at`

func scanKey(r Row) (rowhouse.APIKey, error) { return scanKeyAnd(r) }

// scanKeyAnd scans keyCols, then the extra destinations.
func scanKeyAnd(r Row, extra ...any) (rowhouse.APIKey, error) {
	var k rowhouse.APIKey
	var scopes string
	var exp, used *int64
	var c int64
	if err := r.Scan(append([]any{&k.ID, &k.UserID, &k.Name, &k.Prefix, &k.Hash, &scopes, &exp, &used, &c}, extra...)...); err != nil {
		return k, err
	}
	if err := json.Unmarshal([]byte(scopes), &k.Scopes); err != nil {
		return k, fmt.Errorf("key %d: bad scopes: %w", k.ID, err)
	}
	k.ExpiresAt, k.LastUsedAt, k.CreatedAt = fromMSPtr(exp), fromMSPtr(used), fromMS(c)
	return k, nil
}

// CreateKey stores a new key; EINVALID if the user has a key of that name.
func (h HomeQueries) CreateKey(ctx context.Context, k rowhouse.APIKey) (rowhouse.APIKey, error) {
	scopes, err := json.Marshal(k.Scopes)
	if err != nil {
		return k, err
	}
	out, err := scanKey(h.q.QueryRow(ctx,
		`INSERT INTO api_keys (user_id, name, prefix, hash, scopes, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING `+keyCols,
		k.UserID, k.Name, k.Prefix, k.Hash, string(scopes), msPtr(k.ExpiresAt), ms(k.CreatedAt)))
	if err != nil && h.d.IsUniqueViolation(err) {
		return out, rowhouse.Invalidf("an API key named %q already exists", k.Name)
	}
	if err != nil {
		return out, fmt.Errorf("create key: %w", err)
	}
	return out, nil
}

// KeyByHash finds a key by the SHA-256 hash of its secret.
func (h HomeQueries) KeyByHash(ctx context.Context, hash []byte) (rowhouse.APIKey, error) {
	k, err := scanKey(h.q.QueryRow(ctx, `SELECT `+keyCols+` FROM api_keys WHERE hash = ?`, hash))
	return k, notFound(err, "key not found")
}

// KeyAndUser finds a key by the SHA-256 hash of its secret, with its user,
// in one query: the authentication of every keyed request.
func (h HomeQueries) KeyAndUser(ctx context.Context, hash []byte) (rowhouse.APIKey, rowhouse.User, error) {
	var u rowhouse.User
	var uc int64
	k, err := scanKeyAnd(h.q.QueryRow(ctx, `SELECT k.id, k.user_id, k.name, k.prefix, k.hash, k.scopes, k.expires_at, k.last_used_at, k.created_at,
		u.email, u.name, u.created_at FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.hash = ?`, hash), &u.Email, &u.Name, &uc)
	if err != nil {
		return k, u, notFound(err, "key not found")
	}
	u.ID, u.CreatedAt = k.UserID, fromMS(uc)
	return k, u, nil
}

// KeysOf lists a user's keys, oldest first.
func (h HomeQueries) KeysOf(ctx context.Context, userID int64) ([]rowhouse.APIKey, error) {
	rows, err := h.q.Query(ctx, `SELECT `+keyCols+` FROM api_keys WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	return collect(rows, scanKey)
}

// DeleteKey removes one of a user's keys; ENOTFOUND if the user has no
// key with that id.
func (h HomeQueries) DeleteKey(ctx context.Context, userID, keyID int64) error {
	n, err := h.q.Exec(ctx, `DELETE FROM api_keys WHERE id = ? AND user_id = ?`, keyID, userID)
	if err != nil {
		return fmt.Errorf("delete key: %w", err)
	}
	if n == 0 {
		return rowhouse.NotFoundf("API key not found")
	}
	return nil
}

// DeleteKeyByName removes a user's key of that name, if any, and reports
// whether there was one.
func (h HomeQueries) DeleteKeyByName(ctx context.Context, userID int64, name string) (bool, error) {
	n, err := h.q.Exec(ctx, `DELETE FROM api_keys WHERE user_id = ? AND name = ?`, userID, name)
	return n > 0, err
}

// TouchKey records when a key was last used.
func (h HomeQueries) TouchKey(ctx context.Context, keyID int64, at time.Time) error {
	_, err := h.q.Exec(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, ms(at), keyID)
	return err
}

// ---- helpers

func placeholders(n int) string {
	b := make([]byte, 0, 2*n)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '?')
	}
	return string(b)
}

func int64Args(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// collect reads every row with scan and closes rows.
func collect[T any](rows Rows, scan func(Row) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

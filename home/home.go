// Package home holds the rules of the home database: what a new user gets,
// who may see and change orgs, workspaces and documents, and how access is
// inherited (org -> workspace -> document, capped by maxInheritedRole).
// Every method takes the acting user and checks their role and their key's
// scope before reading or writing anything. It never builds SQL (package
// store does) and knows nothing of HTTP.
package home

import (
	"context"
	"fmt"
	"github.com/rowhouse/rowhouse/internal/gencache"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/store"
)

// Service applies the home rules over a storage engine.
type Service struct {
	engine store.Engine
	home   *store.Home
	now    func() time.Time
	log    *slog.Logger
	// docAccess keeps what each user may do with each document, the
	// question every document request asks first.
	docAccess *gencache.Cache[docAccessKey, docAccess]
}

// Bounds of the document access cache. A change made through this process,
// or by another one that says so (store.Home.Invalidate, wired to
// LISTEN/NOTIFY on PostgreSQL), is seen at once; accessCacheTTL bounds how
// long a change no one was told of can go unseen.
const (
	accessCacheTTL  = 10 * time.Second
	accessCacheSize = 16_384
)

type docAccessKey struct {
	userID int64
	docID  string
}

// docAccess is a document as a user sees it, or why they cannot.
type docAccess struct {
	view DocView
	err  error
}

// New returns the service. now is the clock (time.Now outside tests).
func New(engine store.Engine, now func() time.Time, log *slog.Logger) *Service {
	h := engine.Home()
	return &Service{engine: engine, home: h, now: now, log: log,
		docAccess: gencache.New[docAccessKey, docAccess](h.Generation, now, accessCacheTTL, accessCacheSize)}
}

// OrgView is an org as one user sees it.
type OrgView struct {
	rowhouse.Org
	Access rowhouse.Role
	Owner  *rowhouse.User // the owner of a personal org, else nil
}

// WorkspaceView is a workspace as one user sees it.
type WorkspaceView struct {
	rowhouse.Workspace
	Access rowhouse.Role
	Org    OrgView
	Docs   []DocView // filled by listings only
}

// DocView is a document as one user sees it.
type DocView struct {
	rowhouse.Doc
	Access    rowhouse.Role
	Workspace WorkspaceView // without Docs
}

// AccessEntry is one user in an access listing.
type AccessEntry struct {
	User         rowhouse.User
	Access       rowhouse.Role // direct role on this resource, RoleNone if none
	ParentAccess rowhouse.Role // what is inherited (after maxInheritedRole), for workspaces and docs
	IsMember     bool          // for orgs: a member of the org (not merely a guest)
}

// AccessList is the access listing of an org, workspace or document.
type AccessList struct {
	MaxInheritedRole rowhouse.Role // workspaces and docs only
	Users            []AccessEntry
}

// AccessDelta changes an access listing: users by email to a role, or to
// RoleNone to remove them; and optionally the maxInheritedRole.
type AccessDelta struct {
	Users               map[string]rowhouse.Role
	SetMaxInheritedRole bool
	MaxInheritedRole    rowhouse.Role
}

// PersonalDomain is the domain of a user's personal org.
func PersonalDomain(userID int64) string { return "docs-" + strconv.FormatInt(userID, 10) }

// NormalizeEmail lower-cases and trims an email address.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)

// ValidEmail reports whether email (once normalized) is an address
// EnsureUser accepts, so that a command can refuse it as a usage mistake
// before opening anything.
func ValidEmail(email string) bool {
	email = NormalizeEmail(email)
	return emailRE.MatchString(email) && len(email) <= 320
}

// ---- users

// EnsureUser returns the user with this email, creating them (with their
// personal org and its Home workspace) if there is none. created tells
// which happened.
func (s *Service) EnsureUser(ctx context.Context, email, name string) (u rowhouse.User, created bool, err error) {
	email = NormalizeEmail(email)
	if !ValidEmail(email) {
		return u, false, rowhouse.Invalidf("invalid email address %q", email)
	}
	err = s.home.Write(ctx, func(q store.HomeQueries) error {
		var err error
		u, created, err = s.ensureUser(ctx, q, email, name)
		return err
	})
	return u, created, err
}

func (s *Service) ensureUser(ctx context.Context, q store.HomeQueries, email, name string) (rowhouse.User, bool, error) {
	u, err := q.UserByEmail(ctx, email)
	if err == nil {
		return u, false, nil
	}
	if rowhouse.ErrorKind(err) != rowhouse.ENOTFOUND {
		return u, false, err
	}
	if name == "" {
		name, _, _ = strings.Cut(email, "@")
	}
	now := s.now()
	u, err = q.CreateUser(ctx, email, name, now)
	if err != nil {
		return u, false, err
	}
	org, err := q.CreateOrg(ctx, "Personal", PersonalDomain(u.ID), u.ID, now)
	if err != nil {
		return u, false, err
	}
	if err := q.SetGrant(ctx, store.Grant{Resource: rowhouse.ResourceOrg, ResourceID: idStr(org.ID), UserID: u.ID, Role: rowhouse.RoleOwners}); err != nil {
		return u, false, err
	}
	if _, err := q.CreateWorkspace(ctx, org.ID, "Home", now); err != nil {
		return u, false, err
	}
	return u, true, nil
}

// CountUsers returns how many users exist.
func (s *Service) CountUsers(ctx context.Context) (int, error) {
	return s.home.Read().CountUsers(ctx)
}

// User returns a user by id.
func (s *Service) User(ctx context.Context, id int64) (rowhouse.User, error) {
	return s.home.Read().UserByID(ctx, id)
}

// maxUserName is the longest display name accepted, in bytes.
const maxUserName = 255

// SetUserName changes the caller's own display name (Grist's POST
// /api/profile/user/name). A key limited to documents, or read-only,
// cannot; an empty or over-long name is EINVALID.
func (s *Service) SetUserName(ctx context.Context, a rowhouse.Actor, name string) error {
	if a.Anonymous() {
		return rowhouse.Errorf(rowhouse.EUNAUTHORIZED, "sign in to change your name")
	}
	if err := checkKeyForHome(a, true); err != nil {
		return err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return rowhouse.Invalidf("Name expected in the body")
	}
	if len(name) > maxUserName || !utf8.ValidString(name) {
		return rowhouse.Invalidf("name must be valid UTF-8 of at most %d bytes", maxUserName)
	}
	return wrapf(s.home.Write(ctx, func(q store.HomeQueries) error {
		return q.SetUserName(ctx, a.User.ID, name)
	}), "set user name")
}

// ---- scope checks

// checkKeyForHome refuses keys limited to documents on org and workspace
// operations, and read-only keys on writes.
func checkKeyForHome(a rowhouse.Actor, write bool) error {
	if a.DocScoped() {
		return rowhouse.Forbiddenf("API key is limited to documents")
	}
	if write && a.ReadOnly() {
		return rowhouse.Forbiddenf("API key is read-only")
	}
	return nil
}

// checkKeyForDoc refuses keys that do not cover the document, and read-only
// keys on writes.
func checkKeyForDoc(a rowhouse.Actor, docID string, write bool) error {
	if a.Key != nil && !a.Key.Scopes.AllowsDoc(docID) {
		return rowhouse.Forbiddenf("API key is not allowed to access this document")
	}
	if write && a.ReadOnly() {
		return rowhouse.Forbiddenf("API key is read-only")
	}
	return nil
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

// ---- resolving and checking

// findOrg resolves an org by integer id or domain.
func findOrg(ctx context.Context, q store.HomeQueries, ref string) (rowhouse.Org, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return q.OrgByID(ctx, id)
	}
	return q.OrgByDomain(ctx, ref)
}

// orgView resolves an org and the actor's role on it, which is "guests"
// when they only have access to something inside it. No role at all is
// 403 "access denied".
func (s *Service) orgView(ctx context.Context, q store.HomeQueries, g grants, ref string) (OrgView, error) {
	org, err := findOrg(ctx, q, ref)
	if err != nil {
		return OrgView{}, err
	}
	v := OrgView{Org: org, Access: g.org(org.ID)}
	if v.Access == rowhouse.RoleNone {
		inside, err := guestOrgs(ctx, q, g)
		if err != nil {
			return v, err
		}
		if inside[org.ID] {
			v.Access = rowhouse.RoleGuests
		}
	}
	if v.Access == rowhouse.RoleNone {
		return v, rowhouse.Forbiddenf("access denied")
	}
	return v, s.fillOwner(ctx, q, &v)
}

func (s *Service) fillOwner(ctx context.Context, q store.HomeQueries, v *OrgView) error {
	if v.OwnerID == 0 {
		return nil
	}
	u, err := q.UserByID(ctx, v.OwnerID)
	if err != nil {
		return err
	}
	v.Owner = &u
	return nil
}

// guestOrgs returns the orgs in which the user has a rule on a workspace or
// document.
func guestOrgs(ctx context.Context, q store.HomeQueries, g grants) (map[int64]bool, error) {
	out := map[int64]bool{}
	wsOrg := map[int64]int64{}
	wsOf := func(id int64) (int64, error) {
		if o, ok := wsOrg[id]; ok {
			return o, nil
		}
		ws, err := q.WorkspaceByID(ctx, id)
		if err != nil {
			return 0, err
		}
		wsOrg[id] = ws.OrgID
		return ws.OrgID, nil
	}
	for key, role := range g {
		if role == rowhouse.RoleNone {
			continue
		}
		res, id, _ := strings.Cut(key, ":")
		switch res {
		case rowhouse.ResourceWorkspace:
			wid, _ := strconv.ParseInt(id, 10, 64)
			o, err := wsOf(wid)
			if err != nil {
				continue // rule left on a removed workspace
			}
			out[o] = true
		case rowhouse.ResourceDoc:
			d, err := q.DocByID(ctx, id)
			if err != nil {
				continue
			}
			o, err := wsOf(d.WorkspaceID)
			if err != nil {
				continue
			}
			out[o] = true
		}
	}
	return out, nil
}

// wsView resolves a workspace and the actor's role on it; a workspace they
// cannot see is 403 "access denied" unless it holds a document they can
// see (then their role is "guests").
func (s *Service) wsView(ctx context.Context, q store.HomeQueries, g grants, wsID int64) (WorkspaceView, error) {
	ws, err := q.WorkspaceByID(ctx, wsID)
	if err != nil {
		return WorkspaceView{}, err
	}
	org, err := q.OrgByID(ctx, ws.OrgID)
	if err != nil {
		return WorkspaceView{}, err
	}
	ov := OrgView{Org: org, Access: g.org(org.ID)}
	v := WorkspaceView{Workspace: ws, Access: wsRole(ov.Access, ws, g.ws(ws.ID))}
	if ov.Access == rowhouse.RoleNone {
		ov.Access = rowhouse.RoleGuests
	}
	v.Org = ov
	if v.Access == rowhouse.RoleNone {
		docs, err := q.DocsInWorkspace(ctx, ws.ID)
		if err != nil {
			return v, err
		}
		for _, d := range docs {
			if docRole(v.Access, d, g.doc(d.ID)).AtLeast(rowhouse.RoleViewers) {
				v.Access = rowhouse.RoleGuests
				break
			}
		}
	}
	if v.Access == rowhouse.RoleNone {
		return v, rowhouse.Forbiddenf("access denied")
	}
	return v, nil
}

// docView resolves a document and the actor's role on it. Like wsView it
// leaves the org's Owner unset: only answers that show it look it up. Unlike orgs and
// workspaces, a document the actor cannot see is 403 "No view access".
func (s *Service) docView(ctx context.Context, q store.HomeQueries, g grants, docID string) (DocView, error) {
	d, ws, org, err := q.DocWithParents(ctx, docID)
	if err != nil {
		return DocView{}, err
	}
	orgRole := g.org(org.ID)
	wsEff := wsRole(orgRole, ws, g.ws(ws.ID))
	v := DocView{Doc: d, Access: docRole(wsEff, d, g.doc(d.ID))}
	ov := OrgView{Org: org, Access: orgRole}
	if ov.Access == rowhouse.RoleNone {
		ov.Access = rowhouse.RoleGuests
	}
	wsv := WorkspaceView{Workspace: ws, Access: wsEff, Org: ov}
	if wsv.Access == rowhouse.RoleNone {
		wsv.Access = rowhouse.RoleGuests
	}
	v.Workspace = wsv
	if !v.Access.AtLeast(rowhouse.RoleViewers) {
		return v, rowhouse.Forbiddenf("No view access")
	}
	return v, nil
}

// need returns the 403 error for a document role that is too weak.
func needDoc(have, want rowhouse.Role) error {
	if have.AtLeast(want) {
		return nil
	}
	switch want {
	case rowhouse.RoleOwners:
		return rowhouse.Forbiddenf("No owner access")
	case rowhouse.RoleEditors:
		return rowhouse.Forbiddenf("No write access")
	}
	return rowhouse.Forbiddenf("No view access")
}

// needHome returns 403 "access denied" for an org or workspace role that
// is too weak.
func needHome(have, want rowhouse.Role) error {
	if have.AtLeast(want) {
		return nil
	}
	return rowhouse.Forbiddenf("access denied")
}

// ---- validation

var domainRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,48}[a-z0-9])?$`)

func validDomain(d string) error {
	if !domainRE.MatchString(d) {
		return rowhouse.Invalidf("Domain must have only lowercase letters, numbers and dashes, and at most 50 characters")
	}
	if d == "docs" || strings.HasPrefix(d, "docs-") || d == "api" || d == "o" {
		return rowhouse.Invalidf("Domain %q is reserved", d)
	}
	return nil
}

func validName(what, name string) error {
	if strings.TrimSpace(name) == "" {
		return rowhouse.InvalidPayload("%s name must not be empty", what)
	}
	if len(name) > 255 {
		return rowhouse.InvalidPayload("%s name is longer than 255 characters", what)
	}
	return nil
}

func wrapf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	if rowhouse.ErrorKind(err) != rowhouse.EINTERNAL {
		return err
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

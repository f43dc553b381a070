package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/store"
)

// home tests the home database's queries (store/home.go) on the engine.
func (s *suite) home(t *testing.T) {
	t.Run("Users", s.homeUsers)
	t.Run("Orgs", s.homeOrgs)
	t.Run("DeleteOrgCascades", s.homeDeleteOrg)
	t.Run("Workspaces", s.homeWorkspaces)
	t.Run("Docs", s.homeDocs)
	t.Run("Grants", s.homeGrants)
	t.Run("APIKeys", s.homeKeys)
	t.Run("WriteRollsBack", s.homeWriteRollsBack)
	t.Run("ReadSeesCommittedOnly", s.homeReadVsWrite)
	t.Run("ConcurrentWrites", s.homeConcurrentWrites)
}

func (s *suite) homeUsers(t *testing.T) {
	h := s.engine(t).Home()
	ctx := t.Context()

	if n := must(h.Read().CountUsers(ctx))(t); n != 0 {
		t.Fatalf("a new engine has %d users", n)
	}
	ann := writeVal(t, h, func(ctx context.Context, q store.HomeQueries) (rowhouse.User, error) {
		return q.CreateUser(ctx, "ann@example.com", "Ann", now)
	})
	if ann.ID <= 0 || ann.Email != "ann@example.com" || ann.Name != "Ann" || !ann.CreatedAt.Equal(now) {
		t.Fatalf("CreateUser returned %+v", ann)
	}
	bob := writeVal(t, h, func(ctx context.Context, q store.HomeQueries) (rowhouse.User, error) {
		return q.CreateUser(ctx, "bob@example.com", "", now)
	})
	if bob.ID == ann.ID {
		t.Fatalf("two users share id %d", bob.ID)
	}

	err := writeErr(t, h, func(ctx context.Context, q store.HomeQueries) error {
		_, err := q.CreateUser(ctx, "ann@example.com", "Other Ann", now)
		return err
	})
	wantKind(t, err, rowhouse.ECONFLICT, "CreateUser with a taken email")

	q := h.Read()
	if got := must(q.UserByID(ctx, ann.ID))(t); got != ann {
		t.Errorf("UserByID = %+v, want %+v", got, ann)
	}
	if got := must(q.UserByEmail(ctx, "bob@example.com"))(t); got != bob {
		t.Errorf("UserByEmail = %+v, want %+v", got, bob)
	}
	_, err = q.UserByID(ctx, 9999)
	wantKind(t, err, rowhouse.ENOTFOUND, "UserByID of a missing user")
	_, err = q.UserByEmail(ctx, "nobody@example.com")
	wantKind(t, err, rowhouse.ENOTFOUND, "UserByEmail of a missing user")
	if n := must(q.CountUsers(ctx))(t); n != 2 {
		t.Errorf("CountUsers = %d, want 2", n)
	}

	byID := must(q.UsersByIDs(ctx, []int64{bob.ID, ann.ID, bob.ID}))(t)
	if len(byID) != 2 || byID[ann.ID] != ann || byID[bob.ID] != bob {
		t.Errorf("UsersByIDs = %+v", byID)
	}
	_, err = q.UsersByIDs(ctx, []int64{ann.ID, 9999})
	wantKind(t, err, rowhouse.ENOTFOUND, "UsersByIDs with a missing user")

	if got := must(q.PasswordHash(ctx, ann.ID))(t); got != "" {
		t.Errorf("a new user's password hash is %q", got)
	}
	write(t, h, func(ctx context.Context, q store.HomeQueries) error {
		return q.SetPasswordHash(ctx, ann.ID, "$argon2id$x")
	})
	if got := must(q.PasswordHash(ctx, ann.ID))(t); got != "$argon2id$x" {
		t.Errorf("PasswordHash = %q after SetPasswordHash", got)
	}
	_, err = q.PasswordHash(ctx, 9999)
	wantKind(t, err, rowhouse.ENOTFOUND, "PasswordHash of a missing user")
}

// newUser creates a user with a unique email.
func newUser(t *testing.T, h *store.Home, email string) rowhouse.User {
	t.Helper()
	return writeVal(t, h, func(ctx context.Context, q store.HomeQueries) (rowhouse.User, error) {
		return q.CreateUser(ctx, email, email, now)
	})
}

func newOrg(t *testing.T, h *store.Home, name, domain string, owner int64) rowhouse.Org {
	t.Helper()
	return writeVal(t, h, func(ctx context.Context, q store.HomeQueries) (rowhouse.Org, error) {
		return q.CreateOrg(ctx, name, domain, owner, now)
	})
}

func newWorkspace(t *testing.T, h *store.Home, orgID int64, name string) rowhouse.Workspace {
	t.Helper()
	return writeVal(t, h, func(ctx context.Context, q store.HomeQueries) (rowhouse.Workspace, error) {
		return q.CreateWorkspace(ctx, orgID, name, now)
	})
}

// newDocEntry creates a document's entry (not its database).
func newDocEntry(t *testing.T, h *store.Home, wsID int64, name, urlID string) rowhouse.Doc {
	t.Helper()
	d := rowhouse.Doc{ID: rowhouse.NewDocID(), WorkspaceID: wsID, Name: name, URLID: urlID,
		MaxInheritedRole: rowhouse.RoleOwners, CreatedAt: now, UpdatedAt: now}
	write(t, h, func(ctx context.Context, q store.HomeQueries) error { return q.CreateDoc(ctx, d) })
	return d
}

func grant(t *testing.T, h *store.Home, resource, id string, user int64, role rowhouse.Role) {
	t.Helper()
	write(t, h, func(ctx context.Context, q store.HomeQueries) error {
		return q.SetGrant(ctx, store.Grant{Resource: resource, ResourceID: id, UserID: user, Role: role})
	})
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func (s *suite) homeOrgs(t *testing.T) {
	h := s.engine(t).Home()
	ctx := t.Context()
	ann := newUser(t, h, "ann@example.com")

	personal := newOrg(t, h, "Personal", "docs-1", ann.ID)
	if !personal.Personal() || personal.OwnerID != ann.ID || personal.Domain != "docs-1" ||
		!personal.CreatedAt.Equal(now) || !personal.UpdatedAt.Equal(now) {
		t.Fatalf("CreateOrg (personal) returned %+v", personal)
	}
	team := newOrg(t, h, "Team", "team", 0)
	if team.Personal() || team.OwnerID != 0 || team.Name != "Team" {
		t.Fatalf("CreateOrg (team) returned %+v", team)
	}
	other := newOrg(t, h, "Other", "other", 0)

	err := writeErr(t, h, func(ctx context.Context, q store.HomeQueries) error {
		_, err := q.CreateOrg(ctx, "Team again", "team", 0, now)
		return err
	})
	wantKind(t, err, rowhouse.EINVALID, "CreateOrg with a taken domain")

	q := h.Read()
	if got := must(q.OrgByID(ctx, team.ID))(t); got != team {
		t.Errorf("OrgByID = %+v, want %+v", got, team)
	}
	if got := must(q.OrgByDomain(ctx, "docs-1"))(t); got != personal {
		t.Errorf("OrgByDomain = %+v, want %+v", got, personal)
	}
	_, err = q.OrgByID(ctx, 9999)
	wantKind(t, err, rowhouse.ENOTFOUND, "OrgByID of a missing org")
	_, err = q.OrgByDomain(ctx, "nope")
	wantKind(t, err, rowhouse.ENOTFOUND, "OrgByDomain of a missing org")

	list := must(q.OrgsByIDs(ctx, []int64{other.ID, personal.ID, 9999}))(t)
	if want := []rowhouse.Org{personal, other}; !slices.Equal(list, want) {
		t.Errorf("OrgsByIDs = %+v, want %+v (by id, missing ones left out)", list, want)
	}
	if list := must(q.OrgsByIDs(ctx, nil))(t); len(list) != 0 {
		t.Errorf("OrgsByIDs(nil) = %+v", list)
	}

	later := now.Add(time.Hour)
	renamed := team
	renamed.Name, renamed.Domain = "Team Renamed", "team2"
	write(t, h, func(ctx context.Context, q store.HomeQueries) error { return q.UpdateOrg(ctx, renamed, later) })
	got := must(q.OrgByID(ctx, team.ID))(t)
	if got.Name != "Team Renamed" || got.Domain != "team2" || !got.UpdatedAt.Equal(later) || !got.CreatedAt.Equal(now) {
		t.Errorf("after UpdateOrg: %+v", got)
	}
	_, err = q.OrgByDomain(ctx, "team")
	wantKind(t, err, rowhouse.ENOTFOUND, "the old domain after UpdateOrg")

	clash := other
	clash.Domain = "team2"
	err = writeErr(t, h, func(ctx context.Context, q store.HomeQueries) error { return q.UpdateOrg(ctx, clash, later) })
	wantKind(t, err, rowhouse.EINVALID, "UpdateOrg to a taken domain")
	if got := must(q.OrgByID(ctx, other.ID))(t); got != other {
		t.Errorf("a failed UpdateOrg changed the org: %+v", got)
	}
}

func (s *suite) homeDeleteOrg(t *testing.T) {
	h := s.engine(t).Home()
	ctx := t.Context()
	ann := newUser(t, h, "ann@example.com")
	bob := newUser(t, h, "bob@example.com")

	gone := newOrg(t, h, "Gone", "gone", 0)
	ws1 := newWorkspace(t, h, gone.ID, "One")
	ws2 := newWorkspace(t, h, gone.ID, "Two")
	d1 := newDocEntry(t, h, ws1.ID, "a", "")
	d2 := newDocEntry(t, h, ws1.ID, "b", "gone-url")
	d3 := newDocEntry(t, h, ws2.ID, "c", "")
	empty := newWorkspace(t, h, gone.ID, "Empty")

	kept := newOrg(t, h, "Kept", "kept", 0)
	kws := newWorkspace(t, h, kept.ID, "Kept ws")
	kd := newDocEntry(t, h, kws.ID, "kept doc", "")

	grant(t, h, rowhouse.ResourceOrg, itoa(gone.ID), ann.ID, rowhouse.RoleOwners)
	grant(t, h, rowhouse.ResourceOrg, itoa(gone.ID), bob.ID, rowhouse.RoleMembers)
	grant(t, h, rowhouse.ResourceWorkspace, itoa(ws1.ID), bob.ID, rowhouse.RoleEditors)
	grant(t, h, rowhouse.ResourceWorkspace, itoa(empty.ID), bob.ID, rowhouse.RoleViewers)
	grant(t, h, rowhouse.ResourceDoc, d3.ID, bob.ID, rowhouse.RoleViewers)
	grant(t, h, rowhouse.ResourceOrg, itoa(kept.ID), ann.ID, rowhouse.RoleOwners)
	grant(t, h, rowhouse.ResourceWorkspace, itoa(kws.ID), bob.ID, rowhouse.RoleEditors)
	grant(t, h, rowhouse.ResourceDoc, kd.ID, bob.ID, rowhouse.RoleViewers)

	ids := writeVal(t, h, func(ctx context.Context, q store.HomeQueries) ([]string, error) {
		return q.DeleteOrg(ctx, gone.ID)
	})
	slices.Sort(ids)
	want := []string{d1.ID, d2.ID, d3.ID}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("DeleteOrg returned %v, want the ids of its documents %v", ids, want)
	}

	q := h.Read()
	_, err := q.OrgByID(ctx, gone.ID)
	wantKind(t, err, rowhouse.ENOTFOUND, "the deleted org")
	for _, ws := range []rowhouse.Workspace{ws1, ws2, empty} {
		_, err := q.WorkspaceByID(ctx, ws.ID)
		wantKind(t, err, rowhouse.ENOTFOUND, "a workspace of the deleted org")
	}
	for _, d := range []string{d1.ID, d2.ID, d3.ID, "gone-url"} {
		_, err := q.DocByID(ctx, d)
		wantKind(t, err, rowhouse.ENOTFOUND, "a document of the deleted org")
	}
	for _, r := range [][2]string{
		{rowhouse.ResourceOrg, itoa(gone.ID)}, {rowhouse.ResourceWorkspace, itoa(ws1.ID)},
		{rowhouse.ResourceWorkspace, itoa(empty.ID)}, {rowhouse.ResourceDoc, d3.ID},
	} {
		if g := must(q.GrantsOn(ctx, r[0], r[1]))(t); len(g) != 0 {
			t.Errorf("grants on deleted %s %s remain: %+v", r[0], r[1], g)
		}
	}
	if n := len(must(q.DocsInOrg(ctx, gone.ID))(t)); n != 0 {
		t.Errorf("DocsInOrg of the deleted org lists %d docs", n)
	}

	// The other org is untouched.
	if got := must(q.OrgByID(ctx, kept.ID))(t); got != kept {
		t.Errorf("kept org changed: %+v", got)
	}
	if got := must(q.DocByID(ctx, kd.ID))(t); got.ID != kd.ID {
		t.Errorf("kept doc: %+v", got)
	}
	if got := must(q.WorkspacesInOrg(ctx, kept.ID))(t); len(got) != 1 || got[0] != kws {
		t.Errorf("kept workspaces: %+v", got)
	}
	if g := must(q.GrantsOf(ctx, bob.ID))(t); len(g) != 2 {
		t.Errorf("bob's grants after the delete: %+v, want the 2 on the kept org", g)
	}
	if g := must(q.GrantsOf(ctx, ann.ID))(t); len(g) != 1 || g[0].ResourceID != itoa(kept.ID) {
		t.Errorf("ann's grants after the delete: %+v, want the one on the kept org", g)
	}

	// Deleting an org with nothing in it, or twice, is fine.
	ids = writeVal(t, h, func(ctx context.Context, q store.HomeQueries) ([]string, error) {
		return q.DeleteOrg(ctx, gone.ID)
	})
	if len(ids) != 0 {
		t.Errorf("deleting a deleted org returned %v", ids)
	}
}

func (s *suite) homeWorkspaces(t *testing.T) {
	h := s.engine(t).Home()
	ctx := t.Context()
	bob := newUser(t, h, "bob@example.com")
	org := newOrg(t, h, "Org", "org", 0)
	org2 := newOrg(t, h, "Org2", "org2", 0)

	w1 := newWorkspace(t, h, org.ID, "Home")
	if w1.ID <= 0 || w1.OrgID != org.ID || w1.Name != "Home" || w1.MaxInheritedRole != rowhouse.RoleOwners ||
		!w1.CreatedAt.Equal(now) || !w1.UpdatedAt.Equal(now) {
		t.Fatalf("CreateWorkspace returned %+v", w1)
	}
	w2 := newWorkspace(t, h, org.ID, "Another")
	w3 := newWorkspace(t, h, org2.ID, "Elsewhere")

	q := h.Read()
	if got := must(q.WorkspaceByID(ctx, w2.ID))(t); got != w2 {
		t.Errorf("WorkspaceByID = %+v, want %+v", got, w2)
	}
	_, err := q.WorkspaceByID(ctx, 9999)
	wantKind(t, err, rowhouse.ENOTFOUND, "WorkspaceByID of a missing workspace")
	if got := must(q.WorkspacesInOrg(ctx, org.ID))(t); !slices.Equal(got, []rowhouse.Workspace{w1, w2}) {
		t.Errorf("WorkspacesInOrg = %+v, want both, by id", got)
	}
	if got := must(q.WorkspacesInOrg(ctx, 9999))(t); len(got) != 0 {
		t.Errorf("WorkspacesInOrg of a missing org = %+v", got)
	}

	later := now.Add(time.Minute)
	for _, role := range []rowhouse.Role{rowhouse.RoleNone, rowhouse.RoleViewers, rowhouse.RoleOwners} {
		up := w2
		up.Name, up.MaxInheritedRole = "Renamed "+string(role), role
		write(t, h, func(ctx context.Context, q store.HomeQueries) error { return q.UpdateWorkspace(ctx, up, later) })
		got := must(q.WorkspaceByID(ctx, w2.ID))(t)
		if got.Name != up.Name || got.MaxInheritedRole != role || !got.UpdatedAt.Equal(later) || !got.CreatedAt.Equal(now) {
			t.Errorf("after UpdateWorkspace(%q): %+v", role, got)
		}
	}

	d1 := newDocEntry(t, h, w2.ID, "one", "")
	d2 := newDocEntry(t, h, w2.ID, "two", "two-url")
	d3 := newDocEntry(t, h, w3.ID, "three", "")
	grant(t, h, rowhouse.ResourceWorkspace, itoa(w2.ID), bob.ID, rowhouse.RoleEditors)
	grant(t, h, rowhouse.ResourceDoc, d1.ID, bob.ID, rowhouse.RoleViewers)
	grant(t, h, rowhouse.ResourceDoc, d3.ID, bob.ID, rowhouse.RoleViewers)

	ids := writeVal(t, h, func(ctx context.Context, q store.HomeQueries) ([]string, error) {
		return q.DeleteWorkspace(ctx, w2.ID)
	})
	slices.Sort(ids)
	want := []string{d1.ID, d2.ID}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("DeleteWorkspace returned %v, want %v", ids, want)
	}
	_, err = q.WorkspaceByID(ctx, w2.ID)
	wantKind(t, err, rowhouse.ENOTFOUND, "the deleted workspace")
	for _, id := range []string{d1.ID, d2.ID, "two-url"} {
		_, err := q.DocByID(ctx, id)
		wantKind(t, err, rowhouse.ENOTFOUND, "a document of the deleted workspace")
	}
	if g := must(q.GrantsOf(ctx, bob.ID))(t); len(g) != 1 || g[0].ResourceID != d3.ID {
		t.Errorf("grants after DeleteWorkspace: %+v, want only the one on %s", g, d3.ID)
	}
	if got := must(q.WorkspacesInOrg(ctx, org.ID))(t); !slices.Equal(got, []rowhouse.Workspace{w1}) {
		t.Errorf("WorkspacesInOrg after delete = %+v", got)
	}
	if got := must(q.DocByID(ctx, d3.ID))(t); got.ID != d3.ID {
		t.Errorf("doc of another workspace: %+v", got)
	}
}

func (s *suite) homeDocs(t *testing.T) {
	h := s.engine(t).Home()
	ctx := t.Context()
	bob := newUser(t, h, "bob@example.com")
	org := newOrg(t, h, "Org", "org", 0)
	ws := newWorkspace(t, h, org.ID, "A")
	ws2 := newWorkspace(t, h, org.ID, "B")
	other := newWorkspace(t, h, newOrg(t, h, "Other", "other", 0).ID, "C")

	zed := newDocEntry(t, h, ws.ID, "Zed", "")
	alpha := newDocEntry(t, h, ws.ID, "Alpha", "alpha")
	mid := newDocEntry(t, h, ws2.ID, "Mid", "")
	newDocEntry(t, h, other.ID, "Elsewhere", "")

	q := h.Read()
	got := must(q.DocByID(ctx, zed.ID))(t)
	if got != zed {
		t.Errorf("DocByID = %+v, want %+v", got, zed)
	}
	if got := must(q.DocByID(ctx, "alpha"))(t); got != alpha {
		t.Errorf("DocByID(urlId) = %+v, want %+v", got, alpha)
	}
	if got := must(q.DocByID(ctx, alpha.ID))(t); got != alpha {
		t.Errorf("DocByID(id of a doc with a urlId) = %+v", got)
	}
	for _, id := range []string{rowhouse.NewDocID(), "nope", ""} {
		_, err := q.DocByID(ctx, id)
		wantKind(t, err, rowhouse.ENOTFOUND, fmt.Sprintf("DocByID(%q)", id))
		_, _, _, err = q.DocWithParents(ctx, id)
		wantKind(t, err, rowhouse.ENOTFOUND, fmt.Sprintf("DocWithParents(%q)", id))
	}
	// DocWithParents answers the same document, with its workspace and org.
	for _, ref := range []string{alpha.ID, "alpha"} {
		d, w, o, err := q.DocWithParents(ctx, ref)
		if err != nil {
			t.Fatalf("DocWithParents(%q): %v", ref, err)
		}
		if d != alpha || w != must(q.WorkspaceByID(ctx, ws.ID))(t) || o != must(q.OrgByID(ctx, org.ID))(t) {
			t.Errorf("DocWithParents(%q) = %+v %+v %+v", ref, d, w, o)
		}
	}

	names := func(ds []rowhouse.Doc) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.Name)
		}
		return out
	}
	if got := names(must(q.DocsInWorkspace(ctx, ws.ID))(t)); !slices.Equal(got, []string{"Alpha", "Zed"}) {
		t.Errorf("DocsInWorkspace = %v, want by name", got)
	}
	if got := names(must(q.DocsInOrg(ctx, org.ID))(t)); !slices.Equal(got, []string{"Alpha", "Mid", "Zed"}) {
		t.Errorf("DocsInOrg = %v, want every workspace's docs by name", got)
	}

	// Ids are unique.
	dup := zed
	dup.Name = "dup"
	if err := writeErr(t, h, func(ctx context.Context, q store.HomeQueries) error { return q.CreateDoc(ctx, dup) }); err == nil {
		t.Error("CreateDoc with a taken id succeeded")
	}
	// urlIds are unique, but any number of documents may have none.
	taken := rowhouse.Doc{ID: rowhouse.NewDocID(), WorkspaceID: ws.ID, Name: "x", URLID: "alpha", MaxInheritedRole: rowhouse.RoleOwners, CreatedAt: now, UpdatedAt: now}
	if err := writeErr(t, h, func(ctx context.Context, q store.HomeQueries) error { return q.CreateDoc(ctx, taken) }); err == nil {
		t.Error("CreateDoc with a taken urlId succeeded")
	}
	clash := zed
	clash.URLID = "alpha"
	err := writeErr(t, h, func(ctx context.Context, q store.HomeQueries) error { return q.UpdateDoc(ctx, clash, now) })
	wantKind(t, err, rowhouse.EINVALID, "UpdateDoc to a taken urlId")

	// Update every field.
	later := now.Add(time.Hour)
	up := zed
	up.Name, up.IsPinned, up.URLID, up.WorkspaceID, up.MaxInheritedRole = "Zed 2", true, "zed", ws2.ID, rowhouse.RoleViewers
	write(t, h, func(ctx context.Context, q store.HomeQueries) error { return q.UpdateDoc(ctx, up, later) })
	got = must(q.DocByID(ctx, "zed"))(t)
	up.UpdatedAt = later
	if got != up {
		t.Errorf("after UpdateDoc: %+v, want %+v", got, up)
	}
	if got := names(must(q.DocsInWorkspace(ctx, ws2.ID))(t)); !slices.Equal(got, []string{"Mid", "Zed 2"}) {
		t.Errorf("DocsInWorkspace after a move = %v", got)
	}
	// Clearing a urlId frees it.
	up.URLID, up.MaxInheritedRole = "", rowhouse.RoleNone
	write(t, h, func(ctx context.Context, q store.HomeQueries) error { return q.UpdateDoc(ctx, up, later) })
	if _, err := q.DocByID(ctx, "zed"); rowhouse.ErrorKind(err) != rowhouse.ENOTFOUND {
		t.Errorf("a cleared urlId still finds a doc: %v", err)
	}
	if got := must(q.DocByID(ctx, zed.ID))(t); got.URLID != "" || got.MaxInheritedRole != rowhouse.RoleNone {
		t.Errorf("after clearing urlId and maxInheritedRole: %+v", got)
	}
	mid2 := mid
	mid2.URLID = "zed"
	write(t, h, func(ctx context.Context, q store.HomeQueries) error { return q.UpdateDoc(ctx, mid2, later) })

	// DeleteDoc removes the entry and its grants only.
	grant(t, h, rowhouse.ResourceDoc, alpha.ID, bob.ID, rowhouse.RoleEditors)
	grant(t, h, rowhouse.ResourceDoc, mid.ID, bob.ID, rowhouse.RoleViewers)
	write(t, h, func(ctx context.Context, q store.HomeQueries) error { return q.DeleteDoc(ctx, alpha.ID) })
	for _, id := range []string{alpha.ID, "alpha"} {
		_, err := q.DocByID(ctx, id)
		wantKind(t, err, rowhouse.ENOTFOUND, "a deleted doc")
	}
	if g := must(q.GrantsOn(ctx, rowhouse.ResourceDoc, alpha.ID))(t); len(g) != 0 {
		t.Errorf("grants on a deleted doc remain: %+v", g)
	}
	if g := must(q.GrantsOn(ctx, rowhouse.ResourceDoc, mid.ID))(t); len(g) != 1 {
		t.Errorf("grants on another doc: %+v", g)
	}
}

func (s *suite) homeGrants(t *testing.T) {
	h := s.engine(t).Home()
	ctx := t.Context()
	ann := newUser(t, h, "ann@example.com")
	bob := newUser(t, h, "bob@example.com")
	q := h.Read()

	g := func(res, id string, user int64, role rowhouse.Role) store.Grant {
		return store.Grant{Resource: res, ResourceID: id, UserID: user, Role: role}
	}
	grant(t, h, rowhouse.ResourceOrg, "1", bob.ID, rowhouse.RoleViewers)
	grant(t, h, rowhouse.ResourceOrg, "1", ann.ID, rowhouse.RoleOwners)
	grant(t, h, rowhouse.ResourceWorkspace, "1", ann.ID, rowhouse.RoleEditors)
	// The same id on another kind of resource is another resource.
	if got := must(q.GrantsOn(ctx, rowhouse.ResourceOrg, "1"))(t); !slices.Equal(got, []store.Grant{
		g(rowhouse.ResourceOrg, "1", ann.ID, rowhouse.RoleOwners), g(rowhouse.ResourceOrg, "1", bob.ID, rowhouse.RoleViewers),
	}) {
		t.Errorf("GrantsOn = %+v, want both, by user id", got)
	}

	// Setting again replaces.
	grant(t, h, rowhouse.ResourceOrg, "1", bob.ID, rowhouse.RoleEditors)
	if got := must(q.GrantsOn(ctx, rowhouse.ResourceOrg, "1"))(t); len(got) != 2 || got[1].Role != rowhouse.RoleEditors {
		t.Errorf("after replacing bob's role: %+v", got)
	}
	// RoleNone removes, and removing what is not there is fine.
	grant(t, h, rowhouse.ResourceOrg, "1", bob.ID, rowhouse.RoleNone)
	grant(t, h, rowhouse.ResourceOrg, "1", bob.ID, rowhouse.RoleNone)
	if got := must(q.GrantsOn(ctx, rowhouse.ResourceOrg, "1"))(t); !slices.Equal(got, []store.Grant{g(rowhouse.ResourceOrg, "1", ann.ID, rowhouse.RoleOwners)}) {
		t.Errorf("after removing bob: %+v", got)
	}

	mine := must(q.GrantsOf(ctx, ann.ID))(t)
	slices.SortFunc(mine, func(a, b store.Grant) int { return cmpStr(a.Resource, b.Resource) })
	if !slices.Equal(mine, []store.Grant{g(rowhouse.ResourceOrg, "1", ann.ID, rowhouse.RoleOwners), g(rowhouse.ResourceWorkspace, "1", ann.ID, rowhouse.RoleEditors)}) {
		t.Errorf("GrantsOf(ann) = %+v", mine)
	}
	if got := must(q.GrantsOf(ctx, bob.ID))(t); len(got) != 0 {
		t.Errorf("GrantsOf(bob) = %+v", got)
	}
	if got := must(q.GrantsOn(ctx, rowhouse.ResourceDoc, "nothing"))(t); len(got) != 0 {
		t.Errorf("GrantsOn a resource without rules = %+v", got)
	}
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (s *suite) homeKeys(t *testing.T) {
	h := s.engine(t).Home()
	ctx := t.Context()
	ann := newUser(t, h, "ann@example.com")
	bob := newUser(t, h, "bob@example.com")
	q := h.Read()

	hash := func(b byte) []byte {
		out := make([]byte, 32)
		for i := range out {
			out[i] = b ^ byte(i)
		}
		return out
	}
	exp := now.Add(24 * time.Hour)
	k1 := writeVal(t, h, func(ctx context.Context, q store.HomeQueries) (rowhouse.APIKey, error) {
		return q.CreateKey(ctx, rowhouse.APIKey{UserID: ann.ID, Name: "laptop", Prefix: "rh_abc", Hash: hash(1),
			Scopes: rowhouse.KeyScopes{Docs: []string{"d1", "d2"}, ReadOnly: true}, ExpiresAt: &exp, CreatedAt: now})
	})
	if k1.ID <= 0 || k1.UserID != ann.ID || k1.Name != "laptop" || k1.Prefix != "rh_abc" || string(k1.Hash) != string(hash(1)) ||
		!slices.Equal(k1.Scopes.Docs, []string{"d1", "d2"}) || !k1.Scopes.ReadOnly ||
		k1.ExpiresAt == nil || !k1.ExpiresAt.Equal(exp) || k1.LastUsedAt != nil || !k1.CreatedAt.Equal(now) {
		t.Fatalf("CreateKey returned %+v", k1)
	}
	k2 := writeVal(t, h, func(ctx context.Context, q store.HomeQueries) (rowhouse.APIKey, error) {
		return q.CreateKey(ctx, rowhouse.APIKey{UserID: ann.ID, Name: "ci", Prefix: "rh_def", Hash: hash(2), CreatedAt: now})
	})
	if k2.ExpiresAt != nil || len(k2.Scopes.Docs) != 0 || k2.Scopes.ReadOnly {
		t.Errorf("a key without expiry or scopes: %+v", k2)
	}
	// Names are unique per user, not across users.
	err := writeErr(t, h, func(ctx context.Context, q store.HomeQueries) error {
		_, err := q.CreateKey(ctx, rowhouse.APIKey{UserID: ann.ID, Name: "laptop", Prefix: "rh_x", Hash: hash(3), CreatedAt: now})
		return err
	})
	wantKind(t, err, rowhouse.EINVALID, "CreateKey with a name the user already has")
	kb := writeVal(t, h, func(ctx context.Context, q store.HomeQueries) (rowhouse.APIKey, error) {
		return q.CreateKey(ctx, rowhouse.APIKey{UserID: bob.ID, Name: "laptop", Prefix: "rh_x", Hash: hash(3), CreatedAt: now})
	})
	// Hashes are unique.
	if err := writeErr(t, h, func(ctx context.Context, q store.HomeQueries) error {
		_, err := q.CreateKey(ctx, rowhouse.APIKey{UserID: bob.ID, Name: "other", Prefix: "rh_x", Hash: hash(3), CreatedAt: now})
		return err
	}); err == nil {
		t.Error("CreateKey with a stored hash succeeded")
	}

	got := must(q.KeyByHash(ctx, hash(1)))(t)
	if got.ID != k1.ID || got.Name != "laptop" || !slices.Equal(got.Scopes.Docs, k1.Scopes.Docs) || got.ExpiresAt == nil || !got.ExpiresAt.Equal(exp) {
		t.Errorf("KeyByHash = %+v, want %+v", got, k1)
	}
	_, err = q.KeyByHash(ctx, hash(9))
	wantKind(t, err, rowhouse.ENOTFOUND, "KeyByHash of an unknown hash")
	if gk, gu, err := q.KeyAndUser(ctx, hash(1)); err != nil || !reflect.DeepEqual(gk, got) || gu != must(q.UserByID(ctx, got.UserID))(t) {
		t.Errorf("KeyAndUser = %+v %+v %v, want the key and its user", gk, gu, err)
	}
	_, _, err = q.KeyAndUser(ctx, hash(9))
	wantKind(t, err, rowhouse.ENOTFOUND, "KeyAndUser of an unknown hash")

	keys := must(q.KeysOf(ctx, ann.ID))(t)
	if len(keys) != 2 || keys[0].ID != k1.ID || keys[1].ID != k2.ID {
		t.Errorf("KeysOf = %+v, want k1 then k2", keys)
	}

	used := now.Add(5 * time.Minute)
	write(t, h, func(ctx context.Context, q store.HomeQueries) error { return q.TouchKey(ctx, k2.ID, used) })
	got = must(q.KeyByHash(ctx, hash(2)))(t)
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(used) {
		t.Errorf("after TouchKey, LastUsedAt = %v, want %v", got.LastUsedAt, used)
	}

	// A user cannot delete another user's key.
	err = writeErr(t, h, func(ctx context.Context, q store.HomeQueries) error { return q.DeleteKey(ctx, bob.ID, k1.ID) })
	wantKind(t, err, rowhouse.ENOTFOUND, "DeleteKey of another user's key")
	write(t, h, func(ctx context.Context, q store.HomeQueries) error { return q.DeleteKey(ctx, ann.ID, k1.ID) })
	_, err = q.KeyByHash(ctx, hash(1))
	wantKind(t, err, rowhouse.ENOTFOUND, "a deleted key")
	err = writeErr(t, h, func(ctx context.Context, q store.HomeQueries) error { return q.DeleteKey(ctx, ann.ID, k1.ID) })
	wantKind(t, err, rowhouse.ENOTFOUND, "deleting a key twice")

	deleted := writeVal(t, h, func(ctx context.Context, q store.HomeQueries) (bool, error) {
		return q.DeleteKeyByName(ctx, bob.ID, "laptop")
	})
	if !deleted {
		t.Error("DeleteKeyByName of an existing key reported false")
	}
	if _, err := q.KeyByHash(ctx, kb.Hash); rowhouse.ErrorKind(err) != rowhouse.ENOTFOUND {
		t.Errorf("a key deleted by name is still found: %v", err)
	}
	deleted = writeVal(t, h, func(ctx context.Context, q store.HomeQueries) (bool, error) {
		return q.DeleteKeyByName(ctx, bob.ID, "laptop")
	})
	if deleted {
		t.Error("DeleteKeyByName of a missing key reported true")
	}
	if keys := must(q.KeysOf(ctx, ann.ID))(t); len(keys) != 1 || keys[0].ID != k2.ID {
		t.Errorf("ann's keys at the end: %+v", keys)
	}
}

func (s *suite) homeWriteRollsBack(t *testing.T) {
	h := s.engine(t).Home()
	ctx := t.Context()

	// An error from fn: nothing is written, and Write returns that error.
	err := writeErr(t, h, func(ctx context.Context, q store.HomeQueries) error {
		u, err := q.CreateUser(ctx, "ann@example.com", "Ann", now)
		if err != nil {
			return err
		}
		if _, err := q.CreateOrg(ctx, "Personal", "docs-x", u.ID, now); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Write returned %v, want fn's error", err)
	}
	// A failed statement: the statements before it are undone too.
	err = writeErr(t, h, func(ctx context.Context, q store.HomeQueries) error {
		if _, err := q.CreateUser(ctx, "bob@example.com", "Bob", now); err != nil {
			return err
		}
		_, err := q.CreateUser(ctx, "bob@example.com", "Bob again", now)
		return err
	})
	wantKind(t, err, rowhouse.ECONFLICT, "Write whose second statement fails")

	q := h.Read()
	if n := must(q.CountUsers(ctx))(t); n != 0 {
		t.Errorf("%d users after two rolled back writes", n)
	}
	if _, err := q.OrgByDomain(ctx, "docs-x"); rowhouse.ErrorKind(err) != rowhouse.ENOTFOUND {
		t.Errorf("the org of a rolled back write exists: %v", err)
	}
	// The engine is usable afterwards, and the emails are free.
	newUser(t, h, "ann@example.com")
	newUser(t, h, "bob@example.com")
}

func (s *suite) homeReadVsWrite(t *testing.T) {
	h := s.engine(t).Home()
	ctx := t.Context()
	write(t, h, func(ctx context.Context, q store.HomeQueries) error {
		if _, err := q.CreateUser(ctx, "ann@example.com", "Ann", now); err != nil {
			return err
		}
		// The transaction sees its own write...
		if _, err := q.UserByEmail(ctx, "ann@example.com"); err != nil {
			return fmt.Errorf("the write transaction does not see its own insert: %w", err)
		}
		// ...and Read, outside it, does not see it yet, nor wait for it.
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_, err := h.Read().UserByEmail(rctx, "ann@example.com")
		if rowhouse.ErrorKind(err) != rowhouse.ENOTFOUND {
			return fmt.Errorf("Read during a write transaction: got %v, want ENOTFOUND (uncommitted data is invisible, and reads do not wait)", err)
		}
		return nil
	})
	if _, err := h.Read().UserByEmail(ctx, "ann@example.com"); err != nil {
		t.Errorf("Read after commit: %v", err)
	}
}

func (s *suite) homeConcurrentWrites(t *testing.T) {
	h := s.engine(t).Home()
	ctx := t.Context()
	const workers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				err := h.Write(ctx, func(q store.HomeQueries) error {
					_, err := q.CreateUser(ctx, fmt.Sprintf("u%d-%d@example.com", w, i), "", now)
					return err
				})
				if err != nil {
					errs <- err
				}
				if _, err := h.Read().CountUsers(ctx); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent write: %v", err)
	}
	if n := must(h.Read().CountUsers(ctx))(t); n != workers*each {
		t.Errorf("CountUsers = %d after %d concurrent inserts", n, workers*each)
	}
}

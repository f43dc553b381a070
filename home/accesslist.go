package home

import (
	"context"
	"sort"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/store"
)

// OrgAccess lists who has access to an org: members with their role, and
// guests (users with access only to something inside). Any role on the org
// may read it.
func (s *Service) OrgAccess(ctx context.Context, a rowhouse.Actor, orgRef string) (AccessList, error) {
	if err := checkKeyForHome(a, false); err != nil {
		return AccessList{}, err
	}
	q := s.home.Read()
	g, err := loadGrants(ctx, q, a.User.ID)
	if err != nil {
		return AccessList{}, wrapf(err, "org access")
	}
	ov, err := s.orgView(ctx, q, g, orgRef)
	if err != nil {
		return AccessList{}, wrapf(err, "org access")
	}
	if err := needHome(ov.Access, rowhouse.RoleMembers); err != nil {
		return AccessList{}, err
	}
	direct, err := q.GrantsOn(ctx, rowhouse.ResourceOrg, idStr(ov.ID))
	if err != nil {
		return AccessList{}, wrapf(err, "org access")
	}
	entries := map[int64]*AccessEntry{}
	for _, gr := range direct {
		entries[gr.UserID] = &AccessEntry{Access: gr.Role, IsMember: true}
	}
	// Guests: rules on workspaces and documents inside the org.
	wss, err := q.WorkspacesInOrg(ctx, ov.ID)
	if err != nil {
		return AccessList{}, wrapf(err, "org access")
	}
	docs, err := q.DocsInOrg(ctx, ov.ID)
	if err != nil {
		return AccessList{}, wrapf(err, "org access")
	}
	var inner []store.Grant
	for _, ws := range wss {
		gs, err := q.GrantsOn(ctx, rowhouse.ResourceWorkspace, idStr(ws.ID))
		if err != nil {
			return AccessList{}, wrapf(err, "org access")
		}
		inner = append(inner, gs...)
	}
	for _, d := range docs {
		gs, err := q.GrantsOn(ctx, rowhouse.ResourceDoc, d.ID)
		if err != nil {
			return AccessList{}, wrapf(err, "org access")
		}
		inner = append(inner, gs...)
	}
	for _, gr := range inner {
		if _, ok := entries[gr.UserID]; !ok {
			entries[gr.UserID] = &AccessEntry{Access: rowhouse.RoleGuests}
		}
	}
	return s.finishList(ctx, q, entries, rowhouse.RoleNone)
}

// WorkspaceAccess lists who has access to a workspace, directly or through
// the org (viewers and up may read it).
func (s *Service) WorkspaceAccess(ctx context.Context, a rowhouse.Actor, wsID int64) (AccessList, error) {
	if err := checkKeyForHome(a, false); err != nil {
		return AccessList{}, err
	}
	q := s.home.Read()
	g, err := loadGrants(ctx, q, a.User.ID)
	if err != nil {
		return AccessList{}, wrapf(err, "workspace access")
	}
	v, err := s.wsView(ctx, q, g, wsID)
	if err != nil {
		return AccessList{}, wrapf(err, "workspace access")
	}
	if err := needHome(v.Access, rowhouse.RoleViewers); err != nil {
		return AccessList{}, err
	}
	entries, err := s.wsEntries(ctx, q, v.Workspace)
	if err != nil {
		return AccessList{}, wrapf(err, "workspace access")
	}
	return s.finishList(ctx, q, entries, v.MaxInheritedRole)
}

// wsEntries computes, for everyone with a rule on a workspace or its org,
// their direct role on the workspace and what they inherit.
func (s *Service) wsEntries(ctx context.Context, q store.HomeQueries, ws rowhouse.Workspace) (map[int64]*AccessEntry, error) {
	entries := map[int64]*AccessEntry{}
	orgGrants, err := q.GrantsOn(ctx, rowhouse.ResourceOrg, idStr(ws.OrgID))
	if err != nil {
		return nil, err
	}
	for _, gr := range orgGrants {
		if p := rowhouse.MinRole(inheritable(gr.Role), ws.MaxInheritedRole); p != rowhouse.RoleNone {
			entries[gr.UserID] = &AccessEntry{ParentAccess: p}
		}
	}
	wsGrants, err := q.GrantsOn(ctx, rowhouse.ResourceWorkspace, idStr(ws.ID))
	if err != nil {
		return nil, err
	}
	for _, gr := range wsGrants {
		e := entries[gr.UserID]
		if e == nil {
			e = &AccessEntry{}
			entries[gr.UserID] = e
		}
		e.Access = gr.Role
	}
	return entries, nil
}

// DocAccess lists who has access to a document, directly or inherited
// (viewers and up may read it).
func (s *Service) DocAccess(ctx context.Context, a rowhouse.Actor, docID string) (AccessList, error) {
	v, err := s.Doc(ctx, a, docID, rowhouse.RoleViewers)
	if err != nil {
		return AccessList{}, err
	}
	q := s.home.Read()
	wsEntries, err := s.wsEntries(ctx, q, v.Workspace.Workspace)
	if err != nil {
		return AccessList{}, wrapf(err, "doc access")
	}
	entries := map[int64]*AccessEntry{}
	for uid, e := range wsEntries {
		eff := rowhouse.MaxRole(e.Access, e.ParentAccess)
		if p := rowhouse.MinRole(inheritable(eff), v.MaxInheritedRole); p != rowhouse.RoleNone {
			entries[uid] = &AccessEntry{ParentAccess: p}
		}
	}
	docGrants, err := q.GrantsOn(ctx, rowhouse.ResourceDoc, v.ID)
	if err != nil {
		return AccessList{}, wrapf(err, "doc access")
	}
	for _, gr := range docGrants {
		e := entries[gr.UserID]
		if e == nil {
			e = &AccessEntry{}
			entries[gr.UserID] = e
		}
		e.Access = gr.Role
	}
	return s.finishList(ctx, q, entries, v.MaxInheritedRole)
}

func (s *Service) finishList(ctx context.Context, q store.HomeQueries, entries map[int64]*AccessEntry, maxInherited rowhouse.Role) (AccessList, error) {
	ids := make([]int64, 0, len(entries))
	for id := range entries {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	users, err := q.UsersByIDs(ctx, ids)
	if err != nil {
		return AccessList{}, wrapf(err, "access list")
	}
	out := AccessList{MaxInheritedRole: maxInherited, Users: make([]AccessEntry, 0, len(ids))}
	for _, id := range ids {
		e := *entries[id]
		e.User = users[id]
		out.Users = append(out.Users, e)
	}
	return out, nil
}

// UpdateOrgAccess changes who has access to an org (owners only). Unknown
// emails become new users, as an invitation does.
func (s *Service) UpdateOrgAccess(ctx context.Context, a rowhouse.Actor, orgRef string, delta AccessDelta) error {
	if err := checkKeyForHome(a, true); err != nil {
		return err
	}
	if delta.SetMaxInheritedRole {
		return rowhouse.InvalidPayload("maxInheritedRole is not allowed on organizations")
	}
	return wrapf(s.home.Write(ctx, func(q store.HomeQueries) error {
		g, err := loadGrants(ctx, q, a.User.ID)
		if err != nil {
			return err
		}
		ov, err := s.orgView(ctx, q, g, orgRef)
		if err != nil {
			return err
		}
		if err := needHome(ov.Access, rowhouse.RoleOwners); err != nil {
			return err
		}
		return s.applyUsers(ctx, q, a, rowhouse.ResourceOrg, idStr(ov.ID), true, delta.Users)
	}), "update org access")
}

// UpdateWorkspaceAccess changes who has access to a workspace and how much
// it inherits from its org (owners only).
func (s *Service) UpdateWorkspaceAccess(ctx context.Context, a rowhouse.Actor, wsID int64, delta AccessDelta) error {
	if err := checkKeyForHome(a, true); err != nil {
		return err
	}
	if err := validMaxInherited(delta); err != nil {
		return err
	}
	return wrapf(s.home.Write(ctx, func(q store.HomeQueries) error {
		g, err := loadGrants(ctx, q, a.User.ID)
		if err != nil {
			return err
		}
		v, err := s.wsView(ctx, q, g, wsID)
		if err != nil {
			return err
		}
		if err := needHome(v.Access, rowhouse.RoleOwners); err != nil {
			return err
		}
		if err := s.applyUsers(ctx, q, a, rowhouse.ResourceWorkspace, idStr(wsID), false, delta.Users); err != nil {
			return err
		}
		if delta.SetMaxInheritedRole {
			ws := v.Workspace
			ws.MaxInheritedRole = delta.MaxInheritedRole
			return q.UpdateWorkspace(ctx, ws, s.now())
		}
		return nil
	}), "update workspace access")
}

// UpdateDocAccess changes who has access to a document and how much it
// inherits from its workspace (owners only).
func (s *Service) UpdateDocAccess(ctx context.Context, a rowhouse.Actor, docID string, delta AccessDelta) error {
	if err := validMaxInherited(delta); err != nil {
		return err
	}
	return wrapf(s.home.Write(ctx, func(q store.HomeQueries) error {
		v, err := s.docForWrite(ctx, q, a, docID, rowhouse.RoleOwners)
		if err != nil {
			return err
		}
		if err := s.applyUsers(ctx, q, a, rowhouse.ResourceDoc, v.ID, false, delta.Users); err != nil {
			return err
		}
		if delta.SetMaxInheritedRole {
			d := v.Doc
			d.MaxInheritedRole = delta.MaxInheritedRole
			return q.UpdateDoc(ctx, d, s.now())
		}
		return nil
	}), "update doc access")
}

func validMaxInherited(delta AccessDelta) error {
	if delta.SetMaxInheritedRole && delta.MaxInheritedRole != rowhouse.RoleNone && !delta.MaxInheritedRole.Valid(false) {
		return rowhouse.InvalidPayload("invalid maxInheritedRole %q", string(delta.MaxInheritedRole))
	}
	return nil
}

// applyUsers validates every change before making any, so a bad entry
// changes nothing.
func (s *Service) applyUsers(ctx context.Context, q store.HomeQueries, a rowhouse.Actor, resource, resID string, onOrg bool, users map[string]rowhouse.Role) error {
	emails := make([]string, 0, len(users))
	for email, role := range users {
		if role != rowhouse.RoleNone && !role.Valid(onOrg) {
			return rowhouse.InvalidPayload("invalid role %q for %s", string(role), email)
		}
		n := NormalizeEmail(email)
		if !emailRE.MatchString(n) {
			return rowhouse.InvalidPayload("invalid email address %q", email)
		}
		if n == a.User.Email {
			return rowhouse.Invalidf("Bad request: cannot change your own access")
		}
		emails = append(emails, email)
	}
	sort.Strings(emails)
	for _, email := range emails {
		u, _, err := s.ensureUser(ctx, q, NormalizeEmail(email), "")
		if err != nil {
			return err
		}
		if err := q.SetGrant(ctx, store.Grant{Resource: resource, ResourceID: resID, UserID: u.ID, Role: users[email]}); err != nil {
			return err
		}
	}
	return nil
}

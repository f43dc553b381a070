package home

import (
	"context"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/store"
)

// ListWorkspaces lists an org's workspaces that the actor can see, each
// with the documents in it that they can see.
func (s *Service) ListWorkspaces(ctx context.Context, a rowhouse.Actor, orgRef string) ([]WorkspaceView, error) {
	if err := checkKeyForHome(a, false); err != nil {
		return nil, err
	}
	q := s.home.Read()
	g, err := loadGrants(ctx, q, a.User.ID)
	if err != nil {
		return nil, wrapf(err, "list workspaces")
	}
	ov, err := s.orgView(ctx, q, g, orgRef)
	if err != nil {
		return nil, wrapf(err, "list workspaces")
	}
	wss, err := q.WorkspacesInOrg(ctx, ov.ID)
	if err != nil {
		return nil, wrapf(err, "list workspaces")
	}
	docs, err := q.DocsInOrg(ctx, ov.ID)
	if err != nil {
		return nil, wrapf(err, "list workspaces")
	}
	byWS := map[int64][]rowhouse.Doc{}
	for _, d := range docs {
		byWS[d.WorkspaceID] = append(byWS[d.WorkspaceID], d)
	}
	out := []WorkspaceView{}
	for _, ws := range wss {
		v := WorkspaceView{Workspace: ws, Access: wsRole(ov.Access, ws, g.ws(ws.ID)), Org: ov, Docs: []DocView{}}
		for _, d := range byWS[ws.ID] {
			if r := docRole(v.Access, d, g.doc(d.ID)); r.AtLeast(rowhouse.RoleViewers) {
				v.Docs = append(v.Docs, DocView{Doc: d, Access: r})
			}
		}
		if v.Access == rowhouse.RoleNone && len(v.Docs) > 0 {
			v.Access = rowhouse.RoleGuests
		}
		if v.Access != rowhouse.RoleNone {
			out = append(out, v)
		}
	}
	return out, nil
}

// GetWorkspace returns one workspace with the documents the actor can see.
func (s *Service) GetWorkspace(ctx context.Context, a rowhouse.Actor, wsID int64) (WorkspaceView, error) {
	if err := checkKeyForHome(a, false); err != nil {
		return WorkspaceView{}, err
	}
	q := s.home.Read()
	g, err := loadGrants(ctx, q, a.User.ID)
	if err != nil {
		return WorkspaceView{}, wrapf(err, "get workspace")
	}
	v, err := s.wsView(ctx, q, g, wsID)
	if err != nil {
		return v, wrapf(err, "get workspace %d", wsID)
	}
	if err := s.fillOwner(ctx, q, &v.Org); err != nil {
		return v, wrapf(err, "get workspace %d", wsID)
	}
	docs, err := q.DocsInWorkspace(ctx, wsID)
	if err != nil {
		return v, wrapf(err, "get workspace %d", wsID)
	}
	inherited := v.Access
	if inherited == rowhouse.RoleGuests {
		inherited = rowhouse.RoleNone
	}
	v.Docs = []DocView{}
	for _, d := range docs {
		if r := docRole(inherited, d, g.doc(d.ID)); r.AtLeast(rowhouse.RoleViewers) {
			v.Docs = append(v.Docs, DocView{Doc: d, Access: r})
		}
	}
	return v, nil
}

// CreateWorkspace adds a workspace to an org (editors and owners).
func (s *Service) CreateWorkspace(ctx context.Context, a rowhouse.Actor, orgRef, name string) (int64, error) {
	if err := checkKeyForHome(a, true); err != nil {
		return 0, err
	}
	if err := validName("workspace", name); err != nil {
		return 0, err
	}
	var id int64
	err := s.home.Write(ctx, func(q store.HomeQueries) error {
		g, err := loadGrants(ctx, q, a.User.ID)
		if err != nil {
			return err
		}
		ov, err := s.orgView(ctx, q, g, orgRef)
		if err != nil {
			return err
		}
		if err := needHome(ov.Access, rowhouse.RoleEditors); err != nil {
			return err
		}
		ws, err := q.CreateWorkspace(ctx, ov.ID, name, s.now())
		if err != nil {
			return err
		}
		id = ws.ID
		// As in Grist, whoever creates a workspace owns it directly, so an
		// editor can manage what they made.
		return q.SetGrant(ctx, store.Grant{Resource: rowhouse.ResourceWorkspace, ResourceID: idStr(id), UserID: a.User.ID, Role: rowhouse.RoleOwners})
	})
	return id, wrapf(err, "create workspace")
}

// RenameWorkspace renames a workspace (editors and owners).
func (s *Service) RenameWorkspace(ctx context.Context, a rowhouse.Actor, wsID int64, name string) error {
	if err := checkKeyForHome(a, true); err != nil {
		return err
	}
	if err := validName("workspace", name); err != nil {
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
		if err := needHome(v.Access, rowhouse.RoleEditors); err != nil {
			return err
		}
		v.Name = name
		return q.UpdateWorkspace(ctx, v.Workspace, s.now())
	}), "rename workspace %d", wsID)
}

// DeleteWorkspace removes a workspace and its documents (owners only).
func (s *Service) DeleteWorkspace(ctx context.Context, a rowhouse.Actor, wsID int64) error {
	if err := checkKeyForHome(a, true); err != nil {
		return err
	}
	var docs []string
	err := s.home.Write(ctx, func(q store.HomeQueries) error {
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
		docs, err = q.DeleteWorkspace(ctx, wsID)
		return err
	})
	if err != nil {
		return wrapf(err, "delete workspace %d", wsID)
	}
	s.deleteDocFiles(ctx, docs)
	return nil
}

package home

import (
	"context"
	"strconv"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/store"
)

// grants is one user's direct access rules, looked up by resource.
type grants map[string]rowhouse.Role

func grantKey(resource, id string) string { return resource + ":" + id }

func (g grants) org(id int64) rowhouse.Role {
	return g[grantKey(rowhouse.ResourceOrg, strconv.FormatInt(id, 10))]
}

func (g grants) ws(id int64) rowhouse.Role {
	return g[grantKey(rowhouse.ResourceWorkspace, strconv.FormatInt(id, 10))]
}

func (g grants) doc(id string) rowhouse.Role {
	return g[grantKey(rowhouse.ResourceDoc, id)]
}

// loadGrants reads a user's direct rules. The anonymous user has none.
func loadGrants(ctx context.Context, q store.HomeQueries, userID int64) (grants, error) {
	g := grants{}
	if userID == 0 {
		return g, nil
	}
	list, err := q.GrantsOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	for _, gr := range list {
		g[grantKey(gr.Resource, gr.ResourceID)] = gr.Role
	}
	return g, nil
}

// inheritable is what an org role passes down to workspaces: members and
// guests pass nothing.
func inheritable(r rowhouse.Role) rowhouse.Role {
	if r.AtLeast(rowhouse.RoleViewers) {
		return r
	}
	return rowhouse.RoleNone
}

// wsRole is the effective role on a workspace: the direct role, or what
// the org passes down capped by the workspace's maxInheritedRole, whichever
// is stronger.
func wsRole(orgRole rowhouse.Role, ws rowhouse.Workspace, direct rowhouse.Role) rowhouse.Role {
	return rowhouse.MaxRole(direct, rowhouse.MinRole(inheritable(orgRole), ws.MaxInheritedRole))
}

// docRole is the effective role on a document, likewise from its workspace.
func docRole(wsEff rowhouse.Role, d rowhouse.Doc, direct rowhouse.Role) rowhouse.Role {
	return rowhouse.MaxRole(direct, rowhouse.MinRole(inheritable(wsEff), d.MaxInheritedRole))
}

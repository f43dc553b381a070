package grist

import (
	"encoding/json"
	"net/http"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/home"
)

// accessJSON renders an access listing; org listings carry isMember,
// workspace and document listings carry maxInheritedRole and parentAccess.
func accessJSON(l home.AccessList, onOrg bool) map[string]any {
	users := make([]accessUserJSON, 0, len(l.Users))
	for _, e := range l.Users {
		u := accessUserJSON{ID: e.User.ID, Name: e.User.Name, Email: e.User.Email, Ref: userRef(e.User), Access: rolePtr(e.Access)}
		if onOrg {
			m := e.IsMember
			u.IsMember = &m
		} else {
			u.ParentAccess = rolePtr(e.ParentAccess)
		}
		users = append(users, u)
	}
	out := map[string]any{"users": users}
	if !onOrg {
		out["maxInheritedRole"] = rolePtr(l.MaxInheritedRole)
	}
	return out
}

// decodeDelta reads {"delta": {"users": {...}, "maxInheritedRole": ...}}.
func decodeDelta(r *http.Request) (home.AccessDelta, error) {
	var body struct {
		Delta *struct {
			Users            map[string]*string `json:"users"`
			MaxInheritedRole json.RawMessage    `json:"maxInheritedRole"`
		} `json:"delta"`
	}
	if err := api.DecodeJSON(r, &body); err != nil {
		return home.AccessDelta{}, err
	}
	if body.Delta == nil {
		return home.AccessDelta{}, rowhouse.InvalidPayload("delta is missing")
	}
	d := home.AccessDelta{Users: map[string]rowhouse.Role{}}
	for email, role := range body.Delta.Users {
		if role == nil {
			d.Users[email] = rowhouse.RoleNone
		} else {
			d.Users[email] = rowhouse.Role(*role)
		}
	}
	if body.Delta.MaxInheritedRole != nil {
		var s *string
		if err := json.Unmarshal(body.Delta.MaxInheritedRole, &s); err != nil {
			return d, rowhouse.InvalidPayload("maxInheritedRole: expected a role or null")
		}
		d.SetMaxInheritedRole = true
		if s != nil {
			d.MaxInheritedRole = rowhouse.Role(*s)
		}
	}
	return d, nil
}

func (a *API) getOrgAccess(w http.ResponseWriter, r *http.Request) error {
	l, err := a.home.OrgAccess(r.Context(), api.ActorFrom(r.Context()), orgRef(r))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, accessJSON(l, true))
	return nil
}

func (a *API) updateOrgAccess(w http.ResponseWriter, r *http.Request) error {
	d, err := decodeDelta(r)
	if err != nil {
		return err
	}
	if err := a.home.UpdateOrgAccess(r.Context(), api.ActorFrom(r.Context()), orgRef(r), d); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, nil)
	return nil
}

func (a *API) getWorkspaceAccess(w http.ResponseWriter, r *http.Request) error {
	v, err := a.workspace(r)
	if err != nil {
		return err
	}
	l, err := a.home.WorkspaceAccess(r.Context(), api.ActorFrom(r.Context()), v.ID)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, accessJSON(l, false))
	return nil
}

func (a *API) updateWorkspaceAccess(w http.ResponseWriter, r *http.Request) error {
	d, err := decodeDelta(r)
	if err != nil {
		return err
	}
	v, err := a.workspace(r)
	if err != nil {
		return err
	}
	if err := a.home.UpdateWorkspaceAccess(r.Context(), api.ActorFrom(r.Context()), v.ID, d); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, nil)
	return nil
}

func (a *API) getDocAccess(w http.ResponseWriter, r *http.Request) error {
	v, err := a.doc(r, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	l, err := a.home.DocAccess(r.Context(), api.ActorFrom(r.Context()), v.ID)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, accessJSON(l, false))
	return nil
}

func (a *API) updateDocAccess(w http.ResponseWriter, r *http.Request) error {
	d, err := decodeDelta(r)
	if err != nil {
		return err
	}
	v, err := a.doc(r, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	if err := a.home.UpdateDocAccess(r.Context(), api.ActorFrom(r.Context()), v.ID, d); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, nil)
	return nil
}

package grist

import (
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/home"
)

// ---- orgs

func (a *API) listOrgs(w http.ResponseWriter, r *http.Request) error {
	orgs, err := a.home.ListOrgs(r.Context(), api.ActorFrom(r.Context()))
	if err != nil {
		return err
	}
	out := make([]*orgJSON, 0, len(orgs))
	for _, o := range orgs {
		out = append(out, orgView(o))
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) getOrg(w http.ResponseWriter, r *http.Request) error {
	o, err := a.home.GetOrg(r.Context(), api.ActorFrom(r.Context()), orgRef(r))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, orgView(o))
	return nil
}

// orgUsage is GET /api/orgs/{org}/usage (owners), in Grist's shape. Rowhouse
// puts no data limits on documents, so none is ever approaching one, in a
// grace period or delete-only; the attachments' total is summed over the
// org's documents.
func (a *API) orgUsage(w http.ResponseWriter, r *http.Request) error {
	ids, err := a.home.OrgDocIDs(r.Context(), api.ActorFrom(r.Context()), orgRef(r))
	if err != nil {
		return err
	}
	total, err := a.docs.AttachmentsSize(r.Context(), ids)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{
		"countsByDataLimitStatus": map[string]int{"approachingLimit": 0, "gracePeriod": 0, "deleteOnly": 0},
		"attachments":             map[string]int64{"totalBytes": total},
	})
	return nil
}

func (a *API) createOrg(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name   *string `json:"name"`
		Domain *string `json:"domain"`
	}
	if err := api.DecodeJSON(r, &body); err != nil {
		return err
	}
	if body.Name == nil {
		return rowhouse.InvalidPayload("name is missing")
	}
	if body.Domain == nil {
		return rowhouse.InvalidPayload("domain is missing")
	}
	id, err := a.home.CreateOrg(r.Context(), api.ActorFrom(r.Context()), *body.Name, *body.Domain)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, id)
	return nil
}

func (a *API) updateOrg(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name   *string `json:"name"`
		Domain *string `json:"domain"`
	}
	if err := api.DecodeJSON(r, &body); err != nil {
		return err
	}
	if err := a.home.UpdateOrg(r.Context(), api.ActorFrom(r.Context()), orgRef(r), body.Name, body.Domain); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, nil)
	return nil
}

func (a *API) deleteOrg(w http.ResponseWriter, r *http.Request) error {
	id, err := a.home.DeleteOrg(r.Context(), api.ActorFrom(r.Context()), orgRef(r), r.PathValue("name"))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, id)
	return nil
}

// ---- workspaces

func (a *API) listWorkspaces(w http.ResponseWriter, r *http.Request) error {
	wss, err := a.home.ListWorkspaces(r.Context(), api.ActorFrom(r.Context()), orgRef(r))
	if err != nil {
		return err
	}
	out := make([]workspaceJSON, 0, len(wss))
	for _, ws := range wss {
		out = append(out, workspaceView(ws, true, false))
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) createWorkspace(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name *string `json:"name"`
	}
	if err := api.DecodeJSON(r, &body); err != nil {
		return err
	}
	if body.Name == nil {
		return rowhouse.InvalidPayload("name is missing")
	}
	id, err := a.home.CreateWorkspace(r.Context(), api.ActorFrom(r.Context()), orgRef(r), *body.Name)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, id)
	return nil
}

// workspace loads a workspace for the request, 404 under another org's
// prefix.
func (a *API) workspace(r *http.Request) (home.WorkspaceView, error) {
	id, err := wsID(r)
	if err != nil {
		return home.WorkspaceView{}, err
	}
	v, err := a.home.GetWorkspace(r.Context(), api.ActorFrom(r.Context()), id)
	if rowhouse.ErrorKind(err) == rowhouse.EFORBIDDEN && v.ID != 0 {
		// Under a wrong prefix a workspace is absent, whatever the access,
		// as a document is.
		if perr := checkPrefix(r, v.Org, "workspace not found"); perr != nil {
			return v, perr
		}
	}
	if err != nil {
		return v, err
	}
	return v, checkPrefix(r, v.Org, "workspace not found")
}

func (a *API) getWorkspace(w http.ResponseWriter, r *http.Request) error {
	v, err := a.workspace(r)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, workspaceView(v, true, true))
	return nil
}

func (a *API) renameWorkspace(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name *string `json:"name"`
	}
	if err := api.DecodeJSON(r, &body); err != nil {
		return err
	}
	if body.Name == nil {
		return rowhouse.InvalidPayload("name is missing")
	}
	v, err := a.workspace(r)
	if err != nil {
		return err
	}
	if err := a.home.RenameWorkspace(r.Context(), api.ActorFrom(r.Context()), v.ID, *body.Name); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, v.ID)
	return nil
}

func (a *API) deleteWorkspace(w http.ResponseWriter, r *http.Request) error {
	v, err := a.workspace(r)
	if err != nil {
		return err
	}
	if err := a.home.DeleteWorkspace(r.Context(), api.ActorFrom(r.Context()), v.ID); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, v.ID)
	return nil
}

func (a *API) createDoc(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name *string `json:"name"`
		// Template (a Rowhouse extension) fills the new document from a
		// template of the core: "crm".
		Template *string `json:"template"`
	}
	if err := api.DecodeJSON(r, &body); err != nil {
		return err
	}
	var fill func(ctx context.Context, docID string) error
	if body.Template != nil {
		actions, err := core.Template(*body.Template)
		if err != nil {
			return rowhouse.InvalidPayload("%s", rowhouse.ErrorMessage(err))
		}
		fill = func(ctx context.Context, docID string) error {
			doc, err := a.docs.Open(ctx, docID)
			if err != nil {
				return err
			}
			defer doc.Close()
			_, err = doc.Apply(ctx, api.ActorFrom(ctx), actions, core.ApplyOptions{Surface: "rest"})
			return err
		}
	}
	v, err := a.workspace(r)
	if err != nil {
		return err
	}
	name := ""
	if body.Name != nil {
		name = *body.Name
	}
	id, err := a.home.CreateDocWith(r.Context(), api.ActorFrom(r.Context()), v.ID, name, fill)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, id)
	return nil
}

// ---- documents

// doc loads a document for the request with at least role want, 404 under
// another org's prefix.
func (a *API) doc(r *http.Request, want rowhouse.Role) (home.DocView, error) {
	v, err := a.home.Doc(r.Context(), api.ActorFrom(r.Context()), docID(r), want)
	return api.UnderPrefix(r, v, err)
}

func (a *API) getDoc(w http.ResponseWriter, r *http.Request) error {
	v, err := a.doc(r, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	if err := a.home.FillOwner(r.Context(), &v.Workspace.Org); err != nil {
		return err
	}
	out := docView(v)
	ws := workspaceView(v.Workspace, false, true)
	out.Workspace = &ws
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) updateDoc(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name     *string         `json:"name"`
		IsPinned *bool           `json:"isPinned"`
		URLID    json.RawMessage `json:"urlId"`
	}
	if err := api.DecodeJSON(r, &body); err != nil {
		return err
	}
	up := home.DocUpdate{Name: body.Name, IsPinned: body.IsPinned}
	if body.URLID != nil {
		var s *string
		if err := json.Unmarshal(body.URLID, &s); err != nil {
			return rowhouse.InvalidPayload("urlId: expected a string or null")
		}
		if s == nil {
			s = new(string)
		}
		up.URLID = s
	}
	if _, err := a.doc(r, rowhouse.RoleViewers); err != nil {
		return err
	}
	id, err := a.home.UpdateDoc(r.Context(), api.ActorFrom(r.Context()), docID(r), up)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, id)
	return nil
}

func (a *API) deleteDoc(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.doc(r, rowhouse.RoleViewers); err != nil {
		return err
	}
	id, err := a.home.DeleteDoc(r.Context(), api.ActorFrom(r.Context()), docID(r))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, id)
	return nil
}

func (a *API) moveDoc(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Workspace *int64 `json:"workspace"`
	}
	if err := api.DecodeJSON(r, &body); err != nil {
		return err
	}
	if body.Workspace == nil {
		return rowhouse.InvalidPayload("workspace is missing")
	}
	if _, err := a.doc(r, rowhouse.RoleViewers); err != nil {
		return err
	}
	if err := a.home.MoveDoc(r.Context(), api.ActorFrom(r.Context()), docID(r), *body.Workspace); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, nil)
	return nil
}

func (a *API) copyDoc(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		WorkspaceID  *int64  `json:"workspaceId"`
		DocumentName *string `json:"documentName"`
		AsTemplate   bool    `json:"asTemplate"`
	}
	if err := api.DecodeJSON(r, &body); err != nil {
		return err
	}
	if body.WorkspaceID == nil {
		return rowhouse.InvalidPayload("workspaceId is missing")
	}
	if body.DocumentName == nil {
		return rowhouse.InvalidPayload("documentName is missing")
	}
	if body.AsTemplate {
		return rowhouse.InvalidPayload("asTemplate is not supported")
	}
	if _, err := a.doc(r, rowhouse.RoleViewers); err != nil {
		return err
	}
	id, err := a.home.CopyDoc(r.Context(), api.ActorFrom(r.Context()), docID(r), *body.WorkspaceID, *body.DocumentName)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, id)
	return nil
}

// ---- profile

// setProfileName is POST (Grist's method) and PATCH
// /api/profile/user/name: {"name": "..."} becomes the caller's display
// name. It answers the text OK, as Grist does.
func (a *API) setProfileName(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name string `json:"name"`
	}
	if err := api.DecodeJSON(r, &body); err != nil {
		return err
	}
	if err := a.home.SetUserName(r.Context(), api.ActorFrom(r.Context()), body.Name); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err := io.WriteString(w, "OK")
	return err
}

// forceReload is POST /api/docs/{doc}/force-reload (editors): Grist closes
// the document so that it opens afresh. Rowhouse keeps no document open
// between requests, only its cached schema, which is dropped and read
// again on next use. It answers null.
func (a *API) forceReload(w http.ResponseWriter, r *http.Request) error {
	v, err := a.doc(r, rowhouse.RoleEditors)
	if err != nil {
		return err
	}
	a.docs.Forget(v.ID)
	api.WriteJSON(w, http.StatusOK, nil)
	return nil
}

func (a *API) profileUser(w http.ResponseWriter, r *http.Request) error {
	u := api.ActorFrom(r.Context()).User
	api.WriteJSON(w, http.StatusOK, map[string]any{"id": u.ID, "email": u.Email, "name": u.Name, "ref": userRef(u)})
	return nil
}

package twenty

import (
	"net/http"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/twentymodel"
	"github.com/rowhouse/rowhouse/webhook"
)

// Twenty's webhook endpoints (/rest/webhooks, /rest/metadata/webhooks):
// webhooks as Twenty shows them, {id, targetUrl, operations, description,
// createdAt, updatedAt, deletedAt}, delivered in Twenty's format. They
// are webhook.Service's webhooks of format "twenty" (the Grist-compatible
// /api/docs/{doc}/webhooks lists them too, and makes them with
// "format": "twenty"); owners only. The signing secret is in the creation
// answer only (Rowhouse shows secrets once).

// hookJSON is a webhook in Twenty's shape.
type hookJSON struct {
	ID          string   `json:"id"`
	TargetURL   string   `json:"targetUrl"`
	Operations  []string `json:"operations"`
	Description *string  `json:"description"`
	Secret      *string  `json:"secret,omitempty"`
	CreatedAt   string   `json:"createdAt"`
	UpdatedAt   string   `json:"updatedAt"`
	DeletedAt   *string  `json:"deletedAt"`
}

func hookView(h webhook.Hook) hookJSON {
	w := h.Webhook
	out := hookJSON{ID: w.ID, TargetURL: w.URL, Operations: w.EventTypes, CreatedAt: twentymodel.Time(w.CreatedAt),
		UpdatedAt: twentymodel.Time(w.UpdatedAt)}
	if w.Memo != "" {
		out.Description = &w.Memo
	}
	return out
}

// hookInput is Twenty's CreateWebhookInput and the members of its update.
type hookInput struct {
	ID          *string   `json:"id"`
	TargetURL   *string   `json:"targetUrl"`
	Operations  *[]string `json:"operations"`
	Description *string   `json:"description"`
	Secret      *string   `json:"secret"`
}

func (in hookInput) fields() webhook.Fields {
	return webhook.Fields{URL: in.TargetURL, Operations: in.Operations, Memo: in.Description, Secret: in.Secret}
}

// hookAccess checks that the caller owns the request's document.
func (a *API) hookAccess(r *http.Request) (webhook.Access, error) {
	if a.webhooks == nil {
		return webhook.Access{}, rowhouse.Errorf(rowhouse.EUNAVAILABLE, "webhooks are not available on this server")
	}
	acc, v, err := a.webhooks.Authorize(r.Context(), api.ActorFrom(r.Context()), r.PathValue("doc"))
	_, err = api.UnderPrefix(r, v, err)
	return acc, err
}

// isMetadataPath tells /rest/metadata/webhooks (lists in {data, pageInfo,
// totalCount}) from /rest/webhooks (lists as arrays), as Twenty does.
func isMetadataPath(r *http.Request) bool { return strings.Contains(r.URL.Path, "/rest/metadata/") }

// twentyHook returns webhook id if it is a Twenty-format webhook of the
// document; others are managed at /api/docs/{doc}/webhooks.
func (a *API) twentyHook(r *http.Request, acc webhook.Access, id string) (webhook.Hook, error) {
	h, err := a.webhooks.Get(r.Context(), acc, id)
	if err != nil {
		return h, err
	}
	if webhook.Format(h.Webhook) != webhook.FormatTwenty {
		return h, rowhouse.NotFoundf("Webhook %s is not a twenty webhook: see /api/docs/%s/webhooks", id, acc.DocID())
	}
	return h, nil
}

func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	if !isMetadataPath(r) {
		if err := metaQuery(r); err != nil {
			return err
		}
	}
	acc, err := a.hookAccess(r)
	if err != nil {
		return err
	}
	hooks, err := a.webhooks.List(r.Context(), acc)
	if err != nil {
		return err
	}
	out := []hookJSON{}
	for _, h := range hooks {
		if webhook.Format(h.Webhook) == webhook.FormatTwenty {
			out = append(out, hookView(h))
		}
	}
	if !isMetadataPath(r) {
		api.WriteJSON(w, http.StatusOK, out)
		return nil
	}
	p, err := metaPaging(r)
	if err != nil {
		return err
	}
	page, info, err := twentymodel.Page(out, func(h hookJSON) string { return h.ID }, p)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"data": page, "pageInfo": info, "totalCount": len(out)})
	return nil
}

func (a *API) getWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := metaQuery(r); err != nil {
		return err
	}
	acc, err := a.hookAccess(r)
	if err != nil {
		return err
	}
	h, err := a.twentyHook(r, acc, r.PathValue("id"))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, hookView(h))
	return nil
}

func (a *API) createWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := metaQuery(r); err != nil {
		return err
	}
	var in hookInput
	if err := metaDecode(r, &in); err != nil {
		return err
	}
	if in.ID != nil {
		return rowhouse.Invalidf("id cannot be chosen: Rowhouse gives each webhook its id")
	}
	if in.TargetURL == nil {
		return rowhouse.Invalidf("targetUrl is missing")
	}
	acc, err := a.hookAccess(r)
	if err != nil {
		return err
	}
	f := in.fields()
	format := webhook.FormatTwenty
	f.Format = &format
	created, err := a.webhooks.Create(r.Context(), acc, []webhook.Fields{f})
	if err != nil {
		return err
	}
	out := hookView(created[0].Hook)
	out.Secret = &created[0].Secret
	api.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (a *API) updateWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := metaQuery(r); err != nil {
		return err
	}
	var in hookInput
	if err := metaDecode(r, &in); err != nil {
		return err
	}
	if in.ID != nil && *in.ID != r.PathValue("id") {
		return rowhouse.Invalidf("id cannot change")
	}
	acc, err := a.hookAccess(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := a.twentyHook(r, acc, id); err != nil {
		return err
	}
	if err := a.webhooks.Update(r.Context(), acc, id, in.fields()); err != nil {
		return err
	}
	h, err := a.webhooks.Get(r.Context(), acc, id)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, hookView(h))
	return nil
}

func (a *API) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := metaQuery(r); err != nil {
		return err
	}
	acc, err := a.hookAccess(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := a.twentyHook(r, acc, id); err != nil {
		return err
	}
	if err := a.webhooks.Delete(r.Context(), acc, id); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, true)
	return nil
}

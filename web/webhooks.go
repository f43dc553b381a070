package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/webhook"
)

// The webhook forms call the webhook.Service that the REST and GraphQL
// APIs share: the owners-only check (Authorize), validation, the URL
// guard and Grist's messages live there, so nothing is checked twice or
// differently. A page or form checks ownership once and passes the
// Access on.

// recentDeliveries is how many deliveries the page shows per webhook.
const recentDeliveries = 5

// webhookEntry is a webhook on the API page, with its recent deliveries.
type webhookEntry struct {
	webhook.Hook
	Deliveries []webhook.Logged
}

// webhookAccess checks that the signed-in user owns document docID.
func (w *Web) webhookAccess(r *http.Request, s auth.Session, docID string) (webhook.Access, error) {
	if w.Webhooks == nil {
		return webhook.Access{}, rowhouse.Errorf(rowhouse.EUNAVAILABLE, "webhooks are not available on this server")
	}
	acc, _, err := w.Webhooks.Authorize(r.Context(), actor(s), docID)
	return acc, err
}

// webhooks lists the document's webhooks with their recent deliveries.
func (w *Web) webhooks(ctx context.Context, acc webhook.Access) ([]webhookEntry, error) {
	hooks, err := w.Webhooks.List(ctx, acc)
	if err != nil {
		return nil, err
	}
	out := make([]webhookEntry, 0, len(hooks))
	for _, h := range hooks {
		ds, err := w.Webhooks.Deliveries(ctx, acc, h.Webhook.ID, recentDeliveries)
		if rowhouse.ErrorKind(err) == rowhouse.ENOTFOUND {
			continue // removed since it was listed
		}
		if err != nil {
			return nil, err
		}
		out = append(out, webhookEntry{Hook: h, Deliveries: ds})
	}
	return out, nil
}

// webhookForm is the webhook form's values.
type webhookForm struct {
	URL, TableID, Name string
	EventTypes         []string
	Enabled            bool
}

func readWebhookForm(r *http.Request) webhookForm {
	f := webhookForm{URL: strings.TrimSpace(r.PostFormValue("url")), TableID: r.PostFormValue("tableId"),
		Name: strings.TrimSpace(r.PostFormValue("name")), Enabled: r.PostFormValue("enabled") != ""}
	f.EventTypes = r.PostForm["eventTypes"] // parsed by PostFormValue
	return f
}

// fields is the form as the service's webhook fields, every one set: an
// empty list of event types is kept, so the service's own message
// explains it.
func (f webhookForm) fields() webhook.Fields {
	return webhook.Fields{URL: &f.URL, TableID: &f.TableID, Name: &f.Name, EventTypes: &f.EventTypes, Enabled: &f.Enabled}
}

// isFormError reports whether err, from saving a webhook the user owns,
// is about the form's values: invalid ones, a forbidden URL, an unknown
// table or column (the document's ownership was checked before, so a
// refusal or a missing thing is the form's).
func isFormError(err error) bool {
	return isUserError(err) || rowhouse.ErrorKind(err) == rowhouse.ENOTFOUND
}

// webhookRefused shows a webhook form's refusal on the API page with the
// service's message and status, refilling the create form with f if set.
func (w *Web) webhookRefused(rw http.ResponseWriter, r *http.Request, s auth.Session, acc webhook.Access, err error, f *webhookForm) error {
	return w.renderDocAPI(rw, r, s, api.Status(err), docAPIExtras{Error: userMessage(err), Form: f, Access: acc})
}

func (w *Web) createWebhook(rw http.ResponseWriter, r *http.Request, s auth.Session) error {
	acc, err := w.webhookAccess(r, s, r.PathValue("docId"))
	if err != nil {
		return err
	}
	f := readWebhookForm(r)
	created, err := w.Webhooks.Create(r.Context(), acc, []webhook.Fields{f.fields()})
	if err != nil {
		if !isFormError(err) {
			return err
		}
		return w.webhookRefused(rw, r, s, acc, err, &f)
	}
	var secret string
	if len(created) == 1 {
		secret = created[0].Secret
	}
	return w.renderDocAPI(rw, r, s, http.StatusOK, docAPIExtras{NewSecret: secret, Access: acc,
		Notice: "Webhook created. Copy its signing secret now: it will not be shown again."})
}

func (w *Web) updateWebhook(rw http.ResponseWriter, r *http.Request, s auth.Session) error {
	ctx := r.Context()
	acc, err := w.webhookAccess(r, s, r.PathValue("docId"))
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := w.Webhooks.Update(ctx, acc, id, readWebhookForm(r).fields()); err != nil {
		if !isFormError(err) {
			return err
		}
		if rowhouse.ErrorKind(err) == rowhouse.ENOTFOUND {
			// Either the webhook is gone (the error page's) or the form
			// names an unknown table or column: the webhook itself tells.
			if _, gerr := w.Webhooks.Get(ctx, acc, id); gerr != nil {
				return gerr
			}
		}
		return w.webhookRefused(rw, r, s, acc, err, nil) // the create form keeps its defaults
	}
	return redirect(rw, r, "/doc/"+url.PathEscape(r.PathValue("docId"))+"/api?done=webhook-saved#webhooks")
}

func (w *Web) deleteWebhook(rw http.ResponseWriter, r *http.Request, s auth.Session) error {
	acc, err := w.webhookAccess(r, s, r.PathValue("docId"))
	if err != nil {
		return err
	}
	if err := w.Webhooks.Delete(r.Context(), acc, r.PathValue("id")); err != nil {
		return err
	}
	return redirect(rw, r, "/doc/"+url.PathEscape(r.PathValue("docId"))+"/api?done=webhook-removed#webhooks")
}

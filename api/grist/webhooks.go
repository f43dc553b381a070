package grist

import (
	"net/http"
	"strconv"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/webhook"
)

// webhookRoutes registers the webhook management API (owners only) and
// the change feed. The handlers translate requests onto webhook.Service,
// which the GraphQL metadata API shares.
func (a *API) webhookRoutes(mux *http.ServeMux) {
	mux.Handle("GET /api/docs/{doc}/webhooks", a.handle(a.listWebhooks))
	mux.Handle("POST /api/docs/{doc}/webhooks", a.handle(a.createWebhooks))
	mux.Handle("DELETE /api/docs/{doc}/webhooks/queue", a.handle(a.clearWebhookQueue))
	mux.Handle("PATCH /api/docs/{doc}/webhooks/{id}", a.handle(a.updateWebhook))
	mux.Handle("DELETE /api/docs/{doc}/webhooks/{id}", a.handle(a.deleteWebhook))
	mux.Handle("GET /api/docs/{doc}/webhooks/{id}/deliveries", a.handle(a.listDeliveries))
	mux.Handle("POST /api/docs/{doc}/webhooks/{id}/deliveries/{delivery}/redeliver", a.handle(a.redeliver))
	mux.Handle("GET /api/docs/{doc}/changes", a.handle(a.changes))
}

// webhookFields is a webhook's settings as the API takes them. Pointers
// tell a PATCH which fields it changes.
type webhookFields struct {
	URL           *string   `json:"url"`
	EventTypes    *[]string `json:"eventTypes"`
	TableID       *string   `json:"tableId"`
	Enabled       *bool     `json:"enabled"`
	IsReadyColumn *string   `json:"isReadyColumn"`
	WatchedColIDs *[]string `json:"watchedColIds"`
	Name          *string   `json:"name"`
	Memo          *string   `json:"memo"`
	Authorization *string   `json:"authorization"`
	// Format (a Rowhouse extension) chooses the delivery format: "rowhouse"
	// (the default) or "twenty", whose Operations replace EventTypes and
	// TableID.
	Format     *string   `json:"format"`
	Operations *[]string `json:"operations"`
}

func (f webhookFields) fields() webhook.Fields {
	return webhook.Fields{URL: f.URL, EventTypes: f.EventTypes, TableID: f.TableID, Enabled: f.Enabled, IsReadyColumn: f.IsReadyColumn,
		WatchedColIDs: f.WatchedColIDs, Name: f.Name, Memo: f.Memo, Authorization: f.Authorization, Format: f.Format, Operations: f.Operations}
}

// webhookAccess checks that the caller owns the request's document, as
// a.doc does: under another org's prefix the document is absent.
func (a *API) webhookAccess(r *http.Request) (webhook.Access, error) {
	if a.webhooks == nil {
		return webhook.Access{}, rowhouse.Errorf(rowhouse.EUNAVAILABLE, "webhooks are not available on this server")
	}
	acc, v, err := a.webhooks.Authorize(r.Context(), api.ActorFrom(r.Context()), docID(r))
	_, err = api.UnderPrefix(r, v, err)
	return acc, err
}

func (a *API) createWebhooks(w http.ResponseWriter, r *http.Request) error {
	acc, err := a.webhookAccess(r)
	if err != nil {
		return err
	}
	var body struct {
		Webhooks []struct {
			Fields webhookFields `json:"fields"`
		} `json:"webhooks"`
	}
	if err := api.DecodeJSON(r, &body); err != nil {
		return err
	}
	fields := make([]webhook.Fields, len(body.Webhooks))
	for i, item := range body.Webhooks {
		fields[i] = item.Fields.fields()
	}
	hooks, err := a.webhooks.Create(r.Context(), acc, fields)
	if err != nil {
		return err
	}
	type created struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	out := make([]created, len(hooks))
	for i, h := range hooks {
		out[i] = created{ID: h.Webhook.ID, Secret: h.Secret}
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"webhooks": out})
	return nil
}

type webhookFieldsJSON struct {
	Name          string   `json:"name"`
	Memo          string   `json:"memo"`
	URL           string   `json:"url"`
	EventTypes    []string `json:"eventTypes"`
	IsReadyColumn *string  `json:"isReadyColumn"`
	TableID       string   `json:"tableId"`
	WatchedColIDs []string `json:"watchedColIds"`
	Enabled       bool     `json:"enabled"`
	Authorization string   `json:"authorization"`
	Format        string   `json:"format"`
	Operations    []string `json:"operations,omitempty"`
}

type webhookUsageJSON struct {
	NumWaiting       int     `json:"numWaiting"`
	Status           string  `json:"status"`
	UpdatedTime      int64   `json:"updatedTime"`
	LastSuccessTime  *int64  `json:"lastSuccessTime"`
	LastFailureTime  *int64  `json:"lastFailureTime"`
	LastErrorMessage *string `json:"lastErrorMessage"`
	LastHTTPStatus   *int    `json:"lastHttpStatus"`
	DisabledReason   *string `json:"disabledReason"`
}

type webhookJSON struct {
	ID     string            `json:"id"`
	Fields webhookFieldsJSON `json:"fields"`
	Usage  webhookUsageJSON  `json:"usage"`
}

func msPtr(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := t.UnixMilli()
	return &v
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	acc, err := a.webhookAccess(r)
	if err != nil {
		return err
	}
	hooks, err := a.webhooks.List(r.Context(), acc)
	if err != nil {
		return err
	}
	out := make([]webhookJSON, 0, len(hooks))
	for _, l := range hooks {
		h, u := l.Webhook, l.Usage
		f := webhookFieldsJSON{Name: h.Name, Memo: h.Memo, URL: h.URL, EventTypes: h.EventTypes, IsReadyColumn: strPtr(h.IsReadyColumn),
			TableID: h.TableID, WatchedColIDs: h.WatchedColIDs, Enabled: h.Enabled, Authorization: h.Authorization, Format: webhook.Format(h)}
		if f.Format == webhook.FormatTwenty {
			f.EventTypes, f.Operations = []string{}, h.EventTypes
		}
		uj := webhookUsageJSON{NumWaiting: u.NumWaiting, Status: u.Status, UpdatedTime: u.UpdatedAt.UnixMilli(),
			LastSuccessTime: msPtr(u.LastSuccessAt), LastFailureTime: msPtr(u.LastFailureAt), LastErrorMessage: strPtr(u.LastError),
			LastHTTPStatus: u.LastHTTPStatus, DisabledReason: strPtr(u.DisabledReason)}
		out = append(out, webhookJSON{ID: h.ID, Fields: f, Usage: uj})
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"webhooks": out})
	return nil
}

func (a *API) updateWebhook(w http.ResponseWriter, r *http.Request) error {
	acc, err := a.webhookAccess(r)
	if err != nil {
		return err
	}
	var f webhookFields
	if err := api.DecodeJSON(r, &f); err != nil {
		return err
	}
	if err := a.webhooks.Update(r.Context(), acc, r.PathValue("id"), f.fields()); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
	return nil
}

func (a *API) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	acc, err := a.webhookAccess(r)
	if err != nil {
		return err
	}
	if err := a.webhooks.Delete(r.Context(), acc, r.PathValue("id")); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
	return nil
}

func (a *API) clearWebhookQueue(w http.ResponseWriter, r *http.Request) error {
	acc, err := a.webhookAccess(r)
	if err != nil {
		return err
	}
	if err := a.webhooks.ClearQueue(r.Context(), acc); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
	return nil
}

type attemptJSON struct {
	Attempt    int    `json:"attempt"`
	StartedAt  string `json:"startedAt"`
	DurationMS int64  `json:"durationMs"`
	HTTPStatus *int   `json:"httpStatus"`
	Error      string `json:"error"`
}

type deliveryJSON struct {
	ID             string        `json:"id"`
	Event          string        `json:"event"`
	Status         string        `json:"status"`
	FirstSeq       int64         `json:"firstSeq"`
	LastSeq        int64         `json:"lastSeq"`
	NumRecords     int           `json:"numRecords"`
	Attempts       int           `json:"attempts"`
	CreatedAt      string        `json:"createdAt"`
	CommittedAt    string        `json:"committedAt"`
	NextAttemptAt  *string       `json:"nextAttemptAt"`
	DeliveredAt    *string       `json:"deliveredAt"`
	LastHTTPStatus *int          `json:"lastHttpStatus"`
	LastError      string        `json:"lastError"`
	AttemptLog     []attemptJSON `json:"attemptLog"`
}

func (a *API) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	acc, err := a.webhookAccess(r)
	if err != nil {
		return err
	}
	limit := 100
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return rowhouse.Invalidf("limit must be an integer from 1 to %d", webhook.MaxDeliveries)
		}
		limit = n
	}
	logs, err := a.webhooks.Deliveries(r.Context(), acc, r.PathValue("id"), limit)
	if err != nil {
		return err
	}
	out := make([]deliveryJSON, 0, len(logs))
	for _, l := range logs {
		d := l.Delivery
		dj := deliveryJSON{ID: d.ID, Event: d.Event, Status: d.Status, FirstSeq: d.FirstSeq, LastSeq: d.LastSeq, NumRecords: d.NumRecords,
			Attempts: d.Attempts, CreatedAt: timeJSON(d.CreatedAt), CommittedAt: timeJSON(d.CommittedAt), DeliveredAt: timePtrJSON(d.DeliveredAt),
			LastHTTPStatus: d.LastHTTPStatus, LastError: d.LastError, AttemptLog: []attemptJSON{}}
		if d.Status == store.DeliveryPending {
			dj.NextAttemptAt = timePtrJSON(&d.NextAttemptAt)
		}
		for _, at := range l.Attempts {
			dj.AttemptLog = append(dj.AttemptLog, attemptJSON{Attempt: at.Attempt, StartedAt: timeJSON(at.StartedAt),
				DurationMS: at.Duration.Milliseconds(), HTTPStatus: at.HTTPStatus, Error: at.Error})
		}
		out = append(out, dj)
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"deliveries": out})
	return nil
}

func (a *API) redeliver(w http.ResponseWriter, r *http.Request) error {
	acc, err := a.webhookAccess(r)
	if err != nil {
		return err
	}
	if err := a.webhooks.Redeliver(r.Context(), acc, r.PathValue("id"), r.PathValue("delivery")); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
	return nil
}

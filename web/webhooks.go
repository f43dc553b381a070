package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/auth"
)

// The webhook forms reuse the webhook API's own handlers (validation,
// the URL guard, owners-only checks and Grist's messages live there, in
// api/grist), called in process through the server's mux with the
// signed-in user's actor already in the request's context: a function
// call, not a request over the network, and nothing is checked twice or
// differently.

// apiResult is the answer of an in-process API call.
type apiResult struct {
	status int
	body   []byte
}

// err turns an error answer into the *rowhouse.Error it came from, as far
// as its JSON shape tells: the message and details, the kind by status.
func (res apiResult) err() error {
	if res.status < 300 {
		return nil
	}
	var e api.ErrorBody
	_ = json.Unmarshal(res.body, &e)
	kind := rowhouse.EINTERNAL
	switch res.status {
	case http.StatusBadRequest:
		kind = rowhouse.EINVALID
	case http.StatusUnauthorized:
		kind = rowhouse.EUNAUTHORIZED
	case http.StatusForbidden:
		kind = rowhouse.EFORBIDDEN
	case http.StatusNotFound:
		kind = rowhouse.ENOTFOUND
	case http.StatusConflict:
		kind = rowhouse.ECONFLICT
	case http.StatusRequestEntityTooLarge:
		kind = rowhouse.ETOOLARGE
	case http.StatusUnprocessableEntity:
		kind = rowhouse.EUNPROCESSABLE
	case http.StatusTooManyRequests:
		kind = rowhouse.ERATELIMIT
	case http.StatusServiceUnavailable:
		kind = rowhouse.EUNAVAILABLE
	}
	if e.Error == "" {
		return &rowhouse.Error{Kind: rowhouse.EINTERNAL, Err: fmt.Errorf("API answered %d: %.200s", res.status, res.body)}
	}
	return &rowhouse.Error{Kind: kind, Message: e.Error, Details: e.Details}
}

// recorder collects an in-process answer.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

// callAPI runs one API request in process as the page's user and decodes a
// successful JSON answer into out (if not nil).
func (w *Web) callAPI(r *http.Request, method, path string, body, out any) error {
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s %s: encode: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(r.Context(), method, path, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = r.RemoteAddr
	rec := &recorder{header: http.Header{}}
	w.api.ServeHTTP(rec, req)
	res := apiResult{status: rec.status, body: rec.body.Bytes()}
	if err := res.err(); err != nil {
		return err
	}
	if out != nil {
		if err := json.Unmarshal(res.body, out); err != nil {
			return fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return nil
}

// webhookView is a webhook as GET /api/docs/{doc}/webhooks shows it, with
// its recent deliveries.
type webhookView struct {
	ID     string `json:"id"`
	Fields struct {
		Name       string   `json:"name"`
		Memo       string   `json:"memo"`
		URL        string   `json:"url"`
		EventTypes []string `json:"eventTypes"`
		TableID    string   `json:"tableId"`
		Enabled    bool     `json:"enabled"`
	} `json:"fields"`
	Usage struct {
		NumWaiting       int     `json:"numWaiting"`
		Status           string  `json:"status"`
		LastSuccessTime  *int64  `json:"lastSuccessTime"`
		LastFailureTime  *int64  `json:"lastFailureTime"`
		LastErrorMessage *string `json:"lastErrorMessage"`
		LastHTTPStatus   *int    `json:"lastHttpStatus"`
		DisabledReason   *string `json:"disabledReason"`
	} `json:"usage"`
	Deliveries []deliveryView `json:"-"`
}

// Has reports whether the webhook listens to an event type (for the
// form's checkboxes).
func (v webhookView) Has(event string) bool {
	for _, e := range v.Fields.EventTypes {
		if e == event {
			return true
		}
	}
	return false
}

type deliveryView struct {
	ID             string  `json:"id"`
	Event          string  `json:"event"`
	Status         string  `json:"status"`
	NumRecords     int     `json:"numRecords"`
	Attempts       int     `json:"attempts"`
	CreatedAt      string  `json:"createdAt"`
	DeliveredAt    *string `json:"deliveredAt"`
	NextAttemptAt  *string `json:"nextAttemptAt"`
	LastHTTPStatus *int    `json:"lastHttpStatus"`
	LastError      string  `json:"lastError"`
}

// recentDeliveries is how many deliveries the page shows per webhook.
const recentDeliveries = 5

// webhooks lists the document's webhooks with their recent deliveries.
func (w *Web) webhooks(r *http.Request, docID string) ([]webhookView, error) {
	var list struct {
		Webhooks []webhookView `json:"webhooks"`
	}
	base := "/api/docs/" + url.PathEscape(docID) + "/webhooks"
	if err := w.callAPI(r, "GET", base, nil, &list); err != nil {
		return nil, err
	}
	for i, h := range list.Webhooks {
		var ds struct {
			Deliveries []deliveryView `json:"deliveries"`
		}
		if err := w.callAPI(r, "GET", fmt.Sprintf("%s/%s/deliveries?limit=%d", base, url.PathEscape(h.ID), recentDeliveries), nil, &ds); err != nil {
			return nil, err
		}
		list.Webhooks[i].Deliveries = ds.Deliveries
	}
	return list.Webhooks, nil
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

// fields is the form as the API's webhook fields. An empty list of event
// types is sent as such, so the API's own message explains it.
func (f webhookForm) fields() map[string]any {
	ev := f.EventTypes
	if ev == nil {
		ev = []string{}
	}
	return map[string]any{"url": f.URL, "tableId": f.TableID, "name": f.Name, "eventTypes": ev, "enabled": f.Enabled}
}

// webhookFailed shows a refused webhook form on the API page, with the
// API's message and status, refilling the create form with f if set;
// other failures are the error page's.
func (w *Web) webhookFailed(rw http.ResponseWriter, r *http.Request, s auth.Session, err error, f *webhookForm) error {
	if !isUserError(err) && rowhouse.ErrorKind(err) != rowhouse.ENOTFOUND {
		return err
	}
	if rowhouse.ErrorKind(err) == rowhouse.ENOTFOUND && !strings.HasPrefix(rowhouse.ErrorMessage(err), "Table not found") &&
		!strings.HasPrefix(rowhouse.ErrorMessage(err), "Column not found") {
		return err // the document or the webhook is gone
	}
	return w.renderDocAPI(rw, r, s, api.Status(err), docAPIExtras{Error: userMessage(err), Form: f})
}

func (w *Web) createWebhook(rw http.ResponseWriter, r *http.Request, s auth.Session) error {
	f := readWebhookForm(r)
	var res struct {
		Webhooks []struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
		} `json:"webhooks"`
	}
	path := "/api/docs/" + url.PathEscape(r.PathValue("docId")) + "/webhooks"
	body := map[string]any{"webhooks": []any{map[string]any{"fields": f.fields()}}}
	if err := w.callAPI(r, "POST", path, body, &res); err != nil {
		return w.webhookFailed(rw, r, s, err, &f)
	}
	var secret string
	if len(res.Webhooks) == 1 {
		secret = res.Webhooks[0].Secret
	}
	return w.renderDocAPI(rw, r, s, http.StatusOK, docAPIExtras{NewSecret: secret,
		Notice: "Webhook created. Copy its signing secret now: it will not be shown again."})
}

func (w *Web) updateWebhook(rw http.ResponseWriter, r *http.Request, s auth.Session) error {
	f := readWebhookForm(r)
	path := "/api/docs/" + url.PathEscape(r.PathValue("docId")) + "/webhooks/" + url.PathEscape(r.PathValue("id"))
	if err := w.callAPI(r, "PATCH", path, f.fields(), nil); err != nil {
		return w.webhookFailed(rw, r, s, err, nil) // the create form keeps its defaults
	}
	return redirect(rw, r, "/doc/"+url.PathEscape(r.PathValue("docId"))+"/api?done=webhook-saved#webhooks")
}

func (w *Web) deleteWebhook(rw http.ResponseWriter, r *http.Request, s auth.Session) error {
	path := "/api/docs/" + url.PathEscape(r.PathValue("docId")) + "/webhooks/" + url.PathEscape(r.PathValue("id"))
	if err := w.callAPI(r, "DELETE", path, nil, nil); err != nil {
		return err
	}
	return redirect(rw, r, "/doc/"+url.PathEscape(r.PathValue("docId"))+"/api?done=webhook-removed#webhooks")
}

package grist

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/schema"
)

// openDoc checks the caller's access to the request's document (at least
// role want) and opens it. The caller must Close the document.
func (a *API) openDoc(r *http.Request, want rowhouse.Role) (*core.Doc, home.DocView, error) {
	v, err := a.doc(r, want)
	if err != nil {
		return nil, v, err
	}
	d, err := a.docs.Open(r.Context(), v.ID)
	if err != nil {
		return nil, v, err
	}
	return d, v, nil
}

// openTable opens the request's document (at least role want) and finds
// its {table}. The caller must Close the document.
func (a *API) openTable(r *http.Request, want rowhouse.Role) (*core.Doc, *schema.Table, error) {
	d, _, err := a.openDoc(r, want)
	if err != nil {
		return nil, nil, err
	}
	t, err := d.Table(r.Context(), tableID(r))
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	return d, t, nil
}

// write applies actions to the document for the request, honouring an
// Idempotency-Key header, and answers with render's result as JSON.
func (a *API) write(w http.ResponseWriter, r *http.Request, d *core.Doc, body []byte, actions []core.Action, render func(core.Applied) any) error {
	actor := api.ActorFrom(r.Context())
	opts := core.ApplyOptions{Surface: "rest"}
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		if len(key) > 255 {
			return rowhouse.Invalidf("Idempotency-Key is longer than 255 characters")
		}
		h := sha256.New()
		h.Write([]byte(r.Method + " " + r.URL.Path + "?" + r.URL.RawQuery + "\n"))
		h.Write(body)
		opts.Idempotency = &core.Idempotency{UserID: actor.User.ID, Key: key, Fingerprint: hex.EncodeToString(h.Sum(nil)),
			Render: func(res core.Applied) ([]byte, error) { return json.Marshal(render(res)) }}
	}
	res, err := d.Apply(r.Context(), actor, actions, opts)
	if err != nil {
		return err
	}
	if opts.Idempotency == nil {
		api.WriteJSON(w, http.StatusOK, render(res))
		return nil
	}
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, err = w.Write(append(res.Response, '\n'))
	return err
}

// boolParam reads a Grist-style boolean query parameter: present and not
// "0"/"false" means true.
func boolParam(r *http.Request, name string) bool {
	q := r.URL.Query()
	if !q.Has(name) {
		return false
	}
	v := strings.ToLower(q.Get(name))
	return v != "0" && v != "false"
}

// tableID is the {table} path value.
func tableID(r *http.Request) string { return r.PathValue("table") }

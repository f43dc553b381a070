package grist

import (
	"net/http"
	"strconv"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/auth"
)

type keyJSON struct {
	ID         int64              `json:"id"`
	Name       string             `json:"name"`
	Key        string             `json:"key,omitempty"` // only in the creation answer
	Prefix     string             `json:"prefix"`
	Scopes     rowhouse.KeyScopes `json:"scopes"`
	ExpiresAt  *string            `json:"expiresAt"`
	LastUsedAt *string            `json:"lastUsedAt"`
	CreatedAt  string             `json:"createdAt"`
}

func timePtrJSON(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := timeJSON(*t)
	return &s
}

func keyView(k rowhouse.APIKey) keyJSON {
	return keyJSON{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: k.Scopes,
		ExpiresAt: timePtrJSON(k.ExpiresAt), LastUsedAt: timePtrJSON(k.LastUsedAt), CreatedAt: timeJSON(k.CreatedAt)}
}

func (a *API) listKeys(w http.ResponseWriter, r *http.Request) error {
	keys, err := a.keys.List(r.Context(), api.ActorFrom(r.Context()))
	if err != nil {
		return err
	}
	out := make([]keyJSON, 0, len(keys))
	for _, k := range keys {
		out = append(out, keyView(k))
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) createKey(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name      *string             `json:"name"`
		ExpiresAt *string             `json:"expiresAt"`
		Scopes    *rowhouse.KeyScopes `json:"scopes"`
	}
	if err := api.DecodeJSON(r, &body); err != nil {
		return err
	}
	if body.Name == nil {
		return rowhouse.InvalidPayload("name is missing")
	}
	nk := auth.NewKey{Name: *body.Name}
	if body.ExpiresAt != nil {
		t, err := time.Parse(time.RFC3339, *body.ExpiresAt)
		if err != nil {
			return rowhouse.InvalidPayload("expiresAt must be an RFC 3339 date and time, e.g. 2030-01-31T00:00:00Z")
		}
		nk.ExpiresAt = &t
	}
	if body.Scopes != nil {
		nk.Scopes = *body.Scopes
	}
	k, secret, err := a.keys.Create(r.Context(), api.ActorFrom(r.Context()), nk)
	if err != nil {
		return err
	}
	out := keyView(k)
	out.Key = secret
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) deleteKey(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return rowhouse.NotFoundf("API key not found")
	}
	if err := a.keys.Delete(r.Context(), api.ActorFrom(r.Context()), id); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, nil)
	return nil
}

// getDefaultKey answers Grist's GET /api/profile/apikey. Grist returns the
// key itself; Rowhouse stores only hashes, so it returns the key's
// metadata, or null when there is no default key.
func (a *API) getDefaultKey(w http.ResponseWriter, r *http.Request) error {
	keys, err := a.keys.List(r.Context(), api.ActorFrom(r.Context()))
	if err != nil {
		return err
	}
	for _, k := range keys {
		if k.Name == auth.DefaultKeyName {
			api.WriteJSON(w, http.StatusOK, keyView(k))
			return nil
		}
	}
	api.WriteJSON(w, http.StatusOK, nil)
	return nil
}

// createDefaultKey answers Grist's POST /api/profile/apikey with the new
// key as plain text, as Grist does.
func (a *API) createDefaultKey(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Force bool `json:"force"`
	}
	if err := api.DecodeJSON(r, &body); err != nil {
		return err
	}
	secret, err := a.keys.ReplaceDefault(r.Context(), api.ActorFrom(r.Context()), body.Force)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err = w.Write([]byte(secret))
	return err
}

func (a *API) deleteDefaultKey(w http.ResponseWriter, r *http.Request) error {
	if err := a.keys.DeleteDefault(r.Context(), api.ActorFrom(r.Context())); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err := w.Write([]byte("OK"))
	return err
}

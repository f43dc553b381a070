package twenty

import (
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/twentymodel"
)

// The metadata API: Twenty's /rest/metadata/objects and /fields, over the
// document's tables and columns, translated by package twentymodel (which
// the GraphQL metadata API shares). Answers are Twenty's: a list is
// {data: {objects: [...]}, pageInfo, totalCount}, one item {data: {object:
// {...}}}, a write {data: {createOneObject: {...}}} and so on.

// metaQuery refuses query parameters other than allowed, naming the
// first: none is silently ignored.
func metaQuery(r *http.Request, allowed ...string) error {
	var bad []string
	for k := range r.URL.Query() {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	if len(allowed) == 0 {
		return rowhouse.Invalidf("unknown query parameter %q: this endpoint takes none", bad[0])
	}
	return rowhouse.Invalidf("unknown query parameter %q: this endpoint takes %s", bad[0], strings.Join(allowed, ", "))
}

// metaPaging reads limit, starting_after and ending_before.
func metaPaging(r *http.Request) (twentymodel.Paging, error) {
	if err := metaQuery(r, "limit", "starting_after", "ending_before"); err != nil {
		return twentymodel.Paging{}, err
	}
	q := r.URL.Query()
	p := twentymodel.Paging{After: q.Get("starting_after"), Before: q.Get("ending_before")}
	n := twentymodel.MaxPage
	if s := q.Get("limit"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 || v > twentymodel.MaxPage {
			return p, rowhouse.Invalidf("limit must be an integer from 1 to %d", twentymodel.MaxPage)
		}
		n = v
	}
	if p.Before != "" {
		p.Last = n
	} else {
		p.First = n
	}
	return p, nil
}

// metaDecode reads a JSON body, with what was wrong in the message (the
// Twenty error shape has no details).
func metaDecode(r *http.Request, dst any) error {
	err := api.DecodeJSON(r, dst)
	var e *rowhouse.Error
	if errors.As(err, &e) && e.Details != nil {
		if ue, ok := e.Details["userError"].(string); ok {
			return rowhouse.Invalidf("%s", ue)
		}
	}
	return err
}

// meta opens the request's document for the metadata API, checking that
// the caller has at least role want on it; close it when done.
func (a *API) meta(r *http.Request, want rowhouse.Role) (twentymodel.Meta, func(), error) {
	ctx := r.Context()
	actor := api.ActorFrom(ctx)
	v, err := a.home.Doc(ctx, actor, r.PathValue("doc"), want)
	if _, err = api.UnderPrefix(r, v, err); err != nil {
		return twentymodel.Meta{}, nil, err
	}
	doc, err := a.docs.Open(ctx, v.ID)
	if err != nil {
		return twentymodel.Meta{}, nil, err
	}
	m := twentymodel.Meta{Doc: doc, Info: twentymodel.Info{DocID: v.ID, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt},
		Actor: actor, Surface: "twenty"}
	return m, func() { doc.Close() }, nil
}

// metaList writes a list answer: {data: {<key>: page}, pageInfo, totalCount}.
func metaList[T any](w http.ResponseWriter, r *http.Request, key string, items []T, id func(T) string) error {
	p, err := metaPaging(r)
	if err != nil {
		return err
	}
	page, info, err := twentymodel.Page(items, id, p)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"data": map[string]any{key: page}, "pageInfo": info, "totalCount": len(items)})
	return nil
}

// metaOne writes {data: {<key>: v}} with status.
func metaOne(w http.ResponseWriter, status int, key string, v any) {
	api.WriteJSON(w, status, map[string]any{"data": map[string]any{key: v}})
}

func metaObjectID(o twentymodel.Object) string { return o.ID }
func metaFieldID(f twentymodel.Field) string   { return f.ID }

func (a *API) listObjects(w http.ResponseWriter, r *http.Request) error {
	m, done, err := a.meta(r, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	defer done()
	objs, err := m.Objects(r.Context())
	if err != nil {
		return err
	}
	return metaList(w, r, "objects", objs, metaObjectID)
}

func (a *API) getObject(w http.ResponseWriter, r *http.Request) error {
	if err := metaQuery(r); err != nil {
		return err
	}
	m, done, err := a.meta(r, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	defer done()
	o, err := m.Object(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	metaOne(w, http.StatusOK, "object", o)
	return nil
}

func (a *API) createObject(w http.ResponseWriter, r *http.Request) error {
	if err := metaQuery(r); err != nil {
		return err
	}
	var in twentymodel.ObjectInput
	if err := metaDecode(r, &in); err != nil {
		return err
	}
	m, done, err := a.meta(r, rowhouse.RoleEditors)
	if err != nil {
		return err
	}
	defer done()
	o, err := m.CreateObject(r.Context(), in)
	if err != nil {
		return err
	}
	metaOne(w, http.StatusCreated, "createOneObject", o)
	return nil
}

func (a *API) updateObject(w http.ResponseWriter, r *http.Request) error {
	if err := metaQuery(r); err != nil {
		return err
	}
	var in twentymodel.ObjectInput
	if err := metaDecode(r, &in); err != nil {
		return err
	}
	m, done, err := a.meta(r, rowhouse.RoleEditors)
	if err != nil {
		return err
	}
	defer done()
	o, err := m.UpdateObject(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	metaOne(w, http.StatusOK, "updateOneObject", o)
	return nil
}

func (a *API) deleteObject(w http.ResponseWriter, r *http.Request) error {
	if err := metaQuery(r); err != nil {
		return err
	}
	m, done, err := a.meta(r, rowhouse.RoleEditors)
	if err != nil {
		return err
	}
	defer done()
	o, err := m.DeleteObject(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	metaOne(w, http.StatusOK, "deleteOneObject", map[string]string{"id": o.ID})
	return nil
}

func (a *API) listFields(w http.ResponseWriter, r *http.Request) error {
	m, done, err := a.meta(r, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	defer done()
	fields, err := m.Fields(r.Context())
	if err != nil {
		return err
	}
	return metaList(w, r, "fields", fields, metaFieldID)
}

func (a *API) getField(w http.ResponseWriter, r *http.Request) error {
	if err := metaQuery(r); err != nil {
		return err
	}
	m, done, err := a.meta(r, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	defer done()
	f, err := m.Field(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	metaOne(w, http.StatusOK, "field", f)
	return nil
}

func (a *API) createField(w http.ResponseWriter, r *http.Request) error {
	if err := metaQuery(r); err != nil {
		return err
	}
	var in twentymodel.FieldInput
	if err := metaDecode(r, &in); err != nil {
		return err
	}
	m, done, err := a.meta(r, rowhouse.RoleEditors)
	if err != nil {
		return err
	}
	defer done()
	f, err := m.CreateField(r.Context(), in)
	if err != nil {
		return err
	}
	metaOne(w, http.StatusCreated, "createOneField", f)
	return nil
}

func (a *API) updateField(w http.ResponseWriter, r *http.Request) error {
	if err := metaQuery(r); err != nil {
		return err
	}
	var in twentymodel.FieldInput
	if err := metaDecode(r, &in); err != nil {
		return err
	}
	m, done, err := a.meta(r, rowhouse.RoleEditors)
	if err != nil {
		return err
	}
	defer done()
	f, err := m.UpdateField(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	metaOne(w, http.StatusOK, "updateOneField", f)
	return nil
}

func (a *API) deleteField(w http.ResponseWriter, r *http.Request) error {
	if err := metaQuery(r); err != nil {
		return err
	}
	m, done, err := a.meta(r, rowhouse.RoleEditors)
	if err != nil {
		return err
	}
	defer done()
	f, err := m.DeleteField(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	metaOne(w, http.StatusOK, "deleteOneField", map[string]string{"id": f.ID})
	return nil
}

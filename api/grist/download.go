package grist

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/core"
)

// fileRoutes registers the routes that move files in and out of a
// document, and the SQL endpoint.
func (a *API) fileRoutes(mux *http.ServeMux) {
	mux.Handle("GET /api/docs/{doc}/sql", a.handle(a.getSQL))
	mux.Handle("POST /api/docs/{doc}/sql", a.handle(a.postSQL))

	mux.Handle("POST /api/docs/{doc}/attachments", a.handle(a.uploadAttachments))
	mux.Handle("GET /api/docs/{doc}/attachments", a.handle(a.listAttachments))
	mux.Handle("GET /api/docs/{doc}/attachments/archive", a.handle(a.archiveAttachments))
	mux.Handle("POST /api/docs/{doc}/attachments/removeUnused", a.handle(a.removeUnusedAttachments))
	mux.Handle("GET /api/docs/{doc}/attachments/{id}", a.handle(a.getAttachment))
	mux.Handle("GET /api/docs/{doc}/attachments/{id}/download", a.handle(a.downloadAttachment))

	mux.Handle("GET /api/docs/{doc}/download", a.handle(a.downloadDoc))
	mux.Handle("GET /api/docs/{doc}/download/csv", a.handle(a.downloadCSV))
	mux.Handle("GET /api/docs/{doc}/download/xlsx", a.handle(a.downloadXLSX))
}

// snapshotter is an engine that can write a consistent copy of a document's
// database to a file (SQLite's VACUUM INTO). Other engines answer 501 until
// they can produce a file Grist clients can open.
type snapshotter interface {
	SnapshotDoc(ctx context.Context, docID, path string) error
}

func notImplemented(w http.ResponseWriter, what string) {
	api.WriteJSON(w, http.StatusNotImplemented, api.ErrorBody{Error: what + " is not supported by this storage engine"})
}

// downloadDoc is GET /api/docs/{doc}/download: the document's SQLite file,
// as a snapshot taken now (writers go on meanwhile), attachments included.
func (a *API) downloadDoc(w http.ResponseWriter, r *http.Request) error {
	v, err := a.doc(r, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	snap, ok := a.engine.(snapshotter)
	if !ok {
		notImplemented(w, "Downloading a document")
		return nil
	}
	dir, err := os.MkdirTemp("", "rowhouse-download-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "doc.db")
	if err := snap.SnapshotDoc(r.Context(), v.ID, path); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/x-sqlite3")
	h.Set("Content-Disposition", contentDisposition(v.Name+".grist", "document.grist"))
	h.Set("Content-Length", strconv.FormatInt(st.Size(), 10))
	h.Set("Cache-Control", "private, no-cache")
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, f) // a write error means the client went away
	return nil
}

// downloadCSV is GET /api/docs/{doc}/download/csv?tableId=T&header=colId|label.
func (a *API) downloadCSV(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	tableID := q.Get("tableId")
	if tableID == "" {
		return rowhouse.Invalidf("tableId parameter is required")
	}
	header, err := core.ParseHeader(q.Get("header"))
	if err != nil {
		return err
	}
	d, v, err := a.openDoc(r, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	defer d.Close()
	out := &download{w: w, r: r, a: a, headers: map[string]string{
		"Content-Type":        "text/csv; charset=utf-8",
		"Content-Disposition": contentDisposition(v.Name+"-"+tableID+".csv", tableID+".csv"),
	}}
	return out.finish(d.ExportCSV(r.Context(), out, tableID, header))
}

// downloadXLSX is GET /api/docs/{doc}/download/xlsx: every table, one sheet
// each.
func (a *API) downloadXLSX(w http.ResponseWriter, r *http.Request) error {
	d, v, err := a.openDoc(r, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	defer d.Close()
	out := &download{w: w, r: r, a: a, headers: map[string]string{
		"Content-Type":        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"Content-Disposition": contentDisposition(v.Name+".xlsx", "document.xlsx"),
	}}
	return out.finish(d.ExportXLSX(r.Context(), out))
}

// download is a response that stays undecided until its first byte: an
// error found before it is still answered as JSON, without the download's
// headers; an error after it cuts the connection, so that the client
// cannot take a truncated file for a whole one.
type download struct {
	w       http.ResponseWriter
	r       *http.Request
	a       *API
	headers map[string]string
	started bool
}

func (d *download) Write(p []byte) (int, error) {
	if !d.started {
		d.started = true
		for k, v := range d.headers {
			d.w.Header().Set(k, v)
		}
		d.w.Header().Set("Cache-Control", "private, no-cache")
		d.w.WriteHeader(http.StatusOK)
	}
	return d.w.Write(p)
}

func (d *download) finish(err error) error {
	switch {
	case err == nil:
		if !d.started {
			_, _ = d.Write(nil)
		}
		return nil
	case !d.started:
		return err
	case errors.Is(err, context.Canceled) && d.r.Context().Err() != nil:
		return nil // the client went away
	}
	d.a.log.ErrorContext(d.r.Context(), "download cut short", "path", d.r.URL.Path, "err", err)
	panic(http.ErrAbortHandler)
}

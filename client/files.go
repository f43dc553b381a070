package client

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// SQL runs one read-only SELECT (or WITH ... SELECT) against the document
// with ? placeholders bound to args, and returns its rows as maps of
// column name to value.
func (d *Doc) SQL(ctx context.Context, query string, args ...any) ([]map[string]any, error) {
	if args == nil {
		args = []any{}
	}
	r, err := jsonRequest(http.MethodPost, d.path("/sql"), map[string]any{"sql": query, "args": args})
	if err != nil {
		return nil, err
	}
	r.idempotent = true // a read: nothing is changed by repeating it
	var out struct {
		Records []struct {
			Fields map[string]any `json:"fields"`
		} `json:"records"`
	}
	if err := d.c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	rows := make([]map[string]any, len(out.Records))
	for i, rec := range out.Records {
		rows[i] = rec.Fields
	}
	return rows, nil
}

// File is a file to upload as an attachment.
type File struct {
	Name        string
	ContentType string // "" is application/octet-stream
	Content     io.Reader
}

// UploadAttachments uploads files in one multipart request and returns
// their attachment ids, for cells of Attachments columns (["L", ids...]).
// The files are streamed, not held in memory, so the request is never
// retried.
func (d *Doc) UploadAttachments(ctx context.Context, files ...File) ([]int64, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		pw.CloseWithError(writeParts(mw, files))
	}()
	r := &request{method: http.MethodPost, path: d.path("/attachments"), bodyStream: pr, contentType: mw.FormDataContentType()}
	var ids []int64
	err := d.c.do(ctx, r, &ids)
	pr.Close() // ends the writer if the request failed before reading it all
	return ids, err
}

func writeParts(mw *multipart.Writer, files []File) error {
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="upload"; filename=%q`, f.Name))
		ct := f.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.Set("Content-Type", ct)
		w, err := mw.CreatePart(h)
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, f.Content); err != nil {
			return fmt.Errorf("upload %s: %w", f.Name, err)
		}
	}
	return mw.Close()
}

// Attachment is an attachment's metadata.
type Attachment struct {
	ID           int64     `json:"id"`
	FileName     string    `json:"fileName"`
	FileSize     int64     `json:"fileSize"`
	TimeUploaded time.Time `json:"timeUploaded"`
}

// Attachments lists the document's attachments.
func (d *Doc) Attachments(ctx context.Context) ([]Attachment, error) {
	var out struct {
		Records []struct {
			ID     int64      `json:"id"`
			Fields Attachment `json:"fields"`
		} `json:"records"`
	}
	if err := d.c.call(ctx, http.MethodGet, d.path("/attachments"), nil, &out); err != nil {
		return nil, err
	}
	list := make([]Attachment, len(out.Records))
	for i, r := range out.Records {
		list[i] = r.Fields
		list[i].ID = r.ID
	}
	return list, nil
}

// Attachment returns one attachment's metadata.
func (d *Doc) Attachment(ctx context.Context, id int64) (Attachment, error) {
	var a Attachment
	err := d.c.call(ctx, http.MethodGet, d.path("/attachments/"+strconv.FormatInt(id, 10)), nil, &a)
	a.ID = id
	return a, err
}

// DownloadAttachment copies an attachment's content to w and returns the
// number of bytes written.
func (d *Doc) DownloadAttachment(ctx context.Context, id int64, w io.Writer) (int64, error) {
	return d.download(ctx, d.path("/attachments/"+strconv.FormatInt(id, 10)+"/download"), nil, w)
}

// DownloadCSV writes a table as CSV to w; header is "colId" (default) or
// "label".
func (d *Doc) DownloadCSV(ctx context.Context, table, header string, w io.Writer) (int64, error) {
	q := url.Values{"tableId": {table}}
	if header != "" {
		q.Set("header", header)
	}
	return d.download(ctx, d.path("/download/csv"), q, w)
}

// DownloadXLSX writes the whole document as an Excel workbook (one sheet
// per table) to w.
func (d *Doc) DownloadXLSX(ctx context.Context, w io.Writer) (int64, error) {
	return d.download(ctx, d.path("/download/xlsx"), nil, w)
}

// DownloadSQLite writes a consistent snapshot of the document's SQLite file
// to w.
func (d *Doc) DownloadSQLite(ctx context.Context, w io.Writer) (int64, error) {
	return d.download(ctx, d.path("/download"), nil, w)
}

// download streams a GET answer into w. A connection cut by the server
// (it does so when a download fails midway) is an error, never a short
// file taken for a whole one.
func (d *Doc) download(ctx context.Context, path string, q url.Values, w io.Writer) (int64, error) {
	r := &request{method: http.MethodGet, path: path, query: q, idempotent: true}
	resp, err := d.c.send(ctx, r)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("GET %s: download cut short after %d bytes: %w", path, n, err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return n, fmt.Errorf("GET %s: download cut short: %d of %d bytes", path, n, resp.ContentLength)
	}
	return n, nil
}

// contentBase is the media type of a Content-Type header value.
func contentBase(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.TrimSpace(strings.ToLower(mt))
}

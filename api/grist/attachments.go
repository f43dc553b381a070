package grist

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/core"
)

// attachmentJSON is an attachment's metadata as Grist shows it.
type attachmentJSON struct {
	FileName     string `json:"fileName"`
	FileSize     int64  `json:"fileSize"`
	TimeUploaded string `json:"timeUploaded"`
}

func attachmentView(a core.Attachment) attachmentJSON {
	return attachmentJSON{FileName: a.FileName, FileSize: a.FileSize, TimeUploaded: timeJSON(a.TimeUploaded)}
}

// maxFileName bounds a stored file name, in bytes.
const maxFileName = 255

// uploadAttachments is POST /api/docs/{doc}/attachments: multipart/form-data
// with one or more files in the field "upload" -> their ids. The whole body
// is bounded by the server's body limit (413 past it).
func (a *API) uploadAttachments(w http.ResponseWriter, r *http.Request) error {
	d, _, err := a.openDoc(r, rowhouse.RoleEditors)
	if err != nil {
		return err
	}
	defer d.Close()
	mr, err := r.MultipartReader()
	if err != nil {
		return rowhouse.Invalidf("expected a multipart/form-data body with files in the field \"upload\"")
	}
	var files []core.NewAttachment
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return uploadErr(err)
		}
		if part.FormName() != "upload" {
			part.Close()
			continue
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return uploadErr(err)
		}
		files = append(files, core.NewAttachment{
			FileName:    cleanFileName(part.FileName()),
			ContentType: cleanContentType(part.Header.Get("Content-Type")),
			Data:        data,
		})
	}
	ids, err := d.AddAttachments(r.Context(), files)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, ids)
	return nil
}

// uploadErr keeps the body limit's error (413) and makes any other error
// of a malformed upload a 400.
func uploadErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	return rowhouse.Invalidf("malformed multipart upload: %v", err)
}

// cleanFileName keeps a file name fit to store and show: valid UTF-8, no
// control characters or path, at most maxFileName bytes.
func cleanFileName(name string) string {
	name = strings.ToValidUTF8(name, "\uFFFD")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	for len(name) > maxFileName {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return strings.TrimSpace(name)
}

// cleanContentType keeps a well-formed media type, else
// application/octet-stream.
func cleanContentType(ct string) string {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || !strings.Contains(mt, "/") {
		return "application/octet-stream"
	}
	return mime.FormatMediaType(mt, params)
}

// listAttachments is GET /api/docs/{doc}/attachments.
func (a *API) listAttachments(w http.ResponseWriter, r *http.Request) error {
	d, _, err := a.openDoc(r, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	defer d.Close()
	list, err := d.Attachments(r.Context())
	if err != nil {
		return err
	}
	type record struct {
		ID     int64          `json:"id"`
		Fields attachmentJSON `json:"fields"`
	}
	out := make([]record, len(list))
	for i, at := range list {
		out[i] = record{ID: at.ID, Fields: attachmentView(at)}
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"records": out})
	return nil
}

// attachmentID reads the {id} path value.
func attachmentID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, rowhouse.Invalidf("attachment id must be a positive integer")
	}
	return id, nil
}

// getAttachment is GET /api/docs/{doc}/attachments/{id}.
func (a *API) getAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := attachmentID(r)
	if err != nil {
		return err
	}
	d, _, err := a.openDoc(r, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	defer d.Close()
	at, err := d.Attachment(r.Context(), id)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, attachmentView(at))
	return nil
}

// activeTypes are media types a browser would run or render as a page;
// they are served as plain bytes.
var activeTypes = map[string]bool{
	"text/html": true, "application/xhtml+xml": true, "image/svg+xml": true,
	"text/xml": true, "application/xml": true, "text/javascript": true,
	"application/javascript": true, "application/ecmascript": true, "text/ecmascript": true,
	"application/x-shockwave-flash": true,
}

// downloadAttachment is GET /api/docs/{doc}/attachments/{id}/download: the
// file (with tableId, colId and rowId, only if that cell refers to it, as
// Grist checks a download for one cell), always as a download
// (Content-Disposition: attachment) and never something a browser runs: a sandboxing Content-Security-Policy, nosniff,
// and the types that a browser would render as a page sent as
// application/octet-stream.
func (a *API) downloadAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := attachmentID(r)
	if err != nil {
		return err
	}
	cell, err := attachmentCell(r)
	if err != nil {
		return err
	}
	d, _, err := a.openDoc(r, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	defer d.Close()
	if cell != nil {
		holds, err := d.CellHoldsAttachment(r.Context(), cell.table, cell.col, cell.row, id)
		if err != nil {
			return err
		}
		if !holds {
			return rowhouse.NotFoundf("Attachment not found: %d", id)
		}
	}
	at, data, err := d.AttachmentData(r.Context(), id)
	if err != nil {
		return err
	}
	ct := cleanContentType(at.ContentType)
	if mt, _, _ := mime.ParseMediaType(ct); activeTypes[mt] {
		ct = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", contentDisposition(at.FileName, "attachment"))
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-cache")
	http.ServeContent(w, r, "", at.TimeUploaded, bytes.NewReader(data))
	return nil
}

// contentDisposition is an attachment disposition naming the file safely:
// an ASCII fallback in filename (no quotes, backslashes, separators or
// control characters) and the exact name in filename* (RFC 6266, RFC 8187).
func contentDisposition(name, fallback string) string {
	name = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || unicode.IsControl(r) {
			return '_'
		}
		return r
	}, strings.ToValidUTF8(name, "_"))
	if strings.TrimSpace(name) == "" {
		name = fallback
	}
	var ascii strings.Builder
	for _, r := range name {
		if r < 0x20 || r >= 0x7f || r == '"' || r == '\\' || r == '/' || r == '%' {
			ascii.WriteByte('_')
		} else {
			ascii.WriteRune(r)
		}
	}
	const attrChar = "!#$&+-.^_`|~"
	var ext strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(attrChar, c) >= 0 {
			ext.WriteByte(c)
		} else {
			fmt.Fprintf(&ext, "%%%02X", c)
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + ext.String()
}

// attachmentCellRef names the cell a download is for.
type attachmentCellRef struct {
	table, col string
	row        int64
}

// attachmentCell reads the tableId, colId and rowId query parameters of
// an attachment download: all of them or none, as Grist has it.
func attachmentCell(r *http.Request) (*attachmentCellRef, error) {
	q := r.URL.Query()
	table, col, row := q.Get("tableId"), q.Get("colId"), q.Get("rowId")
	if table == "" && col == "" && row == "" {
		return nil, nil
	}
	if table == "" || col == "" || row == "" {
		return nil, rowhouse.Invalidf("define all of tableId, colId and rowId, or none.")
	}
	n, err := strconv.ParseInt(row, 10, 64)
	if err != nil || n <= 0 {
		return nil, rowhouse.Invalidf("rowId must be a positive integer, not %q", row)
	}
	return &attachmentCellRef{table: table, col: col, row: n}, nil
}

// unusedRetention is how long an attachment nobody refers to is kept by
// removeUnused?expiredonly=1: a file just uploaded is unused until the
// cell that refers to it is written.
const unusedRetention = time.Hour

// removeUnusedAttachments is POST /api/docs/{doc}/attachments/removeUnused
// (owners): deletes the attachments no cell refers to; with expiredonly,
// only those uploaded more than an hour ago. verifyfiles is accepted:
// files live in the document, so there is nothing apart to compare. It
// answers null, as Grist does.
func (a *API) removeUnusedAttachments(w http.ResponseWriter, r *http.Request) error {
	d, _, err := a.openDoc(r, rowhouse.RoleOwners)
	if err != nil {
		return err
	}
	defer d.Close()
	var keep time.Duration
	if boolParam(r, "expiredonly") || boolParam(r, "expiredOnly") {
		keep = unusedRetention
	}
	if _, err := d.RemoveUnusedAttachments(r.Context(), keep); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, nil)
	return nil
}

// archiveAttachments is GET /api/docs/{doc}/attachments/archive
// (viewers): every attachment of the document in one file, format=zip
// (the default) or tar, each entry named "<id>_<file name>" so that files
// of the same name stay apart. It is written as it is read, one
// attachment at a time, from one snapshot of the document.
func (a *API) archiveAttachments(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "zip"
	}
	if format != "zip" && format != "tar" {
		return rowhouse.Invalidf("format must be zip or tar, not %q", format)
	}
	d, v, err := a.openDoc(r, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	defer d.Close()
	started := false
	start := func() {
		if started {
			return
		}
		started = true
		h := w.Header()
		h.Set("Content-Type", map[string]string{"zip": "application/zip", "tar": "application/x-tar"}[format])
		h.Set("Content-Disposition", contentDisposition(v.Name+"-Attachments."+format, "Attachments."+format))
		h.Set("Cache-Control", "private, no-cache")
		w.WriteHeader(http.StatusOK)
	}
	var aw archiveWriter = zipArchive{zip.NewWriter(w)}
	if format == "tar" {
		aw = tarArchive{tar.NewWriter(w)}
	}
	err = d.EachAttachment(r.Context(), func(at core.Attachment, data []byte) error {
		start()
		name := cleanFileName(at.FileName)
		if name == "" {
			name = "file"
		}
		return aw.add(fmt.Sprintf("%d_%s", at.ID, name), at.TimeUploaded, data)
	})
	if err == nil {
		start()
		err = aw.Close()
	}
	if err != nil && !started {
		return err // nothing sent yet: an error answer
	}
	if err != nil {
		a.log.Warn("attachments archive cut short", "doc", v.ID, "err", err)
		panic(http.ErrAbortHandler) // the client sees a truncated body, not a whole-looking archive
	}
	return nil
}

// archiveWriter writes the entries of an attachments archive.
type archiveWriter interface {
	add(name string, modified time.Time, data []byte) error
	Close() error
}

type zipArchive struct{ *zip.Writer }

func (z zipArchive) add(name string, modified time.Time, data []byte) error {
	f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified})
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return err
}

type tarArchive struct{ *tar.Writer }

func (t tarArchive) add(name string, modified time.Time, data []byte) error {
	if err := t.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: modified, Format: tar.FormatPAX}); err != nil {
		return err
	}
	_, err := t.Write(data)
	return err
}

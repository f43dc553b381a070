package core

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/store"
)

// Attachment describes a file attached to a document. The file itself is
// kept in the document's _rh_attachments table, so that copies, snapshots
// and downloads of the document carry it.
type Attachment struct {
	ID           int64
	FileName     string
	FileSize     int64
	ContentType  string
	Checksum     string // SHA-256 of the content, hex
	TimeUploaded time.Time
}

// NewAttachment is a file to attach.
type NewAttachment struct {
	FileName    string
	ContentType string
	Data        []byte
}

// errAttachmentNotFound is the 404 of an unknown attachment id.
func errAttachmentNotFound(id int64) error {
	return rowhouse.NotFoundf("Attachment not found: %d", id)
}

// AddAttachments stores files in one transaction and returns their ids, in
// order. An empty list or an empty file is EINVALID and stores nothing.
//
// Attachments are not table data: adding them writes no change event (the
// cells that later refer to them do).
func (doc *Doc) AddAttachments(ctx context.Context, files []NewAttachment) ([]int64, error) {
	if len(files) == 0 {
		return nil, rowhouse.Invalidf("no files were uploaded")
	}
	for _, f := range files {
		if len(f.Data) == 0 {
			return nil, rowhouse.Invalidf("uploaded file %q is empty", f.FileName)
		}
	}
	tx, err := doc.db.BeginWrite(ctx)
	if err != nil {
		return nil, fmt.Errorf("doc %s: %w", doc.id, err)
	}
	defer tx.Rollback()
	now := doc.docs.now().UnixMilli()
	ids := make([]int64, 0, len(files))
	for _, f := range files {
		sum := sha256.Sum256(f.Data)
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO _rh_attachments (file_name, file_size, content_type, checksum, time_uploaded, data) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			f.FileName, int64(len(f.Data)), f.ContentType, hex.EncodeToString(sum[:]), now, f.Data).Scan(&id); err != nil {
			return nil, fmt.Errorf("doc %s: add attachment: %w", doc.id, err)
		}
		ids = append(ids, id)
	}
	doc.docs.count("rest", len(files))
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("doc %s: add attachments: %w", doc.id, err)
	}
	return ids, nil
}

const attachmentColumns = `id, file_name, file_size, content_type, checksum, time_uploaded`

func scanAttachment(row store.Row) (Attachment, error) {
	var a Attachment
	var at int64
	if err := row.Scan(&a.ID, &a.FileName, &a.FileSize, &a.ContentType, &a.Checksum, &at); err != nil {
		return a, err
	}
	a.TimeUploaded = time.UnixMilli(at).UTC()
	return a, nil
}

// Attachments lists the document's attachments by id.
func (doc *Doc) Attachments(ctx context.Context) ([]Attachment, error) {
	rows, err := doc.db.Query(ctx, `SELECT `+attachmentColumns+` FROM _rh_attachments ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("doc %s: list attachments: %w", doc.id, err)
	}
	defer rows.Close()
	out := []Attachment{}
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, fmt.Errorf("doc %s: list attachments: %w", doc.id, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("doc %s: list attachments: %w", doc.id, err)
	}
	doc.docs.count("rest", 1)
	return out, nil
}

// AttachmentsSize returns the total size of the document's attachments,
// in bytes.
func (doc *Doc) AttachmentsSize(ctx context.Context) (int64, error) {
	var n int64
	err := doc.db.QueryRow(ctx, `SELECT COALESCE(SUM(file_size), 0) FROM _rh_attachments`).Scan(&n)
	doc.docs.count("rest", 1)
	if err != nil {
		return 0, fmt.Errorf("doc %s: attachments size: %w", doc.id, err)
	}
	return n, nil
}

// AttachmentsSize returns the total size of the attachments of the
// documents docIDs (an org's, say), in bytes. The caller must have
// checked access.
func (d *Docs) AttachmentsSize(ctx context.Context, docIDs []string) (int64, error) {
	var total int64
	for _, id := range docIDs {
		doc, err := d.Open(ctx, id)
		if err != nil {
			return 0, err
		}
		n, err := doc.AttachmentsSize(ctx)
		doc.Close()
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// Attachment returns one attachment's metadata; 404 if there is none.
func (doc *Doc) Attachment(ctx context.Context, id int64) (Attachment, error) {
	a, err := scanAttachment(doc.db.QueryRow(ctx, `SELECT `+attachmentColumns+` FROM _rh_attachments WHERE id = ?`, id))
	doc.docs.count("rest", 1)
	if errors.Is(err, store.ErrNoRows) {
		return a, errAttachmentNotFound(id)
	}
	if err != nil {
		return a, fmt.Errorf("doc %s: attachment %d: %w", doc.id, id, err)
	}
	return a, nil
}

// AttachmentData returns one attachment's metadata and content; 404 if
// there is none. The content is read whole: an attachment is bounded by the
// request body limit it was uploaded under.
func (doc *Doc) AttachmentData(ctx context.Context, id int64) (Attachment, []byte, error) {
	a, data, err := scanAttachmentData(doc.db.QueryRow(ctx, `SELECT `+attachmentColumns+`, data FROM _rh_attachments WHERE id = ?`, id))
	doc.docs.count("rest", 1)
	if errors.Is(err, store.ErrNoRows) {
		return a, nil, errAttachmentNotFound(id)
	}
	if err != nil {
		return a, nil, fmt.Errorf("doc %s: attachment %d: %w", doc.id, id, err)
	}
	return a, data, nil
}

// scanAttachmentData reads an attachment's metadata and content, selected
// as attachmentColumns then data.
func scanAttachmentData(row store.Row) (Attachment, []byte, error) {
	var a Attachment
	var at int64
	var data []byte
	err := row.Scan(&a.ID, &a.FileName, &a.FileSize, &a.ContentType, &a.Checksum, &at, &data)
	a.TimeUploaded = time.UnixMilli(at).UTC()
	return a, data, err
}

// usedAttachments returns the ids of the attachments that some cell of an
// Attachments column refers to, as q sees the document (s its schema).
func (doc *Doc) usedAttachments(ctx context.Context, q store.Querier, s *schema.Schema) (map[int64]bool, error) {
	used := map[int64]bool{}
	d := doc.db.Dialect()
	for _, t := range s.Tables {
		for _, c := range t.Columns {
			if c.Type.Kind != schema.KindAttachments || !c.Stored() {
				continue
			}
			col := d.QuoteIdent(c.ID)
			rows, err := q.Query(ctx, `SELECT `+col+` FROM `+d.QuoteIdent(t.ID)+` WHERE `+col+` IS NOT NULL`)
			if err != nil {
				return nil, fmt.Errorf("read %s.%s: %w", t.ID, c.ID, err)
			}
			for rows.Next() {
				var cell string
				if err := rows.Scan(&cell); err != nil {
					rows.Close()
					return nil, fmt.Errorf("read %s.%s: %w", t.ID, c.ID, err)
				}
				for _, id := range cellAttachments(cell) {
					used[id] = true
				}
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return nil, fmt.Errorf("read %s.%s: %w", t.ID, c.ID, err)
			}
		}
	}
	return used, nil
}

// RemoveUnusedAttachments deletes, in one transaction, the attachments
// that no cell of an Attachments column refers to, except those uploaded
// less than keepNewer ago (0 keeps none): a file just uploaded is unused
// until the cell that refers to it is written. It returns how many it
// deleted.
func (doc *Doc) RemoveUnusedAttachments(ctx context.Context, keepNewer time.Duration) (int, error) {
	g0 := doc.genNow()
	tx, err := doc.db.BeginWrite(ctx)
	if err != nil {
		return 0, fmt.Errorf("doc %s: %w", doc.id, err)
	}
	defer tx.Rollback()
	q := &countingQuerier{q: tx}
	defer func() { doc.docs.count("rest", q.n) }()
	s, err := doc.schemaIn(ctx, q, g0)
	if err != nil {
		return 0, err
	}
	used, err := doc.usedAttachments(ctx, q, s)
	if err != nil {
		return 0, fmt.Errorf("doc %s: remove unused attachments: %w", doc.id, err)
	}
	cutoff := doc.docs.now().Add(-keepNewer).UnixMilli()
	rows, err := q.Query(ctx, `SELECT id FROM _rh_attachments WHERE time_uploaded <= ? ORDER BY id`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("doc %s: remove unused attachments: %w", doc.id, err)
	}
	var unused []any
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("doc %s: remove unused attachments: %w", doc.id, err)
		}
		if !used[id] {
			unused = append(unused, id)
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return 0, fmt.Errorf("doc %s: remove unused attachments: %w", doc.id, err)
	}
	const chunk = 500 // bound parameters per statement
	removed := 0
	for len(unused) > 0 {
		n := min(len(unused), chunk)
		if _, err := q.Exec(ctx, `DELETE FROM _rh_attachments WHERE id IN (`+placeholders(n)+`)`, unused[:n]...); err != nil {
			return 0, fmt.Errorf("doc %s: remove unused attachments: %w", doc.id, err)
		}
		unused = unused[n:]
		removed += n
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("doc %s: remove unused attachments: %w", doc.id, err)
	}
	return removed, nil
}

// CellHoldsAttachment reports whether the cell (table, column, row) is an
// Attachments cell that refers to attachment id: Grist's way of naming
// the cell a download is for. An unknown table, column or row is 404.
func (doc *Doc) CellHoldsAttachment(ctx context.Context, tableID, colID string, rowID, id int64) (bool, error) {
	t, err := doc.Table(ctx, tableID)
	if err != nil {
		return false, err
	}
	c := t.Column(colID)
	if c == nil {
		return false, rowhouse.NotFoundf("Column not found %q", colID)
	}
	if c.Type.Kind != schema.KindAttachments || !c.Stored() {
		return false, nil
	}
	d := doc.db.Dialect()
	var cell *string
	err = doc.db.QueryRow(ctx, `SELECT `+d.QuoteIdent(c.ID)+` FROM `+d.QuoteIdent(t.ID)+` WHERE "id" = ?`, rowID).Scan(&cell)
	doc.docs.count("rest", 1)
	if errors.Is(err, store.ErrNoRows) {
		return false, rowhouse.NotFoundf("Row not found %d", rowID)
	}
	if err != nil {
		return false, fmt.Errorf("doc %s: read %s.%s: %w", doc.id, t.ID, c.ID, err)
	}
	return cell != nil && slices.Contains(cellAttachments(*cell), id), nil
}

// cellAttachments reads the attachment ids an Attachments cell holds, as
// stored (a JSON array of ids); a cell of another shape holds none.
func cellAttachments(cell string) []int64 {
	var ids []int64
	if json.Unmarshal([]byte(cell), &ids) != nil {
		return nil
	}
	return ids
}

// EachAttachment calls fn with every attachment and its content, by id,
// from one snapshot of the document, one at a time (the content is only
// valid during the call). An error of fn ends the walk and is returned.
func (doc *Doc) EachAttachment(ctx context.Context, fn func(Attachment, []byte) error) error {
	tx, err := doc.db.BeginRead(ctx)
	if err != nil {
		return fmt.Errorf("doc %s: %w", doc.id, err)
	}
	defer tx.Rollback()
	rows, err := tx.Query(ctx, `SELECT `+attachmentColumns+`, data FROM _rh_attachments ORDER BY id`)
	if err != nil {
		return fmt.Errorf("doc %s: read attachments: %w", doc.id, err)
	}
	defer rows.Close()
	doc.docs.count("rest", 1)
	for rows.Next() {
		a, data, err := scanAttachmentData(rows)
		if err != nil {
			return fmt.Errorf("doc %s: read attachments: %w", doc.id, err)
		}
		if err := fn(a, data); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("doc %s: read attachments: %w", doc.id, err)
	}
	return nil
}

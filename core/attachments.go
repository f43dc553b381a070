package core

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/rowhouse/rowhouse"
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
	var data []byte
	var a Attachment
	var at int64
	err := doc.db.QueryRow(ctx, `SELECT `+attachmentColumns+`, data FROM _rh_attachments WHERE id = ?`, id).
		Scan(&a.ID, &a.FileName, &a.FileSize, &a.ContentType, &a.Checksum, &at, &data)
	doc.docs.count("rest", 1)
	if errors.Is(err, store.ErrNoRows) {
		return a, nil, errAttachmentNotFound(id)
	}
	if err != nil {
		return a, nil, fmt.Errorf("doc %s: attachment %d: %w", doc.id, id, err)
	}
	a.TimeUploaded = time.UnixMilli(at).UTC()
	return a, data, nil
}

package grist

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/core"
)

// sqlStreamAfter is how much of an SQL answer is held before it starts
// going out: an error found while the answer is held (a timeout, most
// likely) is still a proper 400; past it the answer streams, and an error
// cuts the connection so the client cannot take a partial answer for a
// whole one.
const sqlStreamAfter = 1 << 20

// getSQL is GET /api/docs/{doc}/sql?q=<statement>.
func (a *API) getSQL(w http.ResponseWriter, r *http.Request) error {
	return a.runSQL(w, r, r.URL.Query().Get("q"), nil, 0)
}

// postSQL is POST /api/docs/{doc}/sql {sql, args?, timeout?}, timeout in
// milliseconds.
func (a *API) postSQL(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		SQL     *string      `json:"sql"`
		Args    []any        `json:"args"`
		Timeout *json.Number `json:"timeout"`
	}
	if err := api.DecodeJSON(r, &body); err != nil {
		return err
	}
	if body.SQL == nil {
		return rowhouse.InvalidPayload("sql is missing")
	}
	var timeout time.Duration
	if body.Timeout != nil {
		ms, err := body.Timeout.Float64()
		if err != nil || ms < 0 {
			return rowhouse.InvalidPayload("timeout must be a non-negative number of milliseconds")
		}
		timeout = time.Duration(ms * float64(time.Millisecond))
	}
	return a.runSQL(w, r, *body.SQL, body.Args, timeout)
}

func (a *API) runSQL(w http.ResponseWriter, r *http.Request, stmt string, args []any, timeout time.Duration) error {
	d, _, err := a.openDoc(r, rowhouse.RoleViewers)
	if err != nil {
		return err
	}
	defer d.Close()
	rows, err := d.SQL(r.Context(), stmt, args, timeout)
	if errors.Is(err, core.ErrUnsupported) {
		api.WriteJSON(w, http.StatusNotImplemented, api.ErrorBody{Error: "SQL queries are not supported by this storage engine"})
		return nil
	}
	if err != nil {
		return err
	}
	defer rows.Close()

	// {"statement": ..., "records": [{"fields": {...}}, ...]}, written by
	// hand so that fields keep the order of the result's columns.
	names := make([][]byte, len(rows.Columns))
	for i, c := range rows.Columns {
		names[i], _ = json.Marshal(c) // a string always encodes
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	buf.WriteString(`{"statement":`)
	if err := encodeTo(&buf, enc, rows.Statement); err != nil {
		return err
	}
	buf.WriteString(`,"records":[`)
	streaming := false
	first := true
	for rows.Next() {
		if !first {
			buf.WriteByte(',')
		}
		first = false
		buf.WriteString(`{"fields":{`)
		for i, v := range rows.Values() {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.Write(names[i])
			buf.WriteByte(':')
			if err := encodeTo(&buf, enc, v); err != nil {
				return err
			}
		}
		buf.WriteString(`}}`)
		if buf.Len() >= sqlStreamAfter {
			if !streaming {
				streaming = true
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.WriteHeader(http.StatusOK)
			}
			if _, err := w.Write(buf.Bytes()); err != nil {
				return nil // the client went away
			}
			buf.Reset()
		}
	}
	if err := rows.Err(); err != nil {
		if streaming {
			a.log.WarnContext(r.Context(), "SQL answer cut short", "doc", d.ID(), "err", err)
			panic(http.ErrAbortHandler)
		}
		return err
	}
	buf.WriteString("]}\n")
	if !streaming {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
	}
	_, _ = w.Write(buf.Bytes()) // a write error means the client went away
	return nil
}

// encodeTo writes v as JSON into buf through enc (which writes to buf),
// without the newline Encode ends with.
func encodeTo(buf *bytes.Buffer, enc *json.Encoder, v any) error {
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1)
	return nil
}

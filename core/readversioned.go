package core

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/rowhouse/rowhouse/store"
)

// Several processes may share a PostgreSQL database, so one of them cannot
// know, as a process that locked its SQLite folder does (queryKnown), that
// the schema it remembers is still the document's: another process may
// have changed it. A read therefore checks the schema version, but it
// needs not spend a transaction and a statement on it. The read's one
// statement returns the version beside its rows (a scalar subquery, which
// reads the same snapshot as the rows): the rows are the answer if it is
// the version of the schema the statement was built from. A read that
// finds no row has no version to show; it reads the version again, after:
// versions only grow, so if it is still the one the statement was built
// from, it was that one when the statement ran. Anything else (another
// version, an error, which a statement built from an old schema may well
// raise) sends the read the usual way, in a transaction that reads the
// version first.

// versionColumn is the select list item that returns the schema version.
const versionColumn = `(SELECT value FROM _rh_meta WHERE key = 'schema_version') AS _rh_v, `

// queryVersioned is Query as one statement outside any transaction, when
// the document's schema has been read before and other processes may
// change it: ok is false when the read must go the usual way (see above).
func (doc *Doc) queryVersioned(ctx context.Context, sel Select) (res *Rows, ok bool, err error) {
	if sel.Count || sel.CountOnly || len(sel.Aggregates) > 0 {
		return nil, false, nil // a count (and a page: two statements, one snapshot)
	}
	if doc.docs.gen(doc.id) != nil {
		// This process alone writes: queryKnown serves, and the usual way
		// makes the schema known to it again after a change.
		return nil, false, nil
	}
	doc.docs.mu.Lock()
	s := doc.docs.schemas[doc.id].s
	doc.docs.mu.Unlock()
	if s == nil {
		return nil, false, nil
	}
	q := &versionedQuerier{q: doc.db}
	cq := &countingQuerier{q: q}
	res, err = doc.read(ctx, cq, s, sel, true)
	if err == nil && res.rows != nil {
		res.prime()
		err = res.err
	}
	version := q.version
	if err == nil && !q.sawRow && q.ran {
		// No row: read the version after.
		var v string
		if err = doc.db.QueryRow(ctx, `SELECT value FROM _rh_meta WHERE key = 'schema_version'`).Scan(&v); err == nil {
			cq.n++
			version, err = strconv.ParseInt(v, 10, 64)
		}
	}
	if err != nil || !q.ran || q.other || version != s.Version {
		if res != nil {
			res.Close()
		}
		if err != nil && ctx.Err() != nil {
			return nil, true, err // cancelled: no point in asking again
		}
		return nil, false, nil
	}
	doc.docs.count(sel.Surface, cq.n)
	return res, true, nil
}

// versionedQuerier runs a read's one SELECT with the schema version as its
// first column, which the rows it returns leave out (version holds it, as
// read on the first row). Any other statement is refused (other is set):
// a read of several statements needs a transaction.
type versionedQuerier struct {
	q       store.Querier
	ran     bool
	other   bool
	sawRow  bool
	version int64
}

var errNotVersioned = errors.New("not a read of one statement")

func (v *versionedQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	v.other = true
	return 0, errNotVersioned
}

func (v *versionedQuerier) QueryRow(ctx context.Context, query string, args ...any) store.Row {
	v.other = true
	return errRow{errNotVersioned}
}

func (v *versionedQuerier) Query(ctx context.Context, query string, args ...any) (store.Rows, error) {
	rest, isSelect := strings.CutPrefix(query, "SELECT ")
	if v.ran || !isSelect {
		v.other = true
		return nil, errNotVersioned
	}
	v.ran = true
	rows, err := v.q.Query(ctx, "SELECT "+versionColumn+rest, args...)
	if err != nil {
		return nil, err
	}
	return &versionedRows{Rows: rows, v: v}, nil
}

// versionedRows are a versioned statement's rows without their version.
type versionedRows struct {
	store.Rows
	v    *versionedQuerier
	dest []any
	ver  string
}

func (r *versionedRows) Scan(dest ...any) error {
	r.dest = append(append(r.dest[:0], &r.ver), dest...)
	if err := r.Rows.Scan(r.dest...); err != nil {
		return err
	}
	if !r.v.sawRow {
		r.v.sawRow = true
		n, err := strconv.ParseInt(r.ver, 10, 64)
		if err != nil {
			return err
		}
		r.v.version = n
	}
	return nil
}

func (r *versionedRows) Columns() ([]string, error) {
	cols, err := r.Rows.Columns()
	if len(cols) > 0 {
		cols = cols[1:]
	}
	return cols, err
}

// errRow is a Row that fails with err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

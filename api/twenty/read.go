package twenty

import (
	"context"
	"slices"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/query"
)

// Related records are read one statement per relation field and level,
// for all the parent records at once (their ids in one `in` condition),
// never one per parent: a page of 100 companies with depth=1 costs the
// page's statement and one per relation field of the company table,
// whatever the number of rows. Only ids past the core's bound on an `in`
// list (the larger of --max-batch and --max-page) take a second
// statement.

// reader runs Selects in one transaction: a core.Snapshot for reads, the
// write transaction (core.Reader) for the answer of a write.
type reader interface {
	Query(ctx context.Context, sel core.Select) (*core.Rows, error)
}

// surface names this API in the statement counter.
const surface = "twenty"

// nestedFactor bounds the related records one answer embeds: this many
// times the maximum page size, all relations together. Past it the read is
// an error (413), never a silent cut: the client should read the relation
// as a filtered list instead.
const nestedFactor = 10

// fetcher reads the records of a view and their relations.
type fetcher struct {
	rd reader
	// maxIDs is the most ids one `in` condition holds.
	maxIDs int
	// budget is the related records left to read, of nestedFactor times
	// maxPage.
	budget, maxPage int
}

func (a *API) fetcher(rd reader) *fetcher {
	lim := a.docs.Limits()
	return &fetcher{rd: rd, maxIDs: max(lim.MaxBatch, lim.MaxPage), budget: nestedFactor * lim.MaxPage, maxPage: lim.MaxPage}
}

// scan reads every row of sel as records of v.
func (f *fetcher) scan(ctx context.Context, v *view, sel core.Select, nested bool) ([]*record, *core.Rows, error) {
	sel.Table, sel.Columns, sel.Timestamps, sel.Surface = v.t.ID, v.columnIDs(), v.stamps, surface
	rows, err := f.rd.Query(ctx, sel)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []*record
	for rows.Next() {
		if nested {
			if f.budget == 0 {
				return nil, nil, rowhouse.Errorf(rowhouse.ETOOLARGE, "the related records of this answer are more than %d (nested read limit): ask with a lower depth and read the relation as a list with a filter", nestedFactor*f.maxPage)
			}
			f.budget--
		}
		r := &record{id: rows.ID(), vals: rows.Values(nil, false)}
		if v.stamps {
			r.created, r.updated = rows.CreatedAt(), rows.UpdatedAt()
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	return out, rows, nil
}

// relations reads the related records of recs for every relation of v,
// then theirs, level by level.
func (f *fetcher) relations(ctx context.Context, v *view, recs []*record) error {
	if len(recs) == 0 {
		return nil
	}
	for _, rel := range v.rels {
		var got []*record
		var err error
		if rel.kind == relReverse {
			got, err = f.reverse(ctx, rel, recs)
		} else {
			got, err = f.byID(ctx, rel, recs)
		}
		if err != nil {
			return err
		}
		if err := f.relations(ctx, rel.target, got); err != nil {
			return err
		}
	}
	return nil
}

// byID reads the records that the Ref or RefList column of rel names in
// recs.
func (f *fetcher) byID(ctx context.Context, rel *relation, recs []*record) ([]*record, error) {
	var ids []int64
	for _, r := range recs {
		if rel.kind == relRef {
			if id, ok := rowIDOf(r.vals[rel.idx]); ok {
				ids = append(ids, id)
			}
		} else {
			ids = append(ids, listIDs(r.vals[rel.idx])...)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	rel.byID = make(map[int64]*record, len(ids))
	var all []*record
	for start := 0; start < len(ids); start += f.maxIDs {
		part := ids[start:min(start+f.maxIDs, len(ids))]
		got, _, err := f.scan(ctx, rel.target, core.Select{Filter: query.Cond{Path: []string{"id"}, Op: query.OpIn, Value: idList(part)}}, true)
		if err != nil {
			return nil, err
		}
		for _, g := range got {
			rel.byID[g.id] = g
		}
		all = append(all, got...)
	}
	return all, nil
}

// reverse reads the records whose Ref column (rel.fwd) names one of recs,
// grouped by the record they name, in id order.
func (f *fetcher) reverse(ctx context.Context, rel *relation, recs []*record) ([]*record, error) {
	ids := make([]int64, len(recs))
	for i, r := range recs {
		ids[i] = r.id
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	rel.byParent = make(map[int64][]*record, len(ids))
	idx := rel.target.colIdx[rel.fwd.ID]
	var all []*record
	for start := 0; start < len(ids); start += f.maxIDs {
		part := ids[start:min(start+f.maxIDs, len(ids))]
		got, _, err := f.scan(ctx, rel.target, core.Select{Filter: query.Cond{Path: []string{rel.fwd.ID}, Op: query.OpIn, Value: idList(part)}}, true)
		if err != nil {
			return nil, err
		}
		for _, g := range got {
			if pid, ok := rowIDOf(g.vals[idx]); ok {
				rel.byParent[pid] = append(rel.byParent[pid], g)
			}
		}
		all = append(all, got...)
	}
	return all, nil
}

// idList turns ids into the value of an `in` condition.
func idList(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// byIDs reads the records with these ids, in that order, with their
// relations: the answer of a write, read in its transaction.
func (f *fetcher) byIDs(ctx context.Context, v *view, ids []int64) ([]*record, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	uniq := slices.Clone(ids)
	slices.Sort(uniq)
	uniq = slices.Compact(uniq)
	found := make(map[int64]*record, len(uniq))
	var all []*record
	for start := 0; start < len(uniq); start += f.maxIDs {
		part := uniq[start:min(start+f.maxIDs, len(uniq))]
		got, _, err := f.scan(ctx, v, core.Select{Filter: query.Cond{Path: []string{"id"}, Op: query.OpIn, Value: idList(part)}}, false)
		if err != nil {
			return nil, err
		}
		for _, g := range got {
			found[g.id] = g
		}
		all = append(all, got...)
	}
	if err := f.relations(ctx, v, all); err != nil {
		return nil, err
	}
	out := make([]*record, 0, len(ids))
	for _, id := range ids {
		r := found[id]
		if r == nil {
			return nil, rowhouse.Errorf(rowhouse.EINTERNAL, "record %d of table %s is gone", id, v.t.ID)
		}
		out = append(out, r)
	}
	return out, nil
}

package twentymodel

import "github.com/rowhouse/rowhouse"

// Paging is Twenty's CursorPaging of metadata lists: first items after a
// cursor, or last items before one. A cursor is an item's id, as Twenty's
// metadata lists page by id.
type Paging struct {
	First, Last   int // 0: not given
	After, Before string
}

// PageInfo is Twenty's pageInfo of a list.
type PageInfo struct {
	HasNextPage     bool    `json:"hasNextPage"`
	HasPreviousPage bool    `json:"hasPreviousPage"`
	StartCursor     *string `json:"startCursor"`
	EndCursor       *string `json:"endCursor"`
}

// MaxPage is the largest page of a metadata list, as Twenty's.
const MaxPage = 1000

// Page returns the page of items that p asks for, with its page info. A
// cursor that names no item is an error, as is a size out of 1 to
// MaxPage or after and before together.
func Page[T any](items []T, id func(T) string, p Paging) ([]T, PageInfo, error) {
	if p.After != "" && p.Before != "" {
		return nil, PageInfo{}, rowhouse.Invalidf("only one of starting_after (after) and ending_before (before) may be given")
	}
	for _, n := range []int{p.First, p.Last} {
		if n < 0 || n > MaxPage {
			return nil, PageInfo{}, rowhouse.Invalidf("the page size must be an integer from 1 to %d", MaxPage)
		}
	}
	find := func(cursor string) (int, error) {
		for i, it := range items {
			if id(it) == cursor {
				return i, nil
			}
		}
		return 0, rowhouse.Invalidf("cursor %q names no item of this list", cursor)
	}
	lo, hi := 0, len(items)
	if p.After != "" {
		i, err := find(p.After)
		if err != nil {
			return nil, PageInfo{}, err
		}
		lo = i + 1
	}
	if p.Before != "" {
		i, err := find(p.Before)
		if err != nil {
			return nil, PageInfo{}, err
		}
		hi = i
	}
	size := p.First
	if size == 0 {
		size = p.Last
	}
	if size == 0 {
		size = MaxPage
	}
	fromEnd := p.Before != "" || p.First == 0 && p.Last > 0
	if hi-lo > size {
		if fromEnd {
			lo = hi - size
		} else {
			hi = lo + size
		}
	}
	page := items[lo:hi]
	info := PageInfo{HasNextPage: hi < len(items), HasPreviousPage: lo > 0}
	if len(page) > 0 {
		s, e := id(page[0]), id(page[len(page)-1])
		info.StartCursor, info.EndCursor = &s, &e
	}
	return page, info, nil
}

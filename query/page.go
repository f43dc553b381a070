package query

import (
	"strconv"
	"strings"

	"github.com/rowhouse/rowhouse"
)

// DefaultMaxPage is the default maximum page size (the server's --max-page).
const DefaultMaxPage = 10000

// Page selects a window of the sorted rows, by key or, for random access,
// by position.
//
// Without cursors the window is every row; After keeps only rows strictly
// after that boundary in the sort order, Before only rows strictly before
// it. Limit (0 = no limit) then takes that many rows from the start of the
// window, or from its end when Last is set (GraphQL's last, REST's
// ending_before), the rows still being returned in sort order.
//
// Offset, which needs a Limit and no cursor, skips that many rows from the
// start first: REST's offset, for a client that jumps to a position (a
// scrollbar dragged to the middle of a million rows). It costs the rows
// skipped, so paging on from there is by cursor.
type Page struct {
	Limit  int
	Offset int
	After  *Cursor
	Before *Cursor
	Last   bool
}

// ParseLimit parses Grist's limit parameter (also its X-Limit header): a
// non-negative integer, 0 or blank meaning no limit. A limit above maxPage
// (DefaultMaxPage when maxPage <= 0) is an error naming the maximum, never a
// silent cut.
func ParseLimit(s string, maxPage int) (int, error) {
	if maxPage <= 0 {
		maxPage = DefaultMaxPage
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		if len(s) > 40 {
			s = s[:40] + "..."
		}
		return 0, rowhouse.Invalidf("invalid limit %q: expected a non-negative integer", s)
	}
	if n > maxPage {
		return 0, rowhouse.Invalidf("limit %d is above the maximum page size %d", n, maxPage)
	}
	return n, nil
}

// MaxOffset bounds offset: far past any table's size, and small enough
// for every engine's integers.
const MaxOffset = 1 << 40

// ParseOffset parses REST's offset parameter: a non-negative integer, blank
// meaning 0.
func ParseOffset(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > MaxOffset {
		if len(s) > 40 {
			s = s[:40] + "..."
		}
		return 0, rowhouse.Invalidf("invalid offset %q: expected a non-negative integer", s)
	}
	return n, nil
}

// ParsePage reads the REST paging parameters: limit (see [ParseLimit]),
// offset (see [ParseOffset]; it needs a limit and no cursor), starting_after
// and ending_before (cursors, see [DecodeCursor]). With ending_before the
// page is the limit rows just before it (Last is set).
func ParsePage(limit, offset, startingAfter, endingBefore string, maxPage int) (Page, error) {
	var p Page
	var err error
	if p.Limit, err = ParseLimit(limit, maxPage); err != nil {
		return Page{}, err
	}
	if p.Offset, err = ParseOffset(offset); err != nil {
		return Page{}, err
	}
	if p.Offset > 0 {
		switch {
		case p.Limit == 0:
			return Page{}, rowhouse.Invalidf("offset needs a limit")
		case startingAfter != "" || endingBefore != "":
			return Page{}, rowhouse.Invalidf("offset cannot be combined with starting_after or ending_before")
		}
	}
	if startingAfter != "" {
		c, err := DecodeCursor(startingAfter)
		if err != nil {
			return Page{}, rowhouse.Invalidf("invalid cursor in starting_after")
		}
		p.After = &c
	}
	if endingBefore != "" {
		c, err := DecodeCursor(endingBefore)
		if err != nil {
			return Page{}, rowhouse.Invalidf("invalid cursor in ending_before")
		}
		p.Before = &c
		p.Last = true
	}
	return p, nil
}

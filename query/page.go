package query

import (
	"strconv"
	"strings"

	"github.com/rowhouse/rowhouse"
)

// DefaultMaxPage is the default maximum page size (the server's --max-page).
const DefaultMaxPage = 10000

// Page selects a window of the sorted rows by key, never by offset.
//
// Without cursors the window is every row; After keeps only rows strictly
// after that boundary in the sort order, Before only rows strictly before
// it. Limit (0 = no limit) then takes that many rows from the start of the
// window, or from its end when Last is set (GraphQL's last, REST's
// ending_before), the rows still being returned in sort order.
type Page struct {
	Limit  int
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

// ParsePage reads the REST paging parameters: limit (see [ParseLimit]),
// starting_after and ending_before (cursors, see [DecodeCursor]). With
// ending_before the page is the limit rows just before it (Last is set).
func ParsePage(limit, startingAfter, endingBefore string, maxPage int) (Page, error) {
	var p Page
	var err error
	if p.Limit, err = ParseLimit(limit, maxPage); err != nil {
		return Page{}, err
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

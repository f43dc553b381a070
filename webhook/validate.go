package webhook

import (
	"context"
	"slices"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/store"
)

// Validate checks a webhook's settings before they are saved, with
// Grist's messages: the URL (present, and allowed by g), the event types
// (non-empty, of add/update/remove; sorted and deduplicated in place), the
// table and the columns (present in the document's schema s; the ready
// column a Bool); for a Twenty-format webhook, its operations instead of
// the event types, table and columns. Every API surface that saves
// webhooks calls it.
func Validate(ctx context.Context, g *Guard, s *schema.Schema, w *store.Webhook) error {
	if w.URL == "" {
		return rowhouse.Invalidf("url is missing")
	}
	if Format(*w) == FormatTwenty {
		if err := validateTwenty(s, w); err != nil {
			return err
		}
		return g.CheckURL(ctx, w.URL)
	}
	if len(w.EventTypes) == 0 {
		return rowhouse.Invalidf("eventTypes must be a non-empty array")
	}
	for _, t := range w.EventTypes {
		if t != core.EventAdd && t != core.EventUpdate && t != core.EventRemove {
			return rowhouse.Invalidf(`eventTypes must contain only "add", "update" or "remove", not %q`, t)
		}
	}
	w.EventTypes = slices.Compact(slices.Sorted(slices.Values(w.EventTypes)))
	if err := g.CheckURL(ctx, w.URL); err != nil {
		return err
	}
	if w.TableID == "" {
		return rowhouse.Invalidf("tableId is missing")
	}
	t := s.Table(w.TableID)
	if t == nil {
		return rowhouse.NotFoundf("Table not found %q", w.TableID)
	}
	if w.IsReadyColumn != "" {
		c := t.Column(w.IsReadyColumn)
		if c == nil {
			return rowhouse.NotFoundf("Column not found %q", w.IsReadyColumn)
		}
		if c.Type.Kind != schema.KindBool {
			return rowhouse.Invalidf("isReadyColumn %q must be a Bool column", w.IsReadyColumn)
		}
	}
	for _, c := range w.WatchedColIDs {
		if t.Column(c) == nil {
			return rowhouse.NotFoundf("Column not found %q", c)
		}
	}
	return nil
}

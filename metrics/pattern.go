package metrics

import (
	"context"
	"net/http"
)

// patternHolder carries the matched ServeMux pattern from CapturePattern
// back to Middleware when the request was replaced in between.
type patternHolder struct{ pattern string }

type patternKey struct{}

func withPatternHolder(ctx context.Context, h *patternHolder) context.Context {
	return context.WithValue(ctx, patternKey{}, h)
}

// CapturePattern wraps a ServeMux (or any handler that sets r.Pattern) so
// that the pattern it matched reaches Middleware even when middleware in
// between passed the mux a copy of the request (r.WithContext and friends).
// Without Middleware further out it does nothing.
func CapturePattern(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Record after ServeHTTP, not before: the mux sets r.Pattern itself.
		defer func() {
			if h, ok := r.Context().Value(patternKey{}).(*patternHolder); ok && r.Pattern != "" {
				h.pattern = r.Pattern
			}
		}()
		mux.ServeHTTP(w, r)
	})
}

package api

import "context"

// RequestInfo is what the request log line says about a request beyond
// its method, path, status and duration. The logging middleware puts one
// in the request's context; the layers below fill in what they learn
// (authentication the actor, WriteError the error message), and the line
// is written once the answer is complete. It belongs to the request's
// goroutine: handlers must not hand it to others.
type RequestInfo struct {
	// ID identifies the request in logs and in the X-Request-Id header.
	ID string
	// UserID and KeyID name who asked (0: anonymous, or no key). The key
	// itself never appears: only its id.
	UserID, KeyID int64
	// Error is the message of an error answer, as the client saw it.
	Error string
}

type requestInfoKey struct{}

// WithRequestInfo returns a context carrying ri.
func WithRequestInfo(ctx context.Context, ri *RequestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, ri)
}

// RequestInfoFrom returns the request's RequestInfo, nil outside the
// logging middleware (in tests of a bare handler).
func RequestInfoFrom(ctx context.Context) *RequestInfo {
	ri, _ := ctx.Value(requestInfoKey{}).(*RequestInfo)
	return ri
}

// RequestID returns the request's id, "" if it has none.
func RequestID(ctx context.Context) string {
	if ri := RequestInfoFrom(ctx); ri != nil {
		return ri.ID
	}
	return ""
}

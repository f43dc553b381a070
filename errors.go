package rowhouse

import (
	"errors"
	"fmt"
)

// Kind classifies an error by what the caller can do about it. Every layer
// returns *Error values (or wraps them); the HTTP status is chosen from the
// kind in exactly one place (package api).
type Kind string

// Error kinds. The zero kind is EINTERNAL.
const (
	EINTERNAL      Kind = "internal"      // a bug or an unexpected failure; details go to the log only
	EINVALID       Kind = "invalid"       // the request is malformed or breaks a rule (400)
	EUNAUTHORIZED  Kind = "unauthorized"  // no valid credentials (401)
	EFORBIDDEN     Kind = "forbidden"     // valid credentials, not enough access (403)
	ENOTFOUND      Kind = "not_found"     // the resource does not exist or is hidden (404)
	EMETHOD        Kind = "method"        // the path exists, but not with this method (405)
	ECONFLICT      Kind = "conflict"      // the resource exists or changed underneath (409)
	ETOOLARGE      Kind = "too_large"     // a body, batch or page exceeds a limit (413)
	EUNPROCESSABLE Kind = "unprocessable" // well-formed but cannot be processed, e.g. idempotency key reuse (422)
	ERATELIMIT     Kind = "rate_limited"  // too many requests (429)
	EUNAVAILABLE   Kind = "unavailable"   // storage unreachable; retry later (503)
)

// Error is the one error type that crosses layers. Message is safe to show to
// the caller; Err (if any) is the internal cause and is only logged.
type Error struct {
	Kind    Kind
	Message string
	// Details is optional structured information shown to the caller,
	// e.g. {"userError": "..."} for payload validation failures.
	Details map[string]any
	Err     error
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		if e.Message == "" {
			return e.Err.Error()
		}
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of the given kind with a formatted public message.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Invalidf is shorthand for Errorf(EINVALID, ...).
func Invalidf(format string, args ...any) *Error { return Errorf(EINVALID, format, args...) }

// NotFoundf is shorthand for Errorf(ENOTFOUND, ...).
func NotFoundf(format string, args ...any) *Error { return Errorf(ENOTFOUND, format, args...) }

// Forbiddenf is shorthand for Errorf(EFORBIDDEN, ...).
func Forbiddenf(format string, args ...any) *Error { return Errorf(EFORBIDDEN, format, args...) }

// InvalidPayload returns the error Grist gives for a body that fails
// validation: 400 {"error":"Invalid payload","details":{"userError":...}}.
func InvalidPayload(format string, args ...any) *Error {
	return &Error{Kind: EINVALID, Message: "Invalid payload",
		Details: map[string]any{"userError": fmt.Sprintf(format, args...)}}
}

// ErrorKind returns the kind of the first *Error in err's chain, or
// EINTERNAL when there is none. A nil error has no kind ("").
func ErrorKind(err error) Kind {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Kind != "" {
		return e.Kind
	}
	return EINTERNAL
}

// ErrorMessage returns the public message of the first *Error in err's
// chain, or a generic message for internal errors, whose text must never
// reach a caller.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != EINTERNAL && e.Kind != "" {
		return e.Message
	}
	return "internal error"
}

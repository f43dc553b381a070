// Package client is the Go client of a Rowhouse server: orgs, workspaces,
// documents, tables, columns, records, SQL, attachments, webhooks, the
// change feed and API keys, over the Grist-compatible REST API and
// Rowhouse's extensions to it.
//
// A Client is safe for concurrent use. Every call takes a context. A failed
// call returns an *Error carrying the HTTP status and the server's message
// when the server answered with one. Requests are retried (with backoff,
// honouring Retry-After) only when repeating them cannot apply a change
// twice: reads, PUT and DELETE, and writes sent with an Idempotency-Key,
// which the record writes of this package always carry.
//
// The package speaks HTTP only; it never imports the server's packages, so
// it works against any server that implements the API.
package client

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults of a new Client.
const (
	// DefaultChunkSize is how many records one write request carries.
	DefaultChunkSize = 500
	// DefaultRetries is how many times a retriable request is repeated.
	DefaultRetries = 3
	// DefaultMinBackoff and DefaultMaxBackoff bound the wait between
	// attempts (doubling from the first, with jitter); a server's
	// Retry-After is honoured up to MaxRetryAfter.
	DefaultMinBackoff = 250 * time.Millisecond
	DefaultMaxBackoff = 10 * time.Second
	// MaxRetryAfter caps how long a server's Retry-After makes a call wait.
	MaxRetryAfter = 2 * time.Minute
	// DefaultUserAgent identifies this package to servers.
	DefaultUserAgent = "rowhouse-go-client/0.1"
)

// Client talks to one Rowhouse server with one API key. Create it with
// New; its fields are set once by options and never change afterwards.
type Client struct {
	base       string // scheme://host[:port][/prefix], without a trailing slash
	key        string
	hc         *http.Client
	userAgent  string
	retries    int
	minBackoff time.Duration
	maxBackoff time.Duration
	chunkSize  int
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient makes the client send its requests through hc (for
// timeouts, proxies or TLS settings). The default is a client without a
// timeout: bound calls with their context.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// WithRetries sets how many times a retriable request is repeated after a
// network error or a 429, 502, 503 or 504 answer; 0 disables retries.
func WithRetries(n int) Option {
	return func(c *Client) { c.retries = max(n, 0) }
}

// WithBackoff sets the first wait between attempts and its ceiling.
func WithBackoff(minWait, maxWait time.Duration) Option {
	return func(c *Client) {
		c.minBackoff = max(minWait, 0)
		c.maxBackoff = max(maxWait, c.minBackoff)
	}
}

// WithChunkSize sets how many records each write request carries when the
// record methods split a large write (default DefaultChunkSize). The
// server refuses requests above its --max-batch (10,000 by default).
func WithChunkSize(n int) Option {
	return func(c *Client) {
		if n > 0 {
			c.chunkSize = n
		}
	}
}

// New returns a client of the server at baseURL (e.g.
// "http://127.0.0.1:8484", or "https://host/o/team" to address an org by
// its domain) authenticating with apiKey ("" sends no Authorization header:
// the anonymous user).
func New(baseURL, apiKey string, opts ...Option) *Client {
	c := &Client{
		base:       strings.TrimRight(baseURL, "/"),
		key:        apiKey,
		hc:         http.DefaultClient,
		userAgent:  DefaultUserAgent,
		retries:    DefaultRetries,
		minBackoff: DefaultMinBackoff,
		maxBackoff: DefaultMaxBackoff,
		chunkSize:  DefaultChunkSize,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// ChunkSize is how many records each write request carries.
func (c *Client) ChunkSize() int { return c.chunkSize }

// Error is a failed call: the server's status and its {"error": ...}
// message, or for an answer that was not the documented error shape, the
// status text.
type Error struct {
	Status  int    // HTTP status
	Message string // the server's "error" field
	Details any    // the server's "details" field, if any (decoded JSON)
	Method  string // the request's method
	Path    string // the request's path, without the query
}

// Error says which request failed, with the status and the server's message.
func (e *Error) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, e.Message)
}

// StatusOf returns the HTTP status of err if it is (or wraps) an *Error,
// else 0.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// request is one API call as this package builds it. The body is held
// whole, so that a retry can send it again; bodyStream is for uploads,
// which are never retried.
type request struct {
	method      string
	path        string // starting with /api or /
	query       url.Values
	body        []byte
	bodyStream  io.Reader
	contentType string
	header      http.Header
	idempotent  bool // safe to repeat even without an Idempotency-Key (reads)
}

// jsonRequest builds a request with a JSON body (nil for none).
func jsonRequest(method, path string, body any) (*request, error) {
	r := &request{method: method, path: path}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("%s %s: encode body: %w", method, path, err)
		}
		r.body, r.contentType = b, "application/json"
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		r.idempotent = true
	}
	return r, nil
}

// withKey marks the request with an Idempotency-Key, which makes a POST or
// PATCH safe to retry: the server performs it once.
func (r *request) withKey(key string) *request {
	if r.header == nil {
		r.header = http.Header{}
	}
	r.header.Set("Idempotency-Key", key)
	return r
}

func (r *request) retriable() bool {
	return r.bodyStream == nil && (r.idempotent || r.header.Get("Idempotency-Key") != "")
}

// newKey returns a fresh random Idempotency-Key prefix.
func newKey() string {
	var b [12]byte
	_, _ = crand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return "rhc-" + hex.EncodeToString(b[:])
}

// send performs the request, retrying as allowed, and returns a response
// with status 2xx (the caller closes its body) or an error.
func (c *Client) send(ctx context.Context, r *request) (*http.Response, error) {
	u := c.base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	for attempt := 0; ; attempt++ {
		var body io.Reader
		if r.bodyStream != nil {
			body = r.bodyStream
		} else if r.body != nil {
			body = bytes.NewReader(r.body)
		}
		req, err := http.NewRequestWithContext(ctx, r.method, u, body)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", r.method, r.path, err)
		}
		for k, v := range r.header {
			req.Header[k] = v
		}
		if r.contentType != "" {
			req.Header.Set("Content-Type", r.contentType)
		}
		if req.Header.Get("Accept") == "" {
			req.Header.Set("Accept", "application/json")
		}
		req.Header.Set("User-Agent", c.userAgent)
		if c.key != "" {
			req.Header.Set("Authorization", "Bearer "+c.key)
		}
		resp, err := c.hc.Do(req)
		canRetry := r.retriable() && attempt < c.retries
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("%s %s: %w", r.method, r.path, ctx.Err())
			}
			if !canRetry {
				return nil, fmt.Errorf("%s %s: %w", r.method, r.path, err)
			}
			if err := sleep(ctx, c.backoff(attempt, nil)); err != nil {
				return nil, fmt.Errorf("%s %s: %w", r.method, r.path, err)
			}
			continue
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return resp, nil
		}
		apiErr := readError(resp, r)
		if !canRetry || !retryStatus(resp.StatusCode) {
			return nil, apiErr
		}
		if err := sleep(ctx, c.backoff(attempt, resp)); err != nil {
			return nil, fmt.Errorf("%w (while waiting to retry: %w)", apiErr, err)
		}
	}
}

// retryStatus reports whether an answer with this status may succeed if
// the same request is sent again later.
func retryStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// backoff is the wait before attempt+1: the server's Retry-After if it
// gave one (capped by MaxRetryAfter), else exponential with full jitter.
func (c *Client) backoff(attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return min(d, MaxRetryAfter)
		}
	}
	d := c.minBackoff << min(attempt, 20)
	if d <= 0 || d > c.maxBackoff {
		d = c.maxBackoff
	}
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

// retryAfter parses a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// readError turns a non-2xx answer into an *Error and closes its body.
func readError(resp *http.Response, r *request) *Error {
	defer resp.Body.Close()
	e := &Error{Status: resp.StatusCode, Method: r.method, Path: r.path}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var body struct {
		Error   *string `json:"error"`
		Details any     `json:"details"`
	}
	if json.Unmarshal(b, &body) == nil && body.Error != nil {
		e.Message, e.Details = *body.Error, body.Details
		return e
	}
	e.Message = http.StatusText(resp.StatusCode)
	if s := strings.TrimSpace(string(b)); s != "" && len(s) < 200 && !strings.ContainsAny(s, "<\n") {
		e.Message += ": " + s
	}
	return e
}

// do sends r and decodes a JSON answer into out (nil: discard it).
func (c *Client) do(ctx context.Context, r *request, out any) error {
	resp, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", r.method, r.path, err)
	}
	return nil
}

// call is do for a JSON request.
func (c *Client) call(ctx context.Context, method, path string, body, out any) error {
	r, err := jsonRequest(method, path, body)
	if err != nil {
		return err
	}
	return c.do(ctx, r, out)
}

// seg escapes one path segment.
func seg(s string) string { return url.PathEscape(s) }

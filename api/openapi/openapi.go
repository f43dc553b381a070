// Package openapi serves Rowhouse's OpenAPI 3.1 descriptions: the fixed
// API (orgs, workspaces, documents, access, profile, API keys, health
// checks) at GET /api/openapi.json, and each document's own API at GET
// /api/docs/{doc}/openapi.json, generated from the document's schema with
// a named schema per table for records as written and as read.
//
// Every description is generated from Rowhouse's types and the document's
// schema, never kept as text; a document's is cached per (document, schema
// version), so a schema change is seen on the next request. The package
// reads schemas only: it never reads records and never writes anything.
package openapi

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/schema"
)

// Deps are what the descriptions need.
type Deps struct {
	Home *home.Service
	Docs *core.Docs
	Log  *slog.Logger
}

// maxCacheBytes bounds the encoded descriptions kept, all documents
// together; past it, entries are dropped and rebuilt when asked again.
const maxCacheBytes = 64 << 20

// API serves the OpenAPI descriptions.
type API struct {
	home *home.Service
	docs *core.Docs
	log  *slog.Logger

	// serverMark and titleMark stand for the server URL and the title in
	// cached descriptions: they depend on the request (its host, an
	// /o/{orgDomain} prefix) and on the document's name, which the schema
	// version does not follow. They are random, so no text of a document
	// can be mistaken for them.
	serverMark, titleMark []byte

	fixedOnce sync.Once
	fixed     encoded
	fixedErr  error

	mu         sync.Mutex
	cache      map[string]cached // by document id
	cacheBytes int               // the size of the cached bodies
	maxBytes   int               // maxCacheBytes; smaller in tests
	// builds counts the descriptions generated, for tests of the cache.
	builds int
}

// cached is one document's encoded description at one schema version.
type cached struct {
	version int64
	enc     encoded
}

// encoded is a description as JSON, with the marks in place of the server
// URL and title, and its SHA-256, from which answers' ETags are made.
type encoded struct {
	body []byte
	sum  [sha256.Size]byte
}

// New returns the API.
func New(d Deps) *API {
	return &API{home: d.Home, docs: d.Docs, log: d.Log, cache: map[string]cached{}, maxBytes: maxCacheBytes,
		serverMark: mark("server"), titleMark: mark("title")}
}

// mark is a random placeholder, as the JSON string that stands for it.
func mark(what string) []byte {
	return []byte(`"rowhouse-` + what + `-` + rand.Text() + `"`)
}

// Routes registers the two descriptions on mux.
func (a *API) Routes(mux *http.ServeMux) {
	mux.Handle("GET /api/openapi.json", api.Handle(a.log, a.serveFixed))
	mux.Handle("GET /api/docs/{doc}/openapi.json", api.Handle(a.log, a.serveDoc))
}

// serveFixed answers GET /api/openapi.json. Like the rest of /api it
// serves anonymous callers; a bad key is refused by the server's
// authentication before this runs.
func (a *API) serveFixed(w http.ResponseWriter, r *http.Request) error {
	a.fixedOnce.Do(func() {
		spec, err := Fixed()
		if err != nil {
			a.fixedErr = fmt.Errorf("generate the fixed OpenAPI description: %w", err)
			return
		}
		a.fixed, a.fixedErr = a.encode(spec, false)
	})
	if a.fixedErr != nil {
		return a.fixedErr
	}
	return a.write(w, r, a.fixed, serverURL(r), "")
}

// serveDoc answers GET /api/docs/{doc}/openapi.json for viewers of the
// document, with the same 403/404 as the document's other routes.
func (a *API) serveDoc(w http.ResponseWriter, r *http.Request) error {
	v, err := a.docView(r)
	if err != nil {
		return err
	}
	d, err := a.docs.Open(r.Context(), v.ID)
	if err != nil {
		return err
	}
	defer d.Close()
	s, err := d.Schema(r.Context())
	if err != nil {
		return err
	}
	enc, err := a.described(v.ID, s)
	if err != nil {
		return err
	}
	return a.write(w, r, enc, serverURL(r), "Rowhouse document "+v.Name)
}

// described returns a document's encoded description at the schema's
// version, from the cache or generated now.
func (a *API) described(docID string, s *schema.Schema) (encoded, error) {
	a.mu.Lock()
	e, ok := a.cache[docID]
	a.mu.Unlock()
	if ok && e.version == s.Version {
		return e.enc, nil
	}
	// Generated outside the lock: two requests may both build the same
	// version, which is harmless, while other documents are not held up.
	spec, err := ForDocument(docID, s, a.docs.Limits())
	if err != nil {
		return encoded{}, fmt.Errorf("generate the OpenAPI description of %s: %w", docID, err)
	}
	enc, err := a.encode(spec, true)
	if err != nil {
		return encoded{}, err
	}
	size := len(enc.body)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.builds++
	if old, ok := a.cache[docID]; ok {
		if old.version > s.Version {
			return enc, nil // a newer version is cached already
		}
		a.cacheBytes -= len(old.enc.body)
		delete(a.cache, docID)
	}
	for id, old := range a.cache { // drop others until the new one fits
		if a.cacheBytes+size <= a.maxBytes {
			break
		}
		a.cacheBytes -= len(old.enc.body)
		delete(a.cache, id)
	}
	if size <= a.maxBytes {
		a.cache[docID] = cached{version: s.Version, enc: enc}
		a.cacheBytes += size
	}
	return enc, nil
}

// encode writes spec as JSON with the marks as its server URL and, if
// withTitle, its title. spec is not changed.
func (a *API) encode(spec *openapi3.T, withTitle bool) (encoded, error) {
	out := *spec
	out.Servers = openapi3.Servers{{URL: unquote(a.serverMark)}}
	if withTitle {
		info := *spec.Info
		info.Title = unquote(a.titleMark)
		out.Info = &info
	}
	body, err := json.Marshal(&out)
	if err != nil {
		return encoded{}, fmt.Errorf("encode the OpenAPI description: %w", err)
	}
	return encoded{body: body, sum: sha256.Sum256(body)}, nil
}

func unquote(mark []byte) string { return string(mark[1 : len(mark)-1]) }

// write answers with the description, the marks replaced by the server URL
// and the title (if given). The body is written in pieces around the
// marks, so a large description is not copied. Its ETag changes with
// everything written, so a client that has it gets 304 Not Modified.
func (a *API) write(w http.ResponseWriter, r *http.Request, enc encoded, server, title string) error {
	h := sha256.New()
	h.Write(enc.sum[:])
	h.Write([]byte(server + "\x00" + title))
	etag := `"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	if matchETag(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	body := enc.body
	type piece struct {
		at    int
		mark  []byte
		value []byte
	}
	pieces := []piece{{bytes.Index(body, a.serverMark), a.serverMark, jsonString(server)}}
	if title != "" {
		pieces = append(pieces, piece{bytes.Index(body, a.titleMark), a.titleMark, jsonString(title)})
	}
	if len(pieces) == 2 && pieces[1].at < pieces[0].at {
		pieces[0], pieces[1] = pieces[1], pieces[0]
	}
	for _, p := range pieces {
		if p.at < 0 {
			return fmt.Errorf("encoded OpenAPI description lacks its placeholder %s", p.mark)
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	start := 0
	for _, p := range pieces {
		_, _ = w.Write(body[start:p.at]) // a write error means the client went away
		_, _ = w.Write(p.value)
		start = p.at + len(p.mark)
	}
	_, _ = w.Write(body[start:])
	_, _ = w.Write([]byte("\n"))
	return nil
}

// matchETag reports whether an If-None-Match header names etag (weakly, as
// RFC 9110 compares for GET).
func matchETag(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// jsonString is s as a JSON string.
func jsonString(s string) []byte {
	b, _ := json.Marshal(s) // a string always encodes
	return b
}

// docView checks that the caller may view the request's document, which
// is absent (404) under another org's /o/{orgDomain} prefix, as it is for
// the document's other routes.
func (a *API) docView(r *http.Request) (home.DocView, error) {
	ctx := r.Context()
	actor := api.ActorFrom(ctx)
	v, err := a.home.Doc(ctx, actor, r.PathValue("doc"), rowhouse.RoleViewers)
	return api.UnderPrefix(r, v, err)
}

// serverURL is the base URL the request reached the server by (its host,
// which names a team site under --base-domain), with the /o/{orgDomain}
// prefix when it came through one.
func serverURL(r *http.Request) string {
	return api.Origin(r) + api.PathPrefix(r.Context())
}

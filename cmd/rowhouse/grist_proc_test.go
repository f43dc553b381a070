package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/internal/testserver"
)

// gristRequest is one request of a Grist client, to the real server: the
// host it names (a team site under example.com, or "" for the address the
// server listens on), and what Grist documents as the answer.
type gristRequest struct {
	name   string
	host   string // e.g. "acme.example.com"; the port is the server's
	method string
	path   string
	key    string
	body   any    // JSON, unless a []byte with contentType
	ctype  string // the body's Content-Type when it is not JSON
	status int
	json   string // the whole answer (testserver.MatchJSON), if set
	text   string // the whole answer as text, if set
	check  func(t *testing.T, r response)
}

// send makes the request to p, with the Host it names.
func (g gristRequest) send(t *testing.T, p *proc) response {
	t.Helper()
	var rd io.Reader
	ctype := g.ctype
	switch b := g.body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd, ctype = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequestWithContext(t.Context(), g.method, p.URL+g.path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if g.host != "" {
		u, _ := url.Parse(p.URL)
		req.Host = g.host + ":" + u.Port()
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if g.key != "" {
		req.Header.Set("Authorization", "Bearer "+g.key)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", g.method, g.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// run sends the request and checks the answer.
func (g gristRequest) run(t *testing.T, p *proc) {
	t.Helper()
	r := g.send(t, p)
	if r.Status != g.status {
		t.Fatalf("%s %s (Host %s): status %d, want %d; body %s", g.method, g.path, g.host, r.Status, g.status, r.Body)
	}
	if g.json != "" {
		match(t, r, g.json)
	}
	if g.text != "" && string(r.Body) != g.text {
		t.Errorf("body %q, want %q", r.Body, g.text)
	}
	if g.check != nil {
		g.check(t, r)
	}
}

// gristSite is what TestGristConformance works on: a team site acme with
// a document Inventory, and the document's attachments.
type gristSite struct {
	org string // "acme"
	doc string
	ws  int64
}

// newGristSite makes the acme org, a workspace and the Inventory document
// with Items (Name, qty, photos), three items, and three attachments of
// which the Bolt's cell refers to the first two.
func newGristSite(t *testing.T, p *proc) gristSite {
	t.Helper()
	owner := p.client(ownerKey)
	s := gristSite{org: "acme"}
	owner.want(200, "POST", "/api/orgs", map[string]any{"name": "Acme", "domain": "acme"})
	owner.want(200, "POST", "/api/orgs", map[string]any{"name": "Other", "domain": "other"})
	owner.want(200, "POST", "/api/orgs/acme/workspaces", map[string]any{"name": "Projects"}).JSON(t, &s.ws)
	owner.want(200, "POST", fmt.Sprintf("/api/workspaces/%d/docs", s.ws), map[string]any{"name": "Inventory"}).JSON(t, &s.doc)
	owner.want(200, "POST", "/api/docs/"+s.doc+"/tables", map[string]any{"tables": []any{map[string]any{"id": "Items", "columns": []any{
		map[string]any{"id": "Name"}, map[string]any{"id": "qty", "fields": map[string]any{"type": "Int"}},
		map[string]any{"id": "photos", "fields": map[string]any{"type": "Attachments"}},
	}}}})
	ct, body := uploadBody(t, map[string]string{"bolt.txt": "bolt", "bolt-side.txt": "side", "spare.txt": "spare"}, "bolt.txt", "bolt-side.txt", "spare.txt")
	r := gristRequest{method: "POST", path: "/api/docs/" + s.doc + "/attachments", key: ownerKey, body: body, ctype: ct, status: 200}.send(t, p)
	if r.Status != 200 || string(bytes.TrimSpace(r.Body)) != "[1,2,3]" {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	owner.want(200, "POST", "/api/docs/"+s.doc+"/tables/Items/records", map[string]any{"records": []any{
		map[string]any{"fields": map[string]any{"Name": "Bolt", "qty": 4, "photos": []any{"L", 1, 2}}},
		map[string]any{"fields": map[string]any{"Name": "Nut", "qty": 1}},
		map[string]any{"fields": map[string]any{"Name": "Gear", "qty": 2}},
	}})
	return s
}

// uploadBody is a multipart upload of files in the field upload, in order.
func uploadBody(t *testing.T, files map[string]string, order ...string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, name := range order {
		fw, err := mw.CreateFormFile("upload", name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(fw, files[name])
	}
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

// TestGristConformance replays, against the real binary on every engine,
// the Grist requests of the endpoints issue 15 touched, each with Grist's
// documented answer: team sites by host name, SQL as Grist users write it,
// the profile name, force-reload, the org usage and the attachments'
// removeUnused, archive and per-cell download.
func TestGristConformance(t *testing.T) {
	for name, start := range serverEngines(t, "ROWHOUSE_BASE_DOMAIN=example.com") {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := start(t)
			s := newGristSite(t, p)
			doc := "/api/docs/" + s.doc
			acme := "acme.example.com"
			port := strings.TrimPrefix(p.URL[strings.LastIndexByte(p.URL, ':'):], ":")
			org := `{"id":"<int>","name":"Acme","domain":"acme","host":null,"owner":null,"access":"owners","createdAt":"<str>","updatedAt":"<str>"}`
			usage := func(n int) string {
				return fmt.Sprintf(`{"countsByDataLimitStatus":{"approachingLimit":0,"gracePeriod":0,"deleteOnly":0},"attachments":{"totalBytes":%d}}`, n)
			}
			for _, g := range []gristRequest{
				// Team sites by host name.
				{name: "the team site's org", host: acme, method: "GET", path: "/api/orgs/current", key: ownerKey, status: 200, json: org},
				{name: "the team site's workspaces", host: acme, method: "GET", path: "/api/orgs/current/workspaces", key: ownerKey, status: 200,
					check: func(t *testing.T, r response) {
						var wss []struct {
							Name      string `json:"name"`
							OrgDomain string `json:"orgDomain"`
							Docs      []struct{ Name string }
						}
						r.JSON(t, &wss)
						var docs []string
						for _, ws := range wss {
							if ws.OrgDomain != "acme" {
								t.Errorf("a workspace of %s on acme.example.com", ws.OrgDomain)
							}
							for _, d := range ws.Docs {
								docs = append(docs, ws.Name+"/"+d.Name)
							}
						}
						if len(wss) != 2 || strings.Join(docs, ",") != "Projects/Inventory" {
							t.Errorf("workspaces of acme.example.com (Home and Projects, with Inventory): %s", r.Body)
						}
					}},
				{name: "the personal site", host: "docs.example.com", method: "GET", path: "/api/orgs/current", key: ownerKey, status: 200,
					check: func(t *testing.T, r response) {
						if !bytes.Contains(r.Body, []byte(`"domain":"docs-`)) || !bytes.Contains(r.Body, []byte(`"owner":{`)) {
							t.Errorf("docs.example.com's org: %s", r.Body)
						}
					}},
				{name: "no org of that domain", host: "nosuch.example.com", method: "GET", path: "/api/orgs/current", key: ownerKey, status: 404, json: `{"error":"organization not found"}`},
				{name: "the document on its site", host: acme, method: "GET", path: doc, key: ownerKey, status: 200,
					check: func(t *testing.T, r response) {
						if !bytes.Contains(r.Body, []byte(`"domain":"acme"`)) {
							t.Errorf("document: %s", r.Body)
						}
					}},
				{name: "the document on another site", host: "other.example.com", method: "GET", path: doc + "/tables/Items/records", key: ownerKey, status: 404, json: `{"error":"document not found"}`},
				{name: "links on the site", host: acme, method: "GET", path: doc + "/openapi.json", key: ownerKey, status: 200,
					check: func(t *testing.T, r response) {
						if want := `"url":"http://acme.example.com:` + port + `"`; !bytes.Contains(r.Body, []byte(want)) {
							t.Errorf("OpenAPI servers do not hold %s", want)
						}
					}},

				// SQL as Grist users write it, the same on every engine.
				{name: "unquoted mixed-case names", host: acme, method: "POST", path: doc + "/sql", key: ownerKey,
					body: map[string]any{"sql": "select Name from Items where Items.qty > 1 order by Name"}, status: 200,
					json: `{"statement":"select * from (select Name from Items where Items.qty > 1 order by Name)","records":[{"fields":{"Name":"Bolt"}},{"fields":{"Name":"Gear"}}]}`},
				{name: "names in another case, as written in the answer", method: "GET", key: ownerKey, status: 200,
					path: doc + "/sql?q=" + url.QueryEscape("select name, QTY as Total from items where qty = 1"),
					json: `{"statement":"select * from (select name, QTY as Total from items where qty = 1)","records":[{"fields":{"name":"Nut","Total":1}}]}`},
				{name: "with arguments", method: "POST", path: doc + "/sql", key: ownerKey,
					body: map[string]any{"sql": "select name, QTY as Total from items where qty = ?", "args": []any{1}}, status: 200,
					json: `{"statement":"select * from (select name, QTY as Total from items where qty = ?)","records":[{"fields":{"name":"Nut","Total":1}}]}`},
				{name: "only select statements", method: "POST", path: doc + "/sql", key: ownerKey, body: map[string]any{"sql": "delete from Items"}, status: 400,
					json: `{"error":"only select statements are supported"}`},

				// Attachments.
				{name: "a download for the cell that holds it", host: acme, method: "GET", path: doc + "/attachments/2/download?tableId=Items&colId=photos&rowId=1", key: ownerKey, status: 200, text: "side"},
				{name: "a download for a cell that does not", method: "GET", path: doc + "/attachments/3/download?tableId=Items&colId=photos&rowId=1", key: ownerKey, status: 404, json: `{"error":"Attachment not found: 3"}`},
				{name: "a download naming part of a cell", method: "GET", path: doc + "/attachments/1/download?tableId=Items", key: ownerKey, status: 400, json: `{"error":"define all of tableId, colId and rowId, or none."}`},
				{name: "the archive", host: acme, method: "GET", path: doc + "/attachments/archive", key: ownerKey, status: 200,
					check: func(t *testing.T, r response) {
						zr, err := zip.NewReader(bytes.NewReader(r.Body), int64(len(r.Body)))
						if err != nil {
							t.Fatalf("archive: %v", err)
						}
						var names []string
						for _, f := range zr.File {
							names = append(names, f.Name)
						}
						if got := strings.Join(names, ","); got != "1_bolt.txt,2_bolt-side.txt,3_spare.txt" {
							t.Errorf("archive entries %s", got)
						}
						if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="Inventory-Attachments.zip"`) {
							t.Errorf("Content-Disposition %q", cd)
						}
					}},
				{name: "the usage before", host: acme, method: "GET", path: "/api/orgs/current/usage", key: ownerKey, status: 200, json: usage(13)},
				{name: "removeUnused, expired only: all recent", method: "POST", path: doc + "/attachments/removeUnused?expiredonly=1", key: ownerKey, status: 200, json: `null`},
				{name: "the recent one stays", method: "GET", path: doc + "/attachments/3", key: ownerKey, status: 200,
					json: `{"fileName":"spare.txt","fileSize":5,"timeUploaded":"<str>"}`},
				{name: "removeUnused", method: "POST", path: doc + "/attachments/removeUnused", key: ownerKey, status: 200, json: `null`},
				{name: "the unused one is gone", method: "GET", path: doc + "/attachments/3", key: ownerKey, status: 404, json: `{"error":"Attachment not found: 3"}`},
				{name: "the used ones stay", method: "GET", path: doc + "/attachments/1/download", key: ownerKey, status: 200, text: "bolt"},
				{name: "the usage after", host: acme, method: "GET", path: "/api/orgs/acme/usage", key: ownerKey, status: 200, json: usage(8)},

				// The profile and the document's reload.
				{name: "the profile name, as Grist sets it", method: "POST", path: "/api/profile/user/name", key: ownerKey, body: map[string]any{"name": "Ada Lovelace"}, status: 200, text: "OK"},
				{name: "the profile shows it", method: "GET", path: "/api/profile/user", key: ownerKey, status: 200,
					check: func(t *testing.T, r response) {
						if !bytes.Contains(r.Body, []byte(`"name":"Ada Lovelace"`)) {
							t.Errorf("profile: %s", r.Body)
						}
					}},
				{name: "no name", method: "POST", path: "/api/profile/user/name", key: ownerKey, body: map[string]any{}, status: 400, json: `{"error":"Name expected in the body"}`},
				{name: "force-reload", host: acme, method: "POST", path: doc + "/force-reload", key: ownerKey, status: 200, json: `null`},
				{name: "the document after the reload", method: "GET", path: doc + "/tables/Items/records?sort=Name", key: ownerKey, status: 200,
					check: func(t *testing.T, r response) {
						if err := testserver.MatchJSON(`{"records":[{"id":1,"fields":{"Name":"Bolt","qty":4,"photos":["L",1,2]}},{"id":3,"fields":{"Name":"Gear","qty":2,"photos":null}},{"id":2,"fields":{"Name":"Nut","qty":1,"photos":null}}]}`, r.Body); err != nil {
							t.Error(err)
						}
					}},
			} {
				t.Run(g.name, func(t *testing.T) { g.run(t, p) })
			}
			t.Run("npm grist-api client", func(t *testing.T) { gristAPIClient(t, p, s, port) })
		})
	}
}

// gristAPIClient runs the npm grist-api client, unchanged, against the
// server as the team site http://acme.example.com:<port> (resolved to
// 127.0.0.1 by the script): adds, updates, syncs, fetches, deletes and
// filters Items, runs SQL, and fails to reach the document through
// another org's site.
func gristAPIClient(t *testing.T, p *proc, s gristSite, port string) {
	node, err := exec.LookPath("node")
	dir := filepath.Join("testdata", "gristapi")
	_, errModule := os.Stat(filepath.Join(dir, "node_modules", "grist-api"))
	if err != nil || errModule != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node or the npm grist-api client is missing (.ci/run installs them): %v %v", err, errModule)
		}
		t.Skip("needs node and npm install --prefix cmd/rowhouse/testdata/gristapi grist-api@0.1.7")
	}
	cmd := exec.CommandContext(t.Context(), node, filepath.Join(dir, "client.js"),
		"http://acme.example.com:"+port, s.doc, ownerKey, "http://other.example.com:"+port)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("grist-api client: %v\n%s", err, stderr.String())
	}
	// Bolt (id 1, qty 4 -> 40 by syncTable), Nut 2, Gear 3, then the
	// client's Washer 4 and Spring 5 (qty 0 -> 7), and Rivet 6 added by
	// syncTable; Washer is deleted before the filtered fetch.
	want := `{"added":[4,5],` +
		`"all":[{"id":1,"Name":"Bolt","qty":40},{"id":2,"Name":"Nut","qty":1},{"id":3,"Name":"Gear","qty":2},{"id":4,"Name":"Washer","qty":10},{"id":5,"Name":"Spring","qty":7},{"id":6,"Name":"Rivet","qty":3}],` +
		`"filtered":[{"Name":"Bolt","qty":40}],` +
		`"sql":[{"fields":{"Name":"Bolt"}},{"fields":{"Name":"Spring"}}],` +
		`"otherSite":"Request failed with status code 404 / Grist: document not found"}`
	if err := testserver.MatchJSON(want, out); err != nil {
		t.Errorf("%v\n got: %s\nwant: %s", err, out, want)
	}
}

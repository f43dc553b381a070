package grist_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"database/sql"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/internal/testserver"
)

// withAttachments gives the files world's Pets a column of attachments
// and uploads four files: 1 and 3 are then referred to by Rex's cell, 2
// and 4 by none.
func withAttachments(t *testing.T, w *filesWorld) {
	t.Helper()
	if res := w.s.Do(t, "POST", w.url("/tables/Pets/columns"), w.owner, map[string]any{"columns": []any{
		map[string]any{"id": "photos", "fields": map[string]any{"type": "Attachments"}},
	}}); res.Status != 200 {
		t.Fatalf("add column: %d %s", res.Status, res.Body)
	}
	if res := upload(t, w, w.editor, [3]string{"a.txt", "text/plain", "one"}, [3]string{"b.txt", "text/plain", "two"},
		[3]string{"a.txt", "text/plain", "three"}, [3]string{"d.png", "image/png", "four"}); res.Status != 200 || string(bytes.TrimSpace(res.Body)) != "[1,2,3,4]" {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	if res := w.s.Do(t, "PATCH", w.url("/tables/Pets/records"), w.editor, map[string]any{"records": []any{
		map[string]any{"id": 1, "fields": map[string]any{"photos": []any{"L", 1, 3}}},
	}}); res.Status != 200 {
		t.Fatalf("refer to attachments: %d %s", res.Status, res.Body)
	}
}

// attachmentIDs lists the document's attachments' ids as GET
// /attachments answers them.
func attachmentIDs(t *testing.T, w *filesWorld) string {
	t.Helper()
	res := w.s.Do(t, "GET", w.url("/attachments"), w.owner, nil)
	var ids []string
	for _, r := range res.JSON.(map[string]any)["records"].([]any) {
		ids = append(ids, r.(map[string]any)["id"].(interface{ String() string }).String())
	}
	return strings.Join(ids, ",")
}

// TestRemoveUnusedAttachments covers POST /attachments/removeUnused:
// owners only; expiredonly keeps what was uploaded within the hour;
// without it, every attachment no cell refers to goes; it answers null.
func TestRemoveUnusedAttachments(t *testing.T) {
	w := newFilesWorld(t)
	withAttachments(t, w)
	cases := []testserver.Scenario{
		{Name: "an editor may not", Method: "POST", URL: w.url("/attachments/removeUnused"), Key: w.editor, Status: 403, Error: "No owner access"},
		{Name: "a viewer may not", Method: "POST", URL: w.url("/attachments/removeUnused"), Key: w.viewer, Status: 403, Error: "No owner access"},
		{Name: "a stranger finds nothing", Method: "POST", URL: w.url("/attachments/removeUnused"), Key: w.stranger, Status: 403},
		{Name: "expired only, all of them recent", Method: "POST", URL: w.url("/attachments/removeUnused?expiredonly=1&verifyfiles=0"), Key: w.owner, Status: 200, JSON: `null`,
			Check: func(t *testing.T, res *testserver.Response) {
				if got := attachmentIDs(t, w); got != "1,2,3,4" {
					t.Errorf("attachments after removeUnused?expiredonly=1 of recent files: %s, want all", got)
				}
			}},
	}
	for _, sc := range cases {
		sc.Run(t, w.s)
	}
	// Two hours later the unused ones have expired.
	w.s.Clock.Advance(2 * time.Hour)
	testserver.Scenario{Name: "expired only, two hours on", Method: "POST", URL: w.url("/attachments/removeUnused?expiredonly=1"), Key: w.owner, Status: 200, JSON: `null`}.Run(t, w.s)
	if got := attachmentIDs(t, w); got != "1,3" {
		t.Errorf("attachments after removeUnused?expiredonly=1 two hours on: %s, want 1,3", got)
	}
	// A new upload, unused: gone at once without expiredonly; the used
	// ones stay, and their cell still downloads.
	if res := upload(t, w, w.editor, [3]string{"e.txt", "text/plain", "five"}); res.Status != 200 {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	testserver.Scenario{Name: "all unused", Method: "POST", URL: w.url("/attachments/removeUnused"), Key: w.owner, Status: 200, JSON: `null`}.Run(t, w.s)
	if got := attachmentIDs(t, w); got != "1,3" {
		t.Errorf("attachments after removeUnused: %s, want 1,3", got)
	}
	if res := w.s.Do(t, "GET", w.url("/attachments/3/download"), w.viewer, nil); res.Status != 200 || string(res.Body) != "three" {
		t.Errorf("download of a kept attachment: %d %q", res.Status, res.Body)
	}
}

// TestAttachmentsArchive covers GET /attachments/archive: zip by default,
// tar on request, entries named <id>_<file name> with the files' bytes,
// named after the document; a bad format is a 400.
func TestAttachmentsArchive(t *testing.T) {
	w := newFilesWorld(t)
	withAttachments(t, w)
	want := map[string]string{"1_a.txt": "one", "2_b.txt": "two", "3_a.txt": "three", "4_d.png": "four"}
	check := func(t *testing.T, got map[string]string) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("entries %v, want %v", got, want)
		}
		for name, data := range want {
			if got[name] != data {
				t.Errorf("entry %s: %q, want %q", name, got[name], data)
			}
		}
	}
	cases := []testserver.Scenario{
		{Name: "zip", Method: "GET", URL: w.url("/attachments/archive"), Key: w.viewer, Status: 200,
			Check: func(t *testing.T, res *testserver.Response) {
				if ct := res.Header.Get("Content-Type"); ct != "application/zip" {
					t.Errorf("Content-Type %q", ct)
				}
				if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, "-Attachments.zip") || !strings.Contains(cd, "Zoo") {
					t.Errorf("Content-Disposition %q", cd)
				}
				zr, err := zip.NewReader(bytes.NewReader(res.Body), int64(len(res.Body)))
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]string{}
				for _, f := range zr.File {
					rc, err := f.Open()
					if err != nil {
						t.Fatal(err)
					}
					b, _ := io.ReadAll(rc)
					rc.Close()
					got[f.Name] = string(b)
				}
				check(t, got)
			}},
		{Name: "tar", Method: "GET", URL: w.url("/attachments/archive?format=tar"), Key: w.viewer, Status: 200,
			Check: func(t *testing.T, res *testserver.Response) {
				if ct := res.Header.Get("Content-Type"); ct != "application/x-tar" {
					t.Errorf("Content-Type %q", ct)
				}
				tr := tar.NewReader(bytes.NewReader(res.Body))
				got := map[string]string{}
				for {
					h, err := tr.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					b, _ := io.ReadAll(tr)
					got[h.Name] = string(b)
				}
				check(t, got)
			}},
		{Name: "a bad format", Method: "GET", URL: w.url("/attachments/archive?format=rar"), Key: w.viewer, Status: 400, Error: `format must be zip or tar, not "rar"`},
		{Name: "a stranger", Method: "GET", URL: w.url("/attachments/archive"), Key: w.stranger, Status: 403, Error: "No view access"},
	}
	for _, sc := range cases {
		sc.Run(t, w.s)
	}
	// A document without attachments: an empty, valid archive.
	res := w.s.Do(t, "GET", "/api/docs/"+w.other+"/attachments/archive", w.owner, nil)
	if zr, err := zip.NewReader(bytes.NewReader(res.Body), int64(len(res.Body))); res.Status != 200 || err != nil || len(zr.File) != 0 {
		t.Errorf("archive of no attachments: %d %v", res.Status, err)
	}
}

// TestAttachmentDownloadForCell covers the download naming the cell it is
// for: all of tableId, colId and rowId or none, and the cell must refer
// to the attachment.
func TestAttachmentDownloadForCell(t *testing.T) {
	w := newFilesWorld(t)
	withAttachments(t, w)
	dl := func(id, q string) string { return w.url("/attachments/" + id + "/download" + q) }
	cases := []testserver.Scenario{
		{Name: "the cell holds it", Method: "GET", URL: dl("3", "?tableId=Pets&colId=photos&rowId=1"), Key: w.viewer, Status: 200, Contains: []string{"three"}},
		{Name: "the cell does not hold it", Method: "GET", URL: dl("2", "?tableId=Pets&colId=photos&rowId=1"), Key: w.viewer, Status: 404, Error: "Attachment not found: 2"},
		{Name: "another row", Method: "GET", URL: dl("1", "?tableId=Pets&colId=photos&rowId=2"), Key: w.viewer, Status: 404, Error: "Attachment not found: 1"},
		{Name: "no such row", Method: "GET", URL: dl("1", "?tableId=Pets&colId=photos&rowId=99"), Key: w.viewer, Status: 404, Error: "Row not found 99"},
		{Name: "not an attachments column", Method: "GET", URL: dl("1", "?tableId=Pets&colId=name&rowId=1"), Key: w.viewer, Status: 404, Error: "Attachment not found: 1"},
		{Name: "no such column", Method: "GET", URL: dl("1", "?tableId=Pets&colId=nope&rowId=1"), Key: w.viewer, Status: 404, Error: `Column not found "nope"`},
		{Name: "no such table", Method: "GET", URL: dl("1", "?tableId=Nope&colId=photos&rowId=1"), Key: w.viewer, Status: 404, Contains: []string{"Nope"}},
		{Name: "only some of them", Method: "GET", URL: dl("1", "?tableId=Pets&rowId=1"), Key: w.viewer, Status: 400, Error: "define all of tableId, colId and rowId, or none."},
		{Name: "a bad row id", Method: "GET", URL: dl("1", "?tableId=Pets&colId=photos&rowId=x"), Key: w.viewer, Status: 400, Error: `rowId must be a positive integer, not "x"`},
		{Name: "none of them", Method: "GET", URL: dl("2", ""), Key: w.viewer, Status: 200, Contains: []string{"two"}},
	}
	for _, sc := range cases {
		sc.Run(t, w.s)
	}
}

// TestProfileUserName covers POST (Grist's) and PATCH
// /api/profile/user/name.
func TestProfileUserName(t *testing.T) {
	w := newFilesWorld(t)
	owner := w.s.User("owner@example.com")
	docKey := w.s.Key(owner, auth.NewKey{Name: "doc", Scopes: rowhouse.KeyScopes{Docs: []string{w.doc}}})
	readOnly := w.s.Key(owner, auth.NewKey{Name: "ro", Scopes: rowhouse.KeyScopes{ReadOnly: true}})
	cases := []testserver.Scenario{
		{Name: "POST as Grist", Method: "POST", URL: "/api/profile/user/name", Key: w.owner, Body: map[string]any{"name": "Ada Lovelace"}, Status: 200,
			Check: func(t *testing.T, res *testserver.Response) {
				if string(res.Body) != "OK" {
					t.Errorf("body %q, want OK", res.Body)
				}
			}},
		{Name: "the profile shows it", Method: "GET", URL: "/api/profile/user", Key: w.owner, Status: 200, Contains: []string{`"name":"Ada Lovelace"`}},
		{Name: "PATCH too", Method: "PATCH", URL: "/api/profile/user/name", Key: w.owner, Body: map[string]any{"name": "  Ada  "}, Status: 200},
		{Name: "trimmed", Method: "GET", URL: "/api/profile/user", Key: w.owner, Status: 200, Contains: []string{`"name":"Ada"`}},
		{Name: "the access list shows it", Method: "GET", URL: w.url("/access"), Key: w.owner, Status: 200, Contains: []string{`"name":"Ada"`}},
		{Name: "no name", Method: "POST", URL: "/api/profile/user/name", Key: w.owner, Body: map[string]any{}, Status: 400, Error: "Name expected in the body"},
		{Name: "an empty name", Method: "POST", URL: "/api/profile/user/name", Key: w.owner, Body: map[string]any{"name": " "}, Status: 400, Error: "Name expected in the body"},
		{Name: "too long", Method: "POST", URL: "/api/profile/user/name", Key: w.owner, Body: map[string]any{"name": strings.Repeat("n", 256)}, Status: 400,
			Error: "name must be valid UTF-8 of at most 255 bytes"},
		{Name: "not JSON", Method: "POST", URL: "/api/profile/user/name", Key: w.owner, Body: "name=x", Status: 400},
		{Name: "a key limited to a document", Method: "POST", URL: "/api/profile/user/name", Key: docKey, Body: map[string]any{"name": "Mallory"}, Status: 403, Error: "API key is limited to documents"},
		{Name: "a read-only key", Method: "POST", URL: "/api/profile/user/name", Key: readOnly, Body: map[string]any{"name": "Mallory"}, Status: 403, Error: "API key is read-only"},
		{Name: "anonymous", Method: "POST", URL: "/api/profile/user/name", Body: map[string]any{"name": "Mallory"}, Status: 401},
		{Name: "unchanged by the refusals", Method: "GET", URL: "/api/profile/user", Key: w.owner, Status: 200, Contains: []string{`"name":"Ada"`}, NotContains: []string{"Mallory"}},
		{Name: "the viewer's name is the viewer's", Method: "GET", URL: "/api/profile/user", Key: w.viewer, Status: 200, NotContains: []string{"Ada"}},
	}
	for _, sc := range cases {
		sc.Run(t, w.s)
	}
}

// TestForceReload covers POST /docs/{doc}/force-reload: editors, null,
// and the document reads as before (its schema read afresh).
func TestForceReload(t *testing.T) {
	w := newFilesWorld(t)
	cases := []testserver.Scenario{
		{Name: "an editor", Method: "POST", URL: w.url("/force-reload"), Key: w.editor, Status: 200, JSON: `null`},
		{Name: "the document reads as before", Method: "GET", URL: w.url("/tables/Pets/records"), Key: w.viewer, Status: 200, Contains: []string{`"name":"Rex"`}},
		{Name: "a viewer may not", Method: "POST", URL: w.url("/force-reload"), Key: w.viewer, Status: 403, Error: "No write access"},
		{Name: "a stranger", Method: "POST", URL: w.url("/force-reload"), Key: w.stranger, Status: 403},
		{Name: "no such document", Method: "POST", URL: "/api/docs/nosuchdoc/force-reload", Key: w.owner, Status: 404, Error: "document not found"},
	}
	for _, sc := range cases {
		sc.Run(t, w.s)
	}
}

// TestForceReloadReadsTheSchemaAgain: a document changed behind the
// server's back (its file edited by another program) is served from the
// schema the server knows until force-reload drops it.
func TestForceReloadReadsTheSchemaAgain(t *testing.T) {
	w := newFilesWorld(t)
	w.s.SQLiteOnly(t)
	objects := "/api/docs/" + w.doc + "/rest/metadata/objects"
	label := func() string {
		res := w.s.Do(t, "GET", objects, w.owner, nil)
		if res.Status != 200 {
			t.Fatalf("objects: %d %s", res.Status, res.Body)
		}
		for _, o := range res.JSON.(map[string]any)["data"].(map[string]any)["objects"].([]any) {
			if o := o.(map[string]any); o["nameSingular"] == "pet" {
				return fmt.Sprint(o["labelPlural"])
			}
		}
		t.Fatalf("no pet object in %s", res.Body)
		return ""
	}
	before := label()
	db, err := sql.Open("sqlite3", w.s.SQLite.DocPath(w.doc))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE _rh_tables SET label_plural = 'Critters' WHERE table_id = 'Pets'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE _rh_meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'schema_version'`); err != nil {
		t.Fatal(err)
	}
	if got := label(); got != before {
		t.Fatalf("before force-reload the label is %q, want the known %q (the test's premise)", got, before)
	}
	if res := w.s.Do(t, "POST", w.url("/force-reload"), w.editor, nil); res.Status != 200 {
		t.Fatalf("force-reload: %d %s", res.Status, res.Body)
	}
	if got := label(); got != "Critters" {
		t.Errorf("after force-reload the label is %q, want Critters", got)
	}
}

// TestOrgUsage covers GET /api/orgs/{org}/usage: owners only, Grist's
// shape, no document ever near a data limit, and the attachments' bytes
// summed over the org's documents.
func TestOrgUsage(t *testing.T) {
	w := newFilesWorld(t)
	withAttachments(t, w) // one, two, three, four: 3+3+5+4 bytes, and 8 in the other document
	ct, body := multipartBody(t, [3]string{"x.bin", "", "12345678"})
	if res := w.s.Send(t, testserver.Request{Method: "POST", Path: "/api/docs/" + w.other + "/attachments", Key: w.owner, Body: body,
		Headers: map[string]string{"Content-Type": ct}}); res.Status != 200 {
		t.Fatalf("upload to the other document: %d %s", res.Status, res.Body)
	}
	// A team org the viewer only views.
	if res := w.s.Do(t, "POST", "/api/orgs", w.owner, map[string]any{"name": "Team", "domain": "team"}); res.Status != 200 {
		t.Fatalf("create org: %d %s", res.Status, res.Body)
	}
	if res := w.s.Do(t, "PATCH", "/api/orgs/team/access", w.owner, map[string]any{"delta": map[string]any{"users": map[string]any{"viewer@example.com": "viewers"}}}); res.Status != 200 {
		t.Fatalf("share org: %d %s", res.Status, res.Body)
	}
	usage := func(n int) string {
		return `{"countsByDataLimitStatus":{"approachingLimit":0,"gracePeriod":0,"deleteOnly":0},"attachments":{"totalBytes":` + strconv.Itoa(n) + `}}`
	}
	cases := []testserver.Scenario{
		{Name: "the owner", Method: "GET", URL: "/api/orgs/current/usage", Key: w.owner, Status: 200, JSON: usage(23)},
		{Name: "by domain", Method: "GET", URL: "/api/orgs/docs-1/usage", Key: w.owner, Status: 200, JSON: usage(23)},
		{Name: "a team org", Method: "GET", URL: "/api/orgs/team/usage", Key: w.owner, Status: 200, JSON: usage(0)},
		{Name: "a viewer of the org", Method: "GET", URL: "/api/orgs/team/usage", Key: w.viewer, Status: 403},
		{Name: "another user's personal org", Method: "GET", URL: "/api/orgs/docs-1/usage", Key: w.viewer, Status: 403, Error: "access denied"},
		{Name: "an empty personal org", Method: "GET", URL: "/api/orgs/current/usage", Key: w.viewer, Status: 200, JSON: usage(0)},
		{Name: "no such org", Method: "GET", URL: "/api/orgs/nosuch/usage", Key: w.owner, Status: 404, Error: "organization not found"},
	}
	for _, sc := range cases {
		sc.Run(t, w.s)
	}
}

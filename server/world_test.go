package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/internal/testserver"
)

// Callers of the access matrix. Each signed-in caller uses an API key; the
// last four keys belong to the owner, so that only the key (not the user)
// limits them.
const (
	cOwner      = "owner"
	cEditor     = "editor"
	cViewer     = "viewer"
	cMember     = "member"
	cStranger   = "stranger"
	cAnonymous  = "anonymous"
	cRevoked    = "revoked key"
	cExpired    = "expired key"
	cOutOfScope = "out-of-scope key"
	cReadOnly   = "read-only key"
)

var callers = []string{cOwner, cEditor, cViewer, cMember, cStranger, cAnonymous, cRevoked, cExpired, cOutOfScope, cReadOnly}

// people are the users of a world, by caller name.
var people = []string{cOwner, cEditor, cViewer, cMember, cStranger}

// callerRole is the role a caller has on a team org (through its user).
func callerRole(c string) rowhouse.Role {
	switch c {
	case cOwner, cOutOfScope, cReadOnly:
		return rowhouse.RoleOwners
	case cEditor:
		return rowhouse.RoleEditors
	case cViewer:
		return rowhouse.RoleViewers
	case cMember:
		return rowhouse.RoleMembers
	}
	return rowhouse.RoleNone
}

// callerUser is the user behind a caller ("" for the anonymous one).
func callerUser(c string) string {
	switch c {
	case cOwner, cRevoked, cExpired, cOutOfScope, cReadOnly:
		return cOwner
	case cAnonymous:
		return ""
	}
	return c
}

// world is a server with five users and a key for every caller. The clock
// has moved one hour past the creation of the expired key.
type world struct {
	s        *testserver.Server
	users    map[string]rowhouse.User
	keys     map[string]string // by caller; "" for the anonymous caller
	otherDoc string            // the one document the out-of-scope key may reach
	teams    atomic.Int64
}

func email(person string) string { return person + "@example.com" }

func newWorld(t *testing.T, opts ...testserver.Option) *world {
	t.Helper()
	s := testserver.New(t, opts...)
	w := &world{s: s, users: map[string]rowhouse.User{}, keys: map[string]string{cAnonymous: ""}}
	for _, p := range people {
		u, k := s.UserWithKey(email(p))
		w.users[p], w.keys[p] = u, k
	}
	ctx := context.Background()
	owner := rowhouse.Actor{User: w.users[cOwner]}
	personal, err := s.Home.ListWorkspaces(ctx, owner, home.PersonalDomain(owner.User.ID))
	if err != nil || len(personal) != 1 {
		t.Fatalf("owner's personal workspaces: %v %v", personal, err)
	}
	w.otherDoc, err = s.Home.CreateDoc(ctx, owner, personal[0].ID, "Elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	w.keys[cOutOfScope] = s.Key(owner.User, auth.NewKey{Name: "scoped", Scopes: rowhouse.KeyScopes{Docs: []string{w.otherDoc}}})
	w.keys[cReadOnly] = s.Key(owner.User, auth.NewKey{Name: "read-only", Scopes: rowhouse.KeyScopes{ReadOnly: true}})
	exp := s.Clock.Now().Add(time.Minute)
	w.keys[cExpired] = s.Key(owner.User, auth.NewKey{Name: "expiring", ExpiresAt: &exp})
	revoked, secret, err := s.Keys.Create(ctx, owner, auth.NewKey{Name: "revoked"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Keys.Delete(ctx, owner, revoked.ID); err != nil {
		t.Fatal(err)
	}
	w.keys[cRevoked] = secret
	s.Clock.Advance(time.Hour)
	return w
}

// actor is a person acting without a key (a session): what tests use to
// set things up and read them back.
func (w *world) actor(person string) rowhouse.Actor { return w.actorOf(w.users[person]) }

func (w *world) actorOf(u rowhouse.User) rowhouse.Actor { return rowhouse.Actor{User: u} }

// team is a fresh team org: owner owns it, editor, viewer and member have
// those roles on it, stranger has nothing. It holds the workspace Main
// with one document, Doc, and an empty workspace Spare. Doc has one table,
// People, with the columns name (Text) and age (Int) and the records
// 1 {Alice, 30} and 2 {Bob, 25}, and one attachment, 1 hello.txt.
type team struct {
	orgID  int64
	domain string
	ws     int64
	spare  int64
	doc    string
}

func (w *world) newTeam(t *testing.T) team {
	t.Helper()
	ctx := context.Background()
	owner := w.actor(cOwner)
	n := w.teams.Add(1)
	tm := team{domain: fmt.Sprintf("team%d", n)}
	var err error
	tm.orgID, err = w.s.Home.CreateOrg(ctx, owner, fmt.Sprintf("Team %d", n), tm.domain)
	if err != nil {
		t.Fatal(err)
	}
	err = w.s.Home.UpdateOrgAccess(ctx, owner, tm.domain, home.AccessDelta{Users: map[string]rowhouse.Role{
		email(cEditor): rowhouse.RoleEditors,
		email(cViewer): rowhouse.RoleViewers,
		email(cMember): rowhouse.RoleMembers,
	}})
	if err != nil {
		t.Fatal(err)
	}
	wss, err := w.s.Home.ListWorkspaces(ctx, owner, tm.domain)
	if err != nil || len(wss) != 1 {
		t.Fatalf("team workspaces: %v %v", wss, err)
	}
	tm.ws = wss[0].ID
	if err := w.s.Home.RenameWorkspace(ctx, owner, tm.ws, "Main"); err != nil {
		t.Fatal(err)
	}
	if tm.spare, err = w.s.Home.CreateWorkspace(ctx, owner, tm.domain, "Spare"); err != nil {
		t.Fatal(err)
	}
	if tm.doc, err = w.s.Home.CreateDoc(ctx, owner, tm.ws, "Doc"); err != nil {
		t.Fatal(err)
	}
	d, err := w.s.Docs.Open(ctx, tm.doc)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_, err = d.Apply(ctx, owner, []core.Action{
		core.AddTable{ID: "People", Columns: []core.ColumnSpec{{ID: "name", Type: "Text"}, {ID: "age", Type: "Int"}}},
		core.AddRecords{Table: "People", Rows: []core.Row{
			{Fields: map[string]any{"name": "Alice", "age": 30}},
			{Fields: map[string]any{"name": "Bob", "age": 25}},
		}},
	}, core.ApplyOptions{Surface: "test"})
	if err != nil {
		t.Fatalf("fill the team's document: %v", err)
	}
	if _, err := d.AddAttachments(ctx, []core.NewAttachment{{FileName: "hello.txt", ContentType: "text/plain", Data: []byte(helloData)}}); err != nil {
		t.Fatalf("attach a file to the team's document: %v", err)
	}
	return tm
}

// helloData is the content of hello.txt, attachment 1 of a team's document.
const helloData = "hello, world"

// snapshot renders, as the owner sees it, everything about a team, the
// schema of its document, the records of its People table and its
// attachments (read over HTTP with the owner's key), and every user's orgs
// and keys, so that a
// test can tell whether a request changed anything. Keys' last-used times
// are left out: using a key is not a change.
func (w *world) snapshot(t *testing.T, tm team) string {
	t.Helper()
	ctx := context.Background()
	owner := w.actor(cOwner)
	out := map[string]any{}
	put := func(name string, v any, err error) {
		if err != nil {
			out[name] = "error: " + err.Error()
			return
		}
		out[name] = v
	}
	v1, err := w.s.Home.GetOrg(ctx, owner, tm.domain)
	put("org", v1, err)
	v2, err := w.s.Home.ListWorkspaces(ctx, owner, tm.domain)
	put("workspaces", v2, err)
	v3, err := w.s.Home.OrgAccess(ctx, owner, tm.domain)
	put("orgAccess", v3, err)
	for name, ws := range map[string]int64{"ws": tm.ws, "spare": tm.spare} {
		v, err := w.s.Home.WorkspaceAccess(ctx, owner, ws)
		put(name+"Access", v, err)
	}
	v4, err := w.s.Home.DocAccess(ctx, owner, tm.doc)
	put("docAccess", v4, err)
	v5, err := w.s.Home.Doc(ctx, owner, tm.doc, rowhouse.RoleViewers)
	put("doc", v5, err)
	for name, path := range map[string]string{
		"tables":      "/api/docs/" + tm.doc + "/tables?expand=column",
		"records":     "/api/docs/" + tm.doc + "/tables/People/records",
		"attachments": "/api/docs/" + tm.doc + "/attachments",
	} {
		res := w.s.Do(t, "GET", path, w.keys[cOwner], nil)
		out[name] = fmt.Sprintf("%d %s", res.Status, res.Body)
	}
	for _, p := range people {
		orgs, err := w.s.Home.ListOrgs(ctx, w.actor(p))
		put(p+" orgs", orgs, err)
		keys, err := w.s.Keys.List(ctx, w.actor(p))
		for i := range keys {
			keys[i].LastUsedAt = nil
		}
		put(p+" keys", keys, err)
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

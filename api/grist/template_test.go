package grist_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/internal/testserver"
)

// POST /api/workspaces/{ws}/docs with a template makes the document with
// the template's tables; an unknown template is a 400 that makes nothing.
func TestCreateDocFromTemplate(t *testing.T) {
	s := testserver.New(t)
	u, owner := s.UserWithKey("owner@example.com")
	_, viewer := s.UserWithKey("viewer@example.com")
	ws, err := s.Home.ListWorkspaces(context.Background(), rowhouse.Actor{User: u}, home.PersonalDomain(u.ID))
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/workspaces/%d/docs", ws[0].ID)
	docs := func() int {
		v, err := s.Home.GetWorkspace(context.Background(), rowhouse.Actor{User: u}, ws[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(v.Docs)
	}
	res := testserver.Scenario{Method: "POST", URL: path, Key: owner, Body: map[string]any{"name": "CRM", "template": "crm"}, Status: 200, JSON: `"<docid>"`}.Test(t, s)
	doc := res.JSON.(string)
	testserver.Scenario{Method: "GET", URL: "/api/docs/" + doc + "/tables", Key: owner, Status: 200,
		JSON: `{"tables":[{"id":"Companies","fields":"<any>"},{"id":"People","fields":"<any>"},{"id":"Opportunities","fields":"<any>"}]}`}.Test(t, s)
	testserver.Scenario{Method: "GET", URL: "/api/docs/" + doc + "/tables/People/columns", Key: owner, Status: 200,
		Contains: []string{`"id":"firstName"`, `"id":"company"`, `"type":"Ref:Companies"`, `"reverseCol":"people"`, `"id":"pointOfContactForOpportunities"`}}.Test(t, s)
	testserver.Scenario{Method: "GET", URL: "/api/docs/" + doc + "/tables/Opportunities/columns", Key: owner, Status: 200,
		Contains: []string{`\"choices\":[\"NEW\",\"SCREENING\",\"MEETING\",\"PROPOSAL\",\"CUSTOMER\"]`}}.Test(t, s)
	n := docs()
	for _, sc := range []testserver.Scenario{
		{Method: "POST", URL: path, Key: owner, Body: map[string]any{"name": "X", "template": "erp"}, Status: 400,
			Error: "Invalid payload", UserError: `unknown template "erp": the templates are crm`},
		{Method: "POST", URL: path, Key: owner, Body: map[string]any{"name": "X", "template": 5}, Status: 400, Error: "Invalid payload"},
		{Method: "POST", URL: path, Key: viewer, Body: map[string]any{"name": "X", "template": "crm"}, Status: 403},
	} {
		sc.Test(t, s)
	}
	if docs() != n {
		t.Errorf("a refused request made a document")
	}
	// A template that fails leaves no document behind.
	var made string
	_, err = s.Home.CreateDocWith(context.Background(), rowhouse.Actor{User: u}, ws[0].ID, "Broken", func(ctx context.Context, id string) error {
		made = id
		return errors.New("the template failed")
	})
	if err == nil || made == "" || docs() != n {
		t.Fatalf("failing fill: err %v, %d docs (want %d)", err, docs(), n)
	}
	if _, err := s.Engine.OpenDoc(context.Background(), made); rowhouse.ErrorKind(err) != rowhouse.ENOTFOUND {
		t.Errorf("the failed document's database remains: %v", err)
	}
}

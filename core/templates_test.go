package core_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/schema"
)

// The crm template makes People, Companies and Opportunities with their
// columns and two-way references, in one apply.
func TestCRMTemplate(t *testing.T) {
	d := openDoc(t)
	actions, err := core.Template("crm")
	if err != nil {
		t.Fatal(err)
	}
	apply(t, d, actions...)
	s, err := d.Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tb := range s.Tables {
		var cols []string
		for _, c := range tb.Columns {
			desc := c.ID + ":" + c.Type.String()
			if c.ReverseCol != "" {
				desc += "<->" + c.ReverseCol
			}
			if c.IsUnique {
				desc += "!"
			}
			cols = append(cols, desc)
		}
		got[tb.ID+" "+tb.NameSingular+"/"+tb.NamePlural+" "+tb.LabelSingular+"/"+tb.LabelPlural] = strings.Join(cols, " ")
	}
	want := map[string]string{
		"Companies company/companies Company/Companies": "name:Text domainName:Text employees:Int linkedinLink:Text xLink:Text annualRecurringRevenue:Numeric " +
			"idealCustomerProfile:Bool address:Text people:RefList:People<->company opportunities:RefList:Opportunities<->company",
		"People person/people Person/People": "firstName:Text lastName:Text email:Text! phone:Text jobTitle:Text city:Text avatarUrl:Text linkedinLink:Text xLink:Text " +
			"company:Ref:Companies<->people pointOfContactForOpportunities:RefList:Opportunities<->pointOfContact",
		"Opportunities opportunity/opportunities Opportunity/Opportunities": "name:Text amount:Numeric closeDate:DateTime:UTC stage:Choice " +
			"company:Ref:Companies<->opportunities pointOfContact:Ref:People<->pointOfContactForOpportunities",
	}
	if len(got) != len(want) {
		t.Errorf("tables %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s:\n got %s\nwant %s", k, got[k], v)
		}
	}
	stage, err := schema.ParseChoices(s.Table("Opportunities").Column("stage").WidgetOptions)
	if err != nil || strings.Join(stage.Values, ",") != "NEW,SCREENING,MEETING,PROPOSAL,CUSTOMER" || stage.Label("MEETING") != "Meeting" {
		t.Errorf("stages %+v %v", stage, err)
	}
	if _, err := core.Template("erp"); err == nil || err.Error() != `unknown template "erp": the templates are crm` {
		t.Errorf("unknown template: %v", err)
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// Tables and columns get a uuid when made, keep it through renames and
// type changes, and keep their labels, description and icon.
func TestStableUUIDs(t *testing.T) {
	d := openDoc(t)
	ctx := context.Background()
	apply(t, d,
		core.AddTable{ID: "Firms", LabelSingular: "Firm", LabelPlural: "Firms", Description: "Companies", Icon: "IconBuilding",
			Columns: []core.ColumnSpec{{ID: "name", Icon: "IconAbc"}}},
		core.AddTable{ID: "Staff", Columns: []core.ColumnSpec{{ID: "firm", Type: "Ref:Firms", ReverseCol: "staff", ReverseLabel: "Staff", ReverseIcon: "IconUsers"}}})
	s, _ := d.Schema(ctx)
	firms, name, rev := s.Table("Firms"), s.Table("Firms").Column("name"), s.Table("Firms").Column("staff")
	for _, id := range []string{firms.UUID, name.UUID, rev.UUID, s.Table("Staff").UUID} {
		if !uuidRE.MatchString(id) {
			t.Errorf("not a uuid: %q", id)
		}
	}
	if firms.LabelSingular != "Firm" || firms.Description != "Companies" || firms.Icon != "IconBuilding" || name.Icon != "IconAbc" ||
		rev.Label != "Staff" || rev.Icon != "IconUsers" {
		t.Errorf("labels %+v %+v %+v", firms, name, rev)
	}
	newName, newType, icon, label := "title", "Int", "IconHash", "Firm name"
	apply(t, d, core.RenameTable{Table: "Firms", NewID: "Companies"},
		core.ModifyColumn{Table: "Companies", Column: "name", Update: core.ColumnUpdate{ID: &newName, Type: &newType, Icon: &icon}},
		core.UpdateTable{Table: "Companies", LabelSingular: &label, Icon: &icon})
	s, _ = d.Schema(ctx)
	c := s.Table("Companies")
	if c.UUID != firms.UUID || c.Column("title").UUID != name.UUID || c.Column("staff").UUID != rev.UUID {
		t.Errorf("uuids changed: %s %s %s", c.UUID, c.Column("title").UUID, c.Column("staff").UUID)
	}
	if c.LabelSingular != label || c.Icon != icon || c.Column("title").Icon != icon || c.Description != "Companies" {
		t.Errorf("after the update %+v %+v", c, c.Column("title"))
	}
}

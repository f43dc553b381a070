package core

import (
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/schema"
)

// TemplateCRM is the template of a CRM's "daily data": People, Companies
// and Opportunities with the columns of Twenty's standard objects of those
// names, within Rowhouse's column types (Twenty's composite fields become
// plain columns: a person's name is firstName and lastName, an email, a
// phone and links are Text, an amount is Numeric), and their references
// as two-way references.
const TemplateCRM = "crm"

// Templates lists the names Template knows, sorted.
func Templates() []string { return []string{TemplateCRM} }

// Template returns the actions that fill a new, empty document from the
// named template, to be applied together (one transaction). An unknown
// name is an EINVALID error naming it and the known ones.
func Template(name string) ([]Action, error) {
	switch name {
	case TemplateCRM:
		return crmTemplate()
	}
	return nil, rowhouse.Invalidf("unknown template %q: the templates are %s", name, strings.Join(Templates(), ", "))
}

// text is a Text column spec with a label and an icon.
func text(id, label, icon string) ColumnSpec {
	return ColumnSpec{ID: id, Type: string(schema.KindText), Label: label, Icon: icon}
}

// typed is a column spec of another type.
func typed(id string, kind string, label, icon string) ColumnSpec {
	return ColumnSpec{ID: id, Type: kind, Label: label, Icon: icon}
}

// opportunityStages are the stages of Twenty's standard opportunity:
// values, labels and colors in order.
var opportunityStages = [][3]string{
	{"NEW", "New", "red"},
	{"SCREENING", "Screening", "purple"},
	{"MEETING", "Meeting", "sky"},
	{"PROPOSAL", "Proposal", "turquoise"},
	{"CUSTOMER", "Customer", "yellow"},
}

func crmTemplate() ([]Action, error) {
	stages := schema.Choices{Labels: map[string]string{}, Colors: map[string]string{}}
	for _, s := range opportunityStages {
		stages.Values = append(stages.Values, s[0])
		stages.Labels[s[0]], stages.Colors[s[0]] = s[1], s[2]
	}
	stageOptions, err := stages.WidgetOptions("")
	if err != nil {
		return nil, err
	}
	stage := typed("stage", string(schema.KindChoice), "Stage", "IconProgressCheck")
	stage.WidgetOptions = stageOptions

	email := text("email", "Email", "IconMail")
	email.IsUnique = true
	company := typed("company", "Ref:Companies", "Company", "IconBuildingSkyscraper")
	company.ReverseCol, company.ReverseLabel, company.ReverseIcon = "people", "People", "IconUsers"
	oppCompany := typed("company", "Ref:Companies", "Company", "IconBuildingSkyscraper")
	oppCompany.ReverseCol, oppCompany.ReverseLabel, oppCompany.ReverseIcon = "opportunities", "Opportunities", "IconTargetArrow"
	contact := typed("pointOfContact", "Ref:People", "Point of Contact", "IconUser")
	contact.ReverseCol, contact.ReverseLabel, contact.ReverseIcon = "pointOfContactForOpportunities", "Opportunities", "IconTargetArrow"

	return []Action{
		AddTable{ID: "Companies", NameSingular: "company", NamePlural: "companies",
			LabelSingular: "Company", LabelPlural: "Companies", Description: "A company", Icon: "IconBuildingSkyscraper",
			Columns: []ColumnSpec{
				text("name", "Name", "IconBuildingSkyscraper"),
				text("domainName", "Domain Name", "IconLink"),
				typed("employees", string(schema.KindInt), "Employees", "IconUsers"),
				text("linkedinLink", "Linkedin", "IconBrandLinkedin"),
				text("xLink", "X", "IconBrandX"),
				typed("annualRecurringRevenue", string(schema.KindNumeric), "ARR", "IconMoneybag"),
				typed("idealCustomerProfile", string(schema.KindBool), "ICP", "IconTarget"),
				text("address", "Address", "IconMap"),
			}},
		AddTable{ID: "People", NameSingular: "person", NamePlural: "people",
			LabelSingular: "Person", LabelPlural: "People", Description: "A person", Icon: "IconUser",
			Columns: []ColumnSpec{
				text("firstName", "First name", "IconUser"),
				text("lastName", "Last name", "IconUser"),
				email,
				text("phone", "Phone", "IconPhone"),
				text("jobTitle", "Job Title", "IconBriefcase"),
				text("city", "City", "IconMap"),
				text("avatarUrl", "Avatar", "IconFileUpload"),
				text("linkedinLink", "Linkedin", "IconBrandLinkedin"),
				text("xLink", "X", "IconBrandX"),
				company,
			}},
		AddTable{ID: "Opportunities", NameSingular: "opportunity", NamePlural: "opportunities",
			LabelSingular: "Opportunity", LabelPlural: "Opportunities", Description: "An opportunity", Icon: "IconTargetArrow",
			Columns: []ColumnSpec{
				text("name", "Name", "IconTargetArrow"),
				typed("amount", string(schema.KindNumeric), "Amount", "IconCurrencyDollar"),
				typed("closeDate", "DateTime:UTC", "Close date", "IconCalendarEvent"),
				stage,
				oppCompany,
				contact,
			}},
	}, nil
}

package openapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/rowhouse/rowhouse/schema"
)

// The Twenty-compatible REST core (api/twenty): each table's records under
// <doc>/rest/<namePlural>, in Twenty's envelopes and with Twenty's error
// shape {statusCode, error, messages}.

const (
	// schemaTwentyError is Twenty's error answer.
	schemaTwentyError = "TwentyError"
	// schemaTwentyPageInfo is the pageInfo of a Twenty list.
	schemaTwentyPageInfo = "TwentyPageInfo"
	// tagTwenty groups the operations of the Twenty REST core.
	tagTwenty = "Twenty records"
	// twentyDefaultLimit is api/twenty.DefaultLimit (this package must not
	// import a surface).
	twentyDefaultLimit = 60
)

// twentySchemas are the fixed component names of the Twenty surface.
func twentySchemas() []string { return []string{schemaTwentyError, schemaTwentyPageInfo} }

// twentyErrorName is the response component of a Twenty error status.
func twentyErrorName(status int) string { return "TwentyError" + strconv.Itoa(status) }

// twentyErrorStatuses are the statuses the Twenty routes answer in
// Twenty's shape (429 comes from the rate limiter, in the REST shape).
func twentyErrorStatuses() []int {
	return []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
		http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity, http.StatusInternalServerError}
}

// twentyComponents adds the shared Twenty schemas and error responses.
func (g *docGen) twentyComponents() {
	g.component(schemaTwentyError, describe(object(
		req("statusCode", val(integer())),
		req("error", val(describe(str(), "The exception's name, e.g. BadRequestException, NotFoundException."))),
		req("messages", val(arrayOf(val(str())))),
	), "Twenty's error answer."))
	g.component(schemaTwentyPageInfo, object(
		req("hasNextPage", val(boolean())), req("hasPreviousPage", val(boolean())),
		req("startCursor", val(describe(orNull(str()), "Pass as ending_before for the page before."))),
		req("endCursor", val(describe(orNull(str()), "Pass as starting_after for the page after."))),
	))
	for _, status := range twentyErrorStatuses() {
		s := ref(schemaTwentyError)
		desc := errorText(status)
		if status == http.StatusInternalServerError {
			// A panic is answered by the server's recovery, in the REST shape.
			s = val(anyOf(ref(schemaTwentyError), ref("Error")))
			desc += " (Twenty's shape, or the REST error shape when the server's recovery answers)"
		}
		g.doc.Components.Responses[twentyErrorName(status)] = &openapi3.ResponseRef{Value: openapi3.NewResponse().
			WithDescription(desc).WithContent(jsonContent(s, nil))}
	}
}

// twentyID is a row id in its UUID form, or as a number.
func twentyID() *openapi3.Schema {
	s := describe(str(), "A record id: the row id in UUID form (00000000-0000-4000-8000-000000000042 is row 42), or the row id itself.")
	s.Pattern = `^([0-9]{8}-0000-4000-8000-[0-9]{12}|[0-9]{1,19})$`
	return s
}

// twentyIDOut is a record id as answers show it.
func twentyIDOut() *openapi3.Schema {
	s := describe(str(), "The row id in UUID form: 00000000-0000-4000-8000-000000000042 is row 42.")
	s.Format = "uuid"
	return s
}

// twentyCell is the schema of a column's value on the Twenty surface, as
// answered (out) and as written.
func twentyCell(c *schema.Column) (out, in *openapi3.Schema) {
	switch c.Type.Kind {
	case schema.KindText, schema.KindChoice:
		out = orNull(str())
		if opts := choices(c); len(opts) > 0 {
			out.Description = "One of " + quoteList(opts) + ", or empty."
		}
	case schema.KindNumeric:
		out = orNull(number())
	case schema.KindInt:
		out = orNull(integer())
	case schema.KindBool:
		out = orNull(boolean())
	case schema.KindDate:
		out = orNull(str())
		out.Format, out.Description = "date", "YYYY-MM-DD."
	case schema.KindDateTime:
		out = orNull(str())
		out.Format, out.Description = "date-time", "ISO 8601 in UTC, to the millisecond."
	case schema.KindChoiceList:
		out = orNull(arrayOf(val(str())))
	case schema.KindRef:
		out = describe(orNull(twentyIDOut()), fmt.Sprintf("The id of a record of %s; null when empty.", c.Type.Table))
		in = describe(orNull(twentyID()), out.Description)
	case schema.KindRefList:
		out = describe(orNull(arrayOf(val(twentyIDOut()))), fmt.Sprintf("Ids of records of %s.", c.Type.Table))
		in = describe(orNull(arrayOf(val(anyOf(val(twentyID()), val(integer()))))), out.Description)
	case schema.KindAttachments:
		out = describe(orNull(arrayOf(val(integer()))), "Attachment ids.")
	default:
		out = describe(typed("null", "boolean", "integer", "number", "string", "array", "object"), "Any JSON value.")
	}
	if in == nil {
		in = copySchema(out)
	}
	return out, in
}

// twentyOps adds the components and operations of every table with
// GraphQL names.
func (g *docGen) twentyOps() {
	g.twentyComponents()
	var names []string
	for _, t := range g.schema.Tables {
		if t.NamePlural == "" || t.NameSingular == "" {
			continue
		}
		g.twentyTable(t, g.bases[t.ID])
		names = append(names, fmt.Sprintf("`%s` (%s)", t.NamePlural, t.ID))
	}
	desc := "The Twenty-compatible REST API: the records of each table under its plural name (" + strings.Join(names, ", ") +
		"), in Twenty's request and answer shapes. With an API key scoped to this document alone the same routes also answer at /rest/... " +
		"(Twenty's own paths). Ids are row ids in UUID form."
	if len(names) == 0 {
		desc = "The Twenty-compatible REST API: the records of each table under its plural name; this document has no tables yet."
	}
	g.doc.Tags = append(g.doc.Tags, &openapi3.Tag{Name: tagTwenty, Description: desc})
}

// twentyTable adds one table's Twenty record schemas and operations.
func (g *docGen) twentyTable(t *schema.Table, base string) {
	rec, in := base+"TwentyRecord", base+"TwentyInput"
	n := schema.GraphQLNamesOf(t.NameSingular, t.NamePlural)

	out := typed("object")
	out.Properties = openapi3.Schemas{"id": val(twentyIDOut())}
	out.Required = []string{"id"}
	input := typed("object")
	input.Properties = openapi3.Schemas{"id": val(describe(twentyID(), "A new record's id (the table picks one when left out); with upsert=true, the record to update."))}
	for _, ts := range []string{"createdAt", "updatedAt"} {
		if t.Column(ts) == nil {
			s := orNull(str())
			s.Format, s.ReadOnly = "date-time", true
			out.Properties[ts] = val(s)
		}
	}
	for _, c := range t.Columns {
		if c.Reverse {
			target := g.schema.Table(c.Type.Table)
			if target != nil && target.NamePlural != "" {
				out.Properties[c.ID] = val(describe(arrayOf(ref(g.twentyBase(target)+"TwentyRecord")),
					fmt.Sprintf("With depth=1 or 2: the records of %s whose %s is this one.", c.Type.Table, c.ReverseCol)))
			}
			continue
		}
		cellOut, cellIn := twentyCell(c)
		cellOut, cellIn = describeColumn(cellOut, c), describeColumn(cellIn, c)
		target := g.schema.Table(c.Type.Table)
		switch c.Type.Kind {
		case schema.KindRef:
			idField, ok := schema.RefIDField(t, c)
			if !ok {
				idField = c.ID
			}
			out.Properties[idField] = val(cellOut)
			input.Properties[idField] = val(cellIn)
			if target != nil && target.NamePlural != "" {
				embedded := val(anyOf(ref(g.twentyBase(target)+"TwentyRecord"), val(null())))
				if idField == c.ID {
					embedded = val(anyOf(val(cellOut), ref(g.twentyBase(target)+"TwentyRecord")))
				}
				embedded.Value.Description = fmt.Sprintf("With depth=1 or 2: the record of %s, or null.", c.Type.Table)
				out.Properties[c.ID] = embedded
			}
			if idField != c.ID {
				input.Properties[c.ID] = val(copySchema(cellIn))
			}
		case schema.KindRefList:
			if target != nil && target.NamePlural != "" {
				cellOut = describe(anyOf(val(cellOut), val(arrayOf(ref(g.twentyBase(target)+"TwentyRecord")))), cellOut.Description+" With depth=1 or 2: the records.")
			}
			out.Properties[c.ID] = val(cellOut)
			input.Properties[c.ID] = val(cellIn)
		default:
			out.Properties[c.ID] = val(cellOut)
			input.Properties[c.ID] = val(cellIn)
		}
	}
	out.Description = fmt.Sprintf("A record of %s as the Twenty API shows it: id, timestamps, each column, <ref>Id for each Ref column, and with depth the related records. "+
		"With fields=..., only the fields named (and id).", t.ID)
	input.Description = fmt.Sprintf("A record of %s as a client writes it: the fields to set; values that do not fit their column are refused.", t.ID)
	closed(input)
	g.component(rec, out)
	g.component(in, input)

	data := func(member string, s *openapi3.SchemaRef) *openapi3.Schema {
		return object(req("data", val(object(req(member, s)))))
	}
	idObject := val(object(req("id", val(twentyIDOut()))))
	list := data(t.NamePlural, val(arrayOf(ref(rec))))
	list.Properties["totalCount"] = val(describe(integer(), "How many records match the filter."))
	list.Properties["pageInfo"] = ref(schemaTwentyPageInfo)
	list.Required = append(list.Required, "totalCount", "pageInfo")

	limit := integer()
	one, maxPage := float64(1), float64(g.lim.MaxPage)
	limit.Min, limit.Max, limit.Default = &one, &maxPage, float64(min(twentyDefaultLimit, g.lim.MaxPage))
	depth := describe(integer(), "Related records to embed: 0 (none), 1 (the records each relation names), 2 (and theirs).")
	depth.Enum, depth.Default = []any{0, 1, 2}, 0
	filter := queryParam("filter", "Twenty's filter: `field[comparator]:value`, comma-separated (and), with and(...), or(...), not(...); comparators eq, neq, in, gt, gte, lt, lte, like, ilike, startsWith, endsWith, is (NULL, NOT_NULL), containsAny; ids in UUID form. E.g. `employees[gte]:10,or(name[eq]:\"Acme\",companyId[is]:NULL)`.", str())
	requiredFilter := queryParam("filter", filter.Value.Description+" Required: it selects the records.", str())
	requiredFilter.Value.Required = true
	fields := queryParam("fields", "The fields to answer with, comma-separated (id always comes); relations need depth.", str())
	depthP := queryParam("depth", "", depth)
	depthP.Value.Description = depth.Description
	upsert := queryParam("upsert", "true: update the record matching the given id, else a unique field's value, instead of adding one.", enumOf("true", "false"))
	softDelete := queryParam("soft_delete", "Only false: Rowhouse removes records for good, and refuses true.", enumOf("false"))
	idParam := pathParam("id", "The record's id.", twentyID())
	reads := []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound}
	writes := []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity}

	p := g.prefix + "/rest/" + t.NamePlural
	ops := []operation{
		{method: http.MethodGet, path: p, id: "twenty_findMany" + upperFirst(t.NamePlural), summary: "Find many " + t.NamePlural,
			description: "A page of records of " + t.ID + ", by cursor (never by offset). Needs view access.",
			params: openapi3.Parameters{filter,
				queryParam("order_by", "`field[Direction]`, comma-separated; directions AscNullsFirst (default), AscNullsLast, DescNullsFirst, DescNullsLast; ties go by id.", str()),
				queryParam("limit", fmt.Sprintf("The page size: %d by default, at most %d.", min(twentyDefaultLimit, g.lim.MaxPage), g.lim.MaxPage), limit),
				depthP, fields,
				queryParam("starting_after", "A cursor (pageInfo.endCursor): the page after it, with the same filter and order_by.", str()),
				queryParam("ending_before", "A cursor (pageInfo.startCursor): the page before it, with the same filter and order_by.", str())},
			status: http.StatusOK, response: jsonResponse("The page.", val(list), nil), errors: reads},
		{method: http.MethodPost, path: p, id: "twenty_createOne" + upperFirst(t.NameSingular), summary: "Create one " + t.NameSingular,
			description: "Adds a record (or with upsert=true adds or updates it) and answers with it. Needs write access.",
			params:      writeParams(depthP, fields, upsert), body: jsonBody("The record.", ref(in), nil),
			status: http.StatusCreated, response: jsonResponse("The record as written.", val(data(n.CreateOne, ref(rec))), nil), errors: writes},
		{method: http.MethodPatch, path: p, id: "twenty_updateMany" + upperFirst(t.NamePlural), summary: "Update many " + t.NamePlural,
			description: "Sets the fields on every record the filter selects (at most --max-batch). Needs write access.",
			params:      writeParams(requiredFilter, depthP, fields), body: jsonBody("The fields to set.", ref(in), nil),
			status: http.StatusOK, response: jsonResponse("The records as written.", val(data(n.UpdateMany, val(arrayOf(ref(rec))))), nil), errors: writes},
		{method: http.MethodDelete, path: p, id: "twenty_deleteMany" + upperFirst(t.NamePlural), summary: "Delete many " + t.NamePlural,
			description: "Removes every record the filter selects (at most --max-batch). Needs write access.",
			params:      writeParams(requiredFilter, softDelete),
			status:      http.StatusOK, response: jsonResponse("The ids removed.", val(data(n.DeleteMany, val(arrayOf(idObject)))), nil), errors: writes},
		{method: http.MethodPost, path: g.prefix + "/rest/batch/" + t.NamePlural, id: "twenty_createMany" + upperFirst(t.NamePlural), summary: "Create many " + t.NamePlural,
			description: "Adds the records (or with upsert=true adds or updates them) in one transaction, at most --max-batch: all or nothing. Needs write access.",
			params:      writeParams(depthP, fields, upsert), body: jsonBody("The records.", val(arrayOf(ref(in))), nil),
			status: http.StatusCreated, response: jsonResponse("The records as written.", val(data(n.CreateMany, val(arrayOf(ref(rec))))), nil), errors: writes},
		{method: http.MethodGet, path: p + "/{id}", id: "twenty_findOne" + upperFirst(t.NameSingular), summary: "Find one " + t.NameSingular,
			description: "Needs view access.", params: openapi3.Parameters{idParam, depthP, fields},
			status: http.StatusOK, response: jsonResponse("The record.", val(data(t.NameSingular, ref(rec))), nil), errors: reads},
		{method: http.MethodPatch, path: p + "/{id}", id: "twenty_updateOne" + upperFirst(t.NameSingular), summary: "Update one " + t.NameSingular,
			description: "Sets the fields given. Needs write access.", params: writeParams(idParam, depthP, fields), body: jsonBody("The fields to set.", ref(in), nil),
			status: http.StatusOK, response: jsonResponse("The record as written.", val(data(n.UpdateOne, ref(rec))), nil), errors: writes},
		{method: http.MethodDelete, path: p + "/{id}", id: "twenty_deleteOne" + upperFirst(t.NameSingular), summary: "Delete one " + t.NameSingular,
			description: "Needs write access.", params: writeParams(idParam, softDelete),
			status: http.StatusOK, response: jsonResponse("The id removed.", val(data(n.DeleteOne, idObject)), nil), errors: writes},
	}
	for _, o := range ops {
		o.tags = []string{tagTwenty}
		o.add(g.doc)
		op := g.doc.Paths.Value(o.path).GetOperation(o.method)
		for _, status := range twentyErrorStatuses() {
			if op.Responses.Status(status) != nil {
				op.Responses.Set(strconv.Itoa(status), &openapi3.ResponseRef{Ref: "#/components/responses/" + twentyErrorName(status)})
			}
		}
	}
}

// twentyBase is the component name base of a table (ForDocument names
// them).
func (g *docGen) twentyBase(t *schema.Table) string { return g.bases[t.ID] }

// upperFirst capitalises an ASCII first letter.
func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

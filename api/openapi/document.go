package openapi

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/schema"
)

// Shared component names of a document's description. Per-table names are
// made by a namer so that they never clash with these.
const (
	schemaListRequest  = "ListRequest"
	schemaPageInfo     = "PageInfo"
	schemaAddedRecords = "AddedRecords"
	schemaRowIDs       = "RowIDs"
	schemaUpsertResult = "UpsertResult"
	schemaTable        = "Table"
	schemaTableList    = "TableList"
	schemaNewTables    = "NewTables"
	schemaAddedTables  = "AddedTables"
	schemaTableUpdates = "TableUpdates"
	schemaColumn       = "Column"
	schemaColumnList   = "ColumnList"
	schemaColumnInput  = "ColumnInput"
	schemaNewColumns   = "NewColumns"
	schemaAddedColumns = "AddedColumns"
	schemaColumnUpdate = "ColumnUpdates"
	schemaUserAction   = "UserAction"
	schemaApplyResult  = "ApplyResult"
	schemaSQLRequest   = "SQLRequest"
	schemaSQLResult    = "SQLResult"
	schemaAttachment   = "Attachment"
	schemaAttachments  = "AttachmentList"
)

// sharedDocSchemas lists the fixed component names of a document's
// description, "Error" included.
func sharedDocSchemas() []string {
	return []string{"Error", schemaListRequest, schemaPageInfo, schemaAddedRecords, schemaRowIDs, schemaUpsertResult,
		schemaTable, schemaTableList, schemaNewTables, schemaAddedTables, schemaTableUpdates,
		schemaColumn, schemaColumnList, schemaColumnInput, schemaNewColumns, schemaAddedColumns, schemaColumnUpdate,
		schemaUserAction, schemaApplyResult, schemaSQLRequest, schemaSQLResult, schemaAttachment, schemaAttachments}
}

// docRead are the error statuses of reading a document: bad parameters,
// no view access, no document or table.
func docRead() []int {
	return []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound}
}

// docWrite are the error statuses of a write through the document core:
// a bad body, no write access, no document or table, a body or batch too
// large, an Idempotency-Key reused for another request.
func docWrite() []int {
	return []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound,
		http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity}
}

// ForDocument describes one document's API, generated from its schema: a
// named schema per table for records as written and as read, and every
// operation on the document's tables, columns, records, data, actions,
// SQL, attachments, downloads, webhooks, change feed and GraphQL. Paths
// carry the document id; the caller sets Servers. lim are the server's
// limits, which some parameters state.
func ForDocument(docID string, s *schema.Schema, lim core.Limits) (*openapi3.T, error) {
	errSchema, err := fromType(api.ErrorBody{})
	if err != nil {
		return nil, err
	}
	doc := newDocument(&openapi3.Info{
		Title:   "Rowhouse document " + docID,
		Version: "schema " + strconv.FormatInt(s.Version, 10),
		Description: "The API of one Rowhouse document (REST, webhooks, change feed, GraphQL, the Twenty-compatible REST API), generated from its tables and columns at schema version " +
			strconv.FormatInt(s.Version, 10) + ". The REST API is Grist's: Grist clients work unchanged. " +
			"The fixed endpoints (orgs, workspaces, documents, access, profile, API keys) are described by /api/openapi.json. " + rateLimitNote,
	}, errSchema)
	g := &docGen{doc: doc, prefix: "/api/docs/" + docID, lim: lim, schema: s}
	if err := g.sharedSchemas(); err != nil {
		return nil, err
	}
	g.webhookSchemas()
	if err := g.twentyMetaComponents(); err != nil {
		return nil, err
	}
	names := newNamer(append(append(append(sharedDocSchemas(), extraSchemas()...), twentySchemas()...), twentyMetaSchemas()...))
	g.bases = map[string]string{}
	for _, t := range s.Tables {
		g.bases[t.ID] = names.base(t.ID)
		g.table(t, g.bases[t.ID])
	}
	g.documentOps()
	g.webhookOps()
	g.graphqlOps()
	g.twentyOps()
	g.twentyMetaOps()
	doc.Tags = append(doc.Tags,
		&openapi3.Tag{Name: "document", Description: "Tables, user actions, SQL, attachments and downloads."},
		&openapi3.Tag{Name: "changes", Description: "The change feed."},
		&openapi3.Tag{Name: "webhooks", Description: "Webhooks: deliveries of record changes, signed, retried until delivered."},
		&openapi3.Tag{Name: "graphql", Description: "The GraphQL API of the document."},
		&openapi3.Tag{Name: tagTwentyMetadata, Description: "Twenty's metadata API (objects and fields: the document's tables and columns) and Twenty-format webhooks."})
	for _, t := range s.Tables {
		doc.Tags = append(doc.Tags, &openapi3.Tag{Name: t.ID, Description: fmt.Sprintf("Records, column-oriented data and columns of table %s.", t.ID)})
	}
	return doc, nil
}

// docGen builds one document's description.
type docGen struct {
	doc    *openapi3.T
	prefix string // /api/docs/<docId>
	lim    core.Limits
	schema *schema.Schema
	// bases are the tables' component name bases, by table id.
	bases map[string]string
}

func (g *docGen) component(name string, s *openapi3.Schema) {
	g.doc.Components.Schemas[name] = val(s)
}

// sharedSchemas adds the components every document has.
func (g *docGen) sharedSchemas() error {
	pageInfo, err := fromType(core.PageInfo{})
	if err != nil {
		return err
	}
	g.component(schemaPageInfo, describe(pageInfo, "Present when a limit was given: whether there are more records, and the cursors to page with (starting_after=endCursor, ending_before=startCursor)."))
	upsert, err := fromType(core.UpsertResult{})
	if err != nil {
		return err
	}
	g.component(schemaUpsertResult, describe(upsert, "Per record of the request, the ids it now applies to; and which ids were added and which updated."))

	g.component(schemaListRequest, closed(object(
		opt("filter", val(anyOf(val(typed("object")), val(str())))),
		opt("sort", val(anyOf(val(str()), val(arrayOf(val(str())))))),
		opt("limit", val(integer())),
		opt("offset", val(integer())),
		opt("hidden", val(boolean())),
		opt("cellFormat", val(enumOf("", "normal", "typed"))),
		opt("starting_after", val(str())),
		opt("ending_before", val(str())),
		opt("count", val(boolean())),
	)))
	g.component(schemaAddedRecords, object(req("records", val(arrayOf(val(object(req("id", val(integer())))))))))
	g.component(schemaRowIDs, describe(arrayOf(val(integer())), "Row ids."))

	// Columns, as GET .../columns lists them.
	g.component(schemaColumn, object(
		req("id", val(str())),
		req("fields", val(object(
			req("colRef", val(integer())), req("parentPos", val(integer())),
			req("type", val(describe(str(), "Text, Numeric, Int, Bool, Date, DateTime:<zone>, Choice, ChoiceList, Ref:<table>, RefList:<table>, Attachments or Any."))),
			req("label", val(str())), req("description", val(str())),
			req("widgetOptions", val(describe(str(), "JSON text; empty when unset."))),
			req("isFormula", val(constant(false))), req("formula", val(constant(""))),
			req("isUnique", val(boolean())), req("reverseCol", val(str())),
			req("untieColIdFromLabel", val(boolean())), req("visibleCol", val(integer())), req("displayCol", val(integer())),
			req("recalcWhen", val(integer())), req("recalcDeps", val(null())), req("rules", val(null())),
		))),
	))
	g.component(schemaColumnList, object(req("columns", val(arrayOf(ref(schemaColumn))))))
	g.component(schemaColumnInput, describe(closed(object(
		opt("colId", val(describe(str(), "A new id, to rename the column."))),
		opt("type", val(describe(str(), "A column type; Text when a column is added without one."))),
		opt("label", val(str())), opt("description", val(str())),
		opt("widgetOptions", val(anyOf(val(str()), val(typed("object"))))),
		opt("isUnique", val(boolean())),
		opt("reverseCol", val(describe(str(), "For a Ref column being added: the id of a reverse RefList column to create on the referenced table."))),
		opt("isFormula", val(describe(constant(false), "Formula columns are not supported."))),
		opt("formula", val(constant(""))),
		opt("visibleCol", val(anyValue())), opt("displayCol", val(anyValue())), opt("untieColIdFromLabel", val(anyValue())),
		opt("recalcWhen", val(anyValue())), opt("recalcDeps", val(anyValue())), opt("rules", val(anyValue())),
	)), "A column's fields as a client sends them. Grist's display settings are accepted and ignored."))
	newColumn := closed(object(opt("id", val(str())), opt("fields", ref(schemaColumnInput))))
	g.component(schemaNewColumns, closed(object(req("columns", val(arrayOf(val(newColumn)))))))
	g.component(schemaAddedColumns, object(req("columns", val(arrayOf(val(object(req("id", val(str())))))))))
	g.component(schemaColumnUpdate, closed(object(req("columns", val(arrayOf(val(closed(object(
		req("id", val(str())), opt("fields", ref(schemaColumnInput)))))))))))

	// Tables.
	g.component(schemaTable, object(
		req("id", val(str())),
		req("fields", val(object(req("tableRef", val(integer())), req("onDemand", val(boolean())),
			req("nameSingular", val(describe(str(), "GraphQL name of one record."))),
			req("namePlural", val(describe(str(), "GraphQL name of a list of records."))),
		))),
		opt("columns", val(describe(arrayOf(ref(schemaColumn)), "With expand=column."))),
	))
	g.component(schemaTableList, object(req("tables", val(arrayOf(ref(schemaTable))))))
	g.component(schemaNewTables, closed(object(req("tables", val(arrayOf(val(closed(object(
		opt("id", val(describe(str(), "Sanitized into a table id; Table1, Table2... when missing."))),
		opt("nameSingular", val(str())), opt("namePlural", val(str())),
		opt("columns", val(arrayOf(val(newColumn)))),
	)))))))))
	g.component(schemaAddedTables, object(req("tables", val(arrayOf(val(object(req("id", val(str())))))))))
	g.component(schemaTableUpdates, closed(object(req("tables", val(arrayOf(val(closed(object(
		req("id", val(str())),
		opt("fields", val(closed(object(
			opt("tableId", val(describe(str(), "A new id, to rename the table."))),
			opt("nameSingular", val(str())), opt("namePlural", val(str())),
		)))),
	)))))))))

	// User actions.
	action := typed("array")
	action.PrefixItems = openapi3.SchemaRefs{val(enumOf("AddRecord", "BulkAddRecord", "UpdateRecord", "BulkUpdateRecord",
		"RemoveRecord", "BulkRemoveRecord", "ReplaceTableData", "AddTable", "RemoveTable", "RenameTable",
		"AddColumn", "RemoveColumn", "RenameColumn", "ModifyColumn"))}
	action.MinItems = 1
	g.component(schemaUserAction, describe(action, `A Grist user action: its name, then its arguments, e.g. ["BulkAddRecord", "People", [null, null], {"name": ["a", "b"]}].`))
	g.component(schemaApplyResult, object(
		req("actionNum", val(integer())),
		req("retValues", val(describe(arrayOf(val(anyValue())), "One value per action: new row ids for AddRecord/BulkAddRecord, {table_id, columns} for AddTable, {colId} for AddColumn, null otherwise."))),
		req("isModification", val(boolean())),
	))

	// SQL.
	timeout := describe(number(), "Milliseconds; capped by the server's setting.")
	timeout.Min = new(float64)
	g.component(schemaSQLRequest, closed(object(
		req("sql", val(describe(str(), "One SELECT (or WITH ... SELECT) statement; one trailing ; is allowed."))),
		opt("args", val(describe(arrayOf(val(anyValue())), "Values for the statement's ? placeholders."))),
		opt("timeout", val(timeout)),
	)))
	g.component(schemaSQLResult, object(
		req("statement", val(str())),
		req("records", val(arrayOf(val(object(req("fields", val(mapOf(val(anyValue()))))))))),
	))

	// Attachments.
	g.component(schemaAttachment, object(
		req("fileName", val(str())), req("fileSize", val(integer())),
		req("timeUploaded", val(describe(str(), "ISO 8601, UTC, milliseconds."))),
	))
	g.component(schemaAttachments, object(req("records", val(arrayOf(val(object(
		req("id", val(integer())), req("fields", ref(schemaAttachment)))))))))
	return nil
}

// recordsReadParams are the query parameters of a records read.
func (g *docGen) recordsReadParams() openapi3.Parameters {
	limit := integer()
	limit.Min = new(float64)
	max := float64(g.lim.MaxPage)
	if g.lim.MaxPage > 0 {
		limit.Max = &max
	}
	return openapi3.Parameters{
		queryParam("filter", "A Grist JSON filter ({\"col\": [values...]}), or an expression such as `name[eq]:\"Ann\",or(age[gt]:30,age[is]:NULL)`.", str()),
		queryParam("sort", "Columns to sort by, comma-separated; - for descending (`-age,name`).", str()),
		queryParam("limit", fmt.Sprintf("At most this many records (0: no limit). With a limit the answer carries pageInfo; at most %d.", g.lim.MaxPage), limit),
		queryParam("offset", "With a limit and no cursor: skip this many records first, to jump to a position (it costs the records skipped; page on with the cursors).", integer()),
		queryParam("starting_after", "A cursor (pageInfo.endCursor): the page after it.", str()),
		queryParam("ending_before", "A cursor (pageInfo.startCursor): the page before it.", str()),
		boolFlag("count", "Add totalCount, the number of records matching the filter."),
		boolFlag("hidden", "Add the hidden fields manualSort, createdAt and updatedAt."),
		queryParam("cellFormat", "normal (default) or typed: Date, DateTime, Ref and RefList cells as [\"d\", ...], [\"D\", ...], [\"R\", ...], [\"r\", ...].", enumOf("normal", "typed")),
		headerParam("X-Sort", "The same as sort.", str()),
		headerParam("X-Limit", "The same as limit.", limit),
	}
}

// writeParams are the parameters of a write through the document core.
func writeParams(extra ...*openapi3.ParameterRef) openapi3.Parameters {
	key := str()
	maxLen := uint64(255)
	key.MaxLength = &maxLen
	return append(openapi3.Parameters{headerParam("Idempotency-Key", "Performs the write once per (user, key) within 24 hours; a repeat gets the stored answer with Idempotent-Replayed: true.", key)}, extra...)
}

func noparse() *openapi3.ParameterRef {
	return boolFlag("noparse", "Store strings as given instead of parsing them for the column's type (\"42\" into Int 42).")
}

// table adds the components and operations of one table.
func (g *docGen) table(t *schema.Table, base string) {
	var writable, all []*schema.Column
	for _, c := range t.Columns {
		all = append(all, c)
		if c.Stored() {
			writable = append(writable, c)
		}
	}
	cells := make(map[string]cellSchemas, len(t.Columns))
	for _, c := range t.Columns {
		cells[c.ID] = columnCells(c)
	}

	// Fields as written; Require is the same plus id, to match on.
	in := typed("object")
	in.Properties = openapi3.Schemas{}
	example := map[string]any{}
	for _, c := range writable {
		in.Properties[c.ID] = val(describeColumn(copySchema(cells[c.ID].In), c))
		example[c.ID] = cells[c.ID].Example
	}
	in.Examples = []any{example}
	in.Description = fmt.Sprintf("The fields of a record of %s as a client writes them; unknown columns are refused. Unless noparse=1, strings are parsed for the column's type; a value that does not fit is stored as given and read back as given.", t.ID)
	closed(in)
	g.component(base+"Fields", in)
	require := copySchema(in)
	require.Properties = openapi3.Schemas{"id": val(describe(integer(), "Match on the row id."))}
	for k, v := range in.Properties {
		require.Properties[k] = v
	}
	require.Examples = nil
	require.Description = "The values a record must have to match; with no match the record is added with them."
	g.component(base+"Require", require)

	// Fields as read, normal and typed.
	out, typedOut := typed("object"), typed("object")
	out.Properties, typedOut.Properties = openapi3.Schemas{}, openapi3.Schemas{}
	outExample, typedExample := map[string]any{}, map[string]any{}
	for _, c := range all {
		cs := cells[c.ID]
		o, ty := describeColumn(copySchema(cs.Out), c), describeColumn(copySchema(cs.Typed), c)
		if c.Reverse {
			o.ReadOnly, ty.ReadOnly = true, true
		}
		out.Properties[c.ID], typedOut.Properties[c.ID] = val(o), val(ty)
		out.Required, typedOut.Required = append(out.Required, c.ID), append(typedOut.Required, c.ID)
		outExample[c.ID], typedExample[c.ID] = cs.Example, cs.TypedExample
	}
	for _, h := range []struct {
		id   string
		s    *openapi3.Schema
		desc string
	}{
		{"manualSort", integer(), "With hidden=1: the row's position."},
		{"createdAt", number(), "With hidden=1: when the row was created, in seconds since the epoch."},
		{"updatedAt", number(), "With hidden=1: when the row was last changed, in seconds since the epoch."},
	} {
		if t.Column(h.id) == nil {
			s := describe(h.s, h.desc)
			s.ReadOnly = true
			out.Properties[h.id], typedOut.Properties[h.id] = val(s), val(copySchema(s))
		}
	}
	out.Examples, typedOut.Examples = []any{outExample}, []any{typedExample}
	out.Description = fmt.Sprintf("The fields of a record of %s as read (cellFormat=normal).", t.ID)
	typedOut.Description = fmt.Sprintf("The fields of a record of %s as read with cellFormat=typed.", t.ID)
	g.component(base+"RecordFields", out)
	g.component(base+"TypedRecordFields", typedOut)
	g.component(base+"Record", object(req("id", val(integer())),
		req("fields", val(anyOf(ref(base+"RecordFields"), ref(base+"TypedRecordFields"))))))
	list := object(req("records", val(arrayOf(ref(base+"Record")))),
		opt("pageInfo", ref(schemaPageInfo)),
		opt("totalCount", val(describe(integer(), "With count=1: how many records match the filter."))))
	list.Examples = []any{map[string]any{"records": []any{map[string]any{"id": 1, "fields": outExample}}}}
	g.component(base+"RecordList", list)

	newRec := closed(object(opt("fields", ref(base+"Fields"))))
	g.component(base+"NewRecords", closed(object(req("records", val(arrayOf(val(newRec)))))))
	upd := closed(object(req("id", val(integer())), req("fields", ref(base+"Fields"))))
	g.component(base+"RecordUpdates", closed(object(req("records", val(arrayOf(val(upd)))))))
	ups := closed(object(req("require", ref(base+"Require")), opt("fields", ref(base+"Fields"))))
	g.component(base+"RecordUpserts", closed(object(req("records", val(arrayOf(val(ups)))))))

	// Column-oriented data.
	data := object(req("id", val(arrayOf(val(integer())))), req("manualSort", val(arrayOf(val(integer())))))
	newData, updData := typed("object"), typed("object")
	newData.Properties = openapi3.Schemas{}
	updData.Properties = openapi3.Schemas{"id": val(arrayOf(val(integer())))}
	updData.Required = []string{"id"}
	dataExample, newDataExample := map[string]any{"id": []any{1}, "manualSort": []any{1}}, map[string]any{}
	for _, c := range all {
		cs := cells[c.ID]
		data.Properties[c.ID] = val(arrayOf(val(anyOf(val(copySchema(cs.Out)), val(copySchema(cs.Typed))))))
		data.Required = append(data.Required, c.ID)
		dataExample[c.ID] = []any{cs.Example}
		if c.Stored() {
			newData.Properties[c.ID] = val(arrayOf(val(copySchema(cs.In))))
			updData.Properties[c.ID] = val(arrayOf(val(copySchema(cs.In))))
			newDataExample[c.ID] = []any{cs.Example}
		}
	}
	data.Examples = []any{dataExample}
	newData.Examples = []any{newDataExample}
	g.component(base+"ColumnData", describe(data, fmt.Sprintf("The records of %s column by column: one array per column, all of the same length.", t.ID)))
	g.component(base+"NewColumnData", describe(closed(newData), "One array per column, all of the same length; a column left out is empty in the new records."))
	g.component(base+"ColumnDataUpdate", describe(closed(updData), "The row ids, and one array per column to change, all of the same length."))

	g.tableOps(t, base, outExample, example)
}

// describeColumn adds a column's label and type to its cell schema.
func describeColumn(s *openapi3.Schema, c *schema.Column) *openapi3.Schema {
	d := fmt.Sprintf("%s (%s).", c.Label, c.Type.String())
	if c.Label == "" {
		d = fmt.Sprintf("(%s).", c.Type.String())
	}
	if c.Description != "" {
		d += " " + c.Description
	}
	if s.Description != "" {
		d += " " + s.Description
	}
	s.Description = d
	return s
}

// tableOps adds the operations on one table.
func (g *docGen) tableOps(t *schema.Table, base string, outExample, inExample map[string]any) {
	tp := g.prefix + "/tables/" + t.ID
	tags := []string{t.ID}
	recordList := jsonResponse("The records, in the order asked.", ref(base+"RecordList"), nil)
	ops := []operation{
		{method: http.MethodGet, path: tp + "/records", id: base + "_listRecords", summary: "List records of " + t.ID,
			description: "Every record matching the filter, sorted; pages by cursor when a limit is given (never by offset). Needs view access.",
			params:      g.recordsReadParams(), status: http.StatusOK, response: recordList, errors: docRead()},
		{method: http.MethodPost, path: tp + "/records/list", id: base + "_queryRecords", summary: "List records of " + t.ID + " (options in the body)",
			description: "As GET .../records, with the options in the body. Needs view access.",
			body:        jsonBody("Read options.", ref(schemaListRequest), map[string]any{"limit": 10, "sort": []any{"-id"}}),
			status:      http.StatusOK, response: recordList, errors: docReadBody()},
		{method: http.MethodPost, path: tp + "/records", id: base + "_addRecords", summary: "Add records to " + t.ID,
			description: "Adds the records in one transaction; {} as a record adds a blank one. Needs write access.",
			params:      writeParams(noparse()),
			body:        jsonBody("The new records.", ref(base+"NewRecords"), map[string]any{"records": []any{map[string]any{"fields": inExample}}}),
			status:      http.StatusOK, response: jsonResponse("The new records' ids, in order.", ref(schemaAddedRecords), nil), errors: docWrite()},
		{method: http.MethodPatch, path: tp + "/records", id: base + "_updateRecords", summary: "Update records of " + t.ID,
			description: "Changes the given fields; every record must carry the same field keys. Unknown rows or columns fail the whole request. Needs write access.",
			params:      writeParams(noparse()),
			body:        jsonBody("The changes.", ref(base+"RecordUpdates"), map[string]any{"records": []any{map[string]any{"id": 1, "fields": inExample}}}),
			status:      http.StatusOK, response: nullResponse("Done."), errors: docWrite()},
		{method: http.MethodPut, path: tp + "/records", id: base + "_upsertRecords", summary: "Add or update records of " + t.ID,
			description: "Matches each record on require (which may include id): updates the matches, adds a record when none matches. Needs write access.",
			params: writeParams(noparse(),
				boolFlag("noadd", "Never add records."), boolFlag("noupdate", "Never update records."),
				queryParam("onmany", "When require matches several records: update the first (default), none, or all.", enumOf("first", "none", "all")),
				boolFlag("allow_empty_require", "Allow an empty require, which matches every record.")),
			body:   jsonBody("The records to add or update.", ref(base+"RecordUpserts"), map[string]any{"records": []any{map[string]any{"require": map[string]any{"id": 1}, "fields": inExample}}}),
			status: http.StatusOK, response: jsonResponse("What each record did.", ref(schemaUpsertResult), nil), errors: docWrite()},
		{method: http.MethodPost, path: tp + "/records/delete", id: base + "_deleteRecords", summary: "Remove records from " + t.ID,
			description: "Removes the records with these ids. Needs write access.", params: writeParams(),
			body:   jsonBody("Row ids.", ref(schemaRowIDs), []any{1, 2}),
			status: http.StatusOK, response: nullResponse("Done."), errors: docWrite()},

		{method: http.MethodGet, path: tp + "/data", id: base + "_getData", summary: "Records of " + t.ID + ", column by column (legacy)",
			description: "Grist's column-oriented form, with manualSort. Takes the read parameters of GET .../records. Needs view access.",
			params:      g.recordsReadParams(), status: http.StatusOK,
			response: jsonResponse("The records, column by column.", ref(base+"ColumnData"), nil), errors: docRead()},
		{method: http.MethodPost, path: tp + "/data", id: base + "_addData", summary: "Add records to " + t.ID + ", column by column (legacy)",
			description: "Needs write access.", params: writeParams(noparse()),
			body:   jsonBody("One array per column.", ref(base+"NewColumnData"), nil),
			status: http.StatusOK, response: jsonResponse("The new row ids.", ref(schemaRowIDs), nil), errors: docWrite()},
		{method: http.MethodPatch, path: tp + "/data", id: base + "_updateData", summary: "Update records of " + t.ID + ", column by column (legacy)",
			description: "Needs write access.", params: writeParams(noparse()),
			body:   jsonBody("Row ids and one array per column.", ref(base+"ColumnDataUpdate"), nil),
			status: http.StatusOK, response: nullResponse("Done."), errors: docWrite()},
		{method: http.MethodPost, path: tp + "/data/delete", id: base + "_deleteData", summary: "Remove records from " + t.ID + " (legacy)",
			description: "Needs write access.", params: writeParams(),
			body:   jsonBody("Row ids.", ref(schemaRowIDs), []any{1}),
			status: http.StatusOK, response: nullResponse("Done."), errors: docWrite()},

		{method: http.MethodGet, path: tp + "/columns", id: base + "_listColumns", summary: "List the columns of " + t.ID,
			description: "Needs view access.", params: openapi3.Parameters{boolFlag("hidden", "Accepted for Grist compatibility; Rowhouse has no hidden columns to add.")},
			status: http.StatusOK, response: jsonResponse("The columns, in order.", ref(schemaColumnList), nil), errors: docRead()},
		{method: http.MethodPost, path: tp + "/columns", id: base + "_addColumns", summary: "Add columns to " + t.ID,
			description: "Ids are sanitized and made unique; the type defaults to Text. Needs write access.", params: writeParams(),
			body:   jsonBody("The new columns.", ref(schemaNewColumns), map[string]any{"columns": []any{map[string]any{"id": "notes", "fields": map[string]any{"type": "Text", "label": "Notes"}}}}),
			status: http.StatusOK, response: jsonResponse("The final ids of the new columns.", ref(schemaAddedColumns), nil), errors: docWrite()},
		{method: http.MethodPatch, path: tp + "/columns", id: base + "_updateColumns", summary: "Change columns of " + t.ID,
			description: "Renames (colId), changes the type (converting values), label, description, options or uniqueness. Needs write access.", params: writeParams(),
			body:   jsonBody("The changes.", ref(schemaColumnUpdate), nil),
			status: http.StatusOK, response: nullResponse("Done."), errors: docWrite()},
		{method: http.MethodPut, path: tp + "/columns", id: base + "_putColumns", summary: "Add or change columns of " + t.ID,
			description: "Adds the columns that do not exist and changes those that do. Needs write access.",
			params: writeParams(boolFlag("noadd", "Never add columns."), boolFlag("noupdate", "Never change columns."),
				boolFlag("replaceall", "Also remove the columns not listed.")),
			body:   jsonBody("The columns.", ref(schemaColumnUpdate), nil),
			status: http.StatusOK, response: nullResponse("Done."), errors: docWrite()},
		{method: http.MethodDelete, path: tp + "/columns/{colId}", id: base + "_deleteColumn", summary: "Remove a column of " + t.ID,
			description: "Needs write access.", params: append(writeParams(), pathParam("colId", "The column's id.", columnIDSchema(t))),
			status: http.StatusOK, response: nullResponse("Done."), errors: docWrite()},
		{method: http.MethodDelete, path: tp, id: base + "_deleteTable", summary: "Remove table " + t.ID,
			description: "Removes the table and its records (Rowhouse's addition; Grist clients use the RemoveTable action). Needs write access.", params: writeParams(),
			status: http.StatusOK, response: nullResponse("Done."), errors: docWrite()},
	}
	for _, o := range ops {
		o.tags = tags
		o.add(g.doc)
	}
}

// docReadBody are the error statuses of a read that takes a body.
func docReadBody() []int {
	return []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusRequestEntityTooLarge}
}

// columnIDSchema is the {colId} parameter of a table: one of its stored
// columns' ids.
func columnIDSchema(t *schema.Table) *openapi3.Schema {
	s := str()
	for _, c := range t.Columns {
		if c.Stored() {
			s.Enum = append(s.Enum, c.ID)
		}
	}
	return s
}

// documentOps adds the operations on the whole document.
func (g *docGen) documentOps() {
	p := g.prefix
	tags := []string{"document"}
	tableIDs := str()
	for _, t := range g.schema.Tables {
		tableIDs.Enum = append(tableIDs.Enum, t.ID)
	}
	upload := object(req("upload", val(arrayOf(val(&openapi3.Schema{Type: types("string"), ContentMediaType: "application/octet-stream"})))))
	ops := []operation{
		{method: http.MethodGet, path: p + "/tables", id: "listTables", summary: "List tables",
			description: "Needs view access.", params: openapi3.Parameters{queryParam("expand", "column: add each table's columns.", enumOf("column"))},
			status: http.StatusOK, response: jsonResponse("The tables, in order.", ref(schemaTableList), nil), errors: docRead()},
		{method: http.MethodPost, path: p + "/tables", id: "addTables", summary: "Add tables",
			description: "Ids are sanitized and made unique; columns default to Text. Needs write access.", params: writeParams(),
			body: jsonBody("The new tables.", ref(schemaNewTables), map[string]any{"tables": []any{map[string]any{"id": "People", "columns": []any{
				map[string]any{"id": "name", "fields": map[string]any{"label": "Name"}}, map[string]any{"id": "age", "fields": map[string]any{"type": "Int"}}}}}}),
			status: http.StatusOK, response: jsonResponse("The final ids of the new tables.", ref(schemaAddedTables), nil), errors: docWrite()},
		{method: http.MethodPatch, path: p + "/tables", id: "updateTables", summary: "Rename tables or change their GraphQL names",
			description: "Needs write access.", params: writeParams(),
			body:   jsonBody("The changes.", ref(schemaTableUpdates), nil),
			status: http.StatusOK, response: nullResponse("Done."), errors: docWrite()},
		{method: http.MethodPost, path: p + "/apply", id: "applyActions", summary: "Apply user actions",
			description: "Applies Grist user actions in one transaction: all or nothing. Needs write access.", params: writeParams(),
			body:   jsonBody("The actions, in order.", val(arrayOf(ref(schemaUserAction))), []any{[]any{"AddRecord", "Table1", nil, map[string]any{}}}),
			status: http.StatusOK, response: jsonResponse("The actions' results.", ref(schemaApplyResult), nil), errors: docWrite()},
		{method: http.MethodGet, path: p + "/sql", id: "querySQL", summary: "Run a SELECT statement",
			description: "Runs one read-only SELECT over this document's tables. Needs view access.",
			params: openapi3.Parameters{func() *openapi3.ParameterRef {
				q := queryParam("q", "The statement.", str())
				q.Value.Required = true
				return q
			}()},
			status: http.StatusOK, response: jsonResponse("The statement run, and its rows.", ref(schemaSQLResult), nil),
			errors: append(docRead(), http.StatusNotImplemented)},
		{method: http.MethodPost, path: p + "/sql", id: "querySQLWithArgs", summary: "Run a SELECT statement with arguments",
			description: "As GET .../sql, with placeholders' values and a timeout. Needs view access.",
			body:        jsonBody("The statement.", ref(schemaSQLRequest), map[string]any{"sql": "select * from Table1 where id > ?", "args": []any{0}}),
			status:      http.StatusOK, response: jsonResponse("The statement run, and its rows.", ref(schemaSQLResult), nil),
			errors: append(docReadBody(), http.StatusNotImplemented)},
		{method: http.MethodPost, path: p + "/attachments", id: "uploadAttachments", summary: "Upload attachments",
			description: "Needs write access. Attachment cells then hold [\"L\", ids...].",
			body: &openapi3.RequestBodyRef{Value: &openapi3.RequestBody{Required: true, Description: "One or more files in the field upload.",
				Content: openapi3.Content{"multipart/form-data": &openapi3.MediaType{Schema: val(upload)}}}},
			status: http.StatusOK, response: jsonResponse("The new attachments' ids.", ref(schemaRowIDs), nil),
			errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusRequestEntityTooLarge}},
		{method: http.MethodGet, path: p + "/attachments", id: "listAttachments", summary: "List attachments",
			description: "Needs view access.", status: http.StatusOK,
			response: jsonResponse("The attachments' metadata.", ref(schemaAttachments), nil), errors: docRead()},
		{method: http.MethodGet, path: p + "/attachments/{attachmentId}", id: "getAttachment", summary: "An attachment's metadata",
			description: "Needs view access.", params: openapi3.Parameters{pathParam("attachmentId", "The attachment's id.", integer())},
			status: http.StatusOK, response: jsonResponse("The attachment's metadata.", ref(schemaAttachment), nil), errors: docRead()},
		{method: http.MethodGet, path: p + "/attachments/{attachmentId}/download", id: "downloadAttachment", summary: "Download an attachment",
			description: "The file, always as a download (Content-Disposition: attachment) under a sandboxing Content-Security-Policy; types a browser would render as a page come as application/octet-stream. Needs view access.",
			params: openapi3.Parameters{pathParam("attachmentId", "The attachment's id.", integer()),
				queryParam("tableId", "With colId and rowId: the cell the download is for, which must refer to the attachment (all three or none).", tableIDs),
				queryParam("colId", "The cell's column.", str()), queryParam("rowId", "The cell's row.", integer())},
			status: http.StatusOK, response: binaryResponse("The file, with its content type.", "*/*"), errors: docRead()},
		{method: http.MethodGet, path: p + "/attachments/archive", id: "archiveAttachments", summary: "Download every attachment",
			description: "One archive of every attachment, entries named <id>_<file name>. Needs view access.",
			params:      openapi3.Parameters{queryParam("format", "zip (default) or tar.", enumOf("zip", "tar"))},
			status:      http.StatusOK, response: openapi3.NewResponse().WithDescription("The archive.").WithContent(openapi3.Content{
				"application/zip": &openapi3.MediaType{}, "application/x-tar": &openapi3.MediaType{}}),
			errors: docRead()},
		{method: http.MethodPost, path: p + "/attachments/removeUnused", id: "removeUnusedAttachments", summary: "Delete unused attachments",
			description: "Deletes the attachments no cell refers to. Needs owner access.",
			params: openapi3.Parameters{queryParam("expiredonly", "1: only those uploaded more than an hour ago.", str()),
				queryParam("verifyfiles", "Accepted, without effect: files live in the document.", str())},
			status: http.StatusOK, response: nullResponse("Done."), errors: docRead()},
		{method: http.MethodGet, path: p + "/download", id: "downloadDocument", summary: "Download the document",
			description: "A consistent snapshot of the document's SQLite database, attachments included. Needs view access.",
			status:      http.StatusOK, response: binaryResponse("The database file.", "application/x-sqlite3"),
			errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusNotImplemented}},
		{method: http.MethodGet, path: p + "/download/csv", id: "downloadCSV", summary: "Download a table as CSV",
			description: "Needs view access.",
			params: openapi3.Parameters{func() *openapi3.ParameterRef {
				q := queryParam("tableId", "The table.", tableIDs)
				q.Value.Required = true
				return q
			}(), queryParam("header", "Column headers: the column ids (colId, default) or their labels.", enumOf("colId", "label"))},
			status: http.StatusOK, response: binaryResponse("The table as CSV.", "text/csv"), errors: docRead()},
		{method: http.MethodGet, path: p + "/download/xlsx", id: "downloadXLSX", summary: "Download the document as XLSX",
			description: "Every table, one sheet each. Needs view access.", status: http.StatusOK,
			response: binaryResponse("The workbook.", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
			errors:   []int{http.StatusForbidden, http.StatusNotFound}},
		{method: http.MethodGet, path: p + "/openapi.json", id: "getDocumentOpenAPI", etag: true, summary: "This description",
			description: "The OpenAPI 3.1 description of this document, generated from its schema. Needs view access.", status: http.StatusOK,
			response: jsonResponse("An OpenAPI 3.1 document.", val(typed("object")), nil), errors: []int{http.StatusForbidden, http.StatusNotFound}},
	}
	for _, o := range ops {
		o.tags = tags
		o.add(g.doc)
	}
}

// binaryResponse is an answer of bytes of the given media type.
func binaryResponse(desc, mediaType string) *openapi3.Response {
	return openapi3.NewResponse().WithDescription(desc).WithContent(openapi3.Content{
		mediaType: &openapi3.MediaType{},
	})
}

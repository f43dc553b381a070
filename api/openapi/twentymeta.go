package openapi

import (
	"fmt"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/rowhouse/rowhouse/twentymodel"
)

// Component names of Twenty's metadata API and webhook endpoints.
const (
	schemaTwentyObject       = "TwentyObject"
	schemaTwentyField        = "TwentyField"
	schemaTwentyObjectInput  = "TwentyObjectInput"
	schemaTwentyFieldInput   = "TwentyFieldInput"
	schemaTwentyWebhook      = "TwentyWebhook"
	schemaTwentyWebhookInput = "TwentyWebhookInput"
	tagTwentyMetadata        = "twenty metadata"
)

func twentyMetaSchemas() []string {
	return []string{schemaTwentyObject, schemaTwentyField, schemaTwentyObjectInput, schemaTwentyFieldInput,
		schemaTwentyWebhook, schemaTwentyWebhookInput}
}

// anyOrNull matches every JSON value, null included.
func anyOrNull() *openapi3.Schema { return anyOf(val(anyValue()), val(null())) }

// inputSchema is the schema of a twentymodel input: closed, every member
// optional, JSON values (json.RawMessage members) any value.
func inputSchema(v any, anyMembers ...string) (*openapi3.Schema, error) {
	s, err := fromType(v)
	if err != nil {
		return nil, err
	}
	s.Required = nil
	for _, m := range anyMembers {
		s.Properties[m] = val(anyOrNull())
	}
	return closed(s), nil
}

// twentyMetaSchemas adds the components of Twenty's metadata API,
// generated from package twentymodel's types.
func (g *docGen) twentyMetaComponents() error {
	field, err := fromType(twentymodel.Field{})
	if err != nil {
		return err
	}
	field.Properties["type"] = val(describe(enumOf(twentymodel.TypeText, twentymodel.TypeNumber, twentymodel.TypeBoolean, twentymodel.TypeDate,
		twentymodel.TypeDateTime, twentymodel.TypeSelect, twentymodel.TypeMultiSelect, twentymodel.TypeRelation, twentymodel.TypeRawJSON, twentymodel.TypeFiles),
		"Twenty's field type: Text TEXT, Numeric and Int NUMBER (settings.dataType float or int), Bool BOOLEAN, Date DATE, DateTime DATE_TIME, "+
			"Choice SELECT, ChoiceList MULTI_SELECT (with options), Ref and RefList RELATION (with relation), Attachments FILES, Any RAW_JSON."))
	field.Properties["defaultValue"] = val(describe(anyOrNull(), "The value of the column in a new record, as Twenty writes defaults (text as a quoted literal)."))
	field.Properties["settings"] = val(anyOrNull())
	g.component(schemaTwentyField, describe(field, "A column (or id, createdAt, updatedAt) as a Twenty field; its id is the column's uuid, kept through renames."))
	obj, err := fromType(twentymodel.Object{})
	if err != nil {
		return err
	}
	obj.Properties["fields"] = val(arrayOf(ref(schemaTwentyField)))
	g.component(schemaTwentyObject, describe(obj, "A table as a Twenty object; its id is the table's uuid, kept through renames."))
	oi, err := inputSchema(twentymodel.ObjectInput{}, "primaryKeyFieldMetadataSettings")
	if err != nil {
		return err
	}
	g.component(schemaTwentyObjectInput, describe(oi, "Twenty's CreateObjectInput / UpdateObjectPayload. nameSingular and namePlural are needed to create an object; "+
		"the table is namePlural with a capital, with a Text field name. What Rowhouse cannot honour is refused by name."))
	fi, err := fromType(twentymodel.FieldInput{})
	if err != nil {
		return err
	}
	fi.Required = nil
	fi.Properties["defaultValue"] = val(anyOrNull())
	fi.Properties["settings"] = val(orNull(mapOf(val(anyValue()))))
	fi.Properties["type"] = val(str())
	g.component(schemaTwentyFieldInput, describe(closed(fi), "Twenty's CreateFieldInput / UpdateFieldInput. objectMetadataId, type and name are needed to create a field; "+
		"a RELATION needs relationCreationPayload. A type that cannot be mapped onto a column type is refused, naming it."))
	g.component(schemaTwentyWebhook, object(
		req("id", val(str())), req("targetUrl", val(str())), req("operations", val(arrayOf(val(str())))),
		req("description", val(orNull(str()))),
		opt("secret", val(describe(str(), "Signs deliveries (X-Twenty-Webhook-Signature); only in the answer that creates the webhook."))),
		req("createdAt", val(timestamp())), req("updatedAt", val(timestamp())), req("deletedAt", val(null())),
	))
	g.component(schemaTwentyWebhookInput, closed(object(
		opt("targetUrl", val(str())),
		opt("operations", val(describe(arrayOf(val(str())), "<object>.<operation>: person.created, *.updated, *.* (the default)."))),
		opt("description", val(str())),
		opt("secret", val(describe(str(), "A signing secret of at least 16 characters; a random one when absent."))),
	)))
	return nil
}

// twentyMetaOps adds Twenty's metadata routes and webhook endpoints, whose
// errors are in Twenty's shape.
func (g *docGen) twentyMetaOps() {
	base := g.prefix + "/rest/metadata"
	tags := []string{tagTwentyMetadata}
	data := func(key string, item *openapi3.SchemaRef) *openapi3.SchemaRef {
		return val(object(req("data", val(object(req(key, item))))))
	}
	list := func(key string, item *openapi3.SchemaRef) *openapi3.SchemaRef {
		return val(object(req("data", val(object(req(key, val(arrayOf(item)))))), req("pageInfo", ref(schemaTwentyPageInfo)), req("totalCount", val(integer()))))
	}
	limit := integer()
	limit.Min, limit.Max = new(float64), new(float64)
	*limit.Min, *limit.Max = 1, twentymodel.MaxPage
	paging := openapi3.Parameters{
		queryParam("limit", fmt.Sprintf("At most this many items (1 to %d; %d when absent).", twentymodel.MaxPage, twentymodel.MaxPage), limit),
		queryParam("starting_after", "Items after this id (a cursor).", str()),
		queryParam("ending_before", "Items before this id (a cursor).", str()),
	}
	idOf := func(name, what string) *openapi3.ParameterRef {
		return pathParam(name, what+" id: a uuid (for objects, the table id works too).", str())
	}
	objectID, fieldID, hookID := idOf("objectId", "The object's"), idOf("fieldId", "The field's"), idOf("webhookId", "The webhook's")
	deleted := func(key string) *openapi3.SchemaRef { return data(key, val(object(req("id", val(str()))))) }
	objExample := map[string]any{"nameSingular": "pet", "namePlural": "pets", "labelSingular": "Pet", "labelPlural": "Pets", "icon": "IconCat"}
	fieldExample := map[string]any{"objectMetadataId": "<object id>", "type": "TEXT", "name": "nickname", "label": "Nickname"}
	ops := []operation{
		{method: http.MethodGet, path: base + "/objects", id: "twentyListObjects", summary: "List objects (tables), with their fields",
			description: "Twenty's GET /rest/metadata/objects. Needs view access.", params: paging,
			status: http.StatusOK, response: jsonResponse("The objects.", list("objects", ref(schemaTwentyObject)), nil), errors: docRead()},
		{method: http.MethodPost, path: base + "/objects", id: "twentyCreateObject", summary: "Create an object (a table)",
			description: "Needs write access.", body: jsonBody("The object.", ref(schemaTwentyObjectInput), objExample),
			status: http.StatusCreated, response: jsonResponse("The new object.", data("createOneObject", ref(schemaTwentyObject)), nil), errors: docWrite()},
		{method: http.MethodGet, path: base + "/objects/{objectId}", id: "twentyGetObject", summary: "One object",
			description: "Needs view access.", params: openapi3.Parameters{objectID},
			status: http.StatusOK, response: jsonResponse("The object.", data("object", ref(schemaTwentyObject)), nil), errors: docRead()},
		{method: http.MethodPatch, path: base + "/objects/{objectId}", id: "twentyUpdateObject", summary: "Change an object's names, labels, description or icon",
			description: "The table keeps its id. Needs write access. (PUT is the same.)", params: openapi3.Parameters{objectID},
			body:   jsonBody("What to change.", ref(schemaTwentyObjectInput), map[string]any{"labelPlural": "Animals"}),
			status: http.StatusOK, response: jsonResponse("The object.", data("updateOneObject", ref(schemaTwentyObject)), nil), errors: docWrite()},
		{method: http.MethodDelete, path: base + "/objects/{objectId}", id: "twentyDeleteObject", summary: "Remove an object (its table and records)",
			description: "Needs write access.", params: openapi3.Parameters{objectID},
			status: http.StatusOK, response: jsonResponse("The removed object's id.", deleted("deleteOneObject"), nil), errors: docWrite()},
		{method: http.MethodGet, path: base + "/fields", id: "twentyListFields", summary: "List every object's fields",
			description: "Needs view access.", params: paging,
			status: http.StatusOK, response: jsonResponse("The fields.", list("fields", ref(schemaTwentyField)), nil), errors: docRead()},
		{method: http.MethodPost, path: base + "/fields", id: "twentyCreateField", summary: "Create a field (a column)",
			description: "Needs write access.", body: jsonBody("The field.", ref(schemaTwentyFieldInput), fieldExample),
			status: http.StatusCreated, response: jsonResponse("The new field.", data("createOneField", ref(schemaTwentyField)), nil), errors: docWrite()},
		{method: http.MethodGet, path: base + "/fields/{fieldId}", id: "twentyGetField", summary: "One field",
			description: "Needs view access.", params: openapi3.Parameters{fieldID},
			status: http.StatusOK, response: jsonResponse("The field.", data("field", ref(schemaTwentyField)), nil), errors: docRead()},
		{method: http.MethodPatch, path: base + "/fields/{fieldId}", id: "twentyUpdateField", summary: "Change a field (rename, relabel, options, type)",
			description: "Needs write access. (PUT is the same.)", params: openapi3.Parameters{fieldID},
			body:   jsonBody("What to change.", ref(schemaTwentyFieldInput), map[string]any{"label": "Nick"}),
			status: http.StatusOK, response: jsonResponse("The field.", data("updateOneField", ref(schemaTwentyField)), nil), errors: docWrite()},
		{method: http.MethodDelete, path: base + "/fields/{fieldId}", id: "twentyDeleteField", summary: "Remove a field (its column and values)",
			description: "Needs write access.", params: openapi3.Parameters{fieldID},
			status: http.StatusOK, response: jsonResponse("The removed field's id.", deleted("deleteOneField"), nil), errors: docWrite()},
	}
	hookExample := map[string]any{"targetUrl": "https://example.com/hook", "operations": []any{"person.created", "*.updated"}}
	owner := []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound}
	for _, w := range []struct {
		path, id, listDesc string
		list               *openapi3.SchemaRef
	}{
		{g.prefix + "/rest/webhooks", "twentyWebhooks", "An array, as Twenty's /rest/webhooks answers.", val(arrayOf(ref(schemaTwentyWebhook)))},
		{base + "/webhooks", "twentyMetadataWebhooks", "{data, pageInfo, totalCount}, as Twenty's /rest/metadata/webhooks answers.",
			val(object(req("data", val(arrayOf(ref(schemaTwentyWebhook)))), req("pageInfo", ref(schemaTwentyPageInfo)), req("totalCount", val(integer()))))},
	} {
		params := openapi3.Parameters{}
		if w.id == "twentyMetadataWebhooks" {
			params = paging
		}
		ops = append(ops,
			operation{method: http.MethodGet, path: w.path, id: w.id + "List", summary: "List Twenty-format webhooks",
				description: w.listDesc + " Needs owner access.", params: params,
				status: http.StatusOK, response: jsonResponse("The webhooks.", w.list, nil), errors: owner},
			operation{method: http.MethodPost, path: w.path, id: w.id + "Create", summary: "Create a Twenty-format webhook",
				description: "One POST per matching record, in Twenty's payload, signed with X-Twenty-Webhook-Signature; retried, logged and redeliverable as every webhook. Needs owner access.",
				body:        jsonBody("The webhook.", ref(schemaTwentyWebhookInput), hookExample),
				status:      http.StatusCreated, response: jsonResponse("The webhook, with its secret.", ref(schemaTwentyWebhook), nil), errors: owner},
			operation{method: http.MethodGet, path: w.path + "/{webhookId}", id: w.id + "Get", summary: "One Twenty-format webhook",
				description: "Needs owner access.", params: openapi3.Parameters{hookID},
				status: http.StatusOK, response: jsonResponse("The webhook.", ref(schemaTwentyWebhook), nil), errors: owner},
			operation{method: http.MethodPatch, path: w.path + "/{webhookId}", id: w.id + "Update", summary: "Change a Twenty-format webhook",
				description: "Needs owner access.", params: openapi3.Parameters{hookID},
				body:   jsonBody("What to change.", ref(schemaTwentyWebhookInput), map[string]any{"operations": []any{"*.*"}}),
				status: http.StatusOK, response: jsonResponse("The webhook.", ref(schemaTwentyWebhook), nil), errors: owner},
			operation{method: http.MethodDelete, path: w.path + "/{webhookId}", id: w.id + "Delete", summary: "Remove a Twenty-format webhook",
				description: "Needs owner access.", params: openapi3.Parameters{hookID},
				status: http.StatusOK, response: jsonResponse("true.", val(constant(true)), nil), errors: owner},
		)
	}
	twenty := map[int]bool{}
	for _, status := range twentyErrorStatuses() {
		twenty[status] = true
	}
	for _, o := range ops {
		o.tags = tags
		o.add(g.doc)
		// The errors the Twenty API answers are in Twenty's shape (see
		// twentyComponents); the rate limiter's 429 is the REST one.
		op := g.doc.Paths.Value(o.path).GetOperation(o.method)
		for code, r := range op.Responses.Map() {
			var status int
			if _, err := fmt.Sscan(code, &status); err == nil && twenty[status] && r.Ref != "" {
				op.Responses.Set(code, &openapi3.ResponseRef{Ref: "#/components/responses/" + twentyErrorName(status)})
			}
		}
	}
}

package openapi

import (
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
)

// Component names of webhooks, the change feed and GraphQL.
const (
	schemaWebhookInput   = "WebhookInput"
	schemaNewWebhooks    = "NewWebhooks"
	schemaAddedWebhooks  = "AddedWebhooks"
	schemaWebhookList    = "WebhookList"
	schemaSuccess        = "Success"
	schemaDeliveryList   = "DeliveryList"
	schemaGraphQLRequest = "GraphQLRequest"
	schemaGraphQLAnswer  = "GraphQLResponse"
)

func extraSchemas() []string {
	return []string{schemaWebhookInput, schemaNewWebhooks, schemaAddedWebhooks, schemaWebhookList, schemaSuccess,
		schemaDeliveryList, schemaGraphQLRequest, schemaGraphQLAnswer}
}

// webhookSchemas adds the components of webhooks and GraphQL.
func (g *docGen) webhookSchemas() {
	tableIDs := str()
	for _, t := range g.schema.Tables {
		tableIDs.Enum = append(tableIDs.Enum, t.ID)
	}
	events := arrayOf(val(enumOf("add", "update", "remove")))
	events.MinItems = 1
	g.component(schemaWebhookInput, describe(closed(object(
		opt("url", val(describe(str(), "Where deliveries are POSTed; private and loopback addresses are refused unless the server allows them."))),
		opt("eventTypes", val(events)),
		opt("tableId", val(tableIDs)),
		opt("enabled", val(boolean())),
		opt("isReadyColumn", val(describe(orNull(str()), "A Bool column: only records where it is true are sent."))),
		opt("watchedColIds", val(describe(orNull(arrayOf(val(str()))), "Only changes to these columns trigger a delivery."))),
		opt("name", val(str())), opt("memo", val(str())),
		opt("authorization", val(describe(str(), "Sent as the Authorization header of deliveries."))),
		opt("format", val(describe(enumOf("rowhouse", "twenty"),
			"The delivery format, chosen at creation: rowhouse (batches of records of one table, X-Rowhouse-Signature; the default) "+
				"or twenty (Twenty's payload, one record per POST, for the objects its operations name, X-Twenty-Webhook-Signature)."))),
		opt("operations", val(describe(arrayOf(val(str())),
			"A twenty webhook's operations, in place of eventTypes and tableId: <object>.<operation>, the object a table's nameSingular or *, "+
				"the operation created, updated, deleted or * (person.created, *.updated, *.*; default *.*)."))),
	)), "A webhook's settings; url, eventTypes and tableId are needed to create one (url, and optionally operations, with format twenty)."))
	g.component(schemaNewWebhooks, closed(object(req("webhooks", val(arrayOf(val(closed(object(req("fields", ref(schemaWebhookInput)))))))))))
	g.component(schemaAddedWebhooks, object(req("webhooks", val(arrayOf(val(object(
		req("id", val(str())),
		req("secret", val(describe(str(), "Signs deliveries (X-Rowhouse-Signature); shown only here."))),
	)))))))
	millis := func(d string) *openapi3.Schema { return describe(orNull(integer()), d) }
	g.component(schemaWebhookList, object(req("webhooks", val(arrayOf(val(object(
		req("id", val(str())),
		req("fields", val(object(
			req("name", val(str())), req("memo", val(str())), req("url", val(str())),
			req("eventTypes", val(orNull(arrayOf(val(str()))))), req("isReadyColumn", val(orNull(str()))),
			req("tableId", val(str())), req("watchedColIds", val(orNull(arrayOf(val(str()))))),
			req("enabled", val(boolean())), req("authorization", val(str())),
			req("format", val(enumOf("rowhouse", "twenty"))),
			opt("operations", val(describe(arrayOf(val(str())), "A twenty webhook's operations."))),
		))),
		req("usage", val(object(
			req("numWaiting", val(describe(integer(), "Records waiting to be delivered."))),
			req("status", val(enumOf("disabled", "idle", "retrying", "sending"))),
			req("updatedTime", val(describe(integer(), "Milliseconds since the epoch."))),
			req("lastSuccessTime", val(millis("Milliseconds since the epoch."))),
			req("lastFailureTime", val(millis("Milliseconds since the epoch."))),
			req("lastErrorMessage", val(orNull(str()))),
			req("lastHttpStatus", val(orNull(integer()))),
			req("disabledReason", val(orNull(str()))),
		))),
	)))))))
	g.component(schemaSuccess, object(req("success", val(constant(true)))))
	g.component(schemaDeliveryList, object(req("deliveries", val(arrayOf(val(object(
		req("id", val(describe(str(), "Sent as X-Rowhouse-Delivery; the same on every attempt."))),
		req("event", val(str())), req("status", val(str())),
		req("firstSeq", val(integer())), req("lastSeq", val(integer())), req("numRecords", val(integer())),
		req("attempts", val(integer())),
		req("createdAt", val(timestamp())), req("committedAt", val(timestamp())),
		req("nextAttemptAt", val(orNull(timestamp()))), req("deliveredAt", val(orNull(timestamp()))),
		req("lastHttpStatus", val(orNull(integer()))), req("lastError", val(str())),
		req("attemptLog", val(arrayOf(val(object(
			req("attempt", val(integer())), req("startedAt", val(timestamp())), req("durationMs", val(integer())),
			req("httpStatus", val(orNull(integer()))), req("error", val(str())),
		))))),
	)))))))

	g.component(schemaGraphQLRequest, object(
		req("query", val(str())),
		opt("variables", val(orNull(typed("object")))),
		opt("operationName", val(orNull(str()))),
	))
	gqlError := object(
		req("message", val(str())),
		opt("locations", val(arrayOf(val(object(req("line", val(integer())), req("column", val(integer()))))))),
		opt("path", val(arrayOf(val(anyOf(val(str()), val(integer())))))),
		opt("extensions", val(mapOf(val(anyValue())))),
	)
	g.component(schemaGraphQLAnswer, describe(object(
		opt("data", val(describe(anyValue(), "The result; null or absent when the request failed before execution."))),
		opt("errors", val(arrayOf(val(gqlError)))),
	), "A GraphQL answer: data and/or errors (message, path, extensions.code)."))
}

// webhookOps adds the webhook management operations and the change feed.
func (g *docGen) webhookOps() {
	p := g.prefix
	tags := []string{"webhooks"}
	owner := func(extra ...int) []int {
		return append([]int{http.StatusForbidden, http.StatusNotFound}, extra...)
	}
	success := jsonResponse("Done.", ref(schemaSuccess), nil)
	hookID := pathParam("webhookId", "The webhook's id.", str())
	limit := integer()
	limit.Min, limit.Max = new(float64), new(float64)
	*limit.Min, *limit.Max = 1, 1000
	ops := []operation{
		{method: http.MethodGet, path: p + "/webhooks", id: "listWebhooks", summary: "List webhooks",
			description: "Each webhook with its settings and delivery status. Needs owner access.",
			status:      http.StatusOK, response: jsonResponse("The webhooks.", ref(schemaWebhookList), nil), errors: owner()},
		{method: http.MethodPost, path: p + "/webhooks", id: "addWebhooks", summary: "Add webhooks",
			description: "Events after now are delivered; each webhook gets a signing secret, shown only in this answer. Needs owner access.",
			body: jsonBody("The new webhooks.", ref(schemaNewWebhooks), map[string]any{"webhooks": []any{map[string]any{"fields": map[string]any{
				"url": "https://example.com/hook", "eventTypes": []any{"add", "update"}, "tableId": firstTable(g)}}}}),
			status: http.StatusOK, response: jsonResponse("The new webhooks' ids and secrets.", ref(schemaAddedWebhooks), nil),
			errors: owner(http.StatusBadRequest, http.StatusRequestEntityTooLarge)},
		{method: http.MethodDelete, path: p + "/webhooks/queue", id: "clearWebhookQueue", summary: "Drop every waiting delivery",
			description: "Needs owner access.", status: http.StatusOK, response: success, errors: owner()},
		{method: http.MethodPatch, path: p + "/webhooks/{webhookId}", id: "updateWebhook", summary: "Change a webhook",
			description: "Needs owner access.", params: openapi3.Parameters{hookID},
			body:   jsonBody("The settings to change.", ref(schemaWebhookInput), map[string]any{"enabled": false}),
			status: http.StatusOK, response: success, errors: owner(http.StatusBadRequest, http.StatusRequestEntityTooLarge)},
		{method: http.MethodDelete, path: p + "/webhooks/{webhookId}", id: "deleteWebhook", summary: "Remove a webhook",
			description: "Needs owner access.", params: openapi3.Parameters{hookID}, status: http.StatusOK, response: success, errors: owner()},
		{method: http.MethodGet, path: p + "/webhooks/{webhookId}/deliveries", id: "listDeliveries", summary: "A webhook's recent deliveries",
			description: "Newest first, with every attempt. Needs owner access.",
			params:      openapi3.Parameters{hookID, queryParam("limit", "At most this many deliveries (100 by default).", limit)},
			status:      http.StatusOK, response: jsonResponse("The deliveries.", ref(schemaDeliveryList), nil), errors: owner(http.StatusBadRequest)},
		{method: http.MethodPost, path: p + "/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver", id: "redeliver", summary: "Send a delivery again",
			description: "Needs owner access.", params: openapi3.Parameters{hookID, pathParam("deliveryId", "The delivery's id.", str())},
			status: http.StatusOK, response: success, errors: owner(http.StatusBadRequest)},
		{method: http.MethodGet, path: p + "/changes", id: "followChanges", summary: "Follow changes (Server-Sent Events)",
			description: "Every committed change as an event whose id is its sequence number and whose data is {seq, table, action, rows}, " +
				"rows being the records after the change (as they were, for removals). Last-Event-ID or since resumes after that sequence number without gaps. Needs view access.",
			params: openapi3.Parameters{queryParam("since", "Resume after this sequence number.", integer()),
				headerParam("Last-Event-ID", "Resume after this sequence number (sent by EventSource on reconnection).", str())},
			status: http.StatusOK,
			response: openapi3.NewResponse().WithDescription("An endless stream of events `id: <seq>` / `data: {\"seq\", \"table\", \"action\", \"rows\"}`.").
				WithContent(openapi3.Content{"text/event-stream": &openapi3.MediaType{}}),
			errors: docRead()},
	}
	for _, o := range ops {
		if o.tags == nil {
			o.tags = tags
		}
		if o.path == p+"/changes" {
			o.tags = []string{"changes"}
		}
		o.add(g.doc)
	}
}

func firstTable(g *docGen) string {
	if len(g.schema.Tables) > 0 {
		return g.schema.Tables[0].ID
	}
	return "Table1"
}

package openapi

import (
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/core"
)

// Component names of the fixed description.
const (
	schemaUser         = "User"
	schemaOrg          = "Org"
	schemaWorkspace    = "Workspace"
	schemaDoc          = "Doc"
	schemaAccessUser   = "AccessUser"
	schemaOrgAccess    = "OrgAccess"
	schemaAccess       = "Access"
	schemaAccessDelta  = "AccessDelta"
	schemaProfile      = "Profile"
	schemaKeyScopes    = "KeyScopes"
	schemaAPIKey       = "APIKey"
	schemaNewAPIKey    = "NewAPIKey"
	schemaStatus       = "Status"
	schemaOpenAPIDoc   = "OpenAPIDocument"
	schemaNameBody     = "Name"
	schemaNewOrg       = "NewOrg"
	schemaOrgUpdate    = "OrgUpdate"
	schemaDocUpdate    = "DocUpdate"
	schemaDocMove      = "DocMove"
	schemaDocCopy      = "DocCopy"
	schemaDefaultKeyIn = "DefaultKeyRequest"
	schemaNewDoc       = "NewDoc"
)

// roles are the roles that answers name: a user's access to a resource.
func roles() []string {
	return []string{string(rowhouse.RoleOwners), string(rowhouse.RoleEditors), string(rowhouse.RoleViewers),
		string(rowhouse.RoleMembers), string(rowhouse.RoleGuests)}
}

// role is a role, or null for no access.
func role(desc string) *openapi3.Schema {
	s := enumOf(roles()...)
	s.Type = types("string", "null")
	s.Enum = append(s.Enum, nil)
	s.Description = desc
	return s
}

// timestamp is a time as Grist formats it: ISO 8601, UTC, milliseconds.
func timestamp() *openapi3.Schema {
	s := str()
	s.Format = "date-time"
	return s
}

// Fixed describes the API that does not depend on a document: orgs,
// workspaces, documents' entries, access, the profile and API keys, the
// descriptions themselves, and the health checks. The caller sets Servers.
func Fixed() (*openapi3.T, error) {
	errSchema, err := fromType(api.ErrorBody{})
	if err != nil {
		return nil, err
	}
	scopes, err := fromType(rowhouse.KeyScopes{})
	if err != nil {
		return nil, err
	}
	doc := newDocument(&openapi3.Info{
		Title:   "Rowhouse",
		Version: "1",
		Description: "Rowhouse's fixed endpoints: orgs, workspaces, documents, access, profile and API keys, in the shape of Grist's REST API. " +
			"Each document describes its own tables, records, columns, SQL and attachments at /api/docs/{doc}/openapi.json. " +
			rateLimitNote,
	}, errSchema)
	c := doc.Components.Schemas
	c[schemaKeyScopes] = val(describe(scopes, "What a key may do; empty: everything its user may do."))
	addFixedSchemas(c)
	for _, o := range fixedOps() {
		o.add(doc)
	}
	doc.Tags = openapi3.Tags{
		{Name: "orgs"}, {Name: "workspaces"}, {Name: "docs"}, {Name: "access"}, {Name: "profile"}, {Name: "ops"},
	}
	return doc, nil
}

func addFixedSchemas(c openapi3.Schemas) {
	c[schemaUser] = val(object(req("id", val(integer())), req("name", val(str())), req("picture", val(orNull(str())))))
	c[schemaOrg] = val(object(
		req("id", val(integer())), req("name", val(str())), req("domain", val(str())),
		req("host", val(orNull(str()))),
		req("owner", val(describe(anyOf(ref(schemaUser), val(null())), "The owner of a personal org (domain docs-<userId>); null for a team org."))),
		req("access", val(role("The caller's role."))),
		req("createdAt", val(timestamp())), req("updatedAt", val(timestamp())),
	))
	c[schemaDoc] = val(object(
		req("id", val(str())), req("name", val(str())), req("access", val(role("The caller's role."))),
		req("isPinned", val(boolean())), req("urlId", val(orNull(str()))),
		req("createdAt", val(timestamp())), req("updatedAt", val(timestamp())),
		opt("workspace", ref(schemaWorkspace)), // in GET /api/docs/{doc}
	))
	c[schemaWorkspace] = val(object(
		req("id", val(integer())), req("name", val(str())), req("access", val(role("The caller's role."))),
		opt("docs", val(describe(arrayOf(ref(schemaDoc)), "In listings and GET /api/workspaces/{ws}."))),
		opt("orgDomain", val(describe(str(), "In an org's list of workspaces."))),
		opt("org", ref(schemaOrg)), // in GET /api/workspaces/{ws} and a document's workspace
		req("createdAt", val(timestamp())), req("updatedAt", val(timestamp())),
	))
	c[schemaAccessUser] = val(object(
		req("id", val(integer())), req("name", val(str())), req("email", val(str())), req("ref", val(str())),
		req("picture", val(orNull(str()))),
		req("access", val(role("The user's role granted here."))),
		opt("parentAccess", val(role("On workspaces and documents: the role inherited from above."))),
		opt("isMember", val(describe(boolean(), "On orgs: whether the user is a member."))),
	))
	c[schemaOrgAccess] = val(object(req("users", val(arrayOf(ref(schemaAccessUser))))))
	c[schemaAccess] = val(object(
		req("maxInheritedRole", val(role("The most a user inherits from above; null blocks inheritance."))),
		req("users", val(arrayOf(ref(schemaAccessUser)))),
	))
	grant := enumOf(string(rowhouse.RoleOwners), string(rowhouse.RoleEditors), string(rowhouse.RoleViewers), string(rowhouse.RoleMembers))
	grant.Type = types("string", "null")
	grant.Enum = append(grant.Enum, nil)
	c[schemaAccessDelta] = val(closed(object(req("delta", val(closed(object(
		opt("users", val(describe(mapOf(val(grant)), "Email -> role to grant; null removes the user's access. members only on orgs."))),
		opt("maxInheritedRole", val(role("Workspaces and documents only."))),
	)))))))
	c[schemaProfile] = val(object(req("id", val(integer())), req("email", val(str())), req("name", val(str())), req("ref", val(str()))))
	c[schemaAPIKey] = val(object(
		req("id", val(integer())), req("name", val(str())),
		opt("key", val(describe(str(), "The key itself: only in the answer that creates it, never again."))),
		req("prefix", val(describe(str(), "The key's first characters, to recognise it by."))),
		req("scopes", ref(schemaKeyScopes)),
		req("expiresAt", val(orNull(timestamp()))), req("lastUsedAt", val(orNull(timestamp()))),
		req("createdAt", val(timestamp())),
	))
	c[schemaNewAPIKey] = val(closed(object(
		req("name", val(str())),
		opt("expiresAt", val(describe(timestamp(), "RFC 3339; in the future."))),
		opt("scopes", ref(schemaKeyScopes)),
	)))
	c[schemaStatus] = val(object(req("status", val(str()))))
	openDoc := describe(object(req("openapi", val(str())), req("info", val(typed("object"))), req("paths", val(typed("object")))), "An OpenAPI 3.1 document.")
	yes := true
	openDoc.AdditionalProperties = openapi3.AdditionalProperties{Has: &yes}
	c[schemaOpenAPIDoc] = val(openDoc)
	c[schemaNameBody] = val(closed(object(req("name", val(str())))))
	c[schemaNewOrg] = val(closed(object(req("name", val(str())), req("domain", val(str())))))
	c[schemaOrgUpdate] = val(closed(object(opt("name", val(str())), opt("domain", val(str())))))
	c[schemaDocUpdate] = val(closed(object(opt("name", val(str())), opt("isPinned", val(boolean())),
		opt("urlId", val(describe(orNull(str()), "A short id to reach the document by; null or empty removes it."))))))
	c[schemaDocMove] = val(closed(object(req("workspace", val(describe(integer(), "The destination workspace's id."))))))
	c[schemaDocCopy] = val(closed(object(req("workspaceId", val(integer())), req("documentName", val(str())),
		opt("asTemplate", val(describe(constant(false), "Copying as a template is not supported."))))))
	c[schemaDefaultKeyIn] = val(closed(object(opt("force", val(describe(boolean(), "Replace the default key if there is one."))))))
	c[schemaNewDoc] = val(closed(object(req("name", val(str())),
		opt("template", val(describe(enumOf(core.Templates()...),
			"Fill the new document from a template, in one transaction: crm makes People, Companies and Opportunities, "+
				"with the columns of Twenty's standard objects and two-way references."))))))
}

// Path parameters of the fixed endpoints.
func orgParam() *openapi3.ParameterRef {
	return pathParam("org", "An org id, its domain, or current (the org of the /o/{orgDomain} prefix, else the caller's personal org).", str())
}
func wsParam() *openapi3.ParameterRef { return pathParam("ws", "A workspace id.", integer()) }
func docParam() *openapi3.ParameterRef {
	return pathParam("doc", "A document id (22 base58 characters) or its urlId.", str())
}

// fixedOps lists the operations of the fixed description.
func fixedOps() []operation {
	const (
		s400 = http.StatusBadRequest
		s403 = http.StatusForbidden
		s404 = http.StatusNotFound
		s413 = http.StatusRequestEntityTooLarge
		s503 = http.StatusServiceUnavailable
	)
	ok := http.StatusOK
	intID := func(d string) *openapi3.Response { return jsonResponse(d, val(integer()), nil) }
	strID := func(d string) *openapi3.Response { return jsonResponse(d, val(str()), nil) }
	access := func(d string) *openapi3.Response { return jsonResponse(d, ref(schemaAccess), nil) }
	deltaBody := jsonBody("The changes.", ref(schemaAccessDelta), map[string]any{"delta": map[string]any{"users": map[string]any{"ann@example.com": "editors"}}})
	nameBody := func(ex string) *openapi3.RequestBodyRef {
		return jsonBody("The name.", ref(schemaNameBody), map[string]any{"name": ex})
	}
	org, ws, doc := openapi3.Parameters{orgParam()}, openapi3.Parameters{wsParam()}, openapi3.Parameters{docParam()}
	ops := []operation{
		// Orgs
		{method: "GET", path: "/api/orgs", id: "listOrgs", tags: []string{"orgs"}, summary: "List the orgs the caller can see",
			description: "Anonymous callers get the publicly shared ones (none by default).", public: true,
			status: ok, response: jsonResponse("The orgs.", val(arrayOf(ref(schemaOrg))), nil), errors: []int{s403}},
		{method: "POST", path: "/api/orgs", id: "createOrg", tags: []string{"orgs"}, summary: "Create a team org",
			body:   jsonBody("The new org.", ref(schemaNewOrg), map[string]any{"name": "Acme", "domain": "acme"}),
			status: ok, response: intID("The new org's id."), errors: []int{s400, s403, s413}},
		{method: "GET", path: "/api/orgs/{org}", id: "getOrg", tags: []string{"orgs"}, summary: "An org", params: org,
			status: ok, response: jsonResponse("The org.", ref(schemaOrg), nil), errors: []int{s403, s404}},
		{method: "GET", path: "/api/orgs/{org}/usage", id: "getOrgUsage", tags: []string{"orgs"}, summary: "An org's usage",
			description: "Grist's summary. Rowhouse puts no data limits on documents, so the counts by limit status are 0; the attachments' bytes are summed over the org's documents. Needs owner access.", params: org,
			status: ok, response: jsonResponse("The usage.", val(object(
				req("countsByDataLimitStatus", val(object(req("approachingLimit", val(integer())), req("gracePeriod", val(integer())), req("deleteOnly", val(integer()))))),
				req("attachments", val(object(req("totalBytes", val(integer()))))))), nil), errors: []int{s403, s404}},
		{method: "PATCH", path: "/api/orgs/{org}", id: "updateOrg", tags: []string{"orgs"}, summary: "Rename an org or change its domain", params: org,
			body:   jsonBody("The changes.", ref(schemaOrgUpdate), map[string]any{"name": "Acme Inc"}),
			status: ok, response: nullResponse("Done."), errors: []int{s400, s403, s404, s413}},
		{method: "DELETE", path: "/api/orgs/{org}/{name}", id: "deleteOrg", tags: []string{"orgs"}, summary: "Delete an org",
			description: "Needs owner access.",
			params:      openapi3.Parameters{orgParam(), pathParam("name", "The org's domain or name, or force-delete.", str())},
			status:      ok, response: intID("The deleted org's id."), errors: []int{s400, s403, s404}},
		{method: "GET", path: "/api/orgs/{org}/access", id: "getOrgAccess", tags: []string{"access"}, summary: "Who has access to an org", params: org,
			status: ok, response: jsonResponse("The users with access.", ref(schemaOrgAccess), nil), errors: []int{s403, s404}},
		{method: "PATCH", path: "/api/orgs/{org}/access", id: "updateOrgAccess", tags: []string{"access"}, summary: "Change access to an org",
			description: "Needs owner access.", params: org, body: deltaBody,
			status: ok, response: nullResponse("Done."), errors: []int{s400, s403, s404, s413}},
		{method: "GET", path: "/api/orgs/{org}/workspaces", id: "listWorkspaces", tags: []string{"workspaces"}, summary: "An org's workspaces with their documents", params: org,
			status: ok, response: jsonResponse("The workspaces.", val(arrayOf(ref(schemaWorkspace))), nil), errors: []int{s403, s404}},
		{method: "POST", path: "/api/orgs/{org}/workspaces", id: "createWorkspace", tags: []string{"workspaces"}, summary: "Create a workspace", params: org,
			body: nameBody("Projects"), status: ok, response: intID("The new workspace's id."), errors: []int{s400, s403, s404, s413}},

		// Workspaces
		{method: "GET", path: "/api/workspaces/{ws}", id: "getWorkspace", tags: []string{"workspaces"}, summary: "A workspace with its documents and org", params: ws,
			status: ok, response: jsonResponse("The workspace.", ref(schemaWorkspace), nil), errors: []int{s403, s404}},
		{method: "PATCH", path: "/api/workspaces/{ws}", id: "renameWorkspace", tags: []string{"workspaces"}, summary: "Rename a workspace", params: ws,
			body: nameBody("Archive"), status: ok, response: intID("The workspace's id."), errors: []int{s400, s403, s404, s413}},
		{method: "DELETE", path: "/api/workspaces/{ws}", id: "deleteWorkspace", tags: []string{"workspaces"}, summary: "Delete a workspace and its documents", params: ws,
			status: ok, response: intID("The deleted workspace's id."), errors: []int{s403, s404}},
		{method: "POST", path: "/api/workspaces/{ws}/docs", id: "createDoc", tags: []string{"docs"}, summary: "Create a document", params: ws,
			body:   jsonBody("The name, and optionally a template.", ref(schemaNewDoc), map[string]any{"name": "Contacts"}),
			status: ok, response: strID("The new document's id."), errors: []int{s400, s403, s404, s413}},
		{method: "GET", path: "/api/workspaces/{ws}/access", id: "getWorkspaceAccess", tags: []string{"access"}, summary: "Who has access to a workspace", params: ws,
			status: ok, response: access("The users with access."), errors: []int{s403, s404}},
		{method: "PATCH", path: "/api/workspaces/{ws}/access", id: "updateWorkspaceAccess", tags: []string{"access"}, summary: "Change access to a workspace",
			description: "Needs owner access.", params: ws, body: deltaBody,
			status: ok, response: nullResponse("Done."), errors: []int{s400, s403, s404, s413}},

		// Documents
		{method: "GET", path: "/api/docs/{doc}", id: "getDoc", tags: []string{"docs"}, summary: "A document with its workspace and org", params: doc,
			status: ok, response: jsonResponse("The document.", ref(schemaDoc), nil), errors: []int{s403, s404}},
		{method: "PATCH", path: "/api/docs/{doc}", id: "updateDoc", tags: []string{"docs"}, summary: "Rename, pin or set the urlId of a document", params: doc,
			body:   jsonBody("The changes.", ref(schemaDocUpdate), map[string]any{"name": "Contacts 2024"}),
			status: ok, response: strID("The document's id."), errors: []int{s400, s403, s404, s413}},
		{method: "DELETE", path: "/api/docs/{doc}", id: "deleteDoc", tags: []string{"docs"}, summary: "Delete a document",
			description: "Needs owner access.", params: doc,
			status: ok, response: strID("The deleted document's id."), errors: []int{s403, s404}},
		{method: "PATCH", path: "/api/docs/{doc}/move", id: "moveDoc", tags: []string{"docs"}, summary: "Move a document to another workspace", params: doc,
			body:   jsonBody("The destination.", ref(schemaDocMove), map[string]any{"workspace": 2}),
			status: ok, response: nullResponse("Done."), errors: []int{s400, s403, s404, s413}},
		{method: "POST", path: "/api/docs/{doc}/copy", id: "copyDoc", tags: []string{"docs"}, summary: "Copy a document", params: doc,
			body:   jsonBody("Where to, and the copy's name.", ref(schemaDocCopy), map[string]any{"workspaceId": 2, "documentName": "Copy"}),
			status: ok, response: strID("The copy's id."), errors: []int{s400, s403, s404, s413}},
		{method: "GET", path: "/api/docs/{doc}/access", id: "getDocAccess", tags: []string{"access"}, summary: "Who has access to a document", params: doc,
			status: ok, response: access("The users with access."), errors: []int{s403, s404}},
		{method: "PATCH", path: "/api/docs/{doc}/access", id: "updateDocAccess", tags: []string{"access"}, summary: "Change access to a document",
			description: "Needs owner access.", params: doc, body: deltaBody,
			status: ok, response: nullResponse("Done."), errors: []int{s400, s403, s404, s413}},
		{method: "GET", path: "/api/docs/{doc}/openapi.json", id: "getDocumentOpenAPI", etag: true, tags: []string{"docs"}, summary: "A document's own OpenAPI description",
			description: "Generated from the document's tables and columns: a schema per table for records as written and as read. Needs view access.", params: doc,
			status: ok, response: jsonResponse("An OpenAPI 3.1 document.", ref(schemaOpenAPIDoc), nil), errors: []int{s403, s404}},

		// Profile and API keys
		{method: "GET", path: "/api/profile/user", id: "getProfile", tags: []string{"profile"}, summary: "The caller",
			status: ok, response: jsonResponse("The caller's profile.", ref(schemaProfile), nil), errors: []int{s403}},
		{method: "POST", path: "/api/profile/user/name", id: "setProfileName", tags: []string{"profile"}, summary: "Change the caller's name",
			description: "Grist's method; PATCH does the same. Not with a key limited to documents, or read-only.",
			body:        jsonBody("The new name, at most 255 bytes.", val(closed(object(req("name", val(str()))))), map[string]any{"name": "Ada Lovelace"}),
			status:      ok, response: textResponse("OK."), errors: []int{s400, s403, s413}},
		{method: "PATCH", path: "/api/profile/user/name", id: "patchProfileName", tags: []string{"profile"}, summary: "Change the caller's name",
			description: "As POST /api/profile/user/name.",
			body:        jsonBody("The new name, at most 255 bytes.", val(closed(object(req("name", val(str()))))), map[string]any{"name": "Ada Lovelace"}),
			status:      ok, response: textResponse("OK."), errors: []int{s400, s403, s413}},
		{method: "POST", path: "/api/docs/{doc}/force-reload", id: "forceReloadDoc", tags: []string{"docs"}, summary: "Reload a document",
			description: "Drops what the server keeps of the document between requests (its cached schema), which is read again on next use. Needs write access.", params: doc,
			status: ok, response: nullResponse("Done."), errors: []int{s403, s404}},
		{method: "GET", path: "/api/profile/apikeys", id: "listAPIKeys", tags: []string{"profile"}, summary: "The caller's API keys",
			description: "Keys are stored hashed: only their prefix is shown.",
			status:      ok, response: jsonResponse("The keys.", val(arrayOf(ref(schemaAPIKey))), nil), errors: []int{s403}},
		{method: "POST", path: "/api/profile/apikeys", id: "createAPIKey", tags: []string{"profile"}, summary: "Create an API key",
			description: "The answer holds the key itself, shown this once.",
			body:        jsonBody("The new key.", ref(schemaNewAPIKey), map[string]any{"name": "CI", "scopes": map[string]any{"readOnly": true}}),
			status:      ok, response: jsonResponse("The new key, with the key itself.", ref(schemaAPIKey), nil), errors: []int{s400, s403, s413}},
		{method: "DELETE", path: "/api/profile/apikeys/{id}", id: "deleteAPIKey", tags: []string{"profile"}, summary: "Revoke an API key",
			params: openapi3.Parameters{pathParam("id", "The key's id.", integer())},
			status: ok, response: nullResponse("Done."), errors: []int{s403, s404}},
		{method: "GET", path: "/api/profile/apikey", id: "getDefaultAPIKey", tags: []string{"profile"}, summary: "The default key's metadata (Grist)",
			description: "Grist answers with the key itself; Rowhouse stores keys hashed, so it answers with the metadata of the key named default, or null.",
			status:      ok, response: jsonResponse("The default key, or null.", val(anyOf(ref(schemaAPIKey), val(null()))), nil), errors: []int{s403}},
		{method: "POST", path: "/api/profile/apikey", id: "createDefaultAPIKey", tags: []string{"profile"}, summary: "Create the default key (Grist)",
			body:   jsonBody("Options.", ref(schemaDefaultKeyIn), map[string]any{"force": true}),
			status: ok, response: textResponse("The new key, as plain text, shown this once."), errors: []int{s400, s403, s413}},
		{method: "DELETE", path: "/api/profile/apikey", id: "deleteDefaultAPIKey", tags: []string{"profile"}, summary: "Revoke the default key (Grist)",
			status: ok, response: textResponse("OK, as plain text."), errors: []int{s403, s404}},

		// The descriptions and the health checks
		{method: "GET", path: "/api/openapi.json", id: "getOpenAPI", etag: true, tags: []string{"ops"}, summary: "This description",
			description: "Public: no key needed.", public: true,
			status: ok, response: jsonResponse("An OpenAPI 3.1 document.", ref(schemaOpenAPIDoc), nil)},
		{method: "GET", path: "/healthz", id: "healthz", tags: []string{"ops"}, summary: "The process is up", public: true,
			status: ok, response: jsonResponse("Up.", ref(schemaStatus), map[string]any{"status": "ok"})},
		{method: "GET", path: "/metrics", id: "metrics", tags: []string{"ops"}, summary: "Prometheus metrics", public: true,
			status: ok, response: textResponse("The metrics in Prometheus' text format.")},
		{method: "GET", path: "/readyz", id: "readyz", tags: []string{"ops"}, summary: "The storage is reachable", public: true,
			status: ok, response: jsonResponse("Ready.", ref(schemaStatus), map[string]any{"status": "ready"}), errors: []int{s503}},
	}
	return ops
}

// textResponse is a plain text answer.
func textResponse(desc string) *openapi3.Response {
	return openapi3.NewResponse().WithDescription(desc).WithContent(openapi3.Content{
		"text/plain": &openapi3.MediaType{Schema: val(str())},
	})
}

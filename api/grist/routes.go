package grist

import "net/http"

// Routes registers every route of the Grist-compatible API on mux. The
// server mounts the same routes under /o/{orgDomain}/ too.
func (a *API) Routes(mux *http.ServeMux) {
	// Orgs
	mux.Handle("GET /api/orgs", a.handle(a.listOrgs))
	mux.Handle("POST /api/orgs", a.handle(a.createOrg))
	mux.Handle("GET /api/orgs/{org}", a.handle(a.getOrg))
	mux.Handle("GET /api/orgs/{org}/usage", a.handle(a.orgUsage))
	mux.Handle("PATCH /api/orgs/{org}", a.handle(a.updateOrg))
	mux.Handle("DELETE /api/orgs/{org}/{name}", a.handle(a.deleteOrg))
	mux.Handle("GET /api/orgs/{org}/access", a.handle(a.getOrgAccess))
	mux.Handle("PATCH /api/orgs/{org}/access", a.handle(a.updateOrgAccess))
	mux.Handle("GET /api/orgs/{org}/workspaces", a.handle(a.listWorkspaces))
	mux.Handle("POST /api/orgs/{org}/workspaces", a.handle(a.createWorkspace))

	// Workspaces
	mux.Handle("GET /api/workspaces/{ws}", a.handle(a.getWorkspace))
	mux.Handle("PATCH /api/workspaces/{ws}", a.handle(a.renameWorkspace))
	mux.Handle("DELETE /api/workspaces/{ws}", a.handle(a.deleteWorkspace))
	mux.Handle("POST /api/workspaces/{ws}/docs", a.handle(a.createDoc))
	mux.Handle("GET /api/workspaces/{ws}/access", a.handle(a.getWorkspaceAccess))
	mux.Handle("PATCH /api/workspaces/{ws}/access", a.handle(a.updateWorkspaceAccess))

	// Documents (entries in the home database)
	mux.Handle("GET /api/docs/{doc}", a.handle(a.getDoc))
	mux.Handle("PATCH /api/docs/{doc}", a.handle(a.updateDoc))
	mux.Handle("DELETE /api/docs/{doc}", a.handle(a.deleteDoc))
	mux.Handle("POST /api/docs/{doc}/force-reload", a.handle(a.forceReload))
	mux.Handle("PATCH /api/docs/{doc}/move", a.handle(a.moveDoc))
	mux.Handle("POST /api/docs/{doc}/copy", a.handle(a.copyDoc))
	mux.Handle("GET /api/docs/{doc}/access", a.handle(a.getDocAccess))
	mux.Handle("PATCH /api/docs/{doc}/access", a.handle(a.updateDocAccess))

	// Tables and columns (REST metadata)
	mux.Handle("GET /api/docs/{doc}/tables", a.handle(a.listTables))
	mux.Handle("POST /api/docs/{doc}/tables", a.handle(a.createTables))
	mux.Handle("PATCH /api/docs/{doc}/tables", a.handle(a.updateTables))
	mux.Handle("DELETE /api/docs/{doc}/tables/{table}", a.handle(a.deleteTable))
	mux.Handle("GET /api/docs/{doc}/tables/{table}/columns", a.handle(a.listColumns))
	mux.Handle("POST /api/docs/{doc}/tables/{table}/columns", a.handle(a.createColumns))
	mux.Handle("PATCH /api/docs/{doc}/tables/{table}/columns", a.handle(a.updateColumns))
	mux.Handle("PUT /api/docs/{doc}/tables/{table}/columns", a.handle(a.putColumns))
	mux.Handle("DELETE /api/docs/{doc}/tables/{table}/columns/{col}", a.handle(a.deleteColumn))

	// Records (REST core)
	// (each with the query parameters it takes, listed in params.go)
	mux.Handle("GET /api/docs/{doc}/tables/{table}/records", a.handle(params(readParams, a.getRecords)))
	mux.Handle("POST /api/docs/{doc}/tables/{table}/records/list", a.handle(params(listParams, a.listRecords)))
	mux.Handle("POST /api/docs/{doc}/tables/{table}/records", a.handle(params(addParams, a.addRecords)))
	mux.Handle("PATCH /api/docs/{doc}/tables/{table}/records", a.handle(params(updateParams, a.updateRecords)))
	mux.Handle("PUT /api/docs/{doc}/tables/{table}/records", a.handle(params(upsertParams, a.upsertRecords)))
	mux.Handle("POST /api/docs/{doc}/tables/{table}/records/delete", a.handle(params(deleteParams, a.deleteRecords)))

	// Legacy column-oriented data and user actions
	mux.Handle("GET /api/docs/{doc}/tables/{table}/data", a.handle(params(readParams, a.getData)))
	mux.Handle("POST /api/docs/{doc}/tables/{table}/data", a.handle(params(updateParams, a.addData)))
	mux.Handle("PATCH /api/docs/{doc}/tables/{table}/data", a.handle(params(updateParams, a.updateData)))
	mux.Handle("POST /api/docs/{doc}/tables/{table}/data/delete", a.handle(params(deleteParams, a.deleteRecords)))
	mux.Handle("POST /api/docs/{doc}/apply", a.handle(a.applyActions))

	// Profile and API keys
	mux.Handle("GET /api/profile/user", a.handle(a.profileUser))
	mux.Handle("POST /api/profile/user/name", a.handle(a.setProfileName))
	mux.Handle("PATCH /api/profile/user/name", a.handle(a.setProfileName))
	mux.Handle("GET /api/profile/apikey", a.handle(a.getDefaultKey))
	mux.Handle("POST /api/profile/apikey", a.handle(a.createDefaultKey))
	mux.Handle("DELETE /api/profile/apikey", a.handle(a.deleteDefaultKey))
	mux.Handle("GET /api/profile/apikeys", a.handle(a.listKeys))
	mux.Handle("POST /api/profile/apikeys", a.handle(a.createKey))
	mux.Handle("DELETE /api/profile/apikeys/{id}", a.handle(a.deleteKey))

	// SQL, attachments and downloads
	a.fileRoutes(mux)

	// Webhooks and the change feed
	a.webhookRoutes(mux)
}

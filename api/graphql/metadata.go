package graphql

import (
	"context"
	"net/http"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/webhook"
	"github.com/vektah/gqlparser/v2/ast"
)

// metadataSDL is the metadata API's schema: tables and columns, read and
// changed through the core's schema actions, webhooks, managed through
// webhook.Service as the REST API does, and Twenty's objects and fields
// (twentyMetadataSDL).
const metadataSDL = rowhouseMetadataSDL + twentyMetadataSDL

// rowhouseMetadataSDL is the metadata API's own part.
const rowhouseMetadataSDL = `"""A table of the document."""
type Table {
  id: String!
  nameSingular: String!
  namePlural: String!
  columns: [Column!]!
}

"""A column of a table."""
type Column {
  id: String!
  """A Grist column type: Text, Numeric, Int, Bool, Date, DateTime:<zone>, Choice, ChoiceList, Ref:<Table>, RefList:<Table>, Attachments, Any."""
  type: String!
  label: String!
  description: String!
  isUnique: Boolean!
  """The other side of a two-way reference, if any."""
  reverseCol: String
}

input ColumnCreateInput {
  """Sanitized into a valid, unique id; derived from the label when absent."""
  id: String
  """Text when absent."""
  type: String
  label: String
  description: String
  isUnique: Boolean
  """On a Ref column: the id of a reverse column to create on the referenced table."""
  reverseCol: String
}

input ColumnUpdateInput {
  """Renames the column."""
  id: String
  """Converts the values to the new type."""
  type: String
  label: String
  description: String
  isUnique: Boolean
}

input TableCreateInput {
  """Sanitized into a valid, unique id; Table1, Table2... when absent."""
  id: String
  nameSingular: String
  namePlural: String
  columns: [ColumnCreateInput!]
}

input TableUpdateInput {
  """Renames the table."""
  id: String
  nameSingular: String
  namePlural: String
}

"""An instant, RFC 3339 (answers are in UTC)."""
scalar DateTime

"""A webhook of the document: changes to one table POSTed to a URL. Owners only. Its signing secret is shown once, by createWebhook; its authorization is never shown."""
type Webhook {
  id: String!
  url: String!
  """Some of add, update and remove."""
  eventTypes: [String!]!
  tableId: String!
  enabled: Boolean!
  """A Bool column: only records where it is true are sent."""
  isReadyColumn: String
  """The columns whose changes are sent as updates; empty: all."""
  watchedColIds: [String!]!
  name: String!
  memo: String!
  """rowhouse (batches of records of one table) or twenty (Twenty's payload, one record per POST)."""
  format: String!
  """A twenty webhook's operations (person.created, *.updated, *.*); null for rowhouse webhooks."""
  operations: [String!]
  usage: WebhookUsage!
}

"""A webhook's delivery state."""
type WebhookUsage {
  """Records waiting to be delivered."""
  numWaiting: Int!
  """idle, sending, retrying or disabled."""
  status: String!
  updatedTime: DateTime!
  lastSuccessTime: DateTime
  lastFailureTime: DateTime
  lastErrorMessage: String
  lastHttpStatus: Int
  """Why the webhook was disabled after failing too long."""
  disabledReason: String
}

"""A new webhook and its signing secret."""
type WebhookCreated {
  id: String!
  """Signs every delivery (X-Rowhouse-Signature); shown only this once."""
  secret: String!
  webhook: Webhook!
}

input WebhookInput {
  url: String!
  """Some of add, update and remove; needed unless format is twenty."""
  eventTypes: [String!]
  """Needed unless format is twenty."""
  tableId: String
  """true when absent."""
  enabled: Boolean
  isReadyColumn: String
  watchedColIds: [String!]
  name: String
  memo: String
  """Sent as the Authorization header of every delivery; never shown."""
  authorization: String
  """rowhouse (the default) or twenty: Twenty's delivery format, for the objects that operations name."""
  format: String
  """A twenty webhook's operations: <object>.<operation>, such as person.created, *.updated, *.* (the default)."""
  operations: [String!]
}

"""Changes to a webhook: absent or null fields are unchanged; an empty string clears isReadyColumn, name, memo or authorization."""
input WebhookPatch {
  url: String
  eventTypes: [String!]
  tableId: String
  enabled: Boolean
  isReadyColumn: String
  watchedColIds: [String!]
  name: String
  memo: String
  authorization: String
  """A twenty webhook's operations."""
  operations: [String!]
}

type Query {
  tables: [Table!]!
  table(id: String!): Table
  """The document's webhooks (owners only)."""
  webhooks: [Webhook!]!
}

type Mutation {
  createTable(data: TableCreateInput!): Table!
  updateTable(id: String!, data: TableUpdateInput!): Table!
  """Removes the table and its records; answers the table as it was."""
  deleteTable(id: String!): Table!
  createColumn(tableId: String!, data: ColumnCreateInput!): Column!
  updateColumn(tableId: String!, id: String!, data: ColumnUpdateInput!): Column!
  """Removes the column and its values; answers the column as it was."""
  deleteColumn(tableId: String!, id: String!): Column!
  """Registers a webhook (owners only); the answer holds its secret, shown only this once."""
  createWebhook(input: WebhookInput!): WebhookCreated!
  """Changes a webhook (owners only)."""
  updateWebhook(id: String!, input: WebhookPatch!): Webhook!
  """Removes a webhook and its delivery log (owners only)."""
  deleteWebhook(id: String!): Boolean!
}
`

type metaTable struct{ t *schema.Table }

func (metaTable) typeName() string { return "Table" }

func (mt metaTable) get(_ *executor, name string, _ map[string]any) (any, error) {
	switch name {
	case "id":
		return mt.t.ID, nil
	case "nameSingular":
		return mt.t.NameSingular, nil
	case "namePlural":
		return mt.t.NamePlural, nil
	case "columns":
		out := make([]any, len(mt.t.Columns))
		for i, c := range mt.t.Columns {
			out[i] = metaColumn{c}
		}
		return out, nil
	}
	return nil, nil
}

type metaColumn struct{ c *schema.Column }

func (metaColumn) typeName() string { return "Column" }

func (mc metaColumn) get(_ *executor, name string, _ map[string]any) (any, error) {
	switch name {
	case "id":
		return mc.c.ID, nil
	case "type":
		return mc.c.Type.String(), nil
	case "label":
		return mc.c.Label, nil
	case "description":
		return mc.c.Description, nil
	case "isUnique":
		return mc.c.IsUnique, nil
	case "reverseCol":
		return nilIfEmpty(mc.c.ReverseCol), nil
	}
	return nil, nil
}

// serveMeta answers the metadata API of one document. Reading needs view
// access; changing tables and columns needs edit access, as the REST
// metadata routes do; webhooks need owner access (webhook.Service checks
// it).
func (a *API) serveMeta(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, ok := a.prepare(w, r, func() (*ast.Schema, *leniency, error) { return a.meta, a.metaLax, a.metaErr })
	if !ok {
		return
	}
	doc, err := a.docs.Open(ctx, r.PathValue("doc"))
	if err != nil {
		a.writeFailure(w, r, err)
		return
	}
	defer doc.Close()
	ex := a.newExecutor(ctx, a.meta, p.vars, p.doc.Fragments)
	lw := &limitWalk{ex: ex, limits: a.limits, maxPage: a.docs.Limits().MaxPage, maxBatch: a.docs.Limits().MaxBatch}
	if err := lw.check(p.op); err != nil {
		a.writeFailure(w, r, err)
		return
	}
	root := "Query"
	if p.op.Operation == ast.Mutation {
		root = "Mutation"
	}
	fields := ex.collect([]ast.SelectionSet{p.op.SelectionSet}, root)
	data := newObject(len(fields))
	for _, f := range fields {
		path := ast.Path{ast.PathName(f.key)}
		if v, ok := ex.introspect(f, root, path); ok {
			data.add(f.key, v)
			continue
		}
		args, err := ex.args(f.field)
		var v any
		if err == nil {
			v, err = a.metaField(ex, doc, f.field.Name, args)
		}
		if err != nil {
			ex.addError(path, err)
			if f.field.Definition.Type.NonNull {
				data = nil
				break
			}
			data.add(f.key, nil)
			continue
		}
		data.add(f.key, ex.render(f.sets, v, path))
	}
	res := response{hasData: true, errors: ex.errs}
	if data != nil {
		res.data = data
	}
	writeResponse(w, http.StatusOK, res)
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func strPtr(m map[string]any, k string) *string {
	if s, ok := m[k].(string); ok {
		return &s
	}
	return nil
}

func columnSpec(m map[string]any) core.ColumnSpec {
	unique, _ := m["isUnique"].(bool)
	return core.ColumnSpec{ID: str(m, "id"), Type: str(m, "type"), Label: str(m, "label"),
		Description: str(m, "description"), IsUnique: unique, ReverseCol: str(m, "reverseCol")}
}

// metaField resolves one root field of the metadata API.
func (a *API) metaField(ex *executor, doc *core.Doc, name string, args map[string]any) (any, error) {
	ctx := ex.ctx
	apply := func(actions ...core.Action) (core.Applied, error) {
		return doc.Apply(ctx, api.ActorFrom(ctx), actions, core.ApplyOptions{Surface: "graphql"})
	}
	table := func(id string) (*schema.Table, error) { return doc.Table(ctx, id) }
	data, _ := args["data"].(map[string]any)
	switch name {
	case "tables":
		s, err := doc.Schema(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]any, len(s.Tables))
		for i, t := range s.Tables {
			out[i] = metaTable{t}
		}
		return out, nil
	case "table":
		s, err := doc.Schema(ctx)
		if err != nil {
			return nil, err
		}
		if t := s.Table(str(args, "id")); t != nil {
			return metaTable{t}, nil
		}
		return nil, nil
	case "createTable":
		at := core.AddTable{ID: str(data, "id"), NameSingular: str(data, "nameSingular"), NamePlural: str(data, "namePlural")}
		for _, m := range objectList(data["columns"]) {
			at.Columns = append(at.Columns, columnSpec(m))
		}
		res, err := apply(at)
		if err != nil {
			return nil, err
		}
		out, ok := res.RetValues[0].(core.AddTableResult)
		if !ok {
			return nil, rowhouse.Errorf(rowhouse.EINTERNAL, "AddTable returned %T", res.RetValues[0])
		}
		t, err := table(out.TableID)
		if err != nil {
			return nil, err
		}
		return metaTable{t}, nil
	case "updateTable":
		id := str(args, "id")
		if _, err := table(id); err != nil {
			return nil, err
		}
		var actions []core.Action
		if data["nameSingular"] != nil || data["namePlural"] != nil {
			actions = append(actions, core.UpdateTable{Table: id, NameSingular: strPtr(data, "nameSingular"), NamePlural: strPtr(data, "namePlural")})
		}
		newID := id
		if s := str(data, "id"); s != "" && s != id {
			actions = append(actions, core.RenameTable{Table: id, NewID: s})
			newID = s
		}
		if len(actions) > 0 {
			if _, err := apply(actions...); err != nil {
				return nil, err
			}
		}
		t, err := table(newID)
		if err != nil {
			return nil, err
		}
		return metaTable{t}, nil
	case "deleteTable":
		t, err := table(str(args, "id"))
		if err != nil {
			return nil, err
		}
		if _, err := apply(core.RemoveTable{Table: t.ID}); err != nil {
			return nil, err
		}
		return metaTable{t}, nil
	case "createColumn":
		res, err := apply(core.AddColumn{Table: str(args, "tableId"), Column: columnSpec(data)})
		if err != nil {
			return nil, err
		}
		colID, _ := res.RetValues[0].(string)
		return a.column(ctx, doc, str(args, "tableId"), colID)
	case "updateColumn":
		tid, cid := str(args, "tableId"), str(args, "id")
		up := core.ColumnUpdate{ID: strPtr(data, "id"), Type: strPtr(data, "type"), Label: strPtr(data, "label"), Description: strPtr(data, "description")}
		if b, ok := data["isUnique"].(bool); ok {
			up.IsUnique = &b
		}
		if _, err := apply(core.ModifyColumn{Table: tid, Column: cid, Update: up}); err != nil {
			return nil, err
		}
		if up.ID != nil {
			cid = *up.ID
		}
		return a.column(ctx, doc, tid, cid)
	case "webhooks", "createWebhook", "updateWebhook", "deleteWebhook":
		return a.webhookField(ctx, doc.ID(), name, args)
	}
	if twentyFields[name] {
		return a.twentyField(ex, doc, name, args)
	}
	switch name {
	case "deleteColumn":
		tid, cid := str(args, "tableId"), str(args, "id")
		c, err := a.column(ctx, doc, tid, cid)
		if err != nil {
			return nil, err
		}
		if _, err := apply(core.RemoveColumn{Table: tid, Column: cid}); err != nil {
			return nil, err
		}
		return c, nil
	}
	return nil, rowhouse.Invalidf("unknown field %q", name)
}

func (a *API) column(ctx context.Context, doc *core.Doc, tableID, colID string) (any, error) {
	t, err := doc.Table(ctx, tableID)
	if err != nil {
		return nil, err
	}
	c := t.Column(colID)
	if c == nil {
		return nil, rowhouse.NotFoundf("Column not found %q", colID)
	}
	return metaColumn{c}, nil
}

// webhookField resolves the metadata API's webhook fields by translating
// them onto webhook.Service, the implementation the REST API shares.
func (a *API) webhookField(ctx context.Context, docID, name string, args map[string]any) (any, error) {
	if a.hooks == nil {
		return nil, rowhouse.Errorf(rowhouse.EUNAVAILABLE, "webhooks are not available on this server")
	}
	acc, _, err := a.hooks.Authorize(ctx, api.ActorFrom(ctx), docID)
	if err != nil {
		return nil, err
	}
	input, _ := args["input"].(map[string]any)
	switch name {
	case "webhooks":
		hooks, err := a.hooks.List(ctx, acc)
		if err != nil {
			return nil, err
		}
		out := make([]any, len(hooks))
		for i, h := range hooks {
			out[i] = metaWebhook{h}
		}
		return out, nil
	case "createWebhook":
		created, err := a.hooks.Create(ctx, acc, []webhook.Fields{webhookFields(input)})
		if err != nil {
			return nil, err
		}
		return metaWebhookCreated{created[0]}, nil
	case "updateWebhook":
		id := str(args, "id")
		if err := a.hooks.Update(ctx, acc, id, webhookFields(input)); err != nil {
			return nil, err
		}
		h, err := a.hooks.Get(ctx, acc, id)
		if err != nil {
			return nil, err
		}
		return metaWebhook{h}, nil
	case "deleteWebhook":
		if err := a.hooks.Delete(ctx, acc, str(args, "id")); err != nil {
			return nil, err
		}
		return true, nil
	}
	return nil, rowhouse.Invalidf("unknown field %q", name)
}

// objectList reads a list of input objects (args made it a []any, see
// coerce).
func objectList(v any) []map[string]any {
	l, _ := v.([]any)
	out := make([]map[string]any, 0, len(l))
	for _, x := range l {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// webhookFields reads a WebhookInput or WebhookPatch: absent and null
// members are left unset (lists are []any, see coerce).
func webhookFields(m map[string]any) webhook.Fields {
	strs := func(k string) *[]string {
		l, ok := m[k].([]any)
		if !ok {
			return nil
		}
		out := make([]string, 0, len(l))
		for _, v := range l {
			s, _ := v.(string)
			out = append(out, s)
		}
		return &out
	}
	f := webhook.Fields{URL: strPtr(m, "url"), EventTypes: strs("eventTypes"), TableID: strPtr(m, "tableId"),
		IsReadyColumn: strPtr(m, "isReadyColumn"), WatchedColIDs: strs("watchedColIds"), Name: strPtr(m, "name"),
		Memo: strPtr(m, "memo"), Authorization: strPtr(m, "authorization"), Format: strPtr(m, "format"), Operations: strs("operations")}
	if b, ok := m["enabled"].(bool); ok {
		f.Enabled = &b
	}
	return f
}

// timeValue is a DateTime answer.
func timeValue(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

type metaWebhook struct{ h webhook.Hook }

func (metaWebhook) typeName() string { return "Webhook" }

func (mw metaWebhook) get(_ *executor, name string, _ map[string]any) (any, error) {
	h := mw.h.Webhook
	switch name {
	case "id":
		return h.ID, nil
	case "url":
		return h.URL, nil
	case "eventTypes":
		if webhook.Format(h) == webhook.FormatTwenty {
			return []any{}, nil // its operations hold what it listens to
		}
		return stringList(h.EventTypes), nil
	case "tableId":
		return h.TableID, nil
	case "enabled":
		return h.Enabled, nil
	case "isReadyColumn":
		return nilIfEmpty(h.IsReadyColumn), nil
	case "watchedColIds":
		return stringList(h.WatchedColIDs), nil
	case "name":
		return h.Name, nil
	case "memo":
		return h.Memo, nil
	case "format":
		return webhook.Format(h), nil
	case "operations":
		if webhook.Format(h) != webhook.FormatTwenty {
			return nil, nil
		}
		return stringList(h.EventTypes), nil
	case "usage":
		return metaWebhookUsage{mw.h.Usage}, nil
	}
	return nil, nil
}

func stringList(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

type metaWebhookUsage struct{ u webhook.Usage }

func (metaWebhookUsage) typeName() string { return "WebhookUsage" }

func (mu metaWebhookUsage) get(_ *executor, name string, _ map[string]any) (any, error) {
	u := mu.u
	optTime := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return timeValue(*t)
	}
	switch name {
	case "numWaiting":
		return u.NumWaiting, nil
	case "status":
		return u.Status, nil
	case "updatedTime":
		return timeValue(u.UpdatedAt), nil
	case "lastSuccessTime":
		return optTime(u.LastSuccessAt), nil
	case "lastFailureTime":
		return optTime(u.LastFailureAt), nil
	case "lastErrorMessage":
		return nilIfEmpty(u.LastError), nil
	case "lastHttpStatus":
		if u.LastHTTPStatus == nil {
			return nil, nil
		}
		return *u.LastHTTPStatus, nil
	case "disabledReason":
		return nilIfEmpty(u.DisabledReason), nil
	}
	return nil, nil
}

type metaWebhookCreated struct{ c webhook.Created }

func (metaWebhookCreated) typeName() string { return "WebhookCreated" }

func (mc metaWebhookCreated) get(_ *executor, name string, _ map[string]any) (any, error) {
	switch name {
	case "id":
		return mc.c.Webhook.ID, nil
	case "secret":
		return mc.c.Secret, nil
	case "webhook":
		return metaWebhook{mc.c.Hook}, nil
	}
	return nil, nil
}

package proctest_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/internal/procserver"
	"github.com/rowhouse/rowhouse/store/postgres/pgtest"
)

var binary string

func TestMain(m *testing.M) { procserver.Main(m, &binary) }

// engines runs f on a real server over each engine: SQLite, and
// PostgreSQL when ROWHOUSE_TEST_POSTGRES is set.
func engines(t *testing.T, f func(t *testing.T, base string)) {
	t.Run("sqlite", func(t *testing.T) {
		f(t, procserver.Start(t, binary, "ROWHOUSE_WEBHOOK_ALLOW_PRIVATE=1").URL)
	})
	t.Run("postgres", func(t *testing.T) {
		pgtest.Skip(t)
		prefix := pgtest.Prefix(t)
		u, err := url.Parse(pgtest.URL())
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("rowhouse_schema", prefix+"_home")
		q.Set("rowhouse_doc_prefix", prefix+"_doc_")
		u.RawQuery = q.Encode()
		f(t, procserver.Start(t, binary, "ROWHOUSE_DB="+u.String(), "ROWHOUSE_WEBHOOK_ALLOW_PRIVATE=1").URL)
	})
}

// call sends a request as the owner and decodes the JSON answer into out
// (if not nil), failing t unless the status is want.
func call(t *testing.T, base, method, path string, body any, want int, out any) []byte {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+procserver.OwnerKey)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, res.StatusCode, data, want)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
	return data
}

// keys lists an object's member names in the order of the JSON text.
func keys(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	var out []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func newCRM(t *testing.T, base string) string {
	t.Helper()
	var wss []struct{ ID int64 }
	call(t, base, "GET", "/api/orgs/current/workspaces", nil, 200, &wss)
	var doc string
	call(t, base, "POST", fmt.Sprintf("/api/workspaces/%d/docs", wss[0].ID), map[string]any{"name": "CRM", "template": "crm"}, 200, &doc)
	return doc
}

type object struct {
	ID, NameSingular, NamePlural, LabelSingular, LabelPlural string
	Fields                                                   []field
}

type field struct {
	ID, Type, Name, Label string
	Settings              map[string]any
	Options               []struct{ Value, Label, Color string }
	Relation              *struct {
		Type                 string
		TargetObjectMetadata struct{ NameSingular string }
		TargetFieldMetadata  *struct{ Name string }
	}
}

func (o object) field(name string) field {
	for _, f := range o.Fields {
		if f.Name == name {
			return f
		}
	}
	return field{}
}

// The crm template and Twenty's metadata requests (list, create, update,
// delete objects and fields; the GraphQL metadata API), in Twenty's
// shapes, on the real binary.
func TestTwentyMetadataOnTheBinary(t *testing.T) {
	engines(t, func(t *testing.T, base string) {
		doc := newCRM(t, base)
		meta := "/api/docs/" + doc + "/rest/metadata"
		var list struct {
			Data       struct{ Objects []json.RawMessage }
			PageInfo   map[string]any
			TotalCount int
		}
		call(t, base, "GET", meta+"/objects", nil, 200, &list)
		if list.TotalCount != 3 || len(list.Data.Objects) != 3 || list.PageInfo["hasNextPage"] != false {
			t.Fatalf("objects: %+v", list)
		}
		want := "id,dataSourceId,nameSingular,namePlural,labelSingular,labelPlural,description,icon,shortcut,isCustom,isRemote,isActive,isSystem," +
			"isSearchable,isLabelSyncedWithName,labelIdentifierFieldMetadataId,imageIdentifierFieldMetadataId,createdAt,updatedAt,fields"
		if got := strings.Join(keys(t, list.Data.Objects[0]), ","); got != want {
			t.Errorf("object members\n got %s\nwant %s", got, want)
		}
		objs := map[string]object{}
		for _, raw := range list.Data.Objects {
			var o object
			if err := json.Unmarshal(raw, &o); err != nil {
				t.Fatal(err)
			}
			objs[o.NameSingular] = o
		}
		person, opp := objs["person"], objs["opportunity"]
		if person.NamePlural != "people" || person.LabelPlural != "People" || objs["company"].LabelSingular != "Company" {
			t.Errorf("standard objects %+v", objs)
		}
		if f := person.field("company"); f.Type != "RELATION" || f.Relation.Type != "MANY_TO_ONE" || f.Settings["joinColumnName"] != "companyId" ||
			f.Relation.TargetFieldMetadata.Name != "people" {
			t.Errorf("person.company %+v", f)
		}
		if f := opp.field("stage"); f.Type != "SELECT" || len(f.Options) != 5 || f.Options[0].Value != "NEW" || f.Options[0].Label != "New" {
			t.Errorf("opportunity.stage %+v", f)
		}
		if f := person.field("email"); f.Type != "TEXT" {
			t.Errorf("person.email %+v", f)
		}
		want = "id,type,name,label,description,icon,isCustom,isActive,isSystem,isUIReadOnly,isNullable,isUnique,isLabelSyncedWithName," +
			"defaultValue,options,settings,relation,objectMetadataId,createdAt,updatedAt"
		var one struct {
			Data struct{ Field json.RawMessage }
		}
		call(t, base, "GET", meta+"/fields/"+person.field("email").ID, nil, 200, &one)
		if got := strings.Join(keys(t, one.Data.Field), ","); got != want {
			t.Errorf("field members\n got %s\nwant %s", got, want)
		}

		// Twenty's "create a custom object, then its fields" requests.
		var created struct {
			Data struct{ CreateOneObject object }
		}
		call(t, base, "POST", meta+"/objects", map[string]any{"nameSingular": "invoice", "namePlural": "invoices",
			"labelSingular": "Invoice", "labelPlural": "Invoices", "description": "Bills", "icon": "IconFileInvoice"}, 201, &created)
		inv := created.Data.CreateOneObject
		var cf struct {
			Data struct{ CreateOneField field }
		}
		for _, body := range []map[string]any{
			{"objectMetadataId": inv.ID, "type": "NUMBER", "name": "total", "label": "Total", "settings": map[string]any{"decimals": 2}},
			{"objectMetadataId": inv.ID, "type": "DATE", "name": "dueDate", "label": "Due date"},
			{"objectMetadataId": inv.ID, "type": "MULTI_SELECT", "name": "flags", "label": "Flags",
				"options": []any{map[string]any{"label": "Paid", "value": "PAID", "color": "green", "position": 0}}},
			{"objectMetadataId": inv.ID, "type": "RELATION", "name": "company", "label": "Company",
				"relationCreationPayload": map[string]any{"targetObjectMetadataId": objs["company"].ID, "targetFieldLabel": "Invoices", "targetFieldIcon": "IconFileInvoice", "type": "MANY_TO_ONE"}},
		} {
			call(t, base, "POST", meta+"/fields", body, 201, &cf)
			if cf.Data.CreateOneField.Name != body["name"] {
				t.Errorf("created field %+v", cf.Data.CreateOneField)
			}
		}
		call(t, base, "POST", meta+"/fields", map[string]any{"objectMetadataId": inv.ID, "type": "CURRENCY", "name": "amount"}, 400, nil)
		var upd struct {
			Data struct{ UpdateOneField field }
		}
		call(t, base, "PATCH", meta+"/fields/"+cf.Data.CreateOneField.ID, map[string]any{"label": "Customer"}, 200, &upd)
		if upd.Data.UpdateOneField.Label != "Customer" || upd.Data.UpdateOneField.Relation.TargetObjectMetadata.NameSingular != "company" {
			t.Errorf("updated field %+v", upd.Data.UpdateOneField)
		}
		// The same model through Twenty's GraphQL metadata API.
		var gql struct {
			Data struct {
				Objects struct {
					Edges []struct{ Node struct{ NameSingular string } }
				}
				Object struct {
					Fields struct {
						Edges []struct{ Node struct{ Name, Type string } }
					}
				}
			}
			Errors []any
		}
		call(t, base, "POST", "/api/docs/"+doc+"/graphql/metadata", map[string]any{"query": `query($id: UUID!) {
			objects(paging: {first: 10}) { edges { node { nameSingular } } }
			object(id: $id) { fields(filter: {isSystem: {is: false}}) { edges { node { name type } } } } }`,
			"variables": map[string]any{"id": inv.ID}}, 200, &gql)
		if len(gql.Errors) > 0 || len(gql.Data.Objects.Edges) != 4 || gql.Data.Objects.Edges[3].Node.NameSingular != "invoice" ||
			len(gql.Data.Object.Fields.Edges) != 7 { // name, the four new ones, createdAt, updatedAt
			t.Errorf("graphql metadata %+v", gql)
		}
		call(t, base, "DELETE", meta+"/objects/"+inv.ID, nil, 200, nil)
		call(t, base, "GET", meta+"/objects/"+inv.ID, nil, 404, nil)
	})
}

// twentyHit is one delivery a receiver got.
type twentyHit struct {
	body              []byte
	sig, ts, delivery string
}

// A Twenty-format webhook made through Twenty's endpoint delivers each
// record change to a receiver that checks Twenty's signature, from the
// real binary's dispatcher; a failed delivery is retried.
func TestTwentyWebhooksOnTheBinary(t *testing.T) {
	engines(t, func(t *testing.T, base string) {
		doc := newCRM(t, base)
		const secret = "receiver-shared-secret"
		var mu sync.Mutex
		var hits []twentyHit
		bad := 0
		rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			h := twentyHit{body: body, sig: r.Header.Get("X-Twenty-Webhook-Signature"), ts: r.Header.Get("X-Twenty-Webhook-Timestamp"),
				delivery: r.Header.Get("X-Rowhouse-Delivery")}
			m := hmac.New(sha256.New, []byte(secret))
			m.Write([]byte(h.ts + ":"))
			m.Write(body)
			ms, err := strconv.ParseInt(h.ts, 10, 64)
			mu.Lock()
			defer mu.Unlock()
			if !hmac.Equal([]byte(h.sig), []byte(hex.EncodeToString(m.Sum(nil)))) || err != nil || time.Since(time.UnixMilli(ms)).Abs() > time.Minute {
				bad++
				http.Error(w, "bad signature", http.StatusUnauthorized)
				return
			}
			hits = append(hits, h)
			if len(hits) == 1 {
				http.Error(w, "try again", http.StatusServiceUnavailable) // the first delivery is retried
			}
		}))
		defer rc.Close()
		var hook struct{ ID, TargetURL, Secret string }
		call(t, base, "POST", "/api/docs/"+doc+"/rest/webhooks", map[string]any{"targetUrl": rc.URL + "/twenty",
			"operations": []string{"person.created", "*.updated"}, "secret": secret}, 201, &hook)
		if hook.Secret != secret || hook.TargetURL != rc.URL+"/twenty" {
			t.Fatalf("webhook %+v", hook)
		}
		recs := "/api/docs/" + doc + "/tables/People/records"
		call(t, base, "POST", "/api/docs/"+doc+"/tables/Companies/records", map[string]any{"records": []any{map[string]any{"fields": map[string]any{"name": "Acme"}}}}, 200, nil)
		call(t, base, "POST", recs, map[string]any{"records": []any{map[string]any{"fields": map[string]any{"firstName": "Ann", "email": "ann@example.com", "company": 1}}}}, 200, nil)
		call(t, base, "PATCH", recs, map[string]any{"records": []any{map[string]any{"id": 1, "fields": map[string]any{"jobTitle": "CEO"}}}}, 200, nil)
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			n := len(hits)
			mu.Unlock()
			if n >= 3 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d deliveries after 30 s, want 3 (a retry and two)", n)
			}
			time.Sleep(50 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		if bad > 0 || !bytes.Equal(hits[0].body, hits[1].body) || hits[0].delivery != hits[1].delivery {
			t.Errorf("%d bad signatures; the retry differs: %s / %s", bad, hits[0].body, hits[1].body)
		}
		var created, updated struct {
			EventName      string
			ObjectMetadata struct{ ID, NameSingular string }
			WorkspaceID    string
			WebhookID      string
			EventDate      string
			Record         map[string]any
			UpdatedFields  []string
		}
		if err := json.Unmarshal(hits[1].body, &created); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(hits[2].body, &updated); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(keys(t, hits[1].body), ","); got != "targetUrl,eventName,objectMetadata,workspaceId,webhookId,eventDate,record" {
			t.Errorf("payload members %s", got)
		}
		if created.EventName != "person.created" || created.ObjectMetadata.NameSingular != "person" || created.WorkspaceID != doc ||
			created.WebhookID != hook.ID || created.Record["firstName"] != "Ann" || created.Record["companyId"] != float64(1) ||
			created.Record["email"] != "ann@example.com" {
			t.Errorf("created payload %s", hits[1].body)
		}
		if updated.EventName != "person.updated" || strings.Join(updated.UpdatedFields, ",") != "jobTitle" || updated.Record["jobTitle"] != "CEO" {
			t.Errorf("updated payload %s", hits[2].body)
		}
		// The delivery log shows the retried attempt, under Twenty's event name.
		var log struct {
			Deliveries []struct {
				Event      string
				Status     string
				AttemptLog []any
			}
		}
		call(t, base, "GET", "/api/docs/"+doc+"/webhooks/"+hook.ID+"/deliveries", nil, 200, &log)
		last := log.Deliveries[len(log.Deliveries)-1]
		if len(log.Deliveries) != 2 || last.Event != "person.created" || last.Status != "delivered" || len(last.AttemptLog) != 2 {
			t.Errorf("deliveries %+v", log)
		}
	})
}

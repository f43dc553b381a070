package openapi_test

import (
	"testing"
)

// Twenty's metadata API and webhook endpoints, sent for real: each answer
// matches the document's description, and every operation had a success
// and an error.
func TestTwentyMetadataResponsesMatchDescription(t *testing.T) {
	f := newFixture(t)
	f.s.AllowPrivateWebhooks()
	c := newChecker(t, f, f.load(t, f.docPath("/openapi.json"), f.viewer))
	o, e, v, st := f.owner, f.editor, f.viewer, f.strange
	m := func(p string) string { return f.docPath("/rest/metadata" + p) }
	data := func(t *testing.T, res map[string]any, key string) map[string]any {
		t.Helper()
		d, _ := res["data"].(map[string]any)
		out, _ := d[key].(map[string]any)
		if out == nil {
			t.Fatalf("no data.%s in %v", key, res)
		}
		return out
	}

	// Objects
	c.call(t, rq("GET", m("/objects"), v, nil), s200)
	c.call(t, rq("GET", m("/objects?limit=1"), v, nil), s200)
	c.call(t, rq("GET", m("/objects?limit=x"), v, nil), s400)
	c.call(t, rq("GET", m("/objects"), st, nil), s403)
	pet := c.call(t, rq("POST", m("/objects"), e, map[string]any{"nameSingular": "pet", "namePlural": "pets", "labelSingular": "Pet", "labelPlural": "Pets"}), 201)
	petID := data(t, pet.JSON.(map[string]any), "createOneObject")["id"].(string)
	c.call(t, rq("POST", m("/objects"), e, map[string]any{"nameSingular": "pet"}), s400)
	c.call(t, rq("POST", m("/objects"), v, map[string]any{"nameSingular": "x", "namePlural": "xs"}), s403)
	c.call(t, rq("GET", m("/objects/"+petID), v, nil), s200)
	c.call(t, rq("GET", m("/objects/nope"), v, nil), s404)
	c.call(t, rq("PATCH", m("/objects/"+petID), e, map[string]any{"labelPlural": "Animals"}), s200)
	c.call(t, rq("PATCH", m("/objects/nope"), e, map[string]any{"labelPlural": "Animals"}), s404)

	// Fields
	c.call(t, rq("GET", m("/fields"), v, nil), s200)
	c.call(t, rq("GET", m("/fields?starting_after=nope"), v, nil), s400)
	kind := c.call(t, rq("POST", m("/fields"), e, map[string]any{"objectMetadataId": petID, "type": "SELECT", "name": "kind",
		"options": []any{map[string]any{"label": "Dog", "value": "DOG", "position": 0}}}), 201)
	kindID := data(t, kind.JSON.(map[string]any), "createOneField")["id"].(string)
	rel := c.call(t, rq("POST", m("/fields"), e, map[string]any{"objectMetadataId": petID, "type": "RELATION", "name": "owner",
		"relationCreationPayload": map[string]any{"targetObjectMetadataId": "People", "targetFieldLabel": "Pets", "type": "MANY_TO_ONE"}}), 201)
	relID := data(t, rel.JSON.(map[string]any), "createOneField")["id"].(string)
	c.call(t, rq("POST", m("/fields"), e, map[string]any{"objectMetadataId": petID, "type": "ADDRESS", "name": "home"}), s400)
	c.call(t, rq("GET", m("/fields/"+kindID), v, nil), s200)
	c.call(t, rq("GET", m("/fields/"+relID), v, nil), s200)
	c.call(t, rq("GET", m("/fields/nope"), v, nil), s404)
	c.call(t, rq("PATCH", m("/fields/"+kindID), e, map[string]any{"label": "Species", "options": []any{map[string]any{"value": "CAT"}}}), s200)
	c.call(t, rq("PATCH", m("/fields/"+kindID), e, map[string]any{"type": "RELATION"}), s400)
	c.call(t, rq("DELETE", m("/fields/"+kindID), e, nil), s200)
	c.call(t, rq("DELETE", m("/fields/"+kindID), e, nil), s404)
	c.call(t, rq("DELETE", m("/objects/"+petID), v, nil), s403)
	c.call(t, rq("DELETE", m("/objects/"+petID), e, nil), s200)

	// Webhooks, at both of Twenty's paths.
	for _, base := range []string{f.docPath("/rest/webhooks"), m("/webhooks")} {
		hook := c.call(t, rq("POST", base, o, map[string]any{"targetUrl": "http://127.0.0.1:9/hook", "operations": []any{"person.created"}}), 201)
		id := hook.JSON.(map[string]any)["id"].(string)
		c.call(t, rq("POST", base, o, map[string]any{"targetUrl": "http://127.0.0.1:9/hook", "operations": []any{"nobody.created"}}), s404)
		c.call(t, rq("POST", base, e, map[string]any{"targetUrl": "http://127.0.0.1:9/hook"}), s403)
		c.call(t, rq("GET", base, o, nil), s200)
		c.call(t, rq("GET", base, v, nil), s403)
		c.call(t, rq("GET", base+"/"+id, o, nil), s200)
		c.call(t, rq("GET", base+"/nope", o, nil), s404)
		c.call(t, rq("PATCH", base+"/"+id, o, map[string]any{"operations": []any{"*.*"}, "description": "all"}), s200)
		c.call(t, rq("PATCH", base+"/"+id, o, map[string]any{"operations": []any{}}), s400)
		c.call(t, rq("DELETE", base+"/"+id, o, nil), s200)
		c.call(t, rq("DELETE", base+"/"+id, o, nil), s404)
	}
	c.covered(t, "twenty metadata")
}

package openapi_test

import (
	"testing"
)

// Both descriptions load with kin-openapi and validate as OpenAPI 3.1.
func TestDescriptionsValidate(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/api/openapi.json", f.docPath("/openapi.json")} {
		spec := f.load(t, path, f.viewer)
		if spec.OpenAPI != "3.1.0" || !spec.IsOpenAPI31OrLater() {
			t.Errorf("%s: openapi %q, want 3.1.0", path, spec.OpenAPI)
		}
		if len(spec.Servers) != 1 || spec.Servers[0].URL != "http://example.com" {
			t.Errorf("%s: servers %v, want the request's base URL", path, spec.Servers)
		}
	}
}

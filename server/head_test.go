package server

import (
	"net/http"
	"testing"
)

// TestHEADMatchesGET: every OGC route answers HEAD with GET's status and
// headers and no body, as OGC API - Features recommends.
func TestHEADMatchesGET(t *testing.T) {
	e, _ := testServer(t)
	for _, target := range []string{
		"/?f=json", "/conformance", "/api", "/collections", "/collections/cells",
		"/collections/cells/items?limit=2", "/collections/facilities/items?limit=1",
	} {
		get := do(t, e, http.MethodGet, target, nil)
		head := do(t, e, http.MethodHead, target, nil)
		if head.Code != get.Code || head.Code != http.StatusOK {
			t.Errorf("%s: HEAD %d, GET %d", target, head.Code, get.Code)
		}
		if head.Body.Len() != 0 {
			t.Errorf("%s: HEAD sent a body of %d bytes", target, head.Body.Len())
		}
		if g, h := get.Header().Get("Content-Type"), head.Header().Get("Content-Type"); g != h {
			t.Errorf("%s: content type GET %q, HEAD %q", target, g, h)
		}
		if g, h := get.Header().Get("ETag"), head.Header().Get("ETag"); g != h {
			t.Errorf("%s: ETag GET %q, HEAD %q", target, g, h)
		}
	}
	if r := do(t, e, http.MethodHead, "/collections/nope", nil); r.Code != http.StatusNotFound || r.Body.Len() != 0 {
		t.Errorf("HEAD of an unknown collection: %d with %d bytes", r.Code, r.Body.Len())
	}
}

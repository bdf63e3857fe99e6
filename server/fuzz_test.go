package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fuzzRoutes are every route of the server, with a method; the fuzzers
// pick one by index.
var fuzzRoutes = []struct{ method, path string }{
	{"GET", "/v1/isochrone"}, {"POST", "/v1/isochrone"}, {"GET", "/v1/nearest"}, {"GET", "/v1/report"},
	{"GET", "/v1/gaps"}, {"GET", "/v1/siting"}, {"POST", "/v1/siting"}, {"POST", "/v1/scenarios"},
	{"POST", "/v1/scenarios/preview"}, {"GET", "/v1/scenarios"}, {"GET", "/v1/scenarios/0123456789abcdef"},
	{"DELETE", "/v1/scenarios/0123456789abcdef"}, {"GET", "/v1/categories"}, {"GET", "/v1/profiles"},
	{"GET", "/"}, {"GET", "/conformance"}, {"GET", "/api"}, {"GET", "/collections"},
	{"GET", "/collections/cells/items"}, {"GET", "/collections/communities/items"},
	{"GET", "/collections/facilities/items"}, {"GET", "/collections/gaps/items"}, {"GET", "/tiles/cells.json"},
	{"GET", "/tiles/cells/14/8529/5975.mvt"}, {"GET", "/map"}, {"GET", "/map/config.json"},
	{"GET", "/healthz"}, {"GET", "/readyz"},
}

// fuzzOne sends a request through the real router and checks the answer:
// no 5xx but 503 (a budget), and a clean problem document on refusal.
func fuzzOne(t *testing.T, route uint8, query, body string, accept string) {
	e, _ := testServer(t)
	r := fuzzRoutes[int(route)%len(fuzzRoutes)]
	target := r.path
	if query != "" {
		target += "?" + query
	}
	var req *http.Request
	func() {
		defer func() {
			if recover() != nil {
				req = nil // httptest.NewRequest panics on a malformed target
			}
		}()
		req = httptest.NewRequest(r.method, target, strings.NewReader(body))
	}()
	if req == nil {
		return
	}
	req.Header.Set("Accept", accept)
	if r.method != "GET" {
		req.Header.Set("Authorization", "Bearer "+aliceToken)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("%s %s: %d: %s", r.method, target, rec.Code, rec.Body)
	}
	if rec.Code >= 400 && rec.Code != http.StatusNotModified {
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("%s %s: %d with content type %q", r.method, target, rec.Code, ct)
		}
		var p Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatalf("%s %s: problem not JSON: %v", r.method, target, err)
		}
		if leaks.MatchString(p.Detail) {
			t.Fatalf("%s %s: detail leaks internals: %q", r.method, target, p.Detail)
		}
	}
}

// FuzzHTTPQuery fuzzes the query string of every route.
func FuzzHTTPQuery(f *testing.F) {
	for i := range fuzzRoutes {
		f.Add(uint8(i), "lon=7.4215&lat=43.736&minutes=5,10&profile=adult&category=pharmacy&k=2")
	}
	f.Add(uint8(4), "tier=15&min_population=1e308")
	f.Add(uint8(18), "limit=5&bbox=7.41,43.72,7.44,43.75&res=10&f=html")
	f.Add(uint8(9), "limit=0&offset=-1")
	f.Fuzz(func(t *testing.T, route uint8, query string) {
		if len(query) > 4096 {
			return
		}
		fuzzOne(t, route, query, "", "application/json")
	})
}

// FuzzHTTPBody fuzzes the body of every POST route.
func FuzzHTTPBody(f *testing.F) {
	f.Add(uint8(1), `{"origins":[{"lon":7.42,"lat":43.735}],"minutes":[5,10]}`)
	f.Add(uint8(6), `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[7.42,43.73]},"properties":{}}]}`)
	f.Add(uint8(7), `{"name":"x","add":[{"category":"clinic","lon":7.4215,"lat":43.736,"capacity":5}]}`)
	f.Add(uint8(8), `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"LineString","coordinates":[[7.42,43.73],[7.421,43.731]]},"properties":{}}]}`)
	f.Add(uint8(8), `{"close_ways":[1,2,3]}`)
	posts := []uint8{1, 6, 7, 8}
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		if len(body) > 64<<10 {
			return
		}
		fuzzOne(t, posts[int(route)%len(posts)], "category=pharmacy", body, "application/json")
	})
}

// FuzzParseTokens: any token list parses or fails naming its source; a
// parsed token is found by its own secret only.
func FuzzParseTokens(f *testing.F) {
	f.Add("alice alice-secret-token-0001\nroot:admin root-secret-token-0003")
	f.Add("bob sha256:" + bobHash)
	f.Add("a b; c:admin d")
	f.Fuzz(func(t *testing.T, list string) {
		toks, err := ParseTokens(strings.NewReader(list), "tokens.txt")
		if err != nil {
			if !strings.Contains(err.Error(), "tokens.txt") {
				t.Fatalf("error does not name the list: %v", err)
			}
			return
		}
		if _, ok := toks.lookup(""); ok {
			t.Fatal("the empty secret matched")
		}
	})
}

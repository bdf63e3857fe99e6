package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// problemOK checks a refusal: the status, a problem document whose detail
// is one sentence naming want, and no Go type or server path in it.
func problemOK(t *testing.T, name string, rec interface {
	Result() *http.Response
}, body string, status int, want string) {
	t.Helper()
	res := rec.Result()
	if res.StatusCode != status {
		t.Errorf("%s: status %d, want %d: %s", name, res.StatusCode, status, body)
		return
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: content type %q", name, ct)
	}
	var p Problem
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if !strings.Contains(p.Detail+" "+p.Param, want) {
		t.Errorf("%s: detail %q (param %q) does not name %q", name, p.Detail, p.Param, want)
	}
	checkDetail(t, name, p.Detail)
}

var leaks = regexp.MustCompile(`Go value|Go struct|server\.|data\.|geo\.[A-Z]|\*[a-z]+\.|/work/|\.go:|json: |body: body:|goroutine`)

// checkDetail fails on a detail that leaks Go types or server paths, or
// repeats its prefix.
func checkDetail(t *testing.T, name, detail string) {
	t.Helper()
	if leaks.MatchString(detail) {
		t.Errorf("%s: detail leaks internals: %q", name, detail)
	}
	if strings.TrimSpace(detail) == "" {
		t.Errorf("%s: empty detail", name)
	}
}

// TestBadInputIssue12 turns each reproduction of issue 12 that reaches
// the server into a test.
func TestBadInputIssue12(t *testing.T) {
	e, city := testServer(t)
	// Every way of the network, closed.
	ways := map[int64]bool{}
	for i := range city.Graph.NumEdges() {
		for _, w := range city.Graph.EdgeWays(i) {
			ways[w] = true
		}
	}
	ids := make([]int64, 0, len(ways))
	for w := range ways {
		ids = append(ids, w)
	}
	slices.Sort(ids)
	b, _ := json.Marshal(map[string]any{"name": "close everything", "close_ways": ids})
	for _, target := range []string{"/v1/scenarios", "/v1/scenarios/preview"} {
		rec := do(t, e, "POST", target, strings.NewReader(string(b)))
		problemOK(t, "closing every way "+target, rec, rec.Body.String(), http.StatusUnprocessableEntity, "no walk network")
	}

	bigCap := `{"add":[{"category":"clinic","lon":7.4215,"lat":43.736,"capacity":1e308},{"category":"clinic","lon":7.42,"lat":43.735,"capacity":1e308}]}`
	rec := do(t, e, "POST", "/v1/scenarios", strings.NewReader(bigCap))
	problemOK(t, "two facilities of capacity 1e308", rec, rec.Body.String(), 400, "capacity")

	hugeName := `{"name":"` + strings.Repeat("n", 1_950_000) + `","add":[{"category":"clinic","lon":7.4215,"lat":43.736}]}`
	rec = do(t, e, "POST", "/v1/scenarios", strings.NewReader(hugeName))
	problemOK(t, "1.95 MB name", rec, rec.Body.String(), 400, "name")

	rec = do(t, e, "POST", "/v1/scenarios", strings.NewReader(`{"add":[{"category":"casino","lon":7.4215,"lat":43.736}]}`))
	problemOK(t, "unknown scenario category", rec, rec.Body.String(), 400, "casino")

	rec = do(t, e, "POST", "/v1/isochrone", strings.NewReader(`{"origins":[{"lon":"x","lat":43.7}]}`))
	problemOK(t, "batch origin lon a string", rec, rec.Body.String(), 400, "origins.lon")

	rec = do(t, e, "POST", "/v1/isochrone", strings.NewReader(`["not an object"]`))
	problemOK(t, "batch body an array", rec, rec.Body.String(), 400, "object")

	rec = do(t, e, "POST", "/v1/scenarios", strings.NewReader(`{"add":[{"category":"clinic","lon":7.42}]}`))
	problemOK(t, "scenario without lat", rec, rec.Body.String(), 400, "lat")

	rec = do(t, e, "POST", "/v1/scenarios", strings.NewReader(`{"add":`))
	problemOK(t, "truncated JSON", rec, rec.Body.String(), 400, "body")

	rec = do(t, e, "GET", "/v1/scenarios/"+strings.Repeat("z", 10_000), nil)
	problemOK(t, "a 10,000-character id", rec, rec.Body.String(), 404, "id")
	if rec.Body.Len() > 1000 {
		t.Errorf("a 10,000-character id echoed back in %d bytes", rec.Body.Len())
	}
}

// TestTimeoutSaysWhy: a request past its budget is a 503 that says which
// budget ran out.
func TestTimeoutSaysWhy(t *testing.T) {
	cfg := testConfig()
	cfg.Limits.HeavyBudget = 1 // a nanosecond
	e, err := New(cfg, testDeps(t))
	if err != nil {
		t.Fatal(err)
	}
	rec := do(t, e, "GET", "/v1/siting?category=pharmacy&k=3", nil)
	problemOK(t, "siting past its budget", rec, rec.Body.String(), http.StatusServiceUnavailable, "work budget")
}

// TestSecurityHeadersOnEveryPage: every HTML page carries a CSP and
// nosniff; every response carries nosniff.
func TestSecurityHeadersOnEveryPage(t *testing.T) {
	e, _ := testServer(t)
	for _, target := range []string{"/", "/map", "/conformance", "/collections", "/collections/communities",
		"/collections/communities/items?limit=2", "/api", "/nope"} {
		for _, accept := range []string{"text/html", "application/json"} {
			rec := do(t, e, "GET", target, nil, "Accept", accept)
			h := rec.Header()
			if h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("GET %s (%s): no nosniff", target, accept)
			}
			if strings.HasPrefix(h.Get("Content-Type"), "text/html") && h.Get("Content-Security-Policy") == "" {
				t.Errorf("GET %s (%s): an HTML page without a Content-Security-Policy", target, accept)
			}
		}
	}
}

// TestProblemsNeverLeak sends malformed bodies of many shapes to every
// POST route and checks each refusal reads cleanly.
func TestProblemsNeverLeak(t *testing.T) {
	e, _ := testServer(t)
	bodies := []string{"", "{", "null", "[]", "1", `"s"`, `{"origins":1}`, `{"origins":[{"lon":true}]}`,
		`{"minutes":"5"}`, `{"origins":[{"lon":7.42,"lat":43.73}],"minutes":[-1]}`, `{"add":[{"lon":1e999}]}`,
		`{"add":{}}`, `{"close":[1]}`, `{"close_ways":["a"]}`, `{"add_links":[[[1]]]}`, `{"type":"Feature"}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[7.42,43.73]},"properties":{"action":"fly"}}]}`,
		"\xff\xfe", `{"name":1}`, `{}` + "x"}
	for _, target := range []string{"/v1/isochrone", "/v1/scenarios", "/v1/scenarios/preview", "/v1/siting?category=pharmacy"} {
		for i, body := range bodies {
			rec := do(t, e, "POST", target, strings.NewReader(body))
			name := fmt.Sprintf("%s body %d %q", target, i, body)
			if rec.Code >= 500 {
				t.Errorf("%s: %d %s", name, rec.Code, rec.Body)
				continue
			}
			if rec.Code >= 400 {
				var p Problem
				json.Unmarshal(rec.Body.Bytes(), &p)
				checkDetail(t, name, p.Detail)
			}
		}
	}
}

package server

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"

	"fifteen/geo"
	"fifteen/publish"
)

var ogcUpdate = flag.Bool("update", false, "rewrite the golden files of testdata/")

// ogcIDs are real feature ids of the Monaco fixture, one per collection.
type ogcIDs struct {
	facility, greenway, community, cell10, cell8 string
}

func ogcFixtureIDs(t *testing.T, city *geo.City) ogcIDs {
	t.Helper()
	var ids ogcIDs
	for i := range city.Facilities {
		f := &city.Facilities[i]
		if f.Category == "clinic" && ids.facility == "" {
			ids.facility = publish.FacilityID(f)
		}
		if f.Category == "greenway" && ids.greenway == "" {
			ids.greenway = publish.FacilityID(f)
		}
	}
	ids.community = city.Communities[0].ID
	ids.cell10 = city.Population.Cells[0].Cell.String()
	ids.cell8 = city.Population.Cells[0].Cell.Parent(8).String()
	if ids.facility == "" || ids.greenway == "" {
		t.Fatal("the Monaco fixture has no clinic or no greenway")
	}
	return ids
}

// ogcItem is the path of one feature, its id escaped.
func ogcItem(coll, id string) string {
	return "/collections/" + coll + "/items/" + url.PathEscape(id)
}

const (
	ctProblem = "application/problem+json"
	ctGeoJSON = "application/geo+json"
	ctJSON    = "application/json"
	ctHTML    = "text/html"
)

// ogcRouteCase is one request and what must come back: the status, the
// content type (a prefix) and, for a problem, the parameter it names.
type ogcRouteCase struct {
	name, target string
	hdr          []string
	status       int
	ct, param    string
}

// TestOGCRoutes runs every OGC route and the bad input each must refuse.
func TestOGCRoutes(t *testing.T) {
	e, city := testServer(t)
	ids := ogcFixtureIDs(t, city)
	browser := []string{"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
	gdal := []string{"Accept", "application/geo+json, application/json"}
	tests := []ogcRouteCase{
		{"landing is HTML for a browser", "/", browser, 200, ctHTML, ""},
		{"landing is HTML when Accept says nothing", "/", nil, 200, ctHTML, ""},
		{"landing is JSON when Accept asks for JSON", "/", []string{"Accept", "application/json"}, 200, ctJSON, ""},
		{"landing f=json beats a browser's Accept", "/?f=json", browser, 200, ctJSON, ""},
		{"landing f=html", "/?f=html", []string{"Accept", "application/json"}, 200, ctHTML, ""},
		{"landing unknown f", "/?f=xml", nil, 400, ctProblem, "f"},
		{"conformance is JSON by default", "/conformance", nil, 200, ctJSON, ""},
		{"conformance is HTML for a browser", "/conformance", browser, 200, ctHTML, ""},
		{"api is OpenAPI 3.0 JSON", "/api", nil, 200, ogcMediaOpenAPI, ""},
		{"api has no HTML", "/api?f=html", nil, 400, ctProblem, "f"},
		{"collections JSON", "/collections", gdal, 200, ctJSON, ""},
		{"collections HTML", "/collections?f=html", nil, 200, ctHTML, ""},
		{"collections HTML for a browser", "/collections", browser, 200, ctHTML, ""},
		{"collections unknown f", "/collections?f=csv", nil, 400, ctProblem, "f"},

		{"unknown collection", "/collections/schools", nil, 404, ctProblem, "collectionId"},
		{"unknown collection items", "/collections/schools/items", nil, 404, ctProblem, "collectionId"},
		{"unknown collection item", "/collections/schools/items/1", nil, 404, ctProblem, "collectionId"},

		{"unknown facility", ogcItem("facilities", "clinic:osm:node/1"), nil, 404, ctProblem, "featureId"},
		{"facility id without its category", ogcItem("facilities", strings.SplitN(ids.facility, ":", 2)[1]), nil, 404, ctProblem, "featureId"},
		{"a point facility is no greenway", ogcItem("greenways", ids.facility), nil, 404, ctProblem, "featureId"},
		{"unknown community", ogcItem("communities", "atlantis"), nil, 404, ctProblem, "featureId"},
		{"cell id not H3", ogcItem("cells", "zzz"), nil, 404, ctProblem, "featureId"},
		{"cell of resolution 6 is no item", ogcItem("cells", "863969a47ffffff"), nil, 404, ctProblem, "featureId"},
		{"cell far from Monaco", ogcItem("cells", "8a2a1072b59ffff"), nil, 404, ctProblem, "featureId"},
		{"cluster 0 does not exist (ranks start at 1)", ogcItem("underserved", "0"), nil, 404, ctProblem, "featureId"},
		{"cluster id with a leading zero", ogcItem("underserved", "01"), nil, 404, ctProblem, "featureId"},
		{"cluster beyond the last", ogcItem("underserved", "100000"), nil, 404, ctProblem, "featureId"},
		{"negative edge", ogcItem("network", "-1"), nil, 404, ctProblem, "featureId"},
		{"edge beyond the last", ogcItem("network", "99999999"), nil, 404, ctProblem, "featureId"},

		{"bbox of three numbers", "/collections/facilities/items?bbox=7.4,43.7,7.5", nil, 400, ctProblem, "bbox"},
		{"bbox NaN", "/collections/facilities/items?bbox=NaN,43.7,7.5,43.8", nil, 400, ctProblem, "bbox"},
		{"bbox Inf", "/collections/network/items?bbox=7.4,43.7,+Inf,43.8", nil, 400, ctProblem, "bbox"},
		{"bbox min above max", "/collections/cells/items?bbox=7.5,43.7,7.4,43.8", nil, 400, ctProblem, "bbox"},
		{"bbox latitude above 90", "/collections/cells/items?bbox=7.4,43.7,7.5,97.5", nil, 400, ctProblem, "bbox"},
		{"bbox longitude below -180", "/collections/cells/items?bbox=-187.4,43.7,7.5,43.8", nil, 400, ctProblem, "bbox"},
		{"bbox of words", "/collections/cells/items?bbox=a,b,c,d", nil, 400, ctProblem, "bbox"},
		{"limit 0", "/collections/facilities/items?limit=0", nil, 400, ctProblem, "limit"},
		{"limit negative", "/collections/facilities/items?limit=-5", nil, 400, ctProblem, "limit"},
		{"limit above the maximum is served at the maximum", "/collections/network/items?limit=10001", nil, 200, ctGeoJSON, ""},
		{"limit not a number", "/collections/network/items?limit=ten", nil, 400, ctProblem, "limit"},
		{"offset negative", "/collections/network/items?offset=-1", nil, 400, ctProblem, "offset"},
		{"offset not a number", "/collections/network/items?offset=1.5", nil, 400, ctProblem, "offset"},
		{"res 6", "/collections/cells/items?res=6", nil, 400, ctProblem, "res"},
		{"res 11", "/collections/cells/items?res=11", nil, 400, ctProblem, "res"},
		{"res not a number", "/collections/cells/items?res=fine", nil, 400, ctProblem, "res"},
		{"res on a cell item", ogcItem("cells", ids.cell10) + "?res=5", nil, 400, ctProblem, "res"},
		{"unknown profile on cells", "/collections/cells/items?profile=runner", nil, 400, ctProblem, "profile"},
		{"unknown profile on communities", "/collections/communities/items?profile=runner", nil, 400, ctProblem, "profile"},
		{"unknown profile on underserved", "/collections/underserved/items?profile=runner", nil, 400, ctProblem, "profile"},
		{"unknown profile on a community", ogcItem("communities", ids.community) + "?profile=runner", nil, 400, ctProblem, "profile"},
		{"unknown category on facilities", "/collections/facilities/items?category=spa", nil, 400, ctProblem, "category"},
		{"unknown category on underserved", "/collections/underserved/items?category=spa", nil, 400, ctProblem, "category"},
		{"res is not a facilities parameter", "/collections/facilities/items?res=8", nil, 400, ctProblem, "res"},
		{"category is not a cells parameter", "/collections/cells/items?category=clinic", nil, 400, ctProblem, "category"},
		{"profile is not a network parameter", "/collections/network/items?profile=adult", nil, 400, ctProblem, "profile"},
		{"unknown parameter on items", "/collections/greenways/items?sortby=name", nil, 400, ctProblem, "sortby"},
		{"bbox is not a parameter of one feature", ogcItem("network", "0") + "?bbox=7,43,8,44", nil, 400, ctProblem, "bbox"},
		{"items unknown f", "/collections/network/items?f=gpkg", nil, 400, ctProblem, "f"},
		{"item unknown f", ogcItem("network", "0") + "?f=gpkg", nil, 400, ctProblem, "f"},
	}
	for _, id := range []string{"facilities", "communities", "cells", "underserved", "greenways", "network"} {
		tests = append(tests,
			ogcRouteCase{id + " metadata", "/collections/" + id, nil, 200, ctJSON, ""},
			ogcRouteCase{id + " metadata HTML", "/collections/" + id + "?f=html", nil, 200, ctHTML, ""},
			ogcRouteCase{id + " items", "/collections/" + id + "/items?limit=5", gdal, 200, ctGeoJSON, ""},
			ogcRouteCase{id + " items HTML", "/collections/" + id + "/items?limit=5&f=html", nil, 200, ctHTML, ""},
			ogcRouteCase{id + " items HTML for a browser", "/collections/" + id + "/items?limit=5", browser, 200, ctHTML, ""},
		)
	}
	for _, item := range []struct{ coll, id string }{
		{"facilities", ids.facility}, {"greenways", ids.greenway}, {"communities", ids.community},
		{"cells", ids.cell10}, {"cells", ids.cell8}, {"underserved", "clinic:adult:1"}, {"network", "0"},
	} {
		tests = append(tests,
			ogcRouteCase{item.coll + " item " + item.id, ogcItem(item.coll, item.id), nil, 200, ctGeoJSON, ""},
			ogcRouteCase{item.coll + " item HTML " + item.id, ogcItem(item.coll, item.id) + "?f=html", nil, 200, ctHTML, ""},
		)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, e, http.MethodGet, tt.target, nil, tt.hdr...)
			if rec.Code != tt.status {
				t.Fatalf("GET %s: status %d, want %d\n%.600s", tt.target, rec.Code, tt.status, rec.Body.String())
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, tt.ct) {
				t.Errorf("GET %s: Content-Type %q, want %q", tt.target, ct, tt.ct)
			}
			body := rec.Body.Bytes()
			switch {
			case tt.ct == ctProblem:
				var p Problem
				if err := json.Unmarshal(body, &p); err != nil {
					t.Fatalf("problem body: %v\n%s", err, body)
				}
				if p.Status != tt.status || p.Param != tt.param {
					t.Errorf("problem %+v, want status %d naming %q", p, tt.status, tt.param)
				}
			case tt.ct == ctHTML:
				if !bytes.HasPrefix(body, []byte("<!doctype html>")) || !bytes.Contains(body, []byte("</html>")) {
					t.Errorf("not an HTML page:\n%.300s", body)
				}
			case !json.Valid(body):
				t.Errorf("invalid JSON:\n%.600s", body)
			case tt.ct == ctGeoJSON:
				ogcCheckGeoJSON(t, body)
			}
		})
	}
}

// ogcCheckGeoJSON checks what every GeoJSON response must hold: the
// attribution and coordinates rounded to 6 decimals.
func ogcCheckGeoJSON(t *testing.T, body []byte) {
	t.Helper()
	var doc struct {
		Type        string
		Attribution string
		Geometry    *ogcTestGeometry
		Features    []struct{ Geometry *ogcTestGeometry }
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("GeoJSON: %v", err)
	}
	if !strings.Contains(doc.Attribution, "© OpenStreetMap contributors") {
		t.Errorf("attribution %q lacks the OSM credit", doc.Attribution)
	}
	geoms := []*ogcTestGeometry{doc.Geometry}
	for _, f := range doc.Features {
		geoms = append(geoms, f.Geometry)
	}
	for _, g := range geoms {
		if g == nil {
			continue
		}
		for _, x := range ogcNumbers(g.Coordinates) {
			if r := math.Round(x * 1e6); math.Abs(x*1e6-r) > 1e-6 {
				t.Fatalf("%s coordinate %v is not rounded to 6 decimals", g.Type, x)
			}
		}
	}
}

type ogcTestGeometry struct {
	Type        string
	Coordinates any
}

// ogcNumbers flattens nested coordinate arrays.
func ogcNumbers(v any) []float64 {
	switch v := v.(type) {
	case float64:
		return []float64{v}
	case []any:
		var out []float64
		for _, x := range v {
			out = append(out, ogcNumbers(x)...)
		}
		return out
	}
	return nil
}

// ogcTestPage is an items response.
type ogcTestPage struct {
	Attribution    string
	TimeStamp      string
	NumberMatched  int
	NumberReturned int
	Links          []ogcLink
	Features       []struct {
		ID         any
		Geometry   ogcTestGeometry
		Properties map[string]any
	}
}

func (p *ogcTestPage) link(rel string) string {
	for _, l := range p.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

func ogcGetPage(t *testing.T, target string) ogcTestPage {
	t.Helper()
	e, _ := testServer(t)
	rec := do(t, e, http.MethodGet, target, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d\n%.600s", target, rec.Code, rec.Body.String())
	}
	var p ogcTestPage
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.NumberReturned != len(p.Features) {
		t.Errorf("GET %s: numberReturned %d, %d features", target, p.NumberReturned, len(p.Features))
	}
	return p
}

// ogcLocal strips the scheme and host of a link so that it can be sent
// through the Echo instance.
func ogcLocal(t *testing.T, href string) string {
	t.Helper()
	u, err := url.Parse(href)
	if err != nil || u.Host != "example.com" {
		t.Fatalf("link %q is not an absolute link to the request's host", href)
	}
	return u.RequestURI()
}

// TestOGCPagingLinks follows next links through a collection: every
// feature once, numberMatched in all, prev undoing next, and limit kept.
func TestOGCPagingLinks(t *testing.T) {
	for _, start := range []string{
		"/collections/facilities/items?limit=7",
		"/collections/facilities/items?limit=7&category=park",
		"/collections/cells/items?limit=5&res=9&profile=senior",
		"/collections/network/items?limit=500&bbox=7.42,43.73,7.43,43.74",
	} {
		t.Run(start, func(t *testing.T) {
			seen := map[string]bool{}
			target, pages, matched := start, 0, -1
			var prevSelf string
			for target != "" {
				p := ogcGetPage(t, target)
				pages++
				if matched < 0 {
					matched = p.NumberMatched
				} else if p.NumberMatched != matched {
					t.Fatalf("numberMatched changed from %d to %d", matched, p.NumberMatched)
				}
				if p.NumberReturned > 7 && !strings.Contains(start, "limit=5") && !strings.Contains(start, "limit=500") {
					t.Fatalf("%d features on a page of 7", p.NumberReturned)
				}
				for _, f := range p.Features {
					id := fmt.Sprint(f.ID)
					if seen[id] {
						t.Fatalf("feature %s on two pages", id)
					}
					seen[id] = true
				}
				if prevSelf != "" {
					if got := ogcLocal(t, p.link("prev")); got != prevSelf {
						t.Errorf("prev link %s, want the previous page %s", got, prevSelf)
					}
				} else if p.link("prev") != "" {
					t.Errorf("first page has a prev link %s", p.link("prev"))
				}
				prevSelf = ogcLocal(t, p.link("self"))
				next := p.link("next")
				if next == "" {
					if p.NumberReturned == 0 && matched > 0 {
						t.Error("last page is empty")
					}
					break
				}
				target = ogcLocal(t, next)
				if pages > 1000 {
					t.Fatal("no end to the pages")
				}
			}
			if len(seen) != matched {
				t.Errorf("read %d features over %d pages, numberMatched %d", len(seen), pages, matched)
			}
		})
	}
}

// TestOGCOffsetPastTheEnd is an empty page that links back.
func TestOGCOffsetPastTheEnd(t *testing.T) {
	p := ogcGetPage(t, "/collections/communities/items?offset=50&limit=10")
	if p.NumberMatched != 3 || p.NumberReturned != 0 || p.link("next") != "" {
		t.Errorf("matched %d returned %d next %q, want 3, 0 and none", p.NumberMatched, p.NumberReturned, p.link("next"))
	}
	if prev := ogcLocal(t, p.link("prev")); !strings.Contains(prev, "offset=40") {
		t.Errorf("prev link %s, want offset=40", prev)
	}
}

// TestOGCFilters checks that bbox and the collection parameters select
// what they say.
func TestOGCFilters(t *testing.T) {
	_, city := testServer(t)
	t.Run("bbox keeps the features that meet it", func(t *testing.T) {
		all := ogcGetPage(t, "/collections/facilities/items?limit=1000")
		bbox := orb.Bound{Min: orb.Point{7.415, 43.728}, Max: orb.Point{7.425, 43.738}}
		p := ogcGetPage(t, "/collections/facilities/items?limit=1000&bbox=7.415,43.728,7.425,43.738")
		if p.NumberMatched == 0 || p.NumberMatched >= all.NumberMatched {
			t.Fatalf("bbox matched %d of %d", p.NumberMatched, all.NumberMatched)
		}
		want := 0
		for _, f := range all.Features {
			c := f.Geometry.Coordinates.([]any)
			if bbox.Contains(orb.Point{c[0].(float64), c[1].(float64)}) {
				want++
			}
		}
		if p.NumberMatched != want {
			t.Errorf("bbox matched %d, %d points lie in it", p.NumberMatched, want)
		}
	})
	t.Run("category keeps one category", func(t *testing.T) {
		p := ogcGetPage(t, "/collections/facilities/items?category=park&limit=1000")
		want := 0
		for _, f := range city.Facilities {
			if f.Category == "park" {
				want++
			}
		}
		if p.NumberMatched != want || want == 0 {
			t.Errorf("%d parks, the city has %d", p.NumberMatched, want)
		}
		for _, f := range p.Features {
			if f.Properties["category"] != "park" {
				t.Fatalf("feature %v of category %v", f.ID, f.Properties["category"])
			}
		}
	})
	t.Run("communities carry every figure of every profile", func(t *testing.T) {
		p := ogcGetPage(t, "/collections/communities/items")
		props := p.Features[0].Properties
		for _, k := range []string{"population", "share_clinic_adult", "complete_share_adult", "f15_adult",
			"compliance_5_adult", "compliance_15_senior", "mean_min_park_wheelchair", "p90_min_clinic_senior",
			"unreached_market_adult", "gini_clinic_adult", "opportunities_sports_adult"} {
			if _, ok := props[k]; !ok {
				t.Errorf("community lacks %s", k)
			}
		}
	})
	t.Run("profile keeps one profile's figures", func(t *testing.T) {
		p := ogcGetPage(t, "/collections/communities/items?profile=senior")
		for k := range p.Features[0].Properties {
			if strings.HasSuffix(k, "_adult") || strings.HasSuffix(k, "_wheelchair") {
				t.Fatalf("profile=senior keeps %s", k)
			}
		}
		if _, ok := p.Features[0].Properties["f15_senior"]; !ok {
			t.Error("profile=senior lacks f15_senior")
		}
	})
	t.Run("cells coarsen with res", func(t *testing.T) {
		var counts []int
		for res := 7; res <= 10; res++ {
			p := ogcGetPage(t, "/collections/cells/items?limit=1&res="+strconv.Itoa(res))
			counts = append(counts, p.NumberMatched)
			if got := p.Features[0].Properties["res"]; got != float64(res) {
				t.Errorf("res %d: feature says res %v", res, got)
			}
		}
		for i := 1; i < len(counts); i++ {
			if counts[i] < counts[i-1] {
				t.Errorf("cells at res 7..10: %v, want no fewer at finer resolutions", counts)
			}
		}
		if counts[0] >= counts[3] {
			t.Errorf("cells at res 7..10: %v, want more at res 10 than at 7", counts)
		}
	})
	t.Run("cell walk minutes differ by profile", func(t *testing.T) {
		a := ogcGetPage(t, "/collections/cells/items?limit=1000&profile=adult")
		s := ogcGetPage(t, "/collections/cells/items?limit=1000&profile=senior")
		var sumA, sumS float64
		for i := range a.Features {
			ma, okA := a.Features[i].Properties["minutes_clinic"].(float64)
			ms, okS := s.Features[i].Properties["minutes_clinic"].(float64)
			if okA && okS {
				sumA += ma
				sumS += ms
			}
		}
		if !(sumS > sumA) {
			t.Errorf("seniors walk %v min to clinics in all, adults %v: want seniors slower", sumS, sumA)
		}
	})
	t.Run("underserved defaults to clinic and adult", func(t *testing.T) {
		def := ogcGetPage(t, "/collections/underserved/items")
		cl := ogcGetPage(t, "/collections/underserved/items?category=clinic&profile=adult")
		if def.NumberMatched != cl.NumberMatched || def.NumberMatched == 0 {
			t.Fatalf("default %d clusters, clinic %d", def.NumberMatched, cl.NumberMatched)
		}
		if def.Features[0].Properties["category"] != "clinic" || def.Features[0].Properties["profile"] != "adult" {
			t.Errorf("default cluster properties %v", def.Features[0].Properties)
		}
		// Ids name the category and walker with the rank, so that an
		// item URL finds the same cluster whatever the query was.
		for k, f := range def.Features {
			if want := fmt.Sprintf("clinic:adult:%d", k+1); f.ID != want {
				t.Errorf("cluster id %v at rank %d, want %s", f.ID, k+1, want)
			}
		}
		park := ogcGetPage(t, "/collections/underserved/items?category=park&profile=senior&limit=1")
		if len(park.Features) == 1 {
			id := park.Features[0].ID.(string)
			e, _ := testServer(t)
			rec := do(t, e, http.MethodGet, "/collections/underserved/items/"+id, nil)
			var one struct {
				ID         string         `json:"id"`
				Properties map[string]any `json:"properties"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &one); err != nil || rec.Code != http.StatusOK {
				t.Fatalf("item %s: %d %v", id, rec.Code, err)
			}
			if one.ID != id || one.Properties["category"] != "park" || one.Properties["profile"] != "senior" {
				t.Errorf("item %s came back as %s %v", id, one.ID, one.Properties)
			}
		}
	})
	t.Run("network flags decode", func(t *testing.T) {
		p := ogcGetPage(t, "/collections/network/items?limit=10000")
		steps := 0
		for _, f := range p.Features {
			if f.Properties["steps"] == true {
				steps++
			}
			if f.Geometry.Type != "LineString" {
				t.Fatalf("edge %v is a %s", f.ID, f.Geometry.Type)
			}
		}
		if p.NumberMatched != city.Graph.NumEdges() || steps == 0 {
			t.Errorf("%d edges (graph %d), %d with steps", p.NumberMatched, city.Graph.NumEdges(), steps)
		}
	})
	t.Run("greenways keep their lines", func(t *testing.T) {
		p := ogcGetPage(t, "/collections/greenways/items")
		if p.NumberMatched == 0 {
			t.Fatal("no greenway")
		}
		for _, f := range p.Features {
			if !strings.Contains(f.Geometry.Type, "LineString") {
				t.Errorf("greenway %v is a %s", f.ID, f.Geometry.Type)
			}
		}
	})
}

// TestOGCCaching checks the ETag, 304 and gzip of the cached routes.
func TestOGCCaching(t *testing.T) {
	e, _ := testServer(t)
	for _, target := range []string{"/collections", "/collections/cells", "/collections/cells/items?limit=3",
		ogcItem("network", "3"), "/api"} {
		t.Run(target, func(t *testing.T) {
			first := do(t, e, http.MethodGet, target, nil)
			etag := first.Header().Get("ETag")
			if first.Code != 200 || etag == "" {
				t.Fatalf("status %d, ETag %q", first.Code, etag)
			}
			again := do(t, e, http.MethodGet, target, nil, "If-None-Match", etag)
			if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
				t.Errorf("If-None-Match: status %d with %d bytes, want 304 and none", again.Code, again.Body.Len())
			}
			other := do(t, e, http.MethodGet, target, nil, "If-None-Match", `"other"`)
			if other.Code != 200 {
				t.Errorf("stale If-None-Match: status %d", other.Code)
			}
			gz := do(t, e, http.MethodGet, target, nil, "Accept-Encoding", "gzip")
			body := gz.Body.Bytes()
			if gz.Header().Get("Content-Encoding") == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(body, first.Body.Bytes()) {
				t.Errorf("gzipped body differs from the plain one")
			}
			if !json.Valid(body) {
				t.Errorf("gzipped body is not JSON once (and only once) decompressed")
			}
		})
	}
	t.Run("pages differ, so do their ETags", func(t *testing.T) {
		a := do(t, e, http.MethodGet, "/collections/cells/items?limit=3", nil).Header().Get("ETag")
		b := do(t, e, http.MethodGet, "/collections/cells/items?limit=3&offset=3", nil).Header().Get("ETag")
		if a == b {
			t.Errorf("both pages have ETag %s", a)
		}
	})
}

// TestOpenAPIDocumentsEveryRoute fails when a route of the server is not in
// the OpenAPI document, so that the document cannot fall behind: routes
// added later must be described in ogc_openapi.go.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	e, _ := testServer(t)
	rec := do(t, e, http.MethodGet, "/api", nil)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
		t.Errorf("openapi %q, want 3.0.x", doc.OpenAPI)
	}
	if len(e.Routes()) < 7 {
		t.Fatalf("only %d routes", len(e.Routes()))
	}
	for _, r := range e.Routes() {
		path := ogcOpenAPIPath(r.Path)
		ops, ok := ogcFindPath(doc.Paths, path)
		if !ok {
			t.Errorf("route %s %s (%s) is not in the OpenAPI paths", r.Method, r.Path, path)
			continue
		}
		if _, ok := ops[strings.ToLower(r.Method)]; !ok {
			t.Errorf("route %s %s: the OpenAPI path %s has no %s operation", r.Method, r.Path, path, r.Method)
		}
	}
	// The OGC paths are spelled as the standard spells them.
	for _, p := range []string{"/", "/conformance", "/api", "/collections", "/collections/{collectionId}",
		"/collections/{collectionId}/items", "/collections/{collectionId}/items/{featureId}"} {
		if _, ok := doc.Paths[p]["get"]; !ok {
			t.Errorf("no GET %s", p)
		}
	}
}

// ogcOpenAPIPath turns an Echo route into an OpenAPI path: each :param,
// which runs to the next slash, becomes {param}, and a final * wildcard
// {*}.
func ogcOpenAPIPath(route string) string {
	segs := strings.Split(route, "/")
	for i, s := range segs {
		switch {
		case strings.HasPrefix(s, ":"):
			segs[i] = "{" + s[1:] + "}"
		case s == "*":
			segs[i] = "{*}"
		}
	}
	return strings.Join(segs, "/")
}

var ogcParamRe = regexp.MustCompile(`\{[^}]*\}`)

// ogcFindPath finds a route's path among the documented ones. Parameter
// names may differ, and an Echo parameter swallows a suffix the document
// spells out ("{layer.json}" is "{layer}.json").
func ogcFindPath(paths map[string]map[string]any, route string) (map[string]any, bool) {
	if ops, ok := paths[route]; ok {
		return ops, true
	}
	rs := strings.Split(route, "/")
	for p, ops := range paths {
		ds := strings.Split(p, "/")
		if len(ds) != len(rs) {
			continue
		}
		match := true
		for i := range rs {
			r, d := rs[i], ds[i]
			switch {
			case r == d:
			case strings.HasPrefix(r, "{") && strings.Contains(d, "{"):
				// {layer.json} against {layer}.json: compare the suffixes.
				rSuffix := filepath.Ext(strings.TrimSuffix(strings.TrimPrefix(r, "{"), "}"))
				dSuffix := ogcParamRe.ReplaceAllString(d, "")
				match = match && (rSuffix == dSuffix || dSuffix == "")
			default:
				match = false
			}
		}
		if match {
			return ops, true
		}
	}
	return nil, false
}

// TestOpenAPIReferencesResolve walks the document: every $ref must name a
// component that exists, and operation ids are unique.
func TestOpenAPIReferencesResolve(t *testing.T) {
	e, _ := testServer(t)
	var doc map[string]any
	if err := json.Unmarshal(do(t, e, http.MethodGet, "/api", nil).Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	n := 0
	opIDs := map[string]bool{}
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if id, ok := v["operationId"].(string); ok {
				if opIDs[id] {
					t.Errorf("operationId %s given twice", id)
				}
				opIDs[id] = true
			}
			if ref, ok := v["$ref"].(string); ok {
				n++
				var target any = doc
				for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
					m, _ := target.(map[string]any)
					target = m[part]
				}
				if target == nil {
					t.Errorf("$ref %s resolves to nothing", ref)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	if n == 0 {
		t.Error("no $ref at all")
	}
}

// TestOGCLinksFollowTheHost makes links absolute on the host the client
// used, as GIS clients follow them as they are; a proxy on a trusted
// address may say the scheme was https.
func TestOGCLinksFollowTheHost(t *testing.T) {
	e, _ := testServer(t)
	for _, tt := range []struct {
		name, remote, want string
	}{
		{"proxy on loopback says https", "127.0.0.1:40000", "https://fifteen.example.org/"},
		{"a client on a public address cannot", "203.0.113.9:40000", "http://fifteen.example.org/"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/?f=json", nil)
			req.Host = "fifteen.example.org"
			req.RemoteAddr = tt.remote
			req.Header.Set("X-Forwarded-Proto", "https")
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			var landing struct{ Links []ogcLink }
			if err := json.Unmarshal(rec.Body.Bytes(), &landing); err != nil {
				t.Fatal(err)
			}
			rels := map[string]ogcLink{}
			for _, l := range landing.Links {
				rels[l.Rel] = l
				if !strings.HasPrefix(l.Href, tt.want) && l.Rel != "license" {
					t.Errorf("%s link %s is not on %s", l.Rel, l.Href, tt.want)
				}
			}
			for rel, typ := range map[string]string{"self": ctJSON, "alternate": ctHTML, "service-desc": ogcMediaOpenAPI,
				"conformance": ctJSON, "data": ctJSON} {
				if rels[rel].Type != typ {
					t.Errorf("landing %s link of type %q, want %q", rel, rels[rel].Type, typ)
				}
			}
		})
	}
}

// TestOGCGolden compares a few responses on Monaco with the golden files
// of testdata/ (go test -run TestOGCGolden -update rewrites them).
func TestOGCGolden(t *testing.T) {
	e, _ := testServer(t)
	stamp := regexp.MustCompile(`"timeStamp":"[^"]*"`)
	for _, g := range []struct{ name, target string }{
		{"landing", "/?f=json"},
		{"conformance", "/conformance"},
		{"facilities_items", "/collections/facilities/items?limit=3"},
		{"communities_items", "/collections/communities/items?limit=3&profile=adult"},
		{"cells_items", "/collections/cells/items?limit=3&res=8"},
		{"underserved_items", "/collections/underserved/items?limit=3&category=market"},
		{"network_items", "/collections/network/items?limit=3&offset=10"},
		{"network_item", ogcItem("network", "42")},
	} {
		t.Run(g.name, func(t *testing.T) {
			rec := do(t, e, http.MethodGet, g.target, nil)
			if rec.Code != 200 {
				t.Fatalf("GET %s: %d\n%s", g.target, rec.Code, rec.Body.String())
			}
			body := stamp.ReplaceAll(rec.Body.Bytes(), []byte(`"timeStamp":"2000-01-01T00:00:00Z"`))
			var buf bytes.Buffer
			if err := json.Indent(&buf, body, "", "  "); err != nil {
				t.Fatal(err)
			}
			got := buf.String()
			path := filepath.Join("testdata", g.name+".golden")
			if *ogcUpdate {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				gotPath := filepath.Join("testdata", g.name+".got.geojson")
				os.WriteFile(gotPath, []byte(got), 0o644)
				t.Errorf("GET %s differs from %s (-want +got; got written to %s for a map):\n%s", g.target, path, gotPath, diff)
			}
		})
	}
}

// TestOGCConcurrentFirstRequests sends the first requests of a fresh server
// at once, so that they race to compute the same feature sets (run with
// -race); every answer must equal the one a lone request gets.
func TestOGCConcurrentFirstRequests(t *testing.T) {
	targets := []string{
		"/collections/cells/items?limit=20&res=9&profile=senior",
		"/collections/underserved/items?category=pharmacy",
		"/collections/network/items?limit=50&bbox=7.42,43.73,7.43,43.74",
		"/collections",
	}
	stamp := regexp.MustCompile(`"timeStamp":"[^"]*"`)
	want := map[string]string{}
	e, _ := testServer(t)
	for _, target := range targets {
		want[target] = stamp.ReplaceAllString(do(t, e, http.MethodGet, target, nil).Body.String(), "")
	}
	fresh, err := New(testConfig(), testDeps(t))
	if err != nil {
		t.Fatal(err)
	}
	const rounds = 4
	errs := make(chan error, rounds*len(targets))
	for r := 0; r < rounds; r++ {
		for _, target := range targets {
			go func() {
				rec := do(t, fresh, http.MethodGet, target, nil)
				if got := stamp.ReplaceAllString(rec.Body.String(), ""); rec.Code != 200 || got != want[target] {
					errs <- fmt.Errorf("GET %s: status %d, body differs from a lone request's", target, rec.Code)
					return
				}
				errs <- nil
			}()
		}
	}
	for i := 0; i < rounds*len(targets); i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"

	"fifteen/data"
	"fifteen/geo"
)

// Points of the Monaco fixture: anOrigin is on the streets of La
// Condamine; anAtSea is 4 km out to sea, far from any street.
var (
	anOrigin = orb.Point{7.4215, 43.7360}
	anAtSea  = orb.Point{7.45, 43.70}
)

func anQuery(p orb.Point) string { return fmt.Sprintf("lon=%v&lat=%v", p[0], p[1]) }

// anProblem decodes a problem document.
func anProblem(t *testing.T, body []byte) Problem {
	t.Helper()
	var p Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem body %q: %v", body, err)
	}
	return p
}

// TestAnalysisRoutes sends one request per case through the real Echo and
// checks the status, the content type and, for problems, the parameter
// named.
func TestAnalysisRoutes(t *testing.T) {
	e, _ := testServer(t)
	scenarioJSON := `{"name":"new clinic","add":[{"category":"clinic","lon":7.4215,"lat":43.7360}]}`
	fc := func(pts ...orb.Point) string {
		c := geojson.NewFeatureCollection()
		for _, p := range pts {
			c.Append(geojson.NewFeature(p))
		}
		b, _ := json.Marshal(c)
		return string(b)
	}
	const ptype = "application/problem+json"
	cases := []struct {
		name, method, target, body string
		status                     int
		ctype                      string
		param                      string
	}{
		// isochrone
		{"isochrone default contours", "GET", "/v1/isochrone?" + anQuery(anOrigin), "", 200, anMediaGeoJSON, ""},
		{"isochrone reverse senior", "GET", "/v1/isochrone?" + anQuery(anOrigin) + "&minutes=3,7&profile=senior&reverse=true", "", 200, anMediaGeoJSON, ""},
		{"isochrone lon required", "GET", "/v1/isochrone?lat=43.73", "", 400, ptype, "lon"},
		{"isochrone NaN lat rejected", "GET", "/v1/isochrone?lon=7.42&lat=NaN", "", 400, ptype, "lat"},
		{"isochrone Inf lon rejected", "GET", "/v1/isochrone?lon=Inf&lat=43.73", "", 400, ptype, "lon"},
		{"isochrone swapped lat/lon out of range", "GET", "/v1/isochrone?lon=43.73&lat=97.42", "", 400, ptype, "lat"},
		{"isochrone minutes zero", "GET", "/v1/isochrone?" + anQuery(anOrigin) + "&minutes=0", "", 400, ptype, "minutes"},
		{"isochrone minutes negative", "GET", "/v1/isochrone?" + anQuery(anOrigin) + "&minutes=-5", "", 400, ptype, "minutes"},
		{"isochrone minutes above max", "GET", "/v1/isochrone?" + anQuery(anOrigin) + "&minutes=121", "", 400, ptype, "minutes"},
		{"isochrone minutes not a number", "GET", "/v1/isochrone?" + anQuery(anOrigin) + "&minutes=5,ten", "", 400, ptype, "minutes"},
		{"isochrone too many contours", "GET", "/v1/isochrone?" + anQuery(anOrigin) + "&minutes=1,2,3,4,5,6,7,8,9,10,11,12,13", "", 400, ptype, "minutes"},
		{"isochrone unknown profile", "GET", "/v1/isochrone?" + anQuery(anOrigin) + "&profile=runner", "", 400, ptype, "profile"},
		{"isochrone bad reverse", "GET", "/v1/isochrone?" + anQuery(anOrigin) + "&reverse=maybe", "", 400, ptype, "reverse"},
		{"isochrone at sea is 422", "GET", "/v1/isochrone?" + anQuery(anAtSea), "", 422, ptype, ""},
		{"isochrone batch", "POST", "/v1/isochrone", `{"origins":[{"id":"a","lon":7.4215,"lat":43.736}],"minutes":[5,10]}`, 200, "application/json", ""},
		{"isochrone batch malformed JSON", "POST", "/v1/isochrone", `{"origins":[`, 400, ptype, "body"},
		{"isochrone batch unknown field", "POST", "/v1/isochrone", `{"origins":[{"lon":7.42,"lat":43.73}],"colour":"red"}`, 400, ptype, "body"},
		{"isochrone batch trailing data", "POST", "/v1/isochrone", `{"origins":[{"lon":7.42,"lat":43.73}]} {}`, 400, ptype, "body"},
		{"isochrone batch empty body", "POST", "/v1/isochrone", ``, 400, ptype, "body"},
		{"isochrone batch no origins", "POST", "/v1/isochrone", `{"origins":[]}`, 400, ptype, "origins"},
		{"isochrone batch origin without lat", "POST", "/v1/isochrone", `{"origins":[{"lon":7.42}]}`, 400, ptype, "origins[0].lat"},
		{"isochrone batch origin out of range", "POST", "/v1/isochrone", `{"origins":[{"lon":7.42,"lat":43.73},{"lon":190,"lat":43.73}]}`, 400, ptype, "origins[1].lon"},
		{"isochrone batch bad minutes", "POST", "/v1/isochrone", `{"origins":[{"lon":7.42,"lat":43.73}],"minutes":[0]}`, 400, ptype, "minutes"},
		{"isochrone batch unknown profile", "POST", "/v1/isochrone", `{"origins":[{"lon":7.42,"lat":43.73}],"profile":"x"}`, 400, ptype, "profile"},
		{"isochrone batch over 100 origins", "POST", "/v1/isochrone", `{"origins":[` + strings.Repeat(`{"lon":7.42,"lat":43.73},`, 100) + `{"lon":7.42,"lat":43.73}]}`, 400, ptype, "origins"},
		// nearest
		{"nearest pharmacies", "GET", "/v1/nearest?" + anQuery(anOrigin) + "&category=pharmacy&k=3", "", 200, anMediaGeoJSON, ""},
		{"nearest category required", "GET", "/v1/nearest?" + anQuery(anOrigin), "", 400, ptype, "category"},
		{"nearest unknown category", "GET", "/v1/nearest?" + anQuery(anOrigin) + "&category=casino", "", 400, ptype, "category"},
		{"nearest k zero", "GET", "/v1/nearest?" + anQuery(anOrigin) + "&category=pharmacy&k=0", "", 400, ptype, "k"},
		{"nearest k above 20", "GET", "/v1/nearest?" + anQuery(anOrigin) + "&category=pharmacy&k=21", "", 400, ptype, "k"},
		{"nearest k not an integer", "GET", "/v1/nearest?" + anQuery(anOrigin) + "&category=pharmacy&k=2.5", "", 400, ptype, "k"},
		{"nearest unknown profile", "GET", "/v1/nearest?" + anQuery(anOrigin) + "&category=pharmacy&profile=x", "", 400, ptype, "profile"},
		{"nearest at sea is 422", "GET", "/v1/nearest?" + anQuery(anAtSea) + "&category=pharmacy", "", 422, ptype, ""},
		// report
		{"report json", "GET", "/v1/report", "", 200, "application/json", ""},
		{"report csv", "GET", "/v1/report?f=csv&profile=senior&category=clinic", "", 200, "text/csv", ""},
		{"report bad format", "GET", "/v1/report?f=xml", "", 400, ptype, "f"},
		{"report unknown profile", "GET", "/v1/report?profile=x", "", 400, ptype, "profile"},
		{"report unknown category", "GET", "/v1/report?category=x", "", 400, ptype, "category"},
		// gaps
		{"gaps by category", "GET", "/v1/gaps?category=pharmacy", "", 200, anMediaGeoJSON, ""},
		{"gaps by tier in a community", "GET", "/v1/gaps?tier=15&community=condamine&min_population=10&profile=wheelchair", "", 200, anMediaGeoJSON, ""},
		{"gaps neither category nor tier", "GET", "/v1/gaps", "", 400, ptype, "category"},
		{"gaps both category and tier", "GET", "/v1/gaps?category=pharmacy&tier=5", "", 400, ptype, "tier"},
		{"gaps tier 7", "GET", "/v1/gaps?tier=7", "", 400, ptype, "tier"},
		{"gaps negative min_population", "GET", "/v1/gaps?category=pharmacy&min_population=-1", "", 400, ptype, "min_population"},
		{"gaps NaN min_population", "GET", "/v1/gaps?category=pharmacy&min_population=NaN", "", 400, ptype, "min_population"},
		{"gaps unknown community", "GET", "/v1/gaps?category=pharmacy&community=atlantis", "", 400, ptype, "community"},
		// siting
		{"siting GET geojson", "GET", "/v1/siting?category=pharmacy&k=2", "", 200, anMediaGeoJSON, ""},
		{"siting GET json with capacity", "GET", "/v1/siting?category=pharmacy&k=2&capacity=500&f=json", "", 200, "application/json", ""},
		{"siting category required", "GET", "/v1/siting", "", 400, ptype, "category"},
		{"siting k zero", "GET", "/v1/siting?category=pharmacy&k=0", "", 400, ptype, "k"},
		{"siting k above max", "GET", "/v1/siting?category=pharmacy&k=1001", "", 400, ptype, "k"},
		{"siting negative capacity", "GET", "/v1/siting?category=pharmacy&capacity=-3", "", 400, ptype, "capacity"},
		{"siting bad format", "GET", "/v1/siting?category=pharmacy&f=kml", "", 400, ptype, "f"},
		{"siting POST candidates", "POST", "/v1/siting?category=pharmacy&k=1", fc(anOrigin, orb.Point{7.418, 43.731}), 200, anMediaGeoJSON, ""},
		{"siting POST candidate at sea counted too far", "POST", "/v1/siting?category=pharmacy&f=json", fc(anAtSea), 200, "application/json", ""},
		{"siting POST not GeoJSON", "POST", "/v1/siting?category=pharmacy", `{"type":"Feature"}`, 400, ptype, "body"},
		{"siting POST no points", "POST", "/v1/siting?category=pharmacy", `{"type":"FeatureCollection","features":[]}`, 400, ptype, "body"},
		{"siting POST swapped candidate", "POST", "/v1/siting?category=pharmacy", fc(orb.Point{43.73, 97.42}), 400, ptype, "body"},
		{"siting POST bad query first", "POST", "/v1/siting?category=x", fc(anOrigin), 400, ptype, "category"},
		// scenarios
		{"scenario JSON created", "POST", "/v1/scenarios", scenarioJSON, 201, "application/json", ""},
		{"scenario GeoJSON created", "POST", "/v1/scenarios", `{"type":"FeatureCollection","name":"g","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[7.4215,43.736]},"properties":{"category":"pharmacy"}}]}`, 201, "application/json", ""},
		{"scenario malformed JSON", "POST", "/v1/scenarios", `{"add":`, 400, ptype, "body"},
		{"scenario unknown field", "POST", "/v1/scenarios", `{"open":[]}`, 400, ptype, "body"},
		{"scenario NaN-free coordinates required", "POST", "/v1/scenarios", `{"add":[{"category":"clinic","lon":700,"lat":43.7}]}`, 400, ptype, "body"},
		{"scenario unknown category", "POST", "/v1/scenarios", `{"add":[{"category":"casino","lon":7.4215,"lat":43.736}]}`, 400, ptype, ""},
		{"scenario null body changes nothing", "POST", "/v1/scenarios", `null`, 400, ptype, "body"},
		{"scenario empty changes nothing", "POST", "/v1/scenarios", `{"name":"nothing"}`, 400, ptype, "body"},
		{"scenario GeoJSON null feature is 400 not a panic", "POST", "/v1/scenarios", `{"type":"FeatureCollection","features":[null]}`, 400, ptype, "body"},
		{"scenario link of one point", "POST", "/v1/scenarios", `{"add_links":[[[7.42,43.73]]]}`, 400, ptype, "body"},
		{"scenario facility at sea", "POST", "/v1/scenarios", `{"add":[{"category":"clinic","lon":7.45,"lat":43.70}]}`, 422, ptype, ""},
		{"scenario unknown facility to close", "POST", "/v1/scenarios", `{"close":["osm:node/1"]}`, 422, ptype, ""},
		{"scenario unknown id", "GET", "/v1/scenarios/0123456789abcdef", "", 404, ptype, "id"},
		{"scenario delete unknown id", "DELETE", "/v1/scenarios/nope", "", 404, ptype, "id"},
		{"scenario list", "GET", "/v1/scenarios", "", 200, "application/json", ""},
		{"scenario full report", "POST", "/v1/scenarios/preview?report=full", scenarioJSON, 200, "application/json", ""},
		{"scenario unknown report form", "POST", "/v1/scenarios/preview?report=long", scenarioJSON, 400, ptype, "report"},
		// taxonomy and walkers
		{"categories", "GET", "/v1/categories", "", 200, "application/json", ""},
		{"profiles", "GET", "/v1/profiles", "", 200, "application/json", ""},
		{"no such analysis route", "GET", "/v1/isochrones", "", 404, ptype, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			if tc.method == "POST" {
				body = strings.NewReader(tc.body)
			}
			rec := do(t, e, tc.method, tc.target, body, "Content-Type", "application/json")
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d; body %.300s", rec.Code, tc.status, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
				t.Errorf("content type %q, want %q", ct, tc.ctype)
			}
			if tc.status >= 400 {
				p := anProblem(t, rec.Body.Bytes())
				if p.Status != tc.status || p.Param != tc.param {
					t.Errorf("problem status %d param %q, want %d %q: %+v", p.Status, p.Param, tc.status, tc.param, p)
				}
			} else if !json.Valid(rec.Body.Bytes()) && !strings.HasPrefix(tc.ctype, "text/csv") {
				t.Errorf("invalid JSON body %.200s", rec.Body)
			}
		})
	}
}

// TestIsochroneContours checks the GeoJSON of an isochrone: one
// MultiPolygon per contour, largest first, each within the next larger,
// with the attribution.
func TestIsochroneContours(t *testing.T) {
	e, city := testServer(t)
	rec := do(t, e, "GET", "/v1/isochrone?"+anQuery(anOrigin)+"&minutes=15,5,10", nil)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	fc, err := geojson.UnmarshalFeatureCollection(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got := fc.ExtraMembers["attribution"]; got != city.Attribution {
		t.Errorf("attribution %v, want %q", got, city.Attribution)
	}
	if len(fc.Features) != 3 {
		t.Fatalf("%d features, want 3", len(fc.Features))
	}
	prevArea := math.Inf(1)
	for i, want := range []float64{15, 10, 5} {
		f := fc.Features[i]
		if m := f.Properties.MustFloat64("minutes", 0); m != want {
			t.Errorf("feature %d: %v minutes, want %v (largest first)", i, m, want)
		}
		if _, ok := f.Geometry.(orb.MultiPolygon); !ok {
			t.Errorf("feature %d: %T, want MultiPolygon", i, f.Geometry)
		}
		a := f.Properties.MustFloat64("area_km2", 0)
		if !(a > 0 && a <= prevArea) {
			t.Errorf("feature %d: area %v km² after %v", i, a, prevArea)
		}
		prevArea = a
	}
}

// TestIsochroneBatchFarOrigin checks that an origin at sea fails alone,
// with its own problem, while the others get their contours.
func TestIsochroneBatchFarOrigin(t *testing.T) {
	e, _ := testServer(t)
	body := fmt.Sprintf(`{"origins":[{"id":"a","lon":%v,"lat":%v},{"id":"sea","lon":%v,"lat":%v},{"lon":7.418,"lat":43.731}],"minutes":[5,10],"profile":"wheelchair"}`,
		anOrigin[0], anOrigin[1], anAtSea[0], anAtSea[1])
	rec := do(t, e, "POST", "/v1/isochrone", strings.NewReader(body), "Content-Type", "application/json")
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var got struct {
		Results []struct {
			ID       string          `json:"id"`
			OK       bool            `json:"ok"`
			Features json.RawMessage `json:"features"`
			Error    *Problem        `json:"error"`
		} `json:"results"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Results) != 3 {
		t.Fatalf("%d results, want 3", len(got.Results))
	}
	for i, want := range []struct {
		id string
		ok bool
	}{{"a", true}, {"sea", false}, {"2", true}} {
		r := got.Results[i]
		if r.ID != want.id || r.OK != want.ok {
			t.Errorf("result %d: id %q ok %v, want %q %v", i, r.ID, r.OK, want.id, want.ok)
		}
		if r.OK {
			fc, err := geojson.UnmarshalFeatureCollection(r.Features)
			if err != nil || len(fc.Features) != 2 || fc.Features[0].Properties.MustString("profile", "") != "wheelchair" {
				t.Errorf("result %d: features %.200s (%v)", i, r.Features, err)
			}
		} else if r.Error == nil || r.Error.Status != http.StatusUnprocessableEntity || r.Error.Param != "origins[1]" {
			t.Errorf("result %d: error %+v, want a 422 problem naming origins[1]", i, r.Error)
		}
	}
}

// TestNearestRoutes checks the routes to the nearest pharmacies: ordered
// by minutes, each line starting at the origin's snap and ending at the
// facility's access point, next to the facility, and as long as the
// distance reported less the straight legs.
func TestNearestRoutes(t *testing.T) {
	e, city := testServer(t)
	rec := do(t, e, "GET", "/v1/nearest?"+anQuery(anOrigin)+"&category=pharmacy&k=4&profile=adult", nil)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	fc, err := geojson.UnmarshalFeatureCollection(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != 4 {
		t.Fatalf("%d routes, want 4", len(fc.Features))
	}
	snapM := fc.ExtraMembers["snap_m"].(float64)
	byID := map[string]geo.Facility{}
	for _, f := range city.Facilities {
		byID[f.ID] = f
	}
	prev := 0.0
	for i, f := range fc.Features {
		line, ok := f.Geometry.(orb.LineString)
		if !ok || len(line) < 2 {
			t.Fatalf("route %d: %T of %v", i, f.Geometry, f.Geometry)
		}
		mins := f.Properties.MustFloat64("minutes", -1)
		if mins < prev {
			t.Errorf("route %d: %v min after %v", i, mins, prev)
		}
		prev = mins
		if d := orbgeo.Distance(line[0], anOrigin); d > snapM+0.5 {
			t.Errorf("route %d starts %.1f m from the origin, snapped %.1f m away", i, d, snapM)
		}
		fac, ok := byID[f.Properties.MustString("facility_id", "")]
		if !ok || fac.Category != "pharmacy" {
			t.Fatalf("route %d: facility %v", i, f.Properties["facility_id"])
		}
		apt := orb.Point{f.Properties.MustFloat64("access_lon", 0), f.Properties.MustFloat64("access_lat", 0)}
		if d := orbgeo.Distance(line[len(line)-1], apt); d > 0.5 {
			t.Errorf("route %d ends %.1f m from the access point", i, d)
		}
		legM := orbgeo.Distance(apt, fac.Point)
		if legM > city.SnapMaxM {
			t.Errorf("route %d: access point %.0f m from the pharmacy", i, legM)
		}
		var lineM float64
		for k := 1; k < len(line); k++ {
			lineM += orbgeo.Distance(line[k-1], line[k])
		}
		distM := f.Properties.MustFloat64("distance_m", -1)
		if want := distM - snapM - legM; math.Abs(lineM-want) > 2 {
			t.Errorf("route %d: line %.1f m, distance %.1f m less legs %.1f m", i, lineM, distM, want)
		}
		// At 4.5 km/h the minutes are the distance walked (no steps
		// on a route is not guaranteed, so only a lower bound).
		if minM := distM / 75; mins < minM-0.01 {
			t.Errorf("route %d: %.2f min for %.0f m is faster than walking", i, mins, distM)
		}
	}
}

// TestReportCacheAndCSV checks the report's ETag and 304, that the format
// chosen by Accept does not share the JSON's cache entry, and that the CSV
// parses with the documented header.
func TestReportCacheAndCSV(t *testing.T) {
	e, _ := testServer(t)
	rec := do(t, e, "GET", "/v1/report?profile=adult", nil)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	etag := rec.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	var r geo.CoverageReport
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Total.Profiles) != 1 || r.Total.Profiles[0].Profile != "adult" || len(r.Communities) != 3 {
		t.Errorf("report filtered to adult: %d profiles, %d communities", len(r.Total.Profiles), len(r.Communities))
	}
	if rec := do(t, e, "GET", "/v1/report?profile=adult", nil, "If-None-Match", etag); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("If-None-Match: status %d, %d bytes; want 304 and none", rec.Code, rec.Body.Len())
	}
	if rec := do(t, e, "GET", "/v1/report?profile=adult", nil, "Accept-Encoding", "gzip"); rec.Header().Get("Content-Encoding") != "gzip" {
		t.Errorf("no gzip body for Accept-Encoding: gzip")
	}
	// The full report is not shrunk by an earlier filtered request.
	rec = do(t, e, "GET", "/v1/report", nil)
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || len(r.Total.Profiles) != 3 {
		t.Errorf("full report: %d profiles (%v)", len(r.Total.Profiles), err)
	}

	csvRec := do(t, e, "GET", "/v1/report?profile=adult", nil, "Accept", "text/csv")
	if ct := csvRec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("Accept: text/csv gave %q", ct)
	}
	if csvRec.Header().Get("ETag") == etag {
		t.Error("the CSV and the JSON share an ETag")
	}
	rows, err := csv.NewReader(csvRec.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][0] != "community_id" || rows[0][len(rows[0])-1] != "attribution" {
		t.Errorf("header %q", rows[0])
	}
	// City and 3 communities, one profile, every category.
	if want := 1 + 4*len(r.Total.Profiles[0].Categories); len(rows) != want {
		t.Errorf("%d rows, want %d", len(rows), want)
	}
	if last := rows[len(rows)-1]; last[0] != "*" || last[3] != "adult" {
		t.Errorf("last row %q, want the city's adult figures", last)
	}
}

// TestScenarioRoundTrip posts a new clinic, reads it back, finds it in the
// list, deletes it and no longer finds it.
func TestScenarioRoundTrip(t *testing.T) {
	e, _ := testServer(t)
	body := `{"name":"clinic on the port","add":[{"category":"clinic","name":"Port clinic","lon":7.4215,"lat":43.7360}]}`
	rec := do(t, e, "POST", "/v1/scenarios", strings.NewReader(body), "Content-Type", "application/json")
	if rec.Code != http.StatusCreated {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	loc := rec.Header().Get("Location")
	var doc struct {
		ID          string                `json:"id"`
		Name        string                `json:"name"`
		Communities []geo.CommunityChange `json:"communities"`
		Changes     []geo.CategoryChange  `json:"changes"`
		Cells       []geo.CellChange      `json:"cells"`
		Diff        *geo.ReportDiff       `json:"diff"`
		Report      *geo.CoverageReport   `json:"report"`
		Summary     ScenarioSummary       `json:"summary"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if loc != "/v1/scenarios/"+doc.ID || len(doc.ID) != 16 {
		t.Fatalf("Location %q for id %q", loc, doc.ID)
	}
	// The compact answer by default: no report, no report difference.
	if doc.Name != "clinic on the port" || doc.Diff != nil || doc.Report != nil || doc.Summary.Add != 1 || len(doc.Changes) == 0 {
		t.Fatalf("document %+v, %d changes, diff %v, report %v", doc.Summary, len(doc.Changes), doc.Diff != nil, doc.Report != nil)
	}
	if len(doc.Cells) == 0 {
		t.Error("a new clinic changed no cell's walk")
	}
	for _, ch := range doc.Cells {
		if ch.Category != "clinic" {
			t.Fatalf("a new clinic changed a %s walk", ch.Category)
		}
		if ch.BeforeMin != nil && ch.AfterMin != nil && *ch.AfterMin > *ch.BeforeMin {
			t.Fatalf("a new clinic lengthened a walk: %+v", ch)
		}
	}
	var gained float64
	for _, cc := range doc.Communities {
		for _, c := range cc.Categories {
			if cc.ID == "" && c.Category == "clinic" {
				gained += c.After.Covered - c.Before.Covered
			}
		}
	}
	if gained < 0 {
		t.Errorf("clinic coverage fell by %v", -gained)
	}
	// The full answer on request, the same summary and cells.
	full := do(t, e, "GET", loc+"?report=full", nil)
	var fdoc struct {
		Summary     ScenarioSummary     `json:"summary"`
		Diff        *geo.ReportDiff     `json:"diff"`
		Report      *geo.CoverageReport `json:"report"`
		Cells       []geo.CellChange    `json:"cells"`
		Communities []any               `json:"communities"`
	}
	if err := json.Unmarshal(full.Body.Bytes(), &fdoc); err != nil || full.Code != 200 {
		t.Fatalf("GET %s?report=full: %d %v", loc, full.Code, err)
	}
	if fdoc.Diff == nil || fdoc.Report == nil || fdoc.Communities != nil || fdoc.Summary != doc.Summary || len(fdoc.Cells) != len(doc.Cells) {
		t.Errorf("full answer: diff %v, report %v, communities %v, summary %+v (compact %+v), %d cells (compact %d)",
			fdoc.Diff != nil, fdoc.Report != nil, fdoc.Communities != nil, fdoc.Summary, doc.Summary, len(fdoc.Cells), len(doc.Cells))
	}
	if again := do(t, e, "GET", loc+"?report=full", nil); !bytes.Equal(again.Body.Bytes(), full.Body.Bytes()) {
		t.Error("the full answer, cached, differs from the one computed")
	}
	if bad := do(t, e, "GET", loc+"?report=everything", nil); bad.Code != http.StatusBadRequest || !strings.Contains(bad.Body.String(), "report") {
		t.Errorf("?report=everything: %d %s", bad.Code, bad.Body)
	}

	got := do(t, e, "GET", loc, nil)
	if got.Code != 200 || !bytes.Equal(got.Body.Bytes(), rec.Body.Bytes()) {
		t.Errorf("GET %s: status %d, body differs from the POST's", loc, got.Code)
	}
	list := do(t, e, "GET", "/v1/scenarios", nil)
	var l struct {
		Scenarios []ScenarioInfo `json:"scenarios"`
	}
	if err := json.Unmarshal(list.Body.Bytes(), &l); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range l.Scenarios {
		if s.ID == doc.ID {
			found = s.Name == doc.Name && s.Summary.CellsChanged == len(doc.Cells)
		}
	}
	if !found {
		t.Errorf("scenario %s not listed as posted: %s", doc.ID, list.Body)
	}
	if rec := do(t, e, "DELETE", loc, nil); rec.Code != http.StatusNoContent {
		t.Errorf("DELETE: status %d", rec.Code)
	}
	if rec := do(t, e, "GET", loc, nil); rec.Code != http.StatusNotFound {
		t.Errorf("GET after DELETE: status %d", rec.Code)
	}
	if rec := do(t, e, "DELETE", loc, nil); rec.Code != http.StatusNotFound {
		t.Errorf("second DELETE: status %d", rec.Code)
	}
}

// TestSavedScenariosNeverEvicted: with room for two computed documents,
// three saved scenarios all stay; the first is recomputed from its saved
// inputs, with the same figures.
func TestSavedScenariosNeverEvicted(t *testing.T) {
	cfg := testConfig()
	cfg.MaxScenarios = 2
	e, err := New(cfg, testDeps(t))
	if err != nil {
		t.Fatal(err)
	}
	var locs []string
	var bodies [][]byte
	for i := range 3 {
		body := fmt.Sprintf(`{"name":"s%d","add":[{"category":"pharmacy","lon":7.4215,"lat":43.7360}]}`, i)
		rec := do(t, e, "POST", "/v1/scenarios", strings.NewReader(body))
		if rec.Code != http.StatusCreated {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		locs = append(locs, rec.Header().Get("Location"))
		bodies = append(bodies, rec.Body.Bytes())
	}
	for i := range locs {
		rec := do(t, e, "GET", locs[i], nil)
		if rec.Code != 200 {
			t.Fatalf("scenario %d: status %d, want 200: saved work is never evicted", i, rec.Code)
		}
		if !bytes.Equal(rec.Body.Bytes(), bodies[i]) {
			t.Errorf("scenario %d recomputed differs from the document first returned", i)
		}
	}
	var l struct {
		Scenarios []ScenarioInfo `json:"scenarios"`
		Total     int            `json:"total"`
	}
	json.Unmarshal(do(t, e, "GET", "/v1/scenarios", nil).Body.Bytes(), &l)
	if l.Total != 3 || len(l.Scenarios) != 3 || l.Scenarios[0].Name != "s0" || l.Scenarios[2].Name != "s2" || l.Scenarios[0].Owner != "alice" {
		t.Errorf("list %+v, want s0, s1, s2 by alice", l.Scenarios)
	}
}

// TestOversizedBodies checks the 413 of the body limit on every POST
// route, with and without a Content-Length.
func TestOversizedBodies(t *testing.T) {
	e, _ := testServer(t)
	big := `{"name":"` + strings.Repeat("x", 3<<20) + `"}`
	for _, target := range []string{"/v1/isochrone", "/v1/scenarios", "/v1/siting?category=pharmacy"} {
		for _, chunked := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s chunked=%v", target, chunked), func(t *testing.T) {
				var body io.Reader = strings.NewReader(big)
				if chunked {
					body = struct{ *strings.Reader }{strings.NewReader(big)} // hides the length
				}
				rec := do(t, e, "POST", target, body)
				if rec.Code != http.StatusRequestEntityTooLarge {
					t.Fatalf("status %d, want 413: %.200s", rec.Code, rec.Body)
				}
				if p := anProblem(t, rec.Body.Bytes()); p.Status != 413 {
					t.Errorf("problem %+v", p)
				}
			})
		}
	}
}

// TestTaxonomyAndProfiles checks the categories with their facility
// counts, and the walkers.
func TestTaxonomyAndProfiles(t *testing.T) {
	e, city := testServer(t)
	var cats struct {
		Categories []categoryInfo `json:"categories"`
	}
	if err := json.Unmarshal(do(t, e, "GET", "/v1/categories", nil).Body.Bytes(), &cats); err != nil {
		t.Fatal(err)
	}
	if len(cats.Categories) != len(city.Taxonomy.Categories) {
		t.Fatalf("%d categories, want %d", len(cats.Categories), len(city.Taxonomy.Categories))
	}
	total := 0
	for _, c := range cats.Categories {
		if c.Name == "" || c.NameZH == "" || c.Tier == 0 || c.ThresholdMin <= 0 {
			t.Errorf("category %+v lacks names, tier or threshold", c)
		}
		total += c.Facilities
	}
	if total == 0 {
		t.Error("no facilities counted")
	}
	var profs struct {
		Profiles []geo.Profile `json:"profiles"`
	}
	json.Unmarshal(do(t, e, "GET", "/v1/profiles", nil).Body.Bytes(), &profs)
	if len(profs.Profiles) != 3 || profs.Profiles[0].ID != "adult" || profs.Profiles[0].SpeedKmh != 4.5 {
		t.Errorf("profiles %+v", profs.Profiles)
	}
}

// TestRandomQueriesNeverFail sends random query strings and bodies to
// every analysis route: each must answer below 500 (bad input is the
// client's fault), with a problem document when it refuses.
func TestRandomQueriesNeverFail(t *testing.T) {
	e, _ := testServer(t)
	rng := rand.New(rand.NewPCG(15, 15))
	routes := []struct{ method, path string }{
		{"GET", "/v1/isochrone"}, {"POST", "/v1/isochrone"}, {"GET", "/v1/nearest"}, {"GET", "/v1/report"},
		{"GET", "/v1/gaps"}, {"GET", "/v1/siting"}, {"POST", "/v1/siting"}, {"POST", "/v1/scenarios"},
		{"GET", "/v1/scenarios"}, {"GET", "/v1/scenarios/x"}, {"DELETE", "/v1/scenarios/x"},
		{"GET", "/v1/categories"}, {"GET", "/v1/profiles"},
	}
	keys := []string{"lon", "lat", "minutes", "profile", "reverse", "category", "k", "f", "tier",
		"community", "min_population", "capacity", "id", "zz"}
	values := []string{"", "0", "-1", "1", "5", "15", "20", "1e308", "-1e308", "NaN", "Inf", "-0", "0x10",
		"7.4215", "43.736", "181", "91", "adult", "senior", "pharmacy", "clinic", "park", "greenway", "csv",
		"json", "geojson", "true", "5,10", ",,", "5,-5", "%00", "é", "condamine", strings.Repeat("9", 400)}
	bodies := []string{"", "{", "null", "[]", `{"origins":null}`, `{"origins":[{"lon":"x"}]}`,
		`{"type":"FeatureCollection","features":[null]}`, `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null}]}`,
		`{"add":[{"category":"park","lon":7.42,"lat":43.73}]}`, `{"add_links":[[[7.42,43.73]]]}`,
		`{"origins":[{"lon":7.42,"lat":43.73}],"minutes":[1e400]}`, "\x00\xff"}
	for i := range 400 {
		r := routes[rng.IntN(len(routes))]
		q := url.Values{}
		for range rng.IntN(6) {
			q.Add(keys[rng.IntN(len(keys))], values[rng.IntN(len(values))])
		}
		target := r.path + "?" + q.Encode()
		var body io.Reader
		if r.method == "POST" {
			body = strings.NewReader(bodies[rng.IntN(len(bodies))])
		}
		rec := do(t, e, r.method, target, body)
		if rec.Code >= 500 {
			t.Fatalf("request %d %s %s: status %d: %s", i, r.method, target, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Fatalf("request %d %s %s: %d without a problem document", i, r.method, target, rec.Code)
		}
	}
}

// TestConcurrentAnalysis runs isochrones, nearest searches and scenarios
// at once: pooled searchers and the scenario store must not race (run
// with -race).
func TestConcurrentAnalysis(t *testing.T) {
	e, _ := testServer(t)
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for i := range 12 {
		wg.Go(func() {
			var rec interface{ Result() *http.Response }
			switch i % 3 {
			case 0:
				rec = do(t, e, "GET", fmt.Sprintf("/v1/isochrone?lon=%v&lat=43.736&minutes=%d", 7.4215+float64(i)*1e-4, 5+i), nil)
			case 1:
				rec = do(t, e, "GET", "/v1/nearest?"+anQuery(anOrigin)+"&category=clinic&k=3", nil)
			default:
				rec = do(t, e, "POST", "/v1/scenarios", strings.NewReader(`{"add":[{"category":"park","lon":7.42,"lat":43.733}]}`))
			}
			if code := rec.Result().StatusCode; code >= 300 {
				errs <- fmt.Sprintf("request %d: status %d", i, code)
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestParallelStopsAtDeadline checks that a batch stops handing out work
// once its context ends.
func TestParallelStopsAtDeadline(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	n := 0
	err := parallel(ctx, 1000, func(i int) {
		mu.Lock()
		n++
		if n == 5 {
			cancel()
		}
		mu.Unlock()
	})
	if err == nil || n >= 1000 {
		t.Errorf("err %v after %d calls, want the context's error before all", err, n)
	}
}

// benchServer loads the default city and builds its server.
func benchServer(b *testing.B) *echo.Echo { return loadServer(b, data.Config{}) }

// BenchmarkIsochroneGET is GET /v1/isochrone (5, 10, 15 min) in Vaduz on
// the default city, through e.ServeHTTP; origins vary over a fixed set so
// that the searcher's cell cache is warm as in a running server.
func BenchmarkIsochroneGET(b *testing.B) {
	h := benchServer(b)
	rng := rand.New(rand.NewPCG(1, 2))
	var targets []string
	for range 16 {
		targets = append(targets, fmt.Sprintf("/v1/isochrone?lon=%.5f&lat=%.5f", 9.515+rng.Float64()*0.01, 47.135+rng.Float64()*0.01))
	}
	var bytesOut int
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		rec := do(b, h, "GET", targets[i%len(targets)], nil)
		if rec.Code != 200 {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		bytesOut += rec.Body.Len()
		i++
	}
	b.ReportMetric(float64(bytesOut)/float64(i), "B/resp")
}

// BenchmarkScenarioPOST is POST /v1/scenarios with one new clinic in
// Vaduz on the default city.
func BenchmarkScenarioPOST(b *testing.B) {
	h := benchServer(b)
	body := []byte(`{"name":"bench","add":[{"category":"clinic","lon":9.5209,"lat":47.1410}]}`)
	b.ReportAllocs()
	for b.Loop() {
		rec := do(b, h, "POST", "/v1/scenarios", bytes.NewReader(body))
		if rec.Code != http.StatusCreated {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

package data

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb/planar"

	"fifteen/geo"
)

func TestLoadCommunitiesLiechtenstein(t *testing.T) {
	comms, err := loadFile("city/li_municipalities_population.geojson", LoadCommunities)
	if err != nil {
		t.Fatal(err)
	}
	if len(comms) != 11 {
		t.Fatalf("got %d communities, want 11", len(comms))
	}
	var sum float64
	ids := make(map[string]bool)
	for _, c := range comms {
		sum += c.Population
		ids[c.ID] = true
		if c.Aged60Share != -1 || c.ChildShare != -1 {
			t.Errorf("%s: unknown shares should be -1, got %v, %v", c.ID, c.Aged60Share, c.ChildShare)
		}
		if len(c.Geom) == 0 {
			t.Errorf("%s: empty geometry", c.ID)
		}
	}
	if sum != 37269 {
		t.Errorf("population sum %v, want 37269", sum)
	}
	// Ids come from iso3166_2, since the file has no id property.
	if comms[1].ID != "LI-11" || comms[1].Name != "Vaduz" || comms[1].Population != 5229 {
		t.Errorf("second community = %s %q %v, want LI-11 Vaduz 5229", comms[1].ID, comms[1].Name, comms[1].Population)
	}
	if len(ids) != 11 {
		t.Errorf("ids not unique: %v", ids)
	}
	// Vaduz's town hall lies in Vaduz.
	townHall := [2]float64{9.5215, 47.1397}
	if !planar.MultiPolygonContains(comms[1].Geom, townHall) {
		t.Errorf("Vaduz does not contain its town hall %v", townHall)
	}
}

func TestLoadCommunitiesFields(t *testing.T) {
	comms, err := loadFile("testdata/communities_ok.geojson", LoadCommunities)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                   string
		id, commName           string
		pop, households        float64
		aged60, child          float64
		polys, firstRingPoints int
	}{
		{"id property, all fields", "A", "Alpha", 1200, 500, 0.25, 0.15, 1, 5},
		{"feature id, numeric string population, pop_60plus count", "7", "Beta", 800, 0, 0.25, -1, 1, 5},
		{"iso3166_2 id, share_60plus, multipolygon", "XX-03", "XX-03", 50.5, 0, 0.4, -1, 2, 5},
		{"osm_id id, unclosed ring closed", "123456", "123456", 10, 0, -1, -1, 1, 4},
		{"name as id", "Epsilon", "Epsilon", 1, 0, -1, -1, 1, 5},
		{"index as last resort", "#5", "#5", 2, 0, -1, -1, 1, 5},
	}
	if len(comms) != len(tests) {
		t.Fatalf("got %d communities, want %d", len(comms), len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := comms[i]
			if c.ID != tt.id || c.Name != tt.commName {
				t.Errorf("id, name = %q, %q; want %q, %q", c.ID, c.Name, tt.id, tt.commName)
			}
			if c.Population != tt.pop || c.Households != tt.households {
				t.Errorf("population, households = %v, %v; want %v, %v", c.Population, c.Households, tt.pop, tt.households)
			}
			if math.Abs(c.Aged60Share-tt.aged60) > 1e-12 || c.ChildShare != tt.child {
				t.Errorf("shares = %v, %v; want %v, %v", c.Aged60Share, c.ChildShare, tt.aged60, tt.child)
			}
			if len(c.Geom) != tt.polys || len(c.Geom[0][0]) != tt.firstRingPoints {
				t.Errorf("geometry has %d polygons, first ring %d points; want %d, %d",
					len(c.Geom), len(c.Geom[0][0]), tt.polys, tt.firstRingPoints)
			}
		})
	}
}

func TestLoadCommunitiesErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		// want are substrings every error message must contain: the file,
		// the feature and the problem.
		want    []string
		wantErr error
	}{
		{"not a FeatureCollection", "communities_not_fc.geojson",
			[]string{"communities_not_fc.geojson", "not a GeoJSON FeatureCollection", `"Feature"`}, ErrBadCommunities},
		{"empty collection", "communities_empty.geojson",
			[]string{"communities_empty.geojson", "no community"}, ErrBadCommunities},
		{"feature that is not a polygon", "communities_point.geojson",
			[]string{"communities_point.geojson", "feature 1", `"B"`, "Point"}, ErrBadCommunities},
		{"missing population", "communities_no_population.geojson",
			[]string{"communities_no_population.geojson", "feature 0", `"A"`, "polygon with no population", "missing"}, geo.ErrNoPopulation},
		{"negative population", "communities_negative_population.geojson",
			[]string{"feature 0", "polygon with no population", "-3"}, geo.ErrNoPopulation},
		{"non-numeric population", "communities_text_population.geojson",
			[]string{"feature 0", "polygon with no population", "many"}, geo.ErrNoPopulation},
		{"swapped coordinates outside WGS84", "communities_swapped.geojson",
			[]string{"communities_swapped.geojson", "feature 0", `"TW"`, "latitude"}, geo.ErrBadCoordinate},
		{"duplicate ids", "communities_duplicate_id.geojson",
			[]string{"feature 1", `"A"`, "duplicate id", "feature 0"}, ErrBadCommunities},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadFile(filepath.Join("testdata", tt.file), LoadCommunities)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, tt.wantErr) || !errors.Is(err, ErrBadCommunities) {
				t.Errorf("error %v does not wrap %v and ErrBadCommunities", err, tt.wantErr)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestLoadCommunitiesInline(t *testing.T) {
	const sq = `{"type":"Polygon","coordinates":[[[9.5,47.1],[9.51,47.1],[9.51,47.11],[9.5,47.11],[9.5,47.1]]]}`
	feature := func(props string) string {
		return `{"type":"FeatureCollection","features":[{"type":"Feature","properties":` + props + `,"geometry":` + sq + `}]}`
	}
	tests := []struct {
		name    string
		in      string
		wantErr error
	}{
		{"not JSON", `{"type":`, ErrBadCommunities},
		{"zero population", feature(`{"id":"z","population":0}`), geo.ErrNoPopulation},
		{"null population", feature(`{"id":"z","population":null}`), geo.ErrNoPopulation},
		{"boolean population", feature(`{"id":"z","population":true}`), geo.ErrNoPopulation},
		{"share above one", feature(`{"id":"z","population":5,"aged_60_share":1.5}`), ErrBadCommunities},
		{"negative child share", feature(`{"id":"z","population":5,"child_share":-0.1}`), ErrBadCommunities},
		{"pop_60plus above population", feature(`{"id":"z","population":5,"pop_60plus":6}`), ErrBadCommunities},
		{"negative households", feature(`{"id":"z","population":5,"households":-1}`), ErrBadCommunities},
		{"null geometry", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"population":1},"geometry":null}]}`, ErrBadCommunities},
		{"ring too short", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"population":1},"geometry":{"type":"Polygon","coordinates":[[[9.5,47.1],[9.6,47.1],[9.5,47.1]]]}}]}`, ErrBadCommunities},
		{"valid", feature(`{"id":"z","population":5}`), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadCommunities(strings.NewReader(tt.in), "inline.geojson")
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "inline.geojson") {
				t.Errorf("error %q does not start with the file name", err)
			}
		})
	}
}

// TestLoadCommunitiesAgeBands: shares and counts of the age bands fill
// Community.AgeShares (a share wins over a count); a count above the
// population or a share outside 0..1 is an error naming the feature.
func TestLoadCommunitiesAgeBands(t *testing.T) {
	feature := func(props string) string {
		return `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a","population":1000` + props +
			`},"geometry":{"type":"Polygon","coordinates":[[[104,30],[104.01,30],[104.01,30.01],[104,30]]]}}]}`
	}
	cs, err := LoadCommunities(strings.NewReader(feature(`,"share_3_5":0.04,"pop_3_5":90,"pop_80plus":30,"share_6_11":"0.07","pop_60plus":210`)), "ages.geojson")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{geo.Age3to5: 0.04, geo.Age80Plus: 0.03, geo.Age6to11: 0.07, geo.Age60Plus: 0.21}
	for b, w := range want {
		if got, ok := cs[0].AgeShares[b]; !ok || math.Abs(got-w) > 1e-12 {
			t.Errorf("band %s: %v (%v), want %v", b, got, ok, w)
		}
	}
	if cs[0].Aged60Share != 0.21 {
		t.Errorf("Aged60Share %v, want 0.21 from pop_60plus", cs[0].Aged60Share)
	}
	for _, tc := range []struct{ props, want string }{
		{`,"pop_12_14":2000`, "pop_12_14 2000 outside 0..population 1000"},
		{`,"share_80plus":1.5`, "share_80plus 1.5 outside 0..1"},
		{`,"pop_3_5":"many"`, "pop_3_5"},
	} {
		_, err := LoadCommunities(strings.NewReader(feature(tc.props)), "ages.geojson")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `ages.geojson: feature 0 (id "a")`) {
			t.Errorf("%s: %v, want an error naming the feature and %q", tc.props, err, tc.want)
		}
	}
}

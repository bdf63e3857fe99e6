package data

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"fifteen/geo"
)

func loadFacilityFile(t *testing.T, file string) ([]geo.Facility, error) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return LoadFacilities(f, file, DefaultTaxonomy())
}

// wantFacility is the part of a facility the tests check.
type wantFacility struct {
	id, category, name string
	capacity           float64
	capSource          string
	geom               string // GeoJSON type of Geom, "" for none
}

func checkFacilities(t *testing.T, got []geo.Facility, want []wantFacility) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d facilities, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		geomType := ""
		if g.Geom != nil {
			geomType = g.Geom.GeoJSONType()
		}
		if g.ID != w.id || g.Category != w.category || g.Name != w.name || g.Capacity != w.capacity ||
			g.CapacitySource != w.capSource || geomType != w.geom || g.Source != "user" {
			t.Errorf("facility %d = {%q %q %q %v %q %q %q}, want %+v", i,
				g.ID, g.Category, g.Name, g.Capacity, g.CapacitySource, geomType, g.Source, w)
		}
		if err := geo.ValidPoint(g.Point); err != nil {
			t.Errorf("facility %d: %v", i, err)
		}
	}
}

func TestLoadFacilitiesGeoJSON(t *testing.T) {
	got, err := loadFacilityFile(t, "facilities_chengdu.geojson")
	if err != nil {
		t.Fatal(err)
	}
	checkFacilities(t, got, []wantFacility{
		{"user:dl-01", "clinic", "大里社区卫生服务中心", 0, "", ""},
		{"user:1", "kindergarten", "玉林幼儿园", 360, "user", ""},
		{"user:77", "elderly_care", "浆洗街养老院", 120, "user", ""},
		{"user:park-1", "park", "望江社区公园", 0, "", "Polygon"},
		{"user:gw-1", "greenway", "锦江绿道（规划）", 0, "", "LineString"},
		{"user:ps-1", "primary_school", "规划小学", 1080, "default", ""},
	})
	if p := got[0].Point; p != (orb.Point{104.0436, 30.6355}) {
		t.Errorf("point = %v, want (lon, lat) = (104.0436, 30.6355)", p)
	}
	if poly := got[3].Geom.(orb.Polygon); !planar.PolygonContains(poly, got[3].Point) {
		t.Errorf("park point %v is not inside its polygon", got[3].Point)
	}
}

func TestLoadFacilitiesCSV(t *testing.T) {
	got, err := loadFacilityFile(t, "facilities_chengdu.csv")
	if err != nil {
		t.Fatal(err)
	}
	checkFacilities(t, got, []wantFacility{
		{"user:dl-01", "clinic", "大里社区卫生服务中心", 0, "", ""},
		{"user:2", "kindergarten", "玉林幼儿园", 360, "user", ""},
		{"user:jx-3", "elderly_care", "浆洗街养老院, 二期", 120, "user", ""},
		{"user:ps-1", "primary_school", "规划小学", 1080, "default", ""},
	})
	if p := got[0].Point; p != (orb.Point{104.0436, 30.6355}) {
		t.Errorf("point = %v, want (lon, lat) = (104.0436, 30.6355)", p)
	}

	got, err = loadFacilityFile(t, "facilities_semicolon.csv")
	if err != nil {
		t.Fatal(err)
	}
	checkFacilities(t, got, []wantFacility{{"user:1", "market", "玉林菜市场", 0, "", ""}})
}

func TestLoadFacilitiesFormatDetection(t *testing.T) {
	csvText := "lon,lat,category\n104.04,30.63,clinic\n"
	gjText := `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[104.04,30.63]},"properties":{"category":"clinic"}}]}`
	tests := []struct {
		name, file, text string
		format           FacilityFormat
	}{
		{"csv by suffix", "planned.CSV", csvText, FormatAuto},
		{"geojson by suffix", "planned.geojson", gjText, FormatAuto},
		{"csv by content", "planned", csvText, FormatAuto},
		{"geojson by content", "-", "\n  " + gjText, FormatAuto},
		{"explicit csv despite name", "planned.json", csvText, FormatCSV},
		{"explicit geojson despite name", "planned.csv", gjText, FormatGeoJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadFacilitiesFormat(strings.NewReader(tt.text), tt.file, tt.format, DefaultTaxonomy())
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Category != "clinic" {
				t.Errorf("got %+v", got)
			}
		})
	}
}

func TestLoadFacilitiesErrors(t *testing.T) {
	fc := func(features string) string {
		return `{"type":"FeatureCollection","features":[` + features + `]}`
	}
	pt := `"geometry":{"type":"Point","coordinates":[104.04,30.63]}`
	tests := []struct {
		name     string
		file     string // under testdata when text is ""
		text     string
		wantIs   []error
		wantText string
	}{
		{"unknown category names file, feature and category", "facilities_unknown_category.geojson", "",
			[]error{geo.ErrUnknownCategory, ErrBadFacilities}, `facilities_unknown_category.geojson: feature 1: geo: unknown category "cinema"`},
		{"swapped lat/lon is caught", "facilities_swapped.csv", "",
			[]error{geo.ErrBadCoordinate, ErrBadFacilities}, "facilities_swapped.csv: line 2: geo: coordinate outside WGS84 range: latitude 104.0436"},
		{"not a FeatureCollection", "facilities_not_fc.geojson", "",
			[]error{ErrBadFacilities}, `GeoJSON type "Feature", want FeatureCollection`},
		{"duplicate id names both places", "facilities_duplicate_id.csv", "",
			[]error{ErrBadFacilities}, `line 4: data: invalid facility file: duplicate id "a" (first at line 2)`},
		{"missing category property", "x.geojson", fc(`{"type":"Feature",` + pt + `,"properties":{"name":"无类别"}}`),
			[]error{ErrBadFacilities}, "x.geojson: feature 0: data: invalid facility file: missing category"},
		{"null geometry", "x.geojson", fc(`{"type":"Feature","geometry":null,"properties":{"category":"clinic"}}`),
			[]error{ErrBadFacilities}, "feature 0: data: invalid facility file: no geometry"},
		{"bad polygon coordinate", "x.geojson", fc(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[104,30],[104,95],[105,30],[104,30]]]},"properties":{"category":"park"}}`),
			[]error{geo.ErrBadCoordinate, ErrBadFacilities}, "feature 0: geo: coordinate outside WGS84 range: latitude 95"},
		{"unclosed tiny polygon", "x.geojson", fc(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[104,30],[104,31]]]},"properties":{"category":"park"}}`),
			[]error{ErrBadFacilities}, "ring 0 has 2 points"},
		{"multipoint unsupported", "x.geojson", fc(`{"type":"Feature","geometry":{"type":"MultiPoint","coordinates":[[104,30]]},"properties":{"category":"clinic"}}`),
			[]error{ErrBadFacilities}, "geometry MultiPoint not supported"},
		{"negative capacity", "x.geojson", fc(`{"type":"Feature",` + pt + `,"properties":{"category":"clinic","capacity":-3}}`),
			[]error{ErrBadFacilities}, "capacity -3 must be a finite number >= 0"},
		{"text capacity", "x.geojson", fc(`{"type":"Feature",` + pt + `,"properties":{"category":"clinic","capacity":"many"}}`),
			[]error{ErrBadFacilities}, `capacity "many" is not a number`},
		{"boolean capacity", "x.geojson", fc(`{"type":"Feature",` + pt + `,"properties":{"category":"clinic","capacity":true}}`),
			[]error{ErrBadFacilities}, "capacity is bool"},
		{"numeric name", "x.geojson", fc(`{"type":"Feature",` + pt + `,"properties":{"category":"clinic","name":12}}`),
			[]error{ErrBadFacilities}, `property "name" is float64, want a string`},
		{"id named in later errors", "x.geojson", fc(`{"type":"Feature",` + pt + `,"properties":{"category":"cinema","id":"c-9"}}`),
			[]error{geo.ErrUnknownCategory}, `feature 0 (id "c-9")`},
		{"not a feature", "x.geojson", fc(`{"type":"Point","coordinates":[104,30]}`),
			[]error{ErrBadFacilities}, "feature 0: data: invalid facility file"},
		{"broken JSON gives the line", "x.geojson", "{\n\"type\": \"FeatureCollection\",\n\"features\": [}\n",
			[]error{ErrBadFacilities}, "line 3"},
		{"csv missing columns", "x.csv", "name,category\n诊所,clinic\n",
			[]error{ErrBadFacilities}, "x.csv: data: invalid facility file: header: missing column lon, lat"},
		{"csv two longitude columns", "x.csv", "lon,lng,lat,category\n1,2,3,clinic\n",
			[]error{ErrBadFacilities}, `columns "lon" and "lng" both give lon`},
		{"csv empty", "x.csv", "", []error{ErrBadFacilities}, "empty file"},
		{"csv text coordinate", "x.csv", "lon,lat,category\n104.04,北纬30,clinic\n",
			[]error{geo.ErrBadCoordinate, ErrBadFacilities}, `line 2: geo: coordinate outside WGS84 range: lon "104.04", lat "北纬30" are not numbers`},
		{"csv NaN coordinate", "x.csv", "lon,lat,category\nNaN,30,clinic\n",
			[]error{geo.ErrBadCoordinate}, "line 2: geo: coordinate outside WGS84 range: (NaN, 30) is not finite"},
		{"csv ragged row", "x.csv", "lon,lat,category\n104,30\n",
			[]error{ErrBadFacilities}, "wrong number of fields"},
		{"csv unknown category", "x.csv", "lon,lat,category\n104,30,clinic\n104,30,影院\n",
			[]error{geo.ErrUnknownCategory}, `x.csv: line 3: geo: unknown category "影院"`},
		{"csv neither UTF-8 nor GBK", "x.csv", "lon,lat,category,name\n104,30,clinic,\xd5\xef\x81\x20\n",
			[]error{ErrBadFacilities, ErrBadEncoding}, "x.csv: data: text neither UTF-8 nor GB18030/GBK: line 2, byte 17 of the line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.text == "" && strings.HasPrefix(tt.file, "facilities_") {
				_, err = loadFacilityFile(t, tt.file)
			} else {
				_, err = LoadFacilities(strings.NewReader(tt.text), tt.file, DefaultTaxonomy())
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.wantText)
			}
			for _, target := range tt.wantIs {
				if !errors.Is(err, target) {
					t.Errorf("error %q does not wrap %v", err, target)
				}
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q, want it to contain %q", err, tt.wantText)
			}
			if !strings.HasPrefix(err.Error(), tt.file+": ") {
				t.Errorf("error %q does not start with the file name", err)
			}
		})
	}
}

func TestLoadFacilitiesEmpty(t *testing.T) {
	for _, tt := range []struct{ file, text string }{
		{"x.geojson", `{"type":"FeatureCollection","features":[]}`},
		{"x.csv", "lon,lat,category\n"},
	} {
		got, err := LoadFacilities(strings.NewReader(tt.text), tt.file, DefaultTaxonomy())
		if err != nil || len(got) != 0 {
			t.Errorf("%s: got %v, %v; want no facilities and no error", tt.file, got, err)
		}
	}
}

func TestLoadFacilitiesMultiPolygonPoint(t *testing.T) {
	// An L-shaped park whose centroid lies outside it, and a small second
	// polygon: the point must fall inside the larger polygon.
	text := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"category":"park"},
	"geometry":{"type":"MultiPolygon","coordinates":[
	  [[[104.100,30.600],[104.101,30.600],[104.101,30.601],[104.100,30.601],[104.100,30.600]]],
	  [[[104.00,30.60],[104.03,30.60],[104.03,30.61],[104.01,30.61],[104.01,30.63],[104.00,30.63],[104.00,30.60]]]
	]}}]}`
	got, err := LoadFacilities(strings.NewReader(text), "l.geojson", DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	mp := got[0].Geom.(orb.MultiPolygon)
	if !planar.MultiPolygonContains(mp, got[0].Point) && !onBoundary(mp[1], got[0].Point) {
		t.Errorf("point %v is neither inside nor on the park", got[0].Point)
	}
	if planar.PolygonContains(mp[0], got[0].Point) {
		t.Errorf("point %v is in the small polygon, want the large one", got[0].Point)
	}
}

func onBoundary(p orb.Polygon, pt orb.Point) bool {
	for _, r := range p {
		for _, q := range r {
			if math.Abs(q[0]-pt[0]) < 1e-12 && math.Abs(q[1]-pt[1]) < 1e-12 {
				return true
			}
		}
	}
	return false
}

// FuzzLoadFacilities checks that no input makes the loaders panic and that
// whatever they accept has valid points and known categories.
func FuzzLoadFacilities(f *testing.F) {
	for _, name := range []string{"facilities_chengdu.geojson", "facilities_chengdu.csv", "facilities_semicolon.csv", "facilities_unknown_category.geojson"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("lon,lat,category\n104,30,clinic\n")
	tax := DefaultTaxonomy()
	f.Fuzz(func(t *testing.T, text string) {
		for _, format := range []FacilityFormat{FormatAuto, FormatGeoJSON, FormatCSV} {
			got, err := LoadFacilitiesFormat(strings.NewReader(text), "fuzz", format, tax)
			if err != nil {
				continue
			}
			for _, fac := range got {
				if err := geo.ValidPoint(fac.Point); err != nil {
					t.Errorf("accepted facility %q with %v", fac.ID, err)
				}
				if _, ok := tax.Category(fac.Category); !ok {
					t.Errorf("accepted facility %q with unknown category %q", fac.ID, fac.Category)
				}
				if fac.Capacity < 0 || math.IsNaN(fac.Capacity) || math.IsInf(fac.Capacity, 0) {
					t.Errorf("accepted facility %q with capacity %v", fac.ID, fac.Capacity)
				}
			}
		}
	})
}

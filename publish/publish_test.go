package publish_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"fifteen/data"
	"fifteen/geo"
	"fifteen/publish"
)

var (
	accessOnce sync.Once
	access     *geo.Access
	accessErr  error
)

// defaultAccess loads the embedded default city once.
func defaultAccess(t testing.TB) *geo.Access {
	t.Helper()
	accessOnce.Do(func() {
		city, _, err := data.Load(context.Background(), data.Config{})
		if err != nil {
			accessErr = err
			return
		}
		access, accessErr = geo.ComputeAccess(city, geo.AccessOptions{K: 3})
	})
	if accessErr != nil {
		t.Fatal(accessErr)
	}
	return access
}

// layers returns one layer of every result kind on the default city.
func layers(t *testing.T) map[string]publish.Layer {
	a := defaultAccess(t)
	r, err := a.Report()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]publish.Layer{
		"facilities":  publish.Facilities(a.City, "", false),
		"greenways":   publish.Facilities(a.City, "", true),
		"communities": publish.Communities(a.City, r, a.Options.K),
		"coverage":    publish.Coverage(a.City, r),
		"network":     publish.NetworkLayer{G: a.City.Graph},
	}
	for _, res := range []int{8, 10} {
		l, err := publish.Cells(a, 1, res)
		if err != nil {
			t.Fatal(err)
		}
		out["cells"+string(rune('0'+res-8))] = l
	}
	for name, opt := range map[string]geo.GapOptions{"clusters": {Category: "clinic"}, "clusters_tier": {Tier: 10, Profile: "senior"}} {
		l, err := publish.Clusters(a, opt)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = l
	}
	sr, err := a.Siting(geo.SitingOptions{Category: "pharmacy", K: 3})
	if err != nil {
		t.Fatal(err)
	}
	out["sites"] = publish.SiteLayer{R: sr}
	ir, err := geo.Isochrone(a.City, a.Costs[0], geo.NewSearcher(a.City.Graph), orb.Point{9.5209, 47.1410},
		geo.IsochroneOptions{Minutes: []float64{5, 10}, Edges: true})
	if err != nil {
		t.Fatal(err)
	}
	out["contours"] = publish.ContourLayer{R: ir, Profile: "adult"}
	out["reached"] = publish.ReachedEdgeLayer{R: ir}
	nr, err := a.NearestRoutes(geo.NewSearcher(a.City.Graph), 0, "clinic", orb.Point{9.5209, 47.1410}, 3)
	if err != nil {
		t.Fatal(err)
	}
	out["routes"] = publish.RouteLayer{City: a.City, R: nr}
	return out
}

// TestEveryLayerMatchesItsSchema: every feature of every result kind has
// one value per field, of the field's type, null only where allowed; its
// GeoJSON parses, and parsing it gives every field (and no other) with a
// JSON type matching the schema.
func TestEveryLayerMatchesItsSchema(t *testing.T) {
	for name, l := range layers(t) {
		t.Run(name, func(t *testing.T) {
			if l.Len() == 0 {
				t.Fatalf("no features")
			}
			if err := publish.Check(l); err != nil {
				t.Fatal(err)
			}
			b, err := publish.GeoJSON([]publish.Member{{Key: "attribution", Value: "© OpenStreetMap contributors"}}, l)
			if err != nil {
				t.Fatal(err)
			}
			var fc struct {
				Features []struct {
					ID         any            `json:"id"`
					Properties map[string]any `json:"properties"`
				} `json:"features"`
			}
			if err := json.Unmarshal(b, &fc); err != nil {
				t.Fatal(err)
			}
			s := l.Schema()
			for i, f := range fc.Features {
				if len(f.Properties) != len(s.Fields) {
					t.Fatalf("feature %d: %d properties, %d fields", i, len(f.Properties), len(s.Fields))
				}
				for _, fd := range s.Fields {
					v, ok := f.Properties[fd.Name]
					if !ok {
						t.Fatalf("feature %d: no %s", i, fd.Name)
					}
					if !jsonTypeOK(v, fd) {
						t.Fatalf("feature %d: %s = %#v, schema type %v nullable %v", i, fd.Name, v, fd.Type, fd.Nullable)
					}
				}
				switch s.IDType {
				case publish.IDInteger:
					if _, ok := f.ID.(float64); !ok {
						t.Fatalf("feature %d: id %#v, want an integer", i, f.ID)
					}
				default:
					if _, ok := f.ID.(string); !ok {
						t.Fatalf("feature %d: id %#v, want a string", i, f.ID)
					}
				}
			}
		})
	}
}

func jsonTypeOK(v any, f publish.Field) bool {
	if v == nil {
		return f.Nullable
	}
	switch f.Type {
	case publish.Number:
		_, ok := v.(float64)
		return ok
	case publish.Integer:
		x, ok := v.(float64)
		return ok && x == math.Trunc(x)
	case publish.String:
		_, ok := v.(string)
		return ok
	case publish.Boolean:
		_, ok := v.(bool)
		return ok
	case publish.StringList, publish.IntegerList:
		_, ok := v.([]any)
		return ok
	}
	return false
}

// TestRenderingIsDeterministic: the same layer gives the same bytes, in
// every rendering.
func TestRenderingIsDeterministic(t *testing.T) {
	for name, l := range layers(t) {
		var a, b, c, d bytes.Buffer
		if err := publish.WriteGeoJSON(&a, nil, l); err != nil {
			t.Fatal(err)
		}
		if err := publish.WriteGeoJSON(&b, nil, l); err != nil {
			t.Fatal(err)
		}
		if err := publish.WriteCSV(&c, l, publish.CSVOptions{Attribution: "x"}); err != nil {
			t.Fatal(err)
		}
		if err := publish.WriteCSV(&d, l, publish.CSVOptions{Attribution: "x"}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) || !bytes.Equal(c.Bytes(), d.Bytes()) {
			t.Errorf("%s: two renderings differ", name)
		}
	}
}

// TestReportRenderings checks the long CSV and the wide GeoJSON of the
// report on the default city.
func TestReportRenderings(t *testing.T) {
	a := defaultAccess(t)
	r, err := a.Report()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := publish.WriteCSV(&buf, publish.Coverage(a.City, r), publish.CSVOptions{Attribution: a.City.Attribution, BOM: true}); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\ufeff")) {
		t.Errorf("no byte-order mark")
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := 1 + 12*len(a.Profiles)*len(a.City.Taxonomy.Categories)
	if len(recs) != want {
		t.Fatalf("%d CSV rows, want %d", len(recs), want)
	}
	head := strings.Join(recs[0], ",")
	for _, col := range []string{"community_id", "share", "places", "shortfall", "compliance_10", "attribution"} {
		if !strings.Contains(","+head+",", ","+col+",") {
			t.Errorf("CSV header lacks %s: %s", col, head)
		}
	}
	if last := recs[1][len(recs[1])-1]; !strings.Contains(last, "OpenStreetMap") {
		t.Errorf("attribution column: %q", last)
	}
	l := publish.Communities(a.City, r, a.Options.K)
	if n := len(l.Schema().Fields); n < 100 {
		t.Errorf("communities carry %d fields", n)
	}
	for _, f := range []string{"share_clinic_adult", "compliance_10_senior", "missing_15_adult", "places_kindergarten_adult", "mean_k_min_clinic_adult"} {
		if _, ok := l.Schema().Field(f); !ok {
			t.Errorf("communities lack %s", f)
		}
	}
	rows, err := a.Cells(0, 8)
	if err != nil {
		t.Fatal(err)
	}
	var pop float64
	for _, row := range rows {
		pop += row.Population
		if row.Cell.Res() != 8 {
			t.Fatalf("cell %v at res %d", row.Cell, row.Cell.Res())
		}
	}
	if math.Abs(pop-37269) > 0.5 {
		t.Errorf("res-8 cells hold %.1f people", pop)
	}
	if _, err := a.Cells(0, 11); err == nil {
		t.Errorf("res 11 accepted")
	}
}

// TestRoundedGeometryStaysValid rounds every community, cluster and
// contour outline to 6 decimals and checks the rings with brute force: closed,
// at least four points, no repeated point, no two edges crossing.
func TestRoundedGeometryStaysValid(t *testing.T) {
	var polys []orb.MultiPolygon
	a := defaultAccess(t)
	for _, c := range a.City.Communities {
		polys = append(polys, c.Geom)
	}
	for _, l := range layers(t) {
		if cl, ok := l.(*publish.ClusterLayer); ok {
			for _, c := range cl.Clusters {
				polys = append(polys, c.Outline)
			}
		}
	}
	for k, mp := range polys {
		g := publish.RoundGeometry(mp).(orb.MultiPolygon)
		for _, p := range g {
			for _, r := range p {
				if msg := publish.RingProblem(r, true); msg != "" {
					t.Errorf("polygon %d: %s", k, msg)
				}
			}
		}
	}
	// Hand-made: a spike and a repeated point that rounding makes.
	r := orb.Ring{{0, 0}, {1e-3, 0}, {1e-3, 1e-3}, {1e-3, 2e-3}, {1e-3 + 1e-8, 1e-3}, {0, 1e-3}, {0, 0}}
	got := publish.RoundGeometry(orb.Polygon{r}).(orb.Polygon)
	if len(got) != 1 || publish.RingProblem(got[0], true) != "" {
		t.Errorf("spike: %v (%s)", got, publish.RingProblem(got[0], true))
	}
}

// TestSchemas: the JSON Schema documents list every field in order, with
// types GDAL reads.
func TestSchemas(t *testing.T) {
	for name, l := range layers(t) {
		s := l.Schema()
		b, err := json.Marshal(publish.FeatureSchema(s, "https://example.org/"+name))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Properties struct {
				Properties struct {
					Properties map[string]struct {
						Type     string `json:"type"`
						Nullable bool   `json:"nullable"`
					} `json:"properties"`
				} `json:"properties"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		props := doc.Properties.Properties.Properties
		if len(props) != len(s.Fields) {
			t.Fatalf("%s: %d properties in the schema, %d fields", name, len(props), len(s.Fields))
		}
		for _, f := range s.Fields {
			if p := props[f.Name]; p.Type != f.Type.String() || p.Nullable != f.Nullable {
				t.Errorf("%s.%s: %+v", name, f.Name, p)
			}
		}
		// Field order is kept: it is the order of the columns a GIS makes.
		i0 := bytes.Index(b, []byte(`"`+s.Fields[0].Name+`":`))
		i1 := bytes.Index(b, []byte(`"`+s.Fields[len(s.Fields)-1].Name+`":`))
		if i0 < 0 || i1 < i0 {
			t.Errorf("%s: fields out of order", name)
		}
		if _, err := json.Marshal(publish.ReturnablesSchema(s, "x")); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFingerprint: two loads of the same inputs have one fingerprint; a
// what-if city has another.
func TestFingerprint(t *testing.T) {
	a := defaultAccess(t)
	city, _, err := data.Load(context.Background(), data.Config{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := geo.ComputeAccess(city, geo.AccessOptions{K: 3})
	if err != nil {
		t.Fatal(err)
	}
	if a.Fingerprint() != b.Fingerprint() {
		t.Error("two loads of the default city have different fingerprints")
	}
	w, err := b.WhatIf(geo.Scenario{Close: []string{b.City.Facilities[0].ID}})
	if err != nil {
		t.Fatal(err)
	}
	if w.Fingerprint() == b.Fingerprint() {
		t.Error("closing a facility leaves the fingerprint as it was")
	}
	c, err := geo.ComputeAccess(city, geo.AccessOptions{K: 3, CutoffMin: 45})
	if err != nil {
		t.Fatal(err)
	}
	if c.Fingerprint() == b.Fingerprint() {
		t.Error("another cutoff leaves the fingerprint as it was")
	}
}
